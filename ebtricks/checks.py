"""Self-checks for the exercises at the end of each chapter.

Each function takes the student's answer, computes the right one its own way, prints
whether the answer is right (with a hint when it is not) and returns True or False.
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import check_finite_scalar, check_positive
from .data import two_gaussians

__all__ = ["one_dimensional_rates", "lms_eta_max", "shifted_inputs_lambda_max",
           "steps_for_condition_number", "whitened_eta_opt"]


def _verdict(ok, what: str, hint: str) -> bool:
    ok = bool(ok)
    print(f"✔ {what}: correct." if ok else f"✘ {what}: not yet. Hint: {hint}")
    return ok


def _close(answer, truth, rel):
    return abs(answer - truth) <= rel * abs(truth)


def one_dimensional_rates(eta_opt, eta_max, curvature: float = 4.0) -> bool:
    """Exercise: E(w) = curvature/2 w^2. Which rate reaches the minimum in one step, and
    which is the largest that still converges?"""
    curvature = check_positive("curvature", curvature)
    a = _close(check_finite_scalar("eta_opt", eta_opt), 1 / curvature, 1e-6)
    b = _close(check_finite_scalar("eta_max", eta_max), 2 / curvature, 1e-6)
    _verdict(a, "eta_opt", "one step lands on the minimum when eta = 1/E'' (eq 24)")
    _verdict(b, "eta_max", "the distance is multiplied by 1 - eta E'' each step; when does "
                           "its size reach 1?")
    return a and b


# --- self-checks of the 1-D and N-D pages (§5.1) ---

def same_speed_rate(answer, ratio: float = 0.3) -> bool:
    """Exercise: on a quadratic, eta = ``ratio`` * eta_opt (below eta_opt) shrinks the
    distance without oscillating. Which other eta / eta_opt shrinks it just as fast?"""
    ratio = check_finite_scalar("ratio", ratio)
    if not 0 < ratio < 1:
        raise ValueError(f"ratio must be between 0 and 1 (a rate below eta_opt), got {ratio}")
    # Measure it: the rate above eta_opt whose per-step factor has the same size, found by
    # bisection on |1 - r| (decreasing below 1, increasing above).
    target, lo, hi = abs(1 - ratio), 1.0, 2.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if abs(1 - mid) < target else (lo, mid)
    return _verdict(abs(check_finite_scalar("answer", answer) - lo) <= 0.01, "eta / eta_opt",
                    "one step multiplies the distance by 1 - eta/eta_opt; which other value "
                    "of eta/eta_opt gives a factor of the same size, but negative?")


def newton_log_cosh_threshold(answer) -> bool:
    """Exercise: on E(w) = log cosh w, one step with eta = 1/E''(w_c) goes from w_c to
    w_c - tanh(w_c) cosh^2(w_c) = w_c - sinh(2 w_c)/2. Beyond which ``|w_c|`` does it land
    farther from the minimum than it started? (to two decimals: within 0.01)"""
    answer = check_finite_scalar("answer", answer)

    def farther(w):                         # does one step from w land beyond |w|?
        return abs(w - np.tanh(w) * np.cosh(w) ** 2) > abs(w)

    lo, hi = 0.1, 3.0                       # nearer at lo, farther at hi
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if farther(mid) else (mid, hi)
    return _verdict(abs(abs(answer) - lo) <= 0.01, "threshold",
                    "the step lands at w_c - tanh(w_c) cosh^2(w_c) = w_c - sinh(2 w_c)/2 "
                    "(tanh w cosh^2 w = sinh w cosh w); solve |w_c - sinh(2 w_c)/2| = |w_c| "
                    "for w_c != 0 (it is the point where sinh(2 w_c) = 4 w_c)")


def _quadratic_2d(kappa, angle_deg):
    from .descent import Quadratic
    return Quadratic.from_eigen([1.0, 1.0 / kappa], angle=np.radians(angle_deg))


def per_weight_slowest(angle_deg, factor, kappa: float = 32.0) -> bool:
    """Exercise: with a rate 1/H_ii for each weight, at which rotation of the eigenvectors
    (degrees) does descent on a quadratic of condition number ``kappa`` converge slowest,
    and by what factor does the distance then shrink per step (to 1 %)? The factor repeats
    every 90 degrees (rotating by 90 swaps the weights), so 45 and 135 are both right."""
    kappa = check_positive("kappa", kappa)
    angle_deg = check_finite_scalar("angle_deg", angle_deg)
    factor = check_finite_scalar("factor", factor)
    angles = np.linspace(0, 90, 901)
    # the iteration w <- (I - diag(H)^-1 H) w: its slowest factor is the spectral radius
    radius = [np.abs(np.linalg.eigvals(np.eye(2) - q.H / np.diag(q.H)[:, None])).max()
              for q in (_quadratic_2d(kappa, a) for a in angles)]
    worst = angles[int(np.argmax(radius))]
    off = abs((angle_deg - worst + 45) % 90 - 45)       # distance modulo 90 degrees
    a = _verdict(off <= 3, "rotation",
                 "per-weight rates undo the scaling of each axis, not the rotation: where "
                 "is the rotation largest, as seen from the axes?")
    b = _verdict(_close(factor, max(radius), 0.01), "factor",
                 "the update is w <- (I - diag(H)^-1 H) w: take the eigenvalues of that "
                 "matrix at the slowest rotation (the eigenvalues of diag(H)^-1 H are 1 +- rho, "
                 "rho = H_12 / sqrt(H_11 H_22))")
    return a and b


def fastest_single_rate(answer, kappa: float = 20.0) -> bool:
    """Exercise: on a quadratic with lambda_max = 1 and condition number ``kappa``, which
    single rate eta makes the slowest direction shrink fastest (to 1 %)?"""
    kappa = check_positive("kappa", kappa)
    answer = check_finite_scalar("answer", answer)
    lam = np.array([1.0, 1.0 / kappa])
    etas = np.linspace(0.0, 2.0, 200_001)
    worst = np.abs(1 - etas[:, None] * lam).max(axis=1)   # the slowest factor at each eta
    truth = etas[int(np.argmin(worst))]
    return _verdict(_close(answer, truth, 0.01), "eta",
                    "1/lambda_max clears the steep direction at once but leaves the flat one "
                    "at 1 - 1/kappa; raise eta until the steep direction's factor |1 - eta| "
                    "is as large as the flat one's")


__all__ += ["same_speed_rate", "newton_log_cosh_threshold", "per_weight_slowest",
            "fastest_single_rate"]


def _lms_hessian(X):
    Xa = np.column_stack([X, np.ones(len(X))])
    return Xa.T @ Xa / len(X)


def lms_eta_max(answer, seed: int = 0) -> bool:
    """Exercise: eta_max of batch LMS on ``data.two_gaussians(seed)`` with the bias trained,
    to 1 %."""
    truth = 2 / np.linalg.eigvalsh(_lms_hessian(two_gaussians(seed=seed)[0]))[-1]
    return _verdict(_close(check_finite_scalar("answer", answer), truth, 0.01), "eta_max",
                    "the bias is a weight on a constant input 1: include it in H = <x x^T> "
                    "(eq 29) before taking 2/lambda_max")


def shifted_inputs_lambda_max(answer, shift=(3.0, 3.0), seed: int = 0) -> bool:
    """Exercise: the largest Hessian eigenvalue of the LMS problem when every input of
    ``data.two_gaussians(seed)`` is shifted by ``shift``, to 1 %."""
    X = two_gaussians(seed=seed)[0] + np.asarray(shift, dtype=float)
    truth = np.linalg.eigvalsh(_lms_hessian(X))[-1]
    return _verdict(_close(check_finite_scalar("answer", answer), truth, 0.01), "lambda_max",
                    "H = <x x^T> is not the covariance once the mean m is not zero; its "
                    "largest eigenvalue is close to 1 + |m|^2 + (the inputs' variance along "
                    "m) (§5.3)")


def steps_for_condition_number(answer, kappa: float = 100.0, reduction: float = 1e-6) -> bool:
    """Exercise: with eta = 1/lambda_max on a quadratic of condition number kappa, how many
    steps shrink the slowest component by ``reduction``? (within one step)"""
    kappa = check_positive("kappa", kappa)
    truth = math.ceil(math.log(reduction) / math.log(1 - 1 / kappa))
    return _verdict(abs(check_finite_scalar("answer", answer) - truth) <= 1, "steps",
                    "along the smallest eigenvalue each step multiplies the distance by "
                    "1 - eta lambda_min = 1 - 1/kappa")


def whitened_eta_opt(answer) -> bool:
    """Exercise: after whitening the Fig 10 inputs (centre, decorrelate, unit variance),
    what single rate is optimal for batch LMS with a bias?"""
    return _verdict(_close(check_finite_scalar("answer", answer), 1.0, 1e-3), "eta_opt",
                    "whitened inputs make H = <x x^T> the identity, and the bias adds one "
                    "more eigenvalue: what is it?")


def bias_growth_per_epoch(answer, eta: float = 2.2) -> bool:
    """Exercise (§5.2, the paper's Fig. 11): batch LMS on ``data.two_gaussians(seed=0)`` from
    w = (-1.2, 2.2), b = 0.5 at rate ``eta``. By what factor does the size of the bias's
    distance from its optimum grow each epoch? (to 1 %, or 0.001 for a factor near 0) The
    factor with its sign, 1 - eta lambda as the earlier pages write it, is accepted too."""
    from . import measure
    from .network import mlp
    from .sgd import train_sgd

    answer = check_finite_scalar("answer", answer)
    eta = check_positive("eta", eta)
    if eta > 3.0:
        raise ValueError(f"eta must be at most 3 (the page's slider range), got {eta}")
    X, D = two_gaussians(seed=0)
    b_opt = measure.lms_solution(X, D)[1][0]
    net = mlp([2, 1], activation="identity").set_params([-1.2, 2.2, 0.5])
    h = train_sgd(net, X, D, epochs=10, eta=eta, batch_size=len(X), order="sequential",
                  record_weights=True, diverge_factor=1e300, track_cost=False)
    # The bias is decoupled, so every epoch has the same factor; ten epochs measure it
    # before a converging bias sinks into rounding noise.
    dev = h.weights[:, 2] - b_opt                    # signed: it alternates when eta > 1
    dev = dev[:int(np.argmax(np.abs(dev) <= 1e-9 * abs(dev[0])) or len(dev))]
    if len(dev) < 2:                                 # gone in one epoch: the factor is 0
        size, sign = 0.0, 1.0
    else:
        size = float(np.exp(np.mean(np.diff(np.log(np.abs(dev))))))
        sign = float(np.sign(np.median(dev[1:] / dev[:-1])))
    tol = max(0.01 * size, 1e-3)
    ok = abs(answer - size) <= tol or abs(answer - sign * size) <= tol
    return _verdict(ok, "factor",
                    "with centred inputs the bias is decoupled from the weights; its own "
                    "eigenvalue is <1 * 1> = 1, and each epoch multiplies a component along "
                    "an eigenvector of eigenvalue lambda by 1 - eta lambda (its size: "
                    "|1 - eta lambda|)")


def _lecun_tanh(x):
    return 1.7159 * np.tanh(2.0 * x / 3.0)


def valley_floor_w2(answer) -> bool:
    """Exercise (§5.2, the paper's Fig. 13): the 1-1-1 net of ``data.one_one_one(seed=0)``
    with its biases at 0. Along the valley with w1 < 0, as w1 -> -infinity, the best w2
    tends to a limit. Which? (to 2e-3)"""
    from .data import one_one_one

    answer = check_finite_scalar("answer", answer)
    X, D = one_one_one(seed=0)
    x, d = X[:, 0], D[:, 0]

    def cost(w2, w1=-1e4):
        return 0.5 * np.mean((_lecun_tanh(w2 * _lecun_tanh(w1 * x)) - d) ** 2)

    lo, hi = -3.0, 0.0               # golden-section search for the best w2 far out
    g = (np.sqrt(5) - 1) / 2
    for _ in range(80):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if cost(a) < cost(b):
            hi = b
        else:
            lo = a
    truth = 0.5 * (lo + hi)
    return _verdict(abs(answer - truth) <= 2e-3, "w2",
                    "far along the valley the hidden unit is a step: it outputs +-1.7159. "
                    "The output unit must turn 1.7159 |w2| into exactly 1, and f(1) = 1; "
                    "mind the sign in the valley where w1 < 0")


def shifted_hessian_determinant(answer, shift=(3.0, 3.0), seed: int = 0) -> bool:
    """Exercise (§5.3): det H of the LMS problem (weights and bias) when every input of
    ``data.two_gaussians(seed)`` is shifted by ``shift``, to 1 %."""
    answer = check_finite_scalar("answer", answer)
    shift = np.asarray(shift, dtype=float)
    if shift.shape != (2,) or not np.all(np.isfinite(shift)):
        raise ValueError(f"shift must be two finite numbers, got {shift!r}")
    X = two_gaussians(seed=seed)[0] + shift
    truth = float(np.prod(np.linalg.eigvalsh(_lms_hessian(X))))
    return _verdict(_close(answer, truth, 0.01), "det H",
                    "write H in blocks [[<x x^T>, m], [m^T, 1]] and take the Schur "
                    "complement of the bias's 1: what is left does not depend on the mean")


def whitened_scaled_kappa(answer, variance: float = 4.0, seed: int = 0) -> bool:
    """Exercise (§4.3, §5.3): whiten the inputs of ``data.two_gaussians(seed)``, then scale
    them to ``variance`` instead of 1. What is the condition number of the LMS Hessian with
    the bias? (to 1 %)"""
    from .preprocessing import whiten

    answer = check_finite_scalar("answer", answer)
    variance = check_positive("variance", variance)
    Z = whiten().fit_transform(two_gaussians(seed=seed)[0]) * np.sqrt(variance)
    lam = np.linalg.eigvalsh(_lms_hessian(Z))
    return _verdict(_close(answer, lam[-1] / lam[0], 0.01), "kappa",
                    "whitened inputs make the weights' block of H a multiple of the "
                    "identity; the bias's input is the constant 1: what is its eigenvalue?")


__all__ += ["bias_growth_per_epoch", "valley_floor_w2", "shifted_hessian_determinant",
            "whitened_scaled_kappa"]


# --- self-checks of the page learning_machine (§2, the paper's Fig. 1) ---

def _machine_problem():
    Z, D = two_gaussians(n=100, seed=0)
    return Z, D


def machine_best_weight(answer) -> bool:
    """Exercise: the single lecun_tanh unit ``mlp([2, 1], seed=0)`` on
    ``two_gaussians(n=100, seed=0)``; with w1 and b held at their initial values, which
    w2 minimises E? (within 0.01)

    Parameters
    ----------
    answer : float
        The reader's w2.

    Returns
    -------
    bool
        Whether it is within 0.01 of the minimiser.

    Examples
    --------
    >>> machine_best_weight(0.0)
    ✘ w2: not yet. Hint: move the slider w₂ to the bottom of the curve, then refine: E is smooth, so its slope dE/dw₂ is 0 there
    False
    """
    from .network import mlp
    answer = check_finite_scalar("answer", answer)
    Z, D = _machine_problem()
    unit = mlp([2, 1], seed=0)
    p = unit.params.copy()

    def cost(w):
        p[1] = w
        return unit.cost(Z, D, p)

    grid = np.linspace(-1.5, 3.0, 91)       # the curve is unimodal on the slider's range
    k = int(np.argmin([cost(w) for w in grid]))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    g = (math.sqrt(5) - 1) / 2
    for _ in range(60):                     # golden-section search in the bracket
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        lo, hi = (lo, b) if cost(a) < cost(b) else (a, hi)
    return _verdict(abs(answer - (lo + hi) / 2) <= 0.01, "w2",
                    "move the slider w₂ to the bottom of the curve, then refine: E is "
                    "smooth, so its slope dE/dw₂ is 0 there")


def first_order_change(answer, eta: float = 0.1) -> bool:
    """Exercise: one step of eq (10) with rate ``eta`` on the machine ``mlp([2, 3, 1],
    seed=0)`` and ``two_gaussians(n=100, seed=0)`` changes E by about
    -eta ||dE/dW||^2. What is that first-order change? (within 1 %)

    Parameters
    ----------
    answer : float
        The reader's predicted change of E (negative).
    eta : float, default 0.1
        The learning rate of the step.

    Returns
    -------
    bool
        Whether it is within 1 % of -eta ||dE/dW||^2.

    Examples
    --------
    >>> first_order_change(1.0)
    ✘ change of E: not yet. Hint: to first order E(W - eta g) = E(W) - eta g.g, with g = dE/dW from machine.gradient
    False
    """
    from .network import mlp
    answer = check_finite_scalar("answer", answer)
    eta = check_positive("eta", eta)
    Z, D = _machine_problem()
    machine = mlp([2, 3, 1], seed=0)
    w, h = machine.params.copy(), 1e-6
    g = np.empty_like(w)
    for i in range(w.size):                 # the gradient by central differences
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (machine.cost(Z, D, w + e) - machine.cost(Z, D, w - e)) / (2 * h)
    truth = -eta * float(g @ g)
    return _verdict(_close(answer, truth, 0.01), "change of E",
                    "to first order E(W - eta g) = E(W) - eta g.g, with g = dE/dW from "
                    "machine.gradient")


def output_derivative(answer, p: int = 0) -> bool:
    """Exercise: for the machine ``mlp([2, 3, 1], seed=0)`` and sample ``p`` of
    ``two_gaussians(n=100, seed=0)``, what is the derivative of E^p = C(D^p, y) with
    respect to the machine's output y, at y = M(Z^p, W)? (within 1e-6)

    Parameters
    ----------
    answer : float
        The reader's dE^p/dy.
    p : int, default 0
        The sample.

    Returns
    -------
    bool
        Whether it is within 1e-6 of the derivative.

    Examples
    --------
    >>> output_derivative(0.0)
    ✘ dE^p/dy: not yet. Hint: C(D, y) = (D - y)^2 / 2 for one output; differentiate in y, then put in y = machine.forward(Z[p])
    False
    """
    from .network import mlp
    answer = check_finite_scalar("answer", answer)
    Z, D = _machine_problem()
    if int(p) != p or not 0 <= p < len(Z):
        raise ValueError(f"p must be a sample index from 0 to {len(Z) - 1}, got {p!r}")
    y = float(mlp([2, 3, 1], seed=0).forward(Z[int(p)])[0, 0])
    d, h = float(D[int(p), 0]), 1e-5

    def cost(v):                            # C(D^p, v) of eq (1), one output
        return 0.5 * (d - v) ** 2

    truth = (cost(y + h) - cost(y - h)) / (2 * h)
    return _verdict(abs(answer - truth) <= 1e-6, "dE^p/dy",
                    "C(D, y) = (D - y)^2 / 2 for one output; differentiate in y, then put "
                    "in y = machine.forward(Z[p])")


__all__ += ["machine_best_weight", "first_order_change", "output_derivative"]


# --- self-checks of the page backprop (§3, eqs 2-10) ---

def _dense_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a sequence of layer sizes, got {sizes!r}")
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must hold at least two sizes >= 1, got {sizes}")
    return sizes


def _multiply_adds(sizes):
    """(forward, backward) multiply-adds of one sample, counted one product at a time."""
    forward = backward = 0
    for n, (m_in, m_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        for _i in range(m_out):
            for _j in range(m_in):
                forward += 1                # y_i += w_ij x_j
                backward += 1               # dE/dw_ij = dE/dy_i x_j
                if n > 0:
                    backward += 1           # dE/dx_j += w_ij dE/dy_i (not for the input)
    return forward, backward


def backward_multiply_adds(answer, sizes=(2, 3, 2)) -> bool:
    """Exercise: how many multiply-adds does the backward pass of one sample cost in a
    dense network of layer sizes ``sizes``, counting one per weight for every dE/dW_n and
    one per weight for every dE/dX_{n-1} except dE/dX_0? (exact)

    Parameters
    ----------
    answer : int
        The reader's count.
    sizes : sequence of int, default (2, 3, 2)
        Units per layer, inputs first.

    Returns
    -------
    bool
        Whether the count is right.

    Examples
    --------
    >>> backward_multiply_adds(12)
    ✘ multiply-adds: not yet. Hint: a layer with m inputs and k units has m k weights: m k products for dE/dW, and m k more for dE/dX below it, except for the first layer
    False
    """
    answer = check_finite_scalar("answer", answer)
    _, backward = _multiply_adds(_dense_sizes(sizes))
    return _verdict(answer == backward, "multiply-adds",
                    "a layer with m inputs and k units has m k weights: m k products for "
                    "dE/dW, and m k more for dE/dX below it, except for the first layer")


def input_gradient(answer, z=(1.0, 1.0), d=(1.0, -1.0), seed: int = 1) -> bool:
    """Exercise: the derivative of E^p = 1/2 ||d - M(z, W)||^2 with respect to the input z,
    for the page's network ``mlp([2, 3, 2], seed=seed)``. (each component within 1e-6)

    Parameters
    ----------
    answer : array_like, shape (2,)
        The reader's dE^p/dz.
    z : array_like, shape (2,), default (1.0, 1.0)
        The input.
    d : array_like, shape (2,), default (1.0, -1.0)
        The desired output.
    seed : int, default 1
        Seed of the network's weights.

    Returns
    -------
    bool
        Whether every component is within 1e-6.

    Examples
    --------
    >>> input_gradient([0.0, 0.0])
    ✘ dE/dZ: not yet. Hint: run the backward pass all the way down: dE/dX_0 = W_1^T dE/dY_1
    False
    """
    from .network import mlp
    z = np.asarray(z, float).ravel()
    d = np.asarray(d, float).ravel()
    if z.shape != (2,) or d.shape != (2,):
        raise ValueError(f"z and d must each hold 2 numbers, got {z.size} and {d.size}")
    answer = np.asarray(answer, float).ravel()
    if answer.shape != (2,) or not np.all(np.isfinite(answer)):
        raise ValueError(f"answer must be 2 finite numbers (dE/dz_1, dE/dz_2), got {answer}")
    net, h = mlp([2, 3, 2], seed=seed), 1e-6
    truth = np.empty(2)
    for k in range(2):                      # central differences in the input
        e = np.zeros(2)
        e[k] = h
        truth[k] = (net.cost(z + e, d) - net.cost(z - e, d)) / (2 * h)
    return _verdict(np.all(np.abs(answer - truth) <= 1e-6), "dE/dZ",
                    "run the backward pass all the way down: dE/dX_0 = W_1^T dE/dY_1")


def finite_difference_passes(evaluations, ratio, sizes=(784, 30, 10)) -> bool:
    """Exercise: central differences evaluate the cost twice per parameter. How many
    evaluations do they need for the gradient of a dense network of layer sizes
    ``sizes`` (exact), and how many times the multiply-adds of one forward plus one
    backward pass is that, counting an evaluation as a forward pass? (within 1 %)

    Parameters
    ----------
    evaluations : int
        The reader's number of cost evaluations.
    ratio : float
        The reader's ratio of multiply-adds.
    sizes : sequence of int, default (784, 30, 10)
        Units per layer, inputs first.

    Returns
    -------
    bool
        Whether both are right.

    Examples
    --------
    >>> finite_difference_passes(100, 1.0, sizes=[2, 1])
    ✘ evaluations: not yet. Hint: count the parameters, biases included: each needs E(w + h e_i) and E(w - h e_i)
    ✘ ratio: not yet. Hint: evaluations x forward multiply-adds, over forward + backward multiply-adds
    False
    """
    sizes = _dense_sizes(sizes)
    evaluations = check_finite_scalar("evaluations", evaluations)
    ratio = check_finite_scalar("ratio", ratio)
    n_params = sum(m * k + k for m, k in zip(sizes[:-1], sizes[1:]))
    forward, backward = _multiply_adds(sizes)
    a = _verdict(evaluations == 2 * n_params, "evaluations",
                 "count the parameters, biases included: each needs E(w + h e_i) and "
                 "E(w - h e_i)")
    b = _verdict(_close(ratio, 2 * n_params * forward / (forward + backward), 0.01), "ratio",
                 "evaluations x forward multiply-adds, over forward + backward multiply-adds")
    return a and b


__all__ += ["backward_multiply_adds", "input_gradient", "finite_difference_passes"]
