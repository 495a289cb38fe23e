"""Self-checks for the exercises at the end of each chapter.

Each function takes the student's answer, computes the right one its own way, prints
whether the answer is right (with a hint when it is not) and returns True or False.
"""
from __future__ import annotations

import functools
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


# --- for the page book/initialisation (§4.6) ---

def _normal_mean(g, half_width: float = 12.0, n: int = 6001) -> float:
    """E[g(Z)] for Z ~ N(0, 1), by the trapezoid rule on a fine grid (the page uses
    Gauss-Hermite quadrature instead, so the two check each other)."""
    z = np.linspace(-half_width, half_width, n)
    v = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) * g(z)
    return float((v.sum() - 0.5 * (v[0] + v[-1])) * (z[1] - z[0]))


def _settling_std(init_scale: float) -> float:
    """Where s -> std f(init_scale s Z) settles, f = 1.7159 tanh(2x/3): the root of
    std f(init_scale s Z) = s by bisection. Its slope at 0 is init_scale f'(0); at or below
    1 the only root is 0 and the stds die out."""
    if init_scale * 1.7159 * 2 / 3 <= 1:
        return 0.0
    lo, hi = 1e-9, 1.7159            # the map is above the diagonal at lo, below at hi
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        std = math.sqrt(_normal_mean(lambda z: _lecun_tanh(init_scale * mid * z) ** 2))
        lo, hi = (mid, hi) if std > mid else (lo, mid)
    return 0.5 * (lo + hi)


def init_settling_std(answer, init_scale: float = 2.0) -> bool:
    """Exercise (§4.6): a deep stack of wide 1.7159 tanh(2x/3) layers, weights drawn with
    init_scale times LeCun's sigma_w = m^(-1/2), normalised inputs. What standard
    deviation do the layers' outputs settle at? (to 1 %)"""
    answer = check_finite_scalar("answer", answer)
    init_scale = check_positive("init_scale", init_scale)
    return _verdict(_close(answer, _settling_std(init_scale), 0.01), "settling std",
                    "a weighted sum of a layer whose outputs have std s has std "
                    "init_scale * s; iterate s -> std f(init_scale s Z), Z ~ N(0, 1), "
                    "until it stops moving")


def init_backward_gain(answer, init_scale: float = 2.0) -> bool:
    """Exercise (§4.6): in the same deep stack, far from the input, by what factor is the
    standard deviation of dE/dS (S a unit's weighted sum) multiplied from one layer to
    the layer below it? (to 1 %)"""
    answer = check_finite_scalar("answer", answer)
    init_scale = check_positive("init_scale", init_scale)
    s = _settling_std(init_scale)

    def slope(x):
        return 1.7159 * (2 / 3) / np.cosh(2 * x / 3) ** 2

    truth = init_scale * math.sqrt(_normal_mean(lambda z: slope(init_scale * s * z) ** 2))
    return _verdict(_close(answer, truth, 0.01), "backward gain per layer",
                    "dE/dS_n = f'(S_n) (W^T dE/dS_(n+1)): the product with W^T multiplies "
                    "the variance by m sigma_w^2 = init_scale^2, f' by E[f'(S)^2] with S "
                    "at the settled std init_scale * s")


def init_linear_fraction(answer, init_scale: float = 1.0) -> bool:
    """Exercise (§4.6): in the same deep stack, far from the input, what fraction of the
    units have their weighted sum S in the linear region, abs(S) < 1? (to 0.01)"""
    answer = check_finite_scalar("answer", answer)
    init_scale = check_positive("init_scale", init_scale)
    std_sum = init_scale * _settling_std(init_scale)
    truth = math.erf(1.0 / (std_sum * math.sqrt(2.0)))
    return _verdict(abs(answer - truth) <= 0.01, "fraction in the linear region",
                    "the weighted sums are close to normal with mean 0 and std "
                    "init_scale times the settled std of the layer below: "
                    "P(|S| < 1) = erf(1 / (std sqrt 2))")


__all__ += ["init_settling_std", "init_backward_gain", "init_linear_fraction"]


# --- self-checks of the generalisation page (§2) ---

def bias_variance_at_point(bias2, variance, outputs=(0.9, 1.3, 1.1, 0.7),
                           truth: float = 0.8) -> bool:
    """Exercise (§2): nets trained on len(outputs) resampled training sets output
    ``outputs`` at one input x where the true function is ``truth``. What are the squared
    bias and the variance there (the variance over the sets, dividing by their number)?
    (to 1e-6)"""
    y = np.asarray(outputs, dtype=float)
    if y.ndim != 1 or y.size < 2 or not np.all(np.isfinite(y)):
        raise ValueError(f"outputs must be at least two finite numbers, got {outputs!r}")
    truth = check_finite_scalar("truth", truth)
    b2, v = check_finite_scalar("bias2", bias2), check_finite_scalar("variance", variance)
    # the long way round: each set's deviation from the average, and the average's from f
    avg = sum(y) / len(y)
    true_b2 = (avg - truth) ** 2
    true_v = sum((yi - avg) ** 2 for yi in y) / len(y)
    a = abs(b2 - true_b2) <= 1e-6
    b = abs(v - true_v) <= 1e-6
    _verdict(a, "bias²", "average the outputs first, then square that average's distance "
                         "from the true value")
    _verdict(b, "variance", "the mean squared distance of each output from their average "
                            "(divide by the number of sets, not one less)")
    return bool(a and b)


def zero_predictor_test_error(answer, noise: float = 0.3) -> bool:
    """Exercise (§2): a "network" that outputs 0 whatever its training set, tested on
    fresh samples of ``data.noisy_sine`` (inputs uniform on [-1, 1], targets
    sin(pi x) + noise). What is its expected squared test error? (to 1 %)"""
    from .data import noisy_sine

    answer = check_finite_scalar("answer", answer)
    noise = check_finite_scalar("noise", noise)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    # bias² by the midpoint rule over [-1, 1] (the variance of a constant is 0)
    x = (np.arange(20000) + 0.5) / 10000 - 1.0
    bias2 = float(np.mean(noisy_sine(x=x, noise=0.0)[1] ** 2))
    truth = bias2 + 0.0 + noise ** 2
    return _verdict(_close(answer, truth, 0.01), "expected test error",
                    "a constant has no variance; its squared bias is the mean of sin²(πx) "
                    "over [-1, 1]; and no model escapes the noise's variance")


def variance_growth_when_noise_doubles(answer, noise: float = 0.15) -> bool:
    """Exercise (§2, Predict): by what factor does the variance over the training sets at
    epoch 300 grow when the noise on the targets doubles, from ``noise`` to 2 * ``noise``?
    The check trains its own small version of the page's experiment (the page's 12
    inputs, a 1-24-1 net from one start, batch descent with momentum, 8 resampled sets
    per noise level) and measures the factor, which takes a few seconds. (to 15 %: the
    factor is not exactly 4, because a net does not pass its targets' noise on exactly
    linearly)"""
    from .data import noisy_sine
    from .network import mlp
    from .sgd import train_sgd

    answer = check_finite_scalar("answer", answer)
    noise = check_positive("noise", noise)
    X = noisy_sine(n=12, seed=7)[0]
    grid = np.linspace(-1.0, 1.0, 101)[:, None]
    net0 = mlp([1, 24, 1], output_activation="identity", seed=0)
    spread = []
    for sigma in (noise, 2 * noise):
        outs = []
        for r in range(8):
            _, D = noisy_sine(x=X, noise=sigma, seed=100 + r)
            net = net0.copy()
            train_sgd(net, X, D, epochs=300, eta=0.15, batch_size=len(X), momentum=0.9,
                      track_cost=False)
            outs.append(net.forward(grid)[:, 0])
        outs = np.array(outs)                        # (sets, grid points)
        spread.append(float(np.mean((outs - outs.mean(axis=0)) ** 2)))
    factor = spread[1] / spread[0]
    return _verdict(_close(answer, factor, 0.15), "growth of the variance",
                    "the variance is made by the noise the nets learn; if a net's output "
                    "moved in proportion to its targets' noise, doubling the noise would "
                    "double every deviation from the average net. What does that do to "
                    "their mean square?")


__all__ += ["bias_variance_at_point", "zero_predictor_test_error",
            "variance_growth_when_noise_doubles"]


# --- self-checks of the sigmoid page (book/sigmoid, §4.4) ---

def _bisect(fn, lo, hi, iters=200):
    """The root of fn in [lo, hi], where fn changes sign."""
    f_lo = fn(lo)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        f_mid = fn(mid)
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def twist_crossover(answer, a: float = 0.001) -> bool:
    """Exercise (§4.4): f(x) = tanh(x) + a x. Beyond which x > 0 is the twisting term's
    slope a larger than tanh's own slope? (to 1e-3)"""
    answer = check_finite_scalar("answer", answer)
    a = check_positive("a", a)
    if a >= 1:
        raise ValueError(f"a must be below 1 (tanh's largest slope), got {a}")
    truth = _bisect(lambda x: (1.0 - math.tanh(x) ** 2) - a, 0.0, 50.0)
    return _verdict(abs(answer - truth) <= 1e-3, "x",
                    "tanh'(x) = 1 - tanh(x)^2 = 1/cosh(x)^2; solve 1/cosh(x)^2 = a. For "
                    "large x, cosh(x) is about e^x / 2")


def exact_sigmoid_constants(gain, scale) -> bool:
    """Exercise (§4.4): f(x) = gain * tanh(scale * x) with f(1) = 1 exactly and the size
    of f'' largest exactly at x = 1. Which gain and scale? (each to 1e-4)"""
    gain = check_finite_scalar("gain", gain)
    scale = check_finite_scalar("scale", scale)

    # |f''| is proportional to t (1 - t^2), t = tanh(scale x); find the scale whose maximum
    # over x sits at x = 1 by bisection on the slope of t - t^3 at x = 1 (positive while the
    # maximum lies beyond 1).
    def slope_at_one(s):
        t = math.tanh(s)
        return (1.0 - 3.0 * t * t) * s * (1.0 - t * t)

    s_true = _bisect(slope_at_one, 0.1, 3.0)
    a_true = 1.0 / math.tanh(s_true)
    ok_s = _verdict(abs(scale - s_true) <= 1e-4, "scale",
                    "f'' is proportional to -t (1 - t^2) with t = tanh(scale x): at which t is "
                    "t - t^3 largest? Then ask for that t at x = 1")
    ok_a = _verdict(abs(gain - a_true) <= 1e-4, "gain",
                    "with the scale fixed, f(1) = gain * tanh(scale) = 1")
    return ok_s and ok_a


def unit_output_std_input(answer) -> bool:
    """Exercise (§4.4): inputs z ~ N(0, sigma^2) into f(x) = 1.7159 tanh(2x/3). Which sigma
    makes the standard deviation of f(z) exactly 1? (to 0.5 %)"""
    answer = check_finite_scalar("answer", answer)
    u = np.linspace(-12.0, 12.0, 24_001)              # standard normal, trapezoid rule
    density = np.exp(-0.5 * u * u) / math.sqrt(2 * math.pi)

    def excess(sigma):
        f = 1.7159 * np.tanh(2.0 * sigma * u / 3.0)
        return float(np.trapezoid(f * f * density, u)) - 1.0

    truth = _bisect(excess, 0.5, 10.0, iters=60)
    return _verdict(_close(answer, truth, 0.005), "sigma",
                    "the output's variance is the mean of f(sigma u)^2 over u ~ N(0, 1), an "
                    "integral you can compute on a grid (or by quadrature); raise sigma until "
                    "it is 1. At sigma = 1 the standard deviation is below 1")


__all__ += ["twist_crossover", "exact_sigmoid_constants", "unit_output_std_input"]


# --- self-checks of the page "Shuffling and emphasizing" (§4.2) ---

def emphasized_wrong_share(answer, flipped: float = 0.1, clean_above: float = 0.15,
                           k: int = 3) -> bool:
    """Exercise (§4.2): a fraction ``flipped`` of the labels is wrong and all of those
    samples are above the mean cost, as is a fraction ``clean_above`` of the others; each
    above-mean sample is presented ``k`` times. What share of the epoch's presentations
    carry a wrong label? (to 1 %)"""
    answer = check_finite_scalar("answer", answer)
    for name, value in (("flipped", flipped), ("clean_above", clean_above)):
        if not 0 <= check_finite_scalar(name, value) <= 1:
            raise ValueError(f"{name} must be in [0, 1], got {value}")
    k = int(check_positive("k", k))
    # count the presentations of a population of 10^6 samples, group by group
    n = 10 ** 6
    wrong = round(flipped * n)
    right_above = round(clean_above * (n - wrong))
    copies = np.concatenate([np.full(wrong, k), np.full(right_above, k),
                             np.ones(n - wrong - right_above, dtype=int)])
    truth = copies[:wrong].sum() / copies.sum()
    return _verdict(_close(answer, truth, 0.01), "share of wrong-label presentations",
                    "count presentations: each wrong sample k times, each clean sample "
                    "k times if above the mean and once otherwise")


def emphasized_epoch_length(answer, costs=(0.1, 0.1, 0.2, 0.2, 0.3, 2.5), k: int = 3) -> bool:
    """Exercise (§4.2): after an epoch the samples' costs are ``costs``. How many
    presentations does the next epoch of ``presentation_order("emphasize", ...)`` make with
    emphasis ``k``? (exact)"""
    from .sgd import presentation_order

    answer = check_finite_scalar("answer", answer)
    costs = np.asarray(costs, dtype=float)
    if costs.ndim != 1 or costs.size < 1 or not np.all(np.isfinite(costs)):
        raise ValueError("costs must be a non-empty list of finite numbers")
    k = check_positive("k", k)
    order = presentation_order("emphasize", costs.size, np.random.default_rng(0),
                               errors=costs, emphasis=k)
    return _verdict(answer == order.size, "presentations in the epoch",
                    "a sample is repeated when its cost is above the MEAN of all the "
                    "costs; how far does one large cost move the mean?")


def alternating_same_class_pairs(answer, class_sizes=(300, 200, 100)) -> bool:
    """Exercise (§4.2): in one epoch of ``presentation_order("alternate", ...)`` over
    classes of ``class_sizes`` samples, how many pairs of successive samples share a class?
    (exact)"""
    from .sgd import presentation_order

    answer = check_finite_scalar("answer", answer)
    sizes = [int(check_positive(f"class_sizes[{i}]", s)) for i, s in enumerate(class_sizes)]
    labels = np.repeat(np.arange(len(sizes)), sizes)
    order = presentation_order("alternate", labels.size, np.random.default_rng(0), labels)
    seq = labels[order]
    truth = int(np.sum(seq[1:] == seq[:-1]))
    return _verdict(answer == truth, "pairs of successive samples of one class",
                    "deal the classes in turn until the smaller ones run out; what is "
                    "left of the largest class comes in a row")


__all__ += ["emphasized_wrong_share", "emphasized_epoch_length",
            "alternating_same_class_pairs"]


# --- self-checks of the page "Stochastic versus batch learning" (§4.1) ---

def rate_for_excess(answer, fraction: float = 0.01, seed: int = 0) -> bool:
    """Exercise: which constant rate makes the stationary excess cost of online LMS on
    ``data.two_gaussians(seed)`` (samples drawn with replacement) equal to ``fraction``
    times E_min, by the first-order formula: E - E_min is eta/4 times the mean over the
    samples of r^2 ||x~||^2, r the residual at the minimum and x~ = (x1, x2, 1). To 2 %."""
    fraction = check_positive("fraction", fraction)
    X, D = two_gaussians(seed=seed)
    Xa = np.column_stack([X, np.ones(len(X))])
    w = np.linalg.solve(Xa.T @ Xa, Xa.T @ D[:, 0])        # normal equations
    r = D[:, 0] - Xa @ w
    e_min = 0.5 * np.mean(r ** 2)
    truth = 4 * fraction * e_min / np.mean(r ** 2 * np.sum(Xa ** 2, axis=1))
    return _verdict(_close(check_finite_scalar("answer", answer), truth, 0.02), "eta",
                    "set eta/4 <r^2 ||x~||^2> equal to the wanted excess; r is each sample's "
                    "residual at the minimum and x~ = (x1, x2, 1) includes the bias's input")


def annealing_min_c(answer, seed: int = 0) -> bool:
    """Exercise: the threshold above which eta = c/t makes the excess cost of online LMS
    on ``data.two_gaussians(seed)`` (bias trained) fall as 1/t: 2 c lambda_min = 1 (below
    it the excess falls as t^(-2 c lambda_min), at it as log(t)/t). To 2 %."""
    lam_min = np.linalg.eigvalsh(_lms_hessian(two_gaussians(seed=seed)[0]))[0]
    return _verdict(_close(check_finite_scalar("answer", answer), 1 / (2 * lam_min), 0.02),
                    "c", "along an eigenvector the error shrinks like t^(-c lambda); the excess "
                         "(its square) must fall at least as fast as 1/t in the flattest "
                         "direction of H, the one of the smallest eigenvalue")


def minibatch_noise_factors(cost_factor, width_factor, from_size: int = 4,
                            to_size: int = 16) -> bool:
    """Exercise: going from mini-batches of ``from_size`` to ``to_size`` samples at a fixed
    rate, by what factor do the excess cost and the width of the weights' cloud fall?"""
    from_size = int(check_positive("from_size", from_size))
    to_size = int(check_positive("to_size", to_size))
    if not 1 <= from_size < to_size:
        raise ValueError(f"need 1 <= from_size < to_size, got {from_size} and {to_size}")
    # the mean of B independent gradients has 1/B of one gradient's variance; to first
    # order in eta the weights' covariance is proportional to it, the excess cost is linear
    # in that covariance, and a width is the square root of a variance
    variance_ratio = to_size / from_size
    a = _close(check_finite_scalar("cost_factor", cost_factor), variance_ratio, 0.1)
    b = _close(check_finite_scalar("width_factor", width_factor), math.sqrt(variance_ratio),
               0.1)
    _verdict(a, "cost factor", "averaging B independent gradients divides their variance by "
                               "B, and the excess cost is proportional to that variance")
    _verdict(b, "width factor", "a width is a standard deviation: the square root of a "
                                "variance")
    return a and b


__all__ += ["rate_for_excess", "annealing_min_c", "minibatch_noise_factors"]


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


# --- self-checks of the page book/normalising_inputs (§4.3) -------------------------------

def correlation_for_kappa(rho, kappa: float = 100.0) -> bool:
    """Exercise: two centred inputs with mean squares 1 and 4 and correlation rho (the
    paper's Fig. 2) give a linear unit the Hessian [[1, 2 rho], [2 rho, 4]]. At which
    correlation does its condition number reach ``kappa``? (within 1e-3)

    Parameters
    ----------
    rho : float
        The reader's correlation.
    kappa : float, default 100.0
        The condition number to reach, > 4 (the value at rho = 0).

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> correlation_for_kappa(0.5, kappa=100)
    ✘ correlation: not yet. Hint: lambda = (5 +- sqrt(9 + 16 rho^2)) / 2; solve lambda_max = kappa lambda_min for rho
    False
    """
    from .data import correlated_inputs
    rho = check_finite_scalar("rho", rho)
    kappa = check_finite_scalar("kappa", kappa)
    if not kappa > 4:
        raise ValueError(f"kappa must be > 4 (the inputs' kappa at rho = 0), got {kappa}")

    def measured(r):                      # kappa of the generated inputs' second moments
        Z, _ = correlated_inputs(r, n=50)
        lam = np.linalg.eigvalsh(Z.T @ Z / len(Z))
        return lam[1] / max(lam[0], 1e-300)

    lo, hi = 0.0, 1.0                     # kappa grows with rho
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if measured(mid) < kappa else (lo, mid)
    return _verdict(abs(rho - lo) <= 1e-3, "correlation",
                    "lambda = (5 +- sqrt(9 + 16 rho^2)) / 2; solve lambda_max = kappa "
                    "lambda_min for rho")


def raw_cloud_kappa(kappa, mean=(2.0, 0.0), stds=(1.0, 1.0)) -> bool:
    """Exercise: inputs with mean ``mean`` and uncorrelated components of standard
    deviations ``stds``, fed raw to a linear unit without bias: what is the condition
    number of its Hessian <x x^T>? (within 0.1 %)

    Parameters
    ----------
    kappa : float
        The reader's condition number.
    mean : sequence of 2 floats, default (2.0, 0.0)
        The inputs' mean.
    stds : sequence of 2 floats, default (1.0, 1.0)
        The standard deviations of the two inputs, > 0.

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> raw_cloud_kappa(1.0)
    ✘ kappa: not yet. Hint: <x x^T> = Sigma + m m^T: add the mean's outer product to the covariance, then take the eigenvalues
    False
    """
    kappa = check_finite_scalar("kappa", kappa)
    m = np.asarray(mean, dtype=float).ravel()
    s = np.asarray(stds, dtype=float).ravel()
    if m.shape != (2,) or not np.all(np.isfinite(m)):
        raise ValueError(f"mean must be two finite numbers, got {mean}")
    if s.shape != (2,) or not np.all(np.isfinite(s)) or not np.all(s > 0):
        raise ValueError(f"stds must be two positive numbers, got {stds}")
    # a sample with exactly these moments: the four points m +- s_k e_k, equally weighted
    X = np.array([m + [s[0], 0], m - [s[0], 0], m + [0, s[1]], m - [0, s[1]]])
    X = m + (X - m) * np.sqrt(2.0)            # each axis: variance s_k^2 over the 4 points
    lam = np.linalg.eigvalsh(X.T @ X / len(X))
    return _verdict(_close(kappa, lam[1] / lam[0], 1e-3), "kappa",
                    "<x x^T> = Sigma + m m^T: add the mean's outer product to the "
                    "covariance, then take the eigenvalues")


def covariance_zero_eigenvalues(count, n: int = 40) -> bool:
    """Exercise: estimate the covariance of the 64 pixels of the first ``n`` images of
    ``eb.data.digits_8x8()``. How many of its eigenvalues are zero, below 1e-10 of the
    largest? (exact)

    Parameters
    ----------
    count : int
        The reader's number of zero eigenvalues.
    n : int, default 40
        How many images, 2 <= n <= 1797.

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> covariance_zero_eigenvalues(0, n=40)
    ✘ zero eigenvalues: not yet. Hint: the rank is at most n - 1 and at most the number of pixels that vary in those n images
    False
    """
    from .data import digits_8x8
    from ._validate import check_int
    count = check_finite_scalar("count", count)
    n = check_int("n", n, minimum=2)
    images, _ = digits_8x8()
    if n > len(images):
        raise ValueError(f"n must be at most {len(images)}, got {n}")
    X = images[:n].reshape(n, 64)
    # the rank, counted without eigenvalues: singular values of the centred data
    sv = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    lam = sv ** 2 / n                               # the covariance's nonzero spectrum
    nonzero = int(np.count_nonzero(lam >= 1e-10 * lam[0]))
    return _verdict(count == 64 - nonzero, "zero eigenvalues",
                    "the rank is at most n - 1 and at most the number of pixels that vary "
                    "in those n images")


__all__ += ["correlation_for_kappa", "raw_cloud_kappa", "covariance_zero_eigenvalues"]


# --- RBF vs sigmoid page (§4.8) -------------------------------------------------------------

#: The 2-D recipe of the page ``rbf_vs_sigmoid``: 400 training points of a 3 x 3
#: checkerboard, online gradient descent, these epochs and rates per unit type.
RBF_PAGE_2D = {"n": 400, "epochs": 60, "eta": {"rbf": 0.03, "sigmoid": 0.02}}


def rbf_grid_units(log10_units, per_axis: int = 3, dim: int = 64) -> bool:
    """Exercise: RBF centres on a grid with ``per_axis`` centres along each of ``dim``
    input axes. How many centres is that? Answer its base-10 logarithm (within 0.05, so that
    an answer rounded to one decimal, 30.5 for 3^64, counts).

    Parameters
    ----------
    log10_units : float
        The reader's log10 of the number of centres.
    per_axis : int, default 3
        Centres per axis, >= 1.
    dim : int, default 64
        Input dimension, >= 1.

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> rbf_grid_units(2.0, per_axis=10, dim=2)
    ✔ log10 of the number of centres: correct.
    True
    """
    from ._validate import check_int
    per_axis = check_int("per_axis", per_axis, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    answer = check_finite_scalar("log10_units", log10_units)
    truth = sum(math.log10(per_axis) for _ in range(dim))     # log of a product of dim factors
    return _verdict(abs(answer - truth) <= 0.05, "log10 of the number of centres",
                    "one centre for every combination of grid positions along the axes")


def rbf_ball_fraction(log10_fraction, dim: int = 64, radius: float = 1.0) -> bool:
    """Exercise: what fraction of the cube [-1, 1]^dim lies within ``radius`` of its
    centre, where an RBF unit of width sigma = radius centred there responds above
    exp(-1/2)? Answer its base-10 logarithm (within 0.05, so that an answer rounded
    to one decimal, -38.8 for dim = 64, counts).

    Parameters
    ----------
    log10_fraction : float
        The reader's log10 of the fraction (a negative number).
    dim : int, default 64
        Input dimension, >= 1.
    radius : float, default 1.0
        The ball's radius, 0 < radius <= 1 (so the ball lies inside the cube).

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> rbf_ball_fraction(math.log10(math.pi / 4), dim=2)
    ✔ log10 of the covered fraction: correct.
    True
    """
    from ._validate import check_int
    dim = check_int("dim", dim, minimum=1)
    radius = check_positive("radius", radius)
    if radius > 1:
        raise ValueError(f"radius must be <= 1 (the ball inside the cube), got {radius}")
    answer = check_finite_scalar("log10_fraction", log10_fraction)
    # the volume of a d-ball, pi^(d/2) r^d / Gamma(d/2 + 1), over the cube's 2^d
    truth = (dim / 2 * math.log(math.pi) + dim * math.log(radius / 2)
             - math.lgamma(dim / 2 + 1)) / math.log(10)
    return _verdict(abs(answer - truth) <= 0.05, "log10 of the covered fraction",
                    "the volume of a ball of radius r in d dimensions is "
                    "pi^(d/2) r^d / Gamma(d/2 + 1); the cube's is 2^d")


def _checkerboard_net(kind: str, units: int, seed: int):
    """The page's 2-D net of ``units`` hidden units of ``kind``, trained by its recipe."""
    from .data import checkerboard
    from .layers import RBF, Dense
    from .network import Network, mlp
    from .sgd import train_sgd
    X, D, _ = checkerboard(RBF_PAGE_2D["n"], seed=seed)
    if kind == "rbf":
        net = Network([RBF(2, units), Dense(units, 1, "identity")], seed=seed)
        centres = X[np.random.default_rng(seed).choice(len(X), units, replace=False)]
        net.weights(0)[...] = centres
        d = np.sqrt(((centres[:, None] - centres[None]) ** 2).sum(-1))
        np.fill_diagonal(d, np.inf)
        net.bias(0)[...] = (np.maximum(d.min(axis=1), 1e-3) if units > 1
                            else np.sqrt(((X - centres) ** 2).sum(-1)).mean())
    else:
        net = mlp([2, units, 1], output_activation="identity", seed=seed)
    train_sgd(net, X, D, epochs=RBF_PAGE_2D["epochs"], eta=RBF_PAGE_2D["eta"][kind],
              seed=seed, track_cost=False, progress=False)
    return net


def rbf_cells_right(count, kind: str = "rbf", units: int = 9, seed: int = 0) -> bool:
    """Exercise: on the page's 3 x 3 checkerboard, how many of the 9 squares does the net
    with ``units`` hidden units of ``kind`` colour right (more than half of the square's
    area on its own class)? Retrains that net by the page's recipe (exact).

    Parameters
    ----------
    count : int
        The reader's count, 0..9.
    kind : {"rbf", "sigmoid"}, default "rbf"
        The hidden units.
    units : int, default 9
        Hidden units, 1..400.
    seed : int, default 0
        The seed of the data and the net (the page's Figure 1 uses 0).

    Returns
    -------
    bool
        Whether the count is right.

    Examples
    --------
    >>> rbf_cells_right(-1, units=1)
    ✘ squares right: not yet. Hint: a square counts when more than half of its area shows its own colour (the colour of its corner triangle in Figure 1)
    False
    """
    from ._validate import check_choice, check_int
    count = check_finite_scalar("count", count)
    kind = check_choice("kind", kind, {"rbf", "sigmoid"})
    units = check_int("units", units, minimum=1)
    if units > RBF_PAGE_2D["n"]:
        raise ValueError(f"units must be <= {RBF_PAGE_2D['n']}, got {units}")
    seed = check_int("seed", seed, minimum=0)
    net = _checkerboard_net(kind, units, seed)
    g = (np.arange(20) + 0.5) / 20              # 20 x 20 points inside each square
    right = 0
    for row in range(3):
        for col in range(3):
            u, v = np.meshgrid(col - 1.5 + g, row - 1.5 + g)
            out = net.forward(np.c_[u.ravel(), v.ravel()])[:, 0]
            want = 1.0 if (row + col) % 2 else -1.0
            right += np.mean(np.sign(out) == want) > 0.5
    return _verdict(count == right, "squares right",
                    "a square counts when more than half of its area shows its own colour "
                    "(the colour of its corner triangle in Figure 1)")


__all__ += ["RBF_PAGE_2D", "rbf_grid_units", "rbf_ball_fraction", "rbf_cells_right"]


# --- self-checks of the page book/targets (§4.5) ---

def _lecun_inverse(value: float) -> float:
    """The weighted sum x at which 1.7159 tanh(2x/3) equals ``value`` (0 <= value < 1.7159),
    found by bisection on the function itself, not by its closed-form inverse."""
    return _bisect(lambda x: 1.7159 * math.tanh(2.0 * x / 3.0) - value, 0.0, 60.0)


def saturating_target(answer, threshold: float = 0.1) -> bool:
    """Exercise (§4.5): an output unit 1.7159 tanh(2x/3) sits exactly at its target t > 0.
    From which t on is it saturated, that is its slope f'(x) below ``threshold`` f'(0)?
    (to 1e-3)

    Parameters
    ----------
    answer : float
        The reader's smallest saturated target value.
    threshold : float, default 0.1
        The share of f'(0) below which a unit counts as saturated, in (0, 1).

    Returns
    -------
    bool
        Whether the answer is within 1e-3.

    Examples
    --------
    >>> saturating_target(1.0)
    ✘ t: not yet. Hint: f'(x) = 1.7159 (2/3) (1 - tanh(2x/3)^2) and f(x) = 1.7159 tanh(2x/3): write the slope condition in terms of f(x) / 1.7159
    False
    """
    answer = check_finite_scalar("answer", answer)
    threshold = check_positive("threshold", threshold)
    if threshold >= 1:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")

    def slope(x):
        return 1.7159 * (2.0 / 3.0) * (1.0 - math.tanh(2.0 * x / 3.0) ** 2)

    x_edge = _bisect(lambda x: slope(x) - threshold * slope(0.0), 0.0, 60.0)
    truth = 1.7159 * math.tanh(2.0 * x_edge / 3.0)
    return _verdict(abs(answer - truth) <= 1e-3, "t",
                    "f'(x) = 1.7159 (2/3) (1 - tanh(2x/3)^2) and f(x) = 1.7159 tanh(2x/3): "
                    "write the slope condition in terms of f(x) / 1.7159")


def sum_per_decade(answer) -> bool:
    """Exercise (§4.5): to bring an output unit 1.7159 tanh(2x/3) ten times closer to its
    asymptote, from 1.7159 - 1e-4 to 1.7159 - 1e-5, by how much must its weighted sum x
    grow? (within 1 %)

    Parameters
    ----------
    answer : float
        The reader's increase of x.

    Returns
    -------
    bool
        Whether the answer is within 1 %.

    Examples
    --------
    >>> sum_per_decade(10.0)
    ✘ increase of x: not yet. Hint: for large x, 1.7159 - f(x) is about 2 * 1.7159 * exp(-4x/3); what must happen to x to divide that by 10?
    False
    """
    answer = check_finite_scalar("answer", answer)
    truth = _lecun_inverse(1.7159 - 1e-5) - _lecun_inverse(1.7159 - 1e-4)
    return _verdict(_close(answer, truth, 0.01), "increase of x",
                    "for large x, 1.7159 - f(x) is about 2 * 1.7159 * exp(-4x/3); what "
                    "must happen to x to divide that by 10?")


def tanh_target(answer) -> bool:
    """Exercise (§4.5): the paper puts the targets where the sigmoid's second derivative is
    largest in size. Where does that rule put the positive target of plain tanh units,
    f(x) = tanh(x)? (the target value f(x), to 1e-3)

    Parameters
    ----------
    answer : float
        The reader's target value.

    Returns
    -------
    bool
        Whether the answer is within 1e-3.

    Examples
    --------
    >>> tanh_target(1.0)
    ✘ target: not yet. Hint: tanh'' = -2 t (1 - t^2) with t = tanh(x); the target is the value t where t - t^3 is largest, not the input x
    False
    """
    answer = check_finite_scalar("answer", answer)
    x = np.linspace(0.0, 4.0, 400_001)
    t = np.tanh(x)
    second = -2.0 * t * (1.0 - t * t)               # tanh''(x), from tanh' = 1 - tanh^2
    truth = float(t[np.argmax(np.abs(second))])
    return _verdict(abs(answer - truth) <= 1e-3, "target",
                    "tanh'' = -2 t (1 - t^2) with t = tanh(x); the target is the value t "
                    "where t - t^3 is largest, not the input x")


__all__ += ["saturating_target", "sum_per_decade", "tanh_target"]


# --- self-checks of the page "Choosing learning rates" (§4.7) ---

def fan_in_rate_ratio(answer, sizes=(784, 30, 10)) -> bool:
    """Exercise: with rates proportional to 1/sqrt(fan-in) (§4.7), by what factor is the
    rate of the output layer's weights larger than that of the first layer's, in a dense
    network of layer sizes ``sizes``? Computed from the network the package builds. To 1 %.

    Parameters
    ----------
    answer : float
        The reader's factor: output layer's rate over the first layer's.
    sizes : sequence of int, default (784, 30, 10)
        Units per layer, inputs first (at least two layers of weights).

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> fan_in_rate_ratio(2.0, sizes=[16, 4, 2])
    ✔ rate ratio: correct.
    True
    """
    from .network import mlp

    sizes = _dense_sizes(sizes)
    if len(sizes) < 3:
        raise ValueError(f"sizes must describe at least two layers of weights, got {sizes}")
    net = mlp(sizes)
    rate = 1 / np.sqrt(net.fan_in_of_param())
    layer = net.layer_of_param()
    truth = rate[layer == len(sizes) - 2][0] / rate[layer == 0][0]
    return _verdict(_close(check_finite_scalar("answer", answer), truth, 0.01), "rate ratio",
                    "each rate is 1/sqrt(m), m the number of inputs of the unit the weight "
                    "feeds: the first layer's units see the inputs, the output units the "
                    "last hidden layer")


def shared_curvature_factor(answer, n: int = 25, samples: int = 200_000,
                            seed: int = 0) -> bool:
    """Exercise: a linear unit y = w (x_1 + ... + x_n) uses one weight w on n connections,
    with independent inputs of mean 0 and variance 1, and cost E = (y - d)^2 / 2. By what
    factor is the mean second derivative of E with respect to w larger than for n = 1?
    Measured by sampling (the mean of (x_1 + ... + x_n)^2 over ``samples`` draws). To 3 %.

    Parameters
    ----------
    answer : float
        The reader's factor.
    n : int, default 25
        Connections sharing the weight, >= 1.
    samples : int, default 200000
        Draws of the n inputs, >= 1000.
    seed : int, default 0
        Seed of the draws.

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> shared_curvature_factor(4, n=4)
    ✔ curvature factor: correct.
    True
    """
    from ._validate import check_int

    n = check_int("n", n, minimum=1)
    samples = check_int("samples", samples, minimum=1000)
    rng = np.random.default_rng(seed)
    s = np.zeros(samples)
    for _ in range(n):                      # the sum of the n inputs, one input at a time
        s += rng.standard_normal(samples)
    one = rng.standard_normal(samples)
    truth = np.mean(s ** 2) / np.mean(one ** 2)
    return _verdict(_close(check_finite_scalar("answer", answer), truth, 0.03),
                    "curvature factor",
                    "d2E/dw2 = (x_1 + ... + x_n)^2; what is the mean square of a sum of n "
                    "independent terms of mean 0 and variance 1?")


def momentum_step_factor(answer, mu: float = 0.9, steps: int = 2000) -> bool:
    """Exercise: where the gradient hardly changes from step to step (a direction of low
    curvature), by what factor does momentum mu multiply the step in the long run? Measured
    by iterating Delta w <- -eta g + mu Delta w with a constant gradient g. To 1 %.

    Parameters
    ----------
    answer : float
        The reader's factor: the long-run step with momentum over the step eta g without.
    mu : float, default 0.9
        Momentum strength, in [0, 1).
    steps : int, default 2000
        Iterations of the recursion, >= 10.

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> momentum_step_factor(2.0, mu=0.5)
    ✔ step factor: correct.
    True
    """
    from ._validate import check_int

    mu = check_finite_scalar("mu", mu)
    if not 0 <= mu < 1:
        raise ValueError(f"mu must be in [0, 1), got {mu}")
    steps = check_int("steps", steps, minimum=10)
    eta, g, dw = 1.0, 1.0, 0.0
    for _ in range(steps):
        dw = -eta * g + mu * dw
    truth = abs(dw) / (eta * g)
    return _verdict(_close(check_finite_scalar("answer", answer), truth, 0.01), "step factor",
                    "with a constant gradient the step settles where Delta w = -eta g + "
                    "mu Delta w; solve for Delta w")


__all__ += ["fan_in_rate_ratio", "shared_curvature_factor", "momentum_step_factor"]


# --- self-checks of the page on Murata's adaptive rate (book/murata, §4.7) ---

def murata_late_rate(answer, alpha: float = 0.03) -> bool:
    """Exercise: on the page's bowl (eigenvalues 0.1 and 1.0 turned by 0.5 rad, gradient
    noise 0.02, start 3 v_min + 2 v_max, eta = 0.02 at first, delta = 0.05, beta = 0.3),
    what is the rate after 3,000 steps of Murata's rule with speed ``alpha``? (within 20 %)

    Parameters
    ----------
    answer : float
        The reader's rate.
    alpha : float, default 0.03
        The rule's speed alpha, between 0.01 and 0.3.

    Returns
    -------
    bool
        Whether the answer is within 20 % of the rate the rule reaches (mean of 3 seeds).

    Examples
    --------
    >>> murata_late_rate(1.0)
    ✘ eta after 3,000 steps: not yet. Hint: once eta is well above beta ||r||, eq 19 reads eta <- eta - alpha eta^2; what does that give after t steps?
    False
    """
    from .adaptive import murata_sgd, noisy_quadratic_gradient
    from .descent import Quadratic
    from .sgd import Murata

    alpha = check_finite_scalar("alpha", alpha)
    if not 0.01 <= alpha <= 0.3:
        raise ValueError(f"alpha must be between 0.01 and 0.3, got {alpha}")
    answer = check_finite_scalar("answer", answer)
    theta = 0.5
    v_min, v_max = np.array([np.cos(theta), np.sin(theta)]), np.array([-np.sin(theta),
                                                                       np.cos(theta)])
    q = Quadratic.from_eigen([0.1, 1.0], angle=theta)
    rule = Murata(delta=0.05, alpha=alpha, beta=0.3)
    truth = np.mean([murata_sgd(noisy_quadratic_gradient(q, 0.02, seed=s),
                                3 * v_min + 2 * v_max, 3000, 0.02, rule).eta[-1]
                     for s in range(3)])
    return _verdict(_close(answer, truth, 0.2), "eta after 3,000 steps",
                    "once eta is well above beta ||r||, eq 19 reads eta <- eta - alpha "
                    "eta^2; what does that give after t steps?")


def round_bowl_angle(answer, start=(2.0, 3.0)) -> bool:
    """Exercise: on a round bowl (both eigenvalues equal), a run starts at
    ``start[0] v_min + start[1] v_max``. What angle, in degrees, does the mean gradient
    keep to the line along v_min? (within 1 degree)

    Parameters
    ----------
    answer : float
        The reader's angle in degrees.
    start : pair of float, default (2.0, 3.0)
        The start's components along v_min and v_max, not both zero.

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> round_bowl_angle(45.0, start=(1.0, 1.0))
    ✔ angle to v_min: correct.
    True
    """
    from .adaptive import angle_to_direction

    start = np.asarray(start, dtype=float).ravel()
    if start.shape != (2,) or not np.all(np.isfinite(start)) or not np.any(start):
        raise ValueError(f"start must be 2 finite numbers, not both zero, got {start}")
    answer = check_finite_scalar("answer", answer)
    # Run noise-free gradient descent on a round bowl and measure the gradient's angle
    # after 50 steps (v_min and v_max are the axes here: the angle does not depend on it).
    w, lam = start.copy(), 0.3
    for _ in range(50):
        w = w - 0.5 * lam * w
    truth = angle_to_direction(lam * w, [1.0, 0.0])
    return _verdict(abs(answer - truth) <= 1.0, "angle to v_min",
                    "on a round bowl the gradient lam (w - w*) always points along the "
                    "line from the minimum to the start")


def murata_rate_floor(answer, noise: float = 0.1, delta: float = 0.1,
                      beta: float = 0.5) -> bool:
    """Exercise: near the minimum the rule's r averages pure gradient noise (standard
    deviation ``noise`` in each of 2 components). Where does eta settle, beta times the
    mean of ||r||? (within 5 %)

    Parameters
    ----------
    answer : float
        The reader's rate.
    noise : float, default 0.1
        Standard deviation of the noise per component, > 0.
    delta : float, default 0.1
        The leak delta, in (0, 1).
    beta : float, default 0.5
        The scale beta, > 0.

    Returns
    -------
    bool
        Whether the answer is within 5 % of a simulated floor (leaky averages of 200,000
        steps of seeded noise).

    Examples
    --------
    >>> murata_rate_floor(0.0144)
    ✔ floor of eta: correct.
    True
    """
    from ._validate import check_unit_interval

    noise = check_positive("noise", noise)
    delta = check_unit_interval("delta", delta)
    beta = check_positive("beta", beta)
    answer = check_finite_scalar("answer", answer)
    # Simulate eq 18 on pure noise: 400 independent chains for 500 steps each, long
    # enough to forget their zero start when delta >= 0.02, then average ||r||.
    rng = np.random.default_rng(0)
    steps = max(500, int(20 / delta))
    r = np.zeros((400, 2))
    lengths = []
    for t in range(steps):
        r = (1 - delta) * r + delta * noise * rng.standard_normal((400, 2))
        if t >= steps // 2:
            lengths.append(np.sqrt((r * r).sum(axis=1)).mean())
    truth = beta * float(np.mean(lengths))
    return _verdict(_close(answer, truth, 0.05), "floor of eta",
                    "each component of r sums delta (1 - delta)^k times independent noises: "
                    "find its variance, then the mean length of a 2-D Gaussian vector")


__all__ += ["murata_late_rate", "round_bowl_angle", "murata_rate_floor"]


# --- self-checks of book/gauss_newton_matrix (§7.2) ---

def gn_first_negative(answer, sizes=(2, 3, 2), samples: int = 40, seed: int = 1) -> bool:
    """Exercise: on the problem ``eb.measure.gn_teacher_problem(sizes, samples, seed)``,
    at the teacher's weights, from which residual size s (rms) on does the Hessian have a
    negative eigenvalue? (within 2 %)

    Parameters
    ----------
    answer : float
        The reader's residual size, > 0.
    sizes : sequence of int, default (2, 3, 2)
        The teacher's layer sizes.
    samples : int, default 40
        Number of samples.
    seed : int, default 1
        Seed of the problem.

    Returns
    -------
    bool
        Whether the answer is within 2 % of the threshold.

    Examples
    --------
    >>> gn_first_negative(3.64e-4)
    ✔ first negative eigenvalue of H: correct.
    True
    """
    from .curvature import gauss_newton, hessian
    from .measure import gn_teacher_problem

    answer = check_positive("answer", answer)
    prob = gn_teacher_problem(sizes, samples, seed)
    # H(s) = G + s A with A = H(1) - H(0) (eq 50 is affine in the targets). With G = L L^T
    # positive definite, G + s A is singular first where 1 + s mu_min = 0, mu_min the
    # smallest eigenvalue of L^-1 A L^-T: a generalised eigenproblem, no bisection.
    G = gauss_newton(prob.net, prob.X, prob.clean)
    A = hessian(prob.net, prob.X, prob.targets(1.0)) - hessian(prob.net, prob.X, prob.clean)
    Linv = np.linalg.inv(np.linalg.cholesky(G))
    mu = np.linalg.eigvalsh(Linv @ A @ Linv.T).min()
    truth = -1.0 / mu if mu < 0 else math.inf
    return _verdict(_close(answer, truth, 0.02), "first negative eigenvalue of H",
                    "H(s) = H(0) + s (H(1) - H(0)); bisect on s for the sign of the "
                    "smallest eigenvalue of H(s), starting between two slider positions")


def gn_zero_eigenvalues(count, sizes=(3, 6, 2), samples: int = 5, seed: int = 0) -> bool:
    """Exercise: how many eigenvalues of the Gauss-Newton matrix of the problem
    ``eb.measure.gn_teacher_problem(sizes, samples, seed)`` are exactly zero?

    Parameters
    ----------
    count : int
        The reader's count.
    sizes : sequence of int, default (3, 6, 2)
        The network's layer sizes.
    samples : int, default 5
        Number of samples P.
    seed : int, default 0
        Seed of the problem.

    Returns
    -------
    bool
        Whether the count is right.

    Examples
    --------
    >>> gn_zero_eigenvalues(28)
    ✔ zero eigenvalues of G: correct.
    True
    """
    from .curvature import output_jacobian
    from .measure import gn_teacher_problem

    if not check_finite_scalar("count", count).is_integer():
        raise ValueError(f"count must be a whole number, got {count!r}")
    prob = gn_teacher_problem(sizes, samples, seed)
    # G v = 0 exactly when every J_p v = 0: the null space of all Jacobians stacked
    stacked = np.vstack([output_jacobian(prob.net, x) for x in prob.X])
    truth = prob.net.n_params - np.linalg.matrix_rank(stacked)
    return _verdict(int(count) == truth, "zero eigenvalues of G",
                    "v^T G v = (1/P) sum_p ||J_p v||^2, so G v = 0 where every J_p v = 0; "
                    "the P Jacobians together have P*O rows")


__all__ += ["gn_first_negative", "gn_zero_eigenvalues"]


# --- book/newton (§6.1): Newton's method ---

def newton_damped_steps(answer, eta: float = 0.5, reduction: float = 1e-6,
                        kappa: float = 1000.0) -> bool:
    """Exercise: Newton's method with rate ``eta`` (eq 40) on a quadratic of condition
    number ``kappa``. After how many steps is the distance to the minimum first at most
    ``reduction`` times the starting distance? (exact)

    Parameters
    ----------
    answer : int
        The reader's number of steps.
    eta : float, default 0.5
        Newton's rate, in (0, 1].
    reduction : float, default 1e-6
        The factor the distance must shrink by, in (0, 1).
    kappa : float, default 1000.0
        The quadratic's condition number, >= 1 (the answer does not depend on it).

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> newton_damped_steps(20)
    ✔ Newton steps at eta = 0.5: correct.
    True
    """
    from ._validate import check_unit_interval
    from .descent import Quadratic

    eta = check_unit_interval("eta", eta, closed_high=True)
    reduction = check_unit_interval("reduction", reduction)
    kappa = check_finite_scalar("kappa", kappa)
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1, got {kappa}")
    answer = check_finite_scalar("answer", answer)
    # Run it: damped Newton steps on a rotated quadratic from a point off both axes.
    q = Quadratic.from_eigen([1.0, 1.0 / kappa], angle=0.7, minimum=[0.3, -0.2])
    w = np.array([-1.6, 1.1])
    start, steps = np.linalg.norm(w - q.minimum), 0
    while np.linalg.norm(w - q.minimum) > reduction * start * (1 + 1e-9):
        w = w + eta * q.newton_step(w)
        steps += 1
    return _verdict(answer == steps, f"Newton steps at eta = {eta:g}",
                    "each step multiplies the distance w - w* by the same factor, whatever "
                    "H is: which factor?")


def newton_rotated_kappa(answer, angle_deg: float = 35.0, seed: int = 0) -> bool:
    """Exercise: rotate the inputs of the paper's Fig. 10 (``two_gaussians(seed=seed)``)
    by ``angle_deg`` degrees, without stretching or shifting them. What is the condition
    number of the linear unit's Hessian (two weights and the bias)? (within 1 %, so that
    the unrotated inputs' value read off the page, about 28, counts)

    Parameters
    ----------
    answer : float
        The reader's condition number.
    angle_deg : float, default 35.0
        The rotation, in degrees.
    seed : int, default 0
        The data set's seed.

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> newton_rotated_kappa(27.78)
    ✔ kappa of the rotated inputs: correct.
    True
    """
    angle = np.radians(check_finite_scalar("angle_deg", angle_deg))
    answer = check_finite_scalar("answer", answer)
    X, _ = two_gaussians(seed=seed)
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    Xt = np.c_[X @ R.T, np.ones(len(X))]            # rotated inputs, and the bias's 1
    lam = np.linalg.eigvalsh(Xt.T @ Xt / len(X))    # H = <x x^T> of eq 29
    return _verdict(_close(answer, lam[-1] / lam[0], 1e-2), "kappa of the rotated inputs",
                    "rotating the inputs by R turns the Hessian over (w, b) into Q H Q^T "
                    "with Q = [[R, 0], [0, 1]], an orthogonal matrix: what happens to its "
                    "eigenvalues?")


def newton_saddle_free_step(w1, w2, start=(0.3, 0.1), c: float = 1.0) -> bool:
    """Exercise: on the pure saddle E(w) = -c w1 w2, where does one saddle-free Newton
    step from ``start`` land (the step ``-abs(H)^-1 grad E``, where ``abs(H)`` is H with
    its eigenvalues replaced by their absolute values)? (within 1e-6)

    Parameters
    ----------
    w1, w2 : float
        The reader's landing point.
    start : pair of float, default (0.3, 0.1)
        Where the step starts.
    c : float, default 1.0
        The saddle's curvature, > 0.

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> newton_saddle_free_step(0.4, 0.4)
    ✔ the saddle-free step's landing point: correct.
    True
    """
    start = np.asarray(start, dtype=float).ravel()
    if start.shape != (2,) or not np.all(np.isfinite(start)):
        raise ValueError(f"start must be 2 finite numbers, got {start}")
    c = check_positive("c", c)
    w = np.array([check_finite_scalar("w1", w1), check_finite_scalar("w2", w2)])
    H = np.array([[0.0, -c], [-c, 0.0]])
    g = H @ start                                   # grad of -c w1 w2
    lam, V = np.linalg.eigh(H)
    truth = start - V @ ((V.T @ g) / np.abs(lam))
    return _verdict(np.abs(w - truth).max() <= 1e-6, "the saddle-free step's landing point",
                    "H has eigenvalues -c and +c along (1, 1) and (1, -1); |H| = c I, so "
                    "the step is -grad E / c")


__all__ += ["newton_damped_steps", "newton_rotated_kappa", "newton_saddle_free_step"]


# --- self-checks of the page book/backprop_diagonal (§7.3-7.4, eqs 52-58) ---------------

def diag_gap_ratio(answer, s1: float = 0.5, s2: float = 1.5) -> bool:
    """Exercise: for a 2-5-1 network of 1.7159 tanh(2x/3) units (seed 0, as initialised) on
    200 points of the 3 x 3 checkerboard, by what factor does ||exact - Gauss-Newton
    diagonal|| grow when the residual scale goes from ``s1`` to ``s2``? (within 1 %)

    Parameters
    ----------
    answer : float
        The reader's factor.
    s1 : float, default 0.5
        The first residual scale, > 0.
    s2 : float, default 1.5
        The second residual scale, > 0.

    Returns
    -------
    bool
        Whether the answer is within 1 % of the factor measured with
        :func:`ebtricks.curvature.diag_hessian` at both scales.

    Examples
    --------
    >>> diag_gap_ratio(3.0)
    ✔ growth of the gap: correct.
    True
    """
    from .curvature import diag_hessian
    from .data import checkerboard
    from .measure import diag_scaled_targets
    from .network import mlp

    s1, s2 = check_positive("s1", s1), check_positive("s2", s2)
    answer = check_finite_scalar("answer", answer)
    X, D, _ = checkerboard(200, seed=0)
    net = mlp([2, 5, 1], seed=0)
    gap = []
    for s in (s1, s2):
        T = diag_scaled_targets(net, X, D, s)
        gap.append(np.linalg.norm(diag_hessian(net, X, T, method="exact")
                                  - diag_hessian(net, X, T, method="gauss_newton")))
    return _verdict(_close(answer, gap[1] / gap[0], 0.01), "growth of the gap",
                    "eq 50: the term the Gauss-Newton matrix drops is a sum of residuals "
                    "times second derivatives of the outputs; which of these changes with "
                    "the targets?")


def diag_rbf_centre(answer) -> bool:
    """Exercise: one RBF unit with centre (0, 0) and width 1 feeds a linear output with
    weight 2 and bias 0, o = 2 phi; one sample x = (1, 0.5), cost 1/2 (d - o)^2. What is
    the backpropagated second derivative of E with respect to the first centre coordinate
    (eqs 54 and 57)? (within 1 %)

    Parameters
    ----------
    answer : float
        The reader's d^2E/dnu_1^2.

    Returns
    -------
    bool
        Whether the answer is within 1 % of
        ``diag_hessian(..., method="backprop")`` on that network.

    Examples
    --------
    >>> diag_rbf_centre(4 * np.exp(-1.25))
    ✔ d2E/dnu_1^2: correct.
    True
    """
    from .curvature import diag_hessian
    from .layers import Dense, RBF
    from .network import Network

    answer = check_finite_scalar("answer", answer)
    net = Network([RBF(2, 1), Dense(1, 1, "identity")])
    net.weights(0)[...], net.bias(0)[...] = 0.0, 1.0
    net.weights(1)[...], net.bias(1)[...] = 2.0, 0.0
    h = diag_hessian(net, np.array([[1.0, 0.5]]), np.array([[0.0]]), method="backprop")
    return _verdict(_close(answer, h[0], 0.01), "d2E/dnu_1^2",
                    "d2E/dphi^2 = w^2 (the output is linear); then multiply by "
                    "(dphi/dnu_1)^2 with dphi/dnu_1 = phi (x_1 - nu_1) / sigma^2")


def diag_missing_fraction(answer) -> bool:
    """Exercise: for the 2-5-5-1 network ``eb.mlp([2, 5, 5, 1], seed=0)`` (as initialised)
    on ``eb.data.checkerboard(200, seed=0)``, what is (backprop - GN) / GN for the first
    weight of the first layer (``net.params[0]``), GN the Gauss-Newton diagonal (the mean
    of the squared Jacobian entries)? (within 0.01)

    Parameters
    ----------
    answer : float
        The reader's relative difference.

    Returns
    -------
    bool
        Whether the answer is within 0.01 of the one computed with
        :func:`ebtricks.curvature.diag_hessian` ("backprop" and "gauss_newton").

    Examples
    --------
    >>> diag_missing_fraction(-0.605)
    ✔ (backprop - GN) / GN: correct.
    True
    """
    from .curvature import diag_hessian
    from .data import checkerboard
    from .network import mlp

    answer = check_finite_scalar("answer", answer)
    X, D, _ = checkerboard(200, seed=0)
    net = mlp([2, 5, 5, 1], seed=0)
    bp = diag_hessian(net, X, D, method="backprop")[0]
    gn = diag_hessian(net, X, D, method="gauss_newton")[0]
    return _verdict(abs(answer - (bp - gn) / gn) <= 0.01, "(backprop - GN) / GN",
                    "GN is the mean over samples of (dy/dw)^2, from "
                    "eb.curvature.output_jacobian(net, x)[0, 0] for each row x of X")


__all__ += ["diag_gap_ratio", "diag_rbf_centre", "diag_missing_fraction"]


# --- book/finite_differences (§7.1) --------------------------------------------------------
def fd_float32_best_step(answer) -> bool:
    """Exercise: in single precision, which step delta makes the forward difference
    (f(x + delta) - f(x)) / delta of f = exp most accurate? (error within 3x the best)

    Parameters
    ----------
    answer : float
        The reader's step delta, > 0.

    Returns
    -------
    bool
        Whether the root-mean-square error of the float32 forward difference at the
        reader's delta, over 64 points x in [0, 1], is at most 3 times the smallest such
        error over 241 steps from 1e-7 to 1e-1.

    Examples
    --------
    >>> fd_float32_best_step(3e-4)
    ✔ best float32 step: correct.
    True
    """
    answer = check_positive("answer", answer)
    x = np.linspace(0.0, 1.0, 64).astype(np.float32)

    def rms_error(delta):
        d = np.float32(delta)
        estimate = (np.exp(x + d) - np.exp(x)) / d          # all in float32
        return float(np.sqrt(np.mean((estimate.astype(float) - np.exp(x.astype(float)))
                                     ** 2)))

    best = min(rms_error(d) for d in 10.0 ** np.linspace(-7, -1, 241))
    return _verdict(rms_error(answer) <= 3 * best, "best float32 step",
                    "the bottom of the forward V sits near the square root of the "
                    "machine epsilon; float32's epsilon is about 1.2e-7")


def fd_gradient_total(answer, sizes=(784, 30, 10), scheme: str = "central") -> bool:
    """Exercise: how many gradients (passes over the data) does a finite-difference
    Hessian of the fully connected network ``sizes`` need? (exact)

    Parameters
    ----------
    answer : int
        The reader's count.
    sizes : sequence of int, default (784, 30, 10)
        Units per layer, inputs first (biases included in the weights).
    scheme : {"central", "forward"}, default "central"
        The finite-difference scheme.

    Returns
    -------
    bool
        Whether the count is right: 2N for central, N + 1 for forward differences, N
        the number of weights of ``eb.mlp(sizes)``.

    Examples
    --------
    >>> fd_gradient_total(2 * (2 * 3 + 3 + 3 * 1 + 1), sizes=(2, 3, 1))
    ✔ gradients for the Hessian: correct.
    True
    """
    from ._validate import check_choice
    from .network import mlp

    check_choice("scheme", scheme, {"central", "forward"})
    answer = check_finite_scalar("answer", answer)
    n = mlp(list(sizes)).n_params              # the network's own count of its weights
    truth = 2 * n if scheme == "central" else n + 1
    return _verdict(answer == truth, "gradients for the Hessian",
                    "count the weights and biases of every layer; each needs one (forward) "
                    "or two (central) extra gradients")


def fd_asymmetry_by_hand(answer, delta: float = 0.1) -> bool:
    """Exercise: E(w) = w1^2 w2 at w = (1, 1). Forward differences with step delta give
    a 2x2 matrix H_fd; what is H_fd[1, 0] - H_fd[0, 1] (row w2, column w1 minus row w1,
    column w2)? (within 1e-9)

    Parameters
    ----------
    answer : float
        The reader's difference.
    delta : float, default 0.1
        The step, > 0.

    Returns
    -------
    bool
        Whether the answer matches the difference computed from the gradient
        (2 w1 w2, w1^2) by forward differences.

    Examples
    --------
    >>> fd_asymmetry_by_hand(0.1)
    ✔ asymmetry of H_fd: correct.
    True
    """
    delta = check_positive("delta", delta)
    answer = check_finite_scalar("answer", answer)

    def grad(w):
        return np.array([2 * w[0] * w[1], w[0] ** 2])

    w = np.array([1.0, 1.0])
    H = np.column_stack([(grad(w + delta * e) - grad(w)) / delta for e in np.eye(2)])
    return _verdict(abs(answer - (H[1, 0] - H[0, 1])) <= 1e-9, "asymmetry of H_fd",
                    "column k is the change of the whole gradient when w_k alone moves by "
                    "delta; compute both columns and compare the off-diagonal entries")


__all__ += ["fd_float32_best_step", "fd_gradient_total", "fd_asymmetry_by_hand"]


# --- self-checks of the page book/hessian_vector (§7.5) ---

def hv_error_slopes(forward, central, left) -> bool:
    """Exercise: on a log-log plot of the error of H v from two gradients against the
    step r, what is the slope of the right arm of the V for the forward difference
    (eq 59), of the right arm for the central difference, and of the left arm (the same
    for both)? (each within 0.25)

    Parameters
    ----------
    forward : float
        The reader's slope of the forward difference's right arm.
    central : float
        The reader's slope of the central difference's right arm.
    left : float
        The reader's slope of the left arm.

    Returns
    -------
    bool
        Whether all three are within 0.25 of slopes fitted to measured errors for
        E(w) = exp(w) (gradient exp(w), H = exp(w)) at 2,000 points w in [0.5, 1.5].

    Examples
    --------
    >>> hv_error_slopes(1, 2, -1)
    ✔ slope, forward right arm: correct.
    ✔ slope, central right arm: correct.
    ✔ slope, left arm: correct.
    True
    """
    answers = [check_finite_scalar(n, a) for n, a in
               (("forward", forward), ("central", central), ("left", left))]
    w = np.linspace(0.5, 1.5, 2000)
    exact = np.exp(w)

    def mean_errors(steps, central_difference):
        out = []
        for r in steps:
            est = ((np.exp(w + r) - np.exp(w - r)) / (2 * r) if central_difference
                   else (np.exp(w + r) - np.exp(w)) / r)
            out.append(np.mean(np.abs(est - exact) / exact))
        return np.array(out)

    def slope(steps, central_difference):
        return np.polyfit(np.log10(steps), np.log10(mean_errors(steps, central_difference)),
                          1)[0]

    right, small = np.geomspace(1e-3, 1e-1, 9), np.geomspace(1e-13, 1e-11, 9)
    truths = [slope(right, False), slope(right, True),
              0.5 * (slope(small, False) + slope(small, True))]
    hints = ["Taylor: grad E(w + r v) = grad E(w) + r H v + (r^2/2) (third derivatives) "
             "+ ...; divide by r",
             "in the central difference the r^2 terms of w + r v and w - r v cancel; "
             "what is left?",
             "rounding leaves an error of about eps |grad E| in each gradient, whatever "
             "r is; then you divide by r"]
    ok = [_verdict(abs(a - t) <= 0.25, f"slope, {name}", hint)
          for a, t, name, hint in zip(answers, truths,
                                      ("forward right arm", "central right arm", "left arm"),
                                      hints)]
    return all(ok)


def hv_lms_product(answer, v=(1.0, -1.0, 0.5)) -> bool:
    """Exercise: for a linear unit y = w . x + b on ``eb.data.two_gaussians(seed=0)``
    with the mse cost, compute H v as the mean of x~ (x~ . v) over the samples, x~ = (x, 1)
    (the bias is a weight on a constant input 1), without forming H. (relative 1e-8)

    Parameters
    ----------
    answer : array_like, shape (3,)
        The reader's H v, in the order (w_1, w_2, b).
    v : array_like, shape (3,), default (1.0, -1.0, 0.5)
        The vector.

    Returns
    -------
    bool
        Whether the answer equals the dense Hessian (``eb.curvature.hessian``) times v,
        to a relative 1e-8.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> Xt = np.hstack([X, np.ones((len(X), 1))])
    >>> hv_lms_product(Xt.T @ (Xt @ [1.0, -1.0, 0.5]) / len(X))
    ✔ H v: correct.
    True
    """
    from ._validate import check_array
    from .curvature import hessian
    from .network import mlp

    v = check_array("v", v, shape=(3,))
    answer = check_array("answer", answer, shape=(3,))
    X, D = two_gaussians(seed=0)
    truth = hessian(mlp([2, 1], activation="identity"), X, D) @ v
    return _verdict(np.linalg.norm(answer - truth) <= 1e-8 * np.linalg.norm(truth), "H v",
                    "for a linear unit H = <x~ x~^T> (eq 29 with the bias), so H v = "
                    "<x~ (x~ . v)>: one dot product per sample, then an average of the "
                    "x~ weighted by it")


def hv_smallest_eigenvalue(answer, hidden: int = 2, seed: int = 4) -> bool:
    """Exercise: the most negative eigenvalue of the Hessian of ``eb.mlp([2, hidden, 1],
    seed=seed)`` at its initial weights, on ``eb.data.two_gaussians(seed=0)``, found with
    H-vector products only (the power method on H - lambda_max I). (within 1e-3)

    Parameters
    ----------
    answer : float
        The reader's smallest eigenvalue.
    hidden : int, default 2
        Hidden units of the network.
    seed : int, default 4
        Seed of the network's initial weights.

    Returns
    -------
    bool
        Whether the answer is within 1e-3 of the smallest eigenvalue of the dense Hessian
        (``numpy.linalg.eigvalsh``).

    Examples
    --------
    >>> hv_smallest_eigenvalue(-0.6287)
    ✔ smallest eigenvalue: correct.
    True
    """
    from ._validate import check_int
    from .curvature import hessian
    from .network import mlp

    answer = check_finite_scalar("answer", answer)
    hidden = check_int("hidden", hidden, minimum=1)
    X, D = two_gaussians(seed=0)
    lam = np.linalg.eigvalsh(hessian(mlp([2, hidden, 1], seed=seed), X, D))
    return _verdict(abs(answer - lam[0]) <= 1e-3, "smallest eigenvalue",
                    "the power method finds the eigenvalue of largest magnitude, here "
                    "lambda_max; the eigenvalues of H - lambda_max I are lambda - lambda_max "
                    "<= 0, so the one of largest magnitude belongs to the smallest lambda "
                    "(add lambda_max back)")


__all__ += ["hv_error_slopes", "hv_lms_product", "hv_smallest_eigenvalue"]


# --- self-checks of the quasi-Newton page (book/quasi_newton) ---

def qn_bfgs_update(M_new, M=((1.0, 0.0), (0.0, 1.0)), delta=(1.0, 0.0),
                   phi=(2.0, 1.0)) -> bool:
    """Exercise: one BFGS update (eq 44, with its lost "+" restored) of the inverse-Hessian
    estimate ``M`` from the weight change ``delta`` and the gradient change ``phi``. The
    check builds it in Nocedal and Wright's product form (I - rho delta phi^T) M
    (I - rho phi delta^T) + rho delta delta^T, rho = 1/(delta^T phi), to 1e-6."""
    M = np.asarray(M, dtype=float)
    delta, phi = np.asarray(delta, dtype=float), np.asarray(phi, dtype=float)
    try:
        answer = np.asarray(M_new, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"M_new must be a matrix of numbers, got {M_new!r}") from err
    if answer.shape != M.shape:
        raise ValueError(f"M_new must have shape {M.shape}, got {answer.shape}")
    rho = 1.0 / float(delta @ phi)
    left = np.eye(len(delta)) - rho * np.outer(delta, phi)
    truth = left @ M @ left.T + rho * np.outer(delta, delta)
    ok = np.all(np.isfinite(answer)) and np.allclose(answer, truth, rtol=1e-6, atol=1e-9)
    return _verdict(ok, "M_new",
                    "restore the '+' after M(t-1) in eq 44; delta^T phi is a number, and "
                    "check that your M_new maps phi onto delta (the secant condition)")


def qn_lbfgs_floats(bfgs, lbfgs, sizes=(784, 30, 10), memory: int = 5) -> bool:
    """Exercise: how many numbers does BFGS keep for its inverse-Hessian estimate of a
    network with layer ``sizes`` (weights and biases), and how many does L-BFGS keep with
    ``memory`` pairs (delta, phi)? Within 0.01 %: the m numbers 1/(delta^T phi) may be
    counted or not, but forgetting the biases (0.3 % fewer numbers for 784-30-10) is
    wrong."""
    from .network import mlp

    bfgs, lbfgs = check_finite_scalar("bfgs", bfgs), check_finite_scalar("lbfgs", lbfgs)
    n = mlp(list(sizes), seed=0).n_params
    a = _verdict(_close(bfgs, n * n, 1e-4), "BFGS",
                 f"count the weights N (biases too: N = {n}), then the entries of an "
                 "N x N matrix")
    b = _verdict(_close(lbfgs, 2 * memory * n, 1e-4), "L-BFGS",
                 "each pair holds two vectors of N numbers")
    return a and b


def _qn_lm_problem(noise, w0):
    from .measure import qn_decay_fit
    obj = qn_decay_fit(noise=noise)
    w0 = np.asarray(w0, dtype=float)
    return obj.gauss_newton(w0), obj.value_and_grad(w0)[1]


def qn_lm_half_length(log10_lam, noise: float = 0.3, w0=(0.1, -1.0)) -> bool:
    """Exercise: on the page's decay fit (``noise``), from ``w0``, at which damping lambda
    is the Levenberg-Marquardt step -(G + lambda I)^-1 grad E half as long as the
    Gauss-Newton step? Answer log10(lambda), within 0.05."""
    log10_lam = check_finite_scalar("log10_lam", log10_lam)
    G, g = _qn_lm_problem(noise, w0)

    def length(log_lam):                 # decreasing in lambda
        return np.linalg.norm(np.linalg.solve(G + 10.0 ** log_lam * np.eye(2), g))

    half = 0.5 * np.linalg.norm(np.linalg.lstsq(G, g, rcond=None)[0])
    lo, hi = -12.0, 12.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if length(mid) > half else (lo, mid)
    return _verdict(abs(log10_lam - lo) <= 0.05, "log10(lambda)",
                    "in the eigenvectors of G the step's components are g_k/(lambda_k + "
                    "lambda): solve |step(lambda)| = |step(0)|/2 numerically, e.g. by "
                    "bisection on log10(lambda)")


__all__ += ["qn_bfgs_update", "qn_lbfgs_floats", "qn_lm_half_length"]


# --- self-checks of the page "Conjugate gradient" (§6.2) ---

def cg_one_step_angles(first, second, rotation_deg: float = 50.0, kappa: float = 10.0) -> bool:
    """Exercise: steepest descent with exact line search on a two-weight quadratic whose
    eigenvectors are rotated by ``rotation_deg``: from which two start angles (degrees,
    in [0, 180)) on a circle around the minimum does it finish in one step? (within 1°)

    Parameters
    ----------
    first, second : float
        The reader's two angles, in degrees, in either order.
    rotation_deg : float, default 50.0
        The rotation of the eigenvectors from the weight axes, in degrees.
    kappa : float, default 10.0
        The condition number of the bowl, > 1.

    Returns
    -------
    bool
        Whether both angles match (modulo 180°) the ones found by scanning 3600 start
        angles for the start whose first exact step lands on the minimum.

    Examples
    --------
    >>> cg_one_step_angles(140, 50)
    ✔ one-step start angles: correct.
    True
    """
    rotation = check_finite_scalar("rotation_deg", rotation_deg)
    kappa = check_finite_scalar("kappa", kappa)
    if not kappa > 1:
        raise ValueError(f"kappa must be > 1, got {kappa}")
    a = [check_finite_scalar("first", first) % 180, check_finite_scalar("second", second) % 180]
    c, s = np.cos(np.radians(rotation)), np.sin(np.radians(rotation))
    R = np.array([[c, -s], [s, c]])
    H = R @ np.diag([1.0, 1.0 / kappa]) @ R.T
    # Scan the circle: the exact step along -g from w lands at distance |w - eta g| from 0.
    theta = np.arange(3600) * 0.05
    W = np.column_stack([np.cos(np.radians(theta)), np.sin(np.radians(theta))])
    G = W @ H
    eta = np.sum(G * G, axis=1) / np.sum((G @ H) * G, axis=1)
    miss = np.linalg.norm(W - eta[:, None] * G, axis=1)
    # one eigenvector in each half-turn: the best start, then the best one at least 45°
    # away from it (modulo 180°)
    best = [theta[np.argmin(miss)]]
    other = np.abs(((theta - best[0] + 90) % 180) - 90) > 45
    best.append(theta[other][np.argmin(miss[other])])

    def near(x, y):
        return abs((x - y + 90) % 180 - 90) <= 1.0

    ok = ((near(a[0], best[0]) and near(a[1], best[1]))
          or (near(a[0], best[1]) and near(a[1], best[0])))
    return _verdict(ok, "one-step start angles",
                    "the gradient points straight at the minimum only where the start lies "
                    "on an eigenvector of H; where are the eigenvectors of a bowl rotated "
                    f"by {rotation:g}°?")


def cg_first_step(eta0, beta1, h=(1.0, 4.0), start=(1.0, 1.0)) -> bool:
    """Exercise: conjugate gradient by hand on E(w) = 1/2 w^T diag(h) w from ``start``.
    What is the first step's exact line-search rate eta_0 along d_0 = -grad E, and the
    Fletcher-Reeves beta_1 (eq 42) that forms d_1? (each within 1e-6, relative)

    Parameters
    ----------
    eta0 : float
        The reader's eta_0.
    beta1 : float
        The reader's beta_1.
    h : sequence of two floats, default (1.0, 4.0)
        The diagonal of H, each > 0.
    start : sequence of two floats, default (1.0, 1.0)
        w_0.

    Returns
    -------
    bool
        Whether both are right, compared with a fine scan of E along d_0 (the lowest
        point) and the gradient there.

    Examples
    --------
    >>> cg_first_step(17 / 65, 144 / 4225)
    ✔ eta_0: correct.
    ✔ beta_1: correct.
    True
    """
    h = np.asarray(h, dtype=float)
    w0 = np.asarray(start, dtype=float)
    if h.shape != (2,) or w0.shape != (2,) or not np.all(h > 0):
        raise ValueError("h and start must be two numbers each, h > 0")
    eta0 = check_finite_scalar("eta0", eta0)
    beta1 = check_finite_scalar("beta1", beta1)
    g0 = h * w0
    # E along the line is a parabola in eta: fit it through three points, take its vertex.
    e = [0.5 * np.sum(h * (w0 - t * g0) ** 2) for t in (0.0, 1.0, 2.0)]
    truth_eta = (3 * e[0] - 4 * e[1] + e[2]) / (2 * (e[0] - 2 * e[1] + e[2]))
    g1 = h * (w0 - truth_eta * g0)
    truth_beta = float(g1 @ g1) / float(g0 @ g0)
    a = _verdict(_close(eta0, truth_eta, 1e-6), "eta_0",
                 "minimise E(w_0 - eta g_0) over eta: set its derivative g(w_1) . g_0 to 0")
    b = _verdict(_close(beta1, truth_beta, 1e-6), "beta_1",
                 "eq 42: |grad E(w_1)|^2 / |grad E(w_0)|^2, with w_1 = w_0 - eta_0 g_0")
    return a and b


def cg_distinct_eigenvalue_steps(answer, distinct: int = 3, n: int = 50) -> bool:
    """Exercise: conjugate gradient on an ``n``-weight quadratic whose Hessian has only
    ``distinct`` different eigenvalues (each repeated, eigenvectors rotated at random).
    After how many steps is it at the minimum (to 1e-8 of the starting distance)?

    Parameters
    ----------
    answer : int
        The reader's number of steps.
    distinct : int, default 3
        The number of different eigenvalues, from 1 to n.
    n : int, default 50
        The number of weights, >= 1.

    Returns
    -------
    bool
        Whether the answer equals the steps a run of ``ConjugateGradient()`` needs on
        such a bowl (eigenvalues 1, 2, ..., distinct).

    Examples
    --------
    >>> cg_distinct_eigenvalue_steps(3)
    ✔ steps on a bowl with 3 distinct eigenvalues: correct.
    True
    """
    from ._validate import check_int
    from .descent import Quadratic
    from .measure import cg_objective
    from .optimizers import ConjugateGradient, minimize

    n = check_int("n", n, minimum=1)
    distinct = check_int("distinct", distinct, minimum=1)
    if distinct > n:
        raise ValueError(f"distinct must be <= n = {n}, got {distinct}")
    answer = check_finite_scalar("answer", answer)
    rng = np.random.default_rng(0)
    lam = 1.0 + np.arange(n) % distinct
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    q = Quadratic(Q @ np.diag(lam) @ Q.T, rng.standard_normal(n))
    _, hist = minimize(cg_objective(q), np.zeros(n), ConjugateGradient(), iterations=n + 1,
                       record_weights=True)
    dist = np.linalg.norm(hist.weights - q.minimum, axis=1)
    truth = int(np.argmax(dist <= 1e-8 * dist[0]))
    return _verdict(answer == truth, f"steps on a bowl with {distinct} distinct eigenvalues",
                    "each step removes one polynomial degree of freedom: a polynomial that "
                    "is 0 at every distinct eigenvalue and 1 at 0 needs how high a degree?")


__all__ += ["cg_one_step_angles", "cg_first_step", "cg_distinct_eigenvalue_steps"]


# --- the page book/which_method (§6, §10) -----------------------------------------------

def which_winner(log10_size, answer) -> bool:
    """Exercise (book/which_method, Figure 4): with the same budget of 30,000 sample
    gradients, which of online SGD (eta = 0.05) and conjugate gradient ends with the
    smaller test error on the noisy sine with P = round(10**log10_size) samples? Runs both
    (the page's settings) and compares.

    Parameters
    ----------
    log10_size : float
        log10 of the training set size, between 1.5 and 4.
    answer : {"SGD", "CG"}
        Your prediction.

    Returns
    -------
    bool
        True when the prediction is right.

    Raises
    ------
    ValueError
        When log10_size is outside [1.5, 4] or answer is not "SGD" or "CG".

    Examples
    --------
    >>> which_winner(1.5, "CG")
    ✔ the winner at P = 32: correct.
    True
    """
    import ebtricks as eb
    from ._validate import check_choice

    log10_size = check_finite_scalar("log10_size", log10_size)
    if not 1.5 <= log10_size <= 4.0:
        raise ValueError(f"log10_size must be between 1.5 and 4, got {log10_size}")
    answer = check_choice("answer", str(answer).strip().upper(), {"SGD", "CG"})
    P = int(round(10 ** log10_size))
    X, D = eb.data.noisy_sine(n=P, noise=0.02, seed=0)
    Xg, Dg = eb.data.noisy_sine(x=np.linspace(-1, 1, 201), noise=0.0)
    net = eb.mlp([1, 10, 1], output_activation="identity", seed=0)
    final = {}
    for name, method in (("SGD", eb.SGD(eta=0.05)), ("CG", eb.ConjugateGradient())):
        run = eb.measure.which_race(net, X, D, method, lambda n: n.cost(Xg, Dg),
                                    work_budget=30_000)
        final[name] = run.error[-1]
    truth = min(final, key=final.get)
    return _verdict(answer == truth, f"the winner at P = {P:,}",
                    "CG needs one to two hundred full gradients to fit well; how many does "
                    "30,000 sample gradients buy it at this P? SGD makes 30,000 updates "
                    "whatever P is.")


def which_step_cost_factors(newton, bfgs) -> bool:
    """Exercise (book/which_method): by what factor does the cost of one step grow from
    the 1-10-1 network (31 weights) to the 784-30-10 network (23,860 weights) for Newton
    (O(N^3)) and for BFGS (O(N^2)), taking the exponents at face value? Within 10 %.

    Parameters
    ----------
    newton : float
        Your factor for Newton.
    bfgs : float
        Your factor for BFGS.

    Returns
    -------
    bool
        True when both are within 10 %.

    Raises
    ------
    ValueError
        When an answer is not a finite number.

    Examples
    --------
    >>> which_step_cost_factors(4.56e8, 5.92e5)
    ✔ Newton's factor: correct.
    ✔ BFGS's factor: correct.
    True
    """
    import ebtricks as eb

    small = eb.mlp([1, 10, 1]).n_params
    large = eb.mlp([784, 30, 10]).n_params
    a = _close(check_finite_scalar("newton", newton), (large / small) ** 3, 0.1)
    b = _close(check_finite_scalar("bfgs", bfgs), (large / small) ** 2, 0.1)
    _verdict(a, "Newton's factor", "count the weights of each net (a unit has one weight "
                                   "per input plus a bias), take the ratio, cube it")
    _verdict(b, "BFGS's factor", "the same ratio, squared")
    return a and b


__all__ += ["which_winner", "which_step_cost_factors"]


# --- page large_eigenvalues (§8, the paper's Fig. 21) ---

def largeeig_hidden_mean_top(answer, n: int = 12, mean: float = 0.5,
                             variance: float = 0.05) -> bool:
    """Exercise: ``n`` uncorrelated hidden states, each with the given mean and variance,
    feed one linear output unit with a bias; E = ½ (d − o)² averaged over samples. The
    Hessian of the unit's n + 1 weights is the second-moment matrix of (h, 1): what is its
    largest eigenvalue? Within 0.5 % (so that 1 + n mean², which
    leaves out the variances, is not accepted).

    Parameters
    ----------
    answer : float
        Your largest eigenvalue.
    n : int, default 12
        Hidden states feeding the unit.
    mean : float, default 0.5
        Mean of every state (a logistic unit's is near 0.5).
    variance : float, default 0.05
        Variance of every state, > 0.

    Returns
    -------
    bool
        True when the answer is within 0.5 %.

    Raises
    ------
    ValueError
        When the answer is not a finite number or variance <= 0.

    Examples
    --------
    >>> largeeig_hidden_mean_top(4.04)
    ✔ largest eigenvalue: correct.
    True
    """
    answer = check_finite_scalar("answer", answer)
    variance = check_positive("variance", variance)
    m = np.append(np.full(n, float(mean)), 1.0)            # E[(h, 1)]
    M = np.outer(m, m)
    M[np.arange(n), np.arange(n)] += variance              # + the states' covariance
    truth = float(np.linalg.eigvalsh(M)[-1])
    return _verdict(_close(answer, truth, 0.005), "largest eigenvalue",
                    "E[x xᵀ] = covariance + mean meanᵀ: the mean vector (with the bias's 1) "
                    "is nearly an eigenvector, and the variances add to its eigenvalue")


def largeeig_equicorrelated_top(answer, n: int = 64, rho: float = 0.2) -> bool:
    """Exercise: ``n`` inputs, each of variance 1, every pair with correlation ``rho``.
    What is the largest eigenvalue of their covariance (the Hessian of a linear unit
    fed by them, without bias)? Within 1 %.

    Parameters
    ----------
    answer : float
        Your largest eigenvalue.
    n : int, default 64
        Number of inputs.
    rho : float, default 0.2
        The correlation of every pair, in (−1/(n − 1), 1].

    Returns
    -------
    bool
        True when the answer is within 1 %.

    Raises
    ------
    ValueError
        When the answer or rho is not a finite number.

    Examples
    --------
    >>> largeeig_equicorrelated_top(13.6)
    ✔ largest eigenvalue: correct.
    True
    """
    answer = check_finite_scalar("answer", answer)
    rho = check_finite_scalar("rho", rho)
    C = np.full((n, n), rho)
    np.fill_diagonal(C, 1.0)
    truth = float(np.linalg.eigvalsh(C)[-1])
    return _verdict(_close(answer, truth, 0.01), "largest eigenvalue",
                    "try the vector of all ones: C times it is a multiple of it")


def largeeig_sklearn_digits_ratio(answer, alpha: float = 0.5) -> bool:
    """Exercise: scikit-learn's 8x8 digits (``eb.data.digits_8x8()``, all 1797, flattened),
    decorrelated by the fraction ``alpha`` with the total variance kept
    (``eb.measure.largeeig_partial_whiten``): by what factor is the largest eigenvalue of
    their covariance smaller than the centred digits'? Within 2 %.

    Parameters
    ----------
    answer : float
        Your factor (largest eigenvalue centred / largest eigenvalue at alpha).
    alpha : float, default 0.5
        Fraction of decorrelation, in [0, 1].

    Returns
    -------
    bool
        True when the answer is within 2 %.

    Raises
    ------
    ValueError
        When the answer or alpha is not a finite number.

    Examples
    --------
    >>> largeeig_sklearn_digits_ratio(1.0, alpha=0.0)
    ✔ factor: correct.
    True
    """
    from .data import digits_8x8
    answer = check_finite_scalar("answer", answer)
    alpha = check_finite_scalar("alpha", alpha)
    images, _ = digits_8x8()
    X = images.reshape(len(images), -1)
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False) ** 2 / len(X)
    s = s[s > 1e-10 * s[0]]                       # the directions with variance
    new = s ** (1 - alpha)
    new *= s.sum() / new.sum()                    # same total variance
    truth = float(s[0] / new[0])
    return _verdict(_close(answer, truth, 0.02), "factor",
                    "the covariance eigenvalues become c λᵢ^(1 − α) with c keeping their "
                    "sum: compute both largest ones")


__all__ += ["largeeig_hidden_mean_top", "largeeig_equicorrelated_top",
            "largeeig_sklearn_digits_ratio"]


# --- self-checks of the page book/principal_eigenvalue (§9.2) ---

def principal_spread_factor(answer, ratio: float = 4.0) -> bool:
    """Exercise: once a running average psi <- (1 - gamma) psi + gamma x of independent
    noisy terms x has forgotten its start, by what factor does its spread (standard
    deviation) shrink when gamma is divided by ``ratio``? (within 10%)

    Parameters
    ----------
    answer : float
        The reader's factor (spread at gamma over spread at gamma / ratio), > 0.
    ratio : float, default 4.0
        How many times smaller the second gamma is, > 1.

    Returns
    -------
    bool
        Whether the answer is within 10% of the ratio of the standard deviations of two
        simulated running averages of unit Gaussian noise (gamma = 0.04 and
        0.04 / ratio, 400,000 steps each, the first 5,000 dropped).

    Examples
    --------
    >>> principal_spread_factor(2.0)
    ✔ spread factor: correct.
    True
    """
    answer = check_positive("answer", answer)
    ratio = check_positive("ratio", ratio)
    if ratio <= 1:
        raise ValueError(f"ratio must be > 1, got {ratio}")
    noise = np.random.default_rng(0).standard_normal(400_000)

    def spread(gamma):
        # the running average itself, step by step (no formula for its variance)
        out = np.empty_like(noise)
        psi = 0.0
        for t, x in enumerate(noise):
            psi = (1 - gamma) * psi + gamma * x
            out[t] = psi
        return out[5000:].std()

    truth = spread(0.04) / spread(0.04 / ratio)
    return _verdict(_close(answer, truth, 0.1), "spread factor",
                    "the average weighs the term k presentations back by "
                    "gamma (1 - gamma)^k; add the squares of these weights (a geometric "
                    "series) to get the variance, then take square roots")


def _principal_runs(H, gamma, steps):
    """Power method (signed by the Rayleigh quotient), eq 63's norm, and eq 64 run
    without noise on a symmetric matrix H."""
    n = H.shape[0]
    psi = np.random.default_rng(1).standard_normal(n)
    for _ in range(steps):
        psi = H @ (psi / np.linalg.norm(psi))
    u = psi / np.linalg.norm(psi)
    power = np.sign(u @ H @ u) * np.linalg.norm(H @ u)
    taylor = np.linalg.norm(H @ u)
    psi = np.random.default_rng(1).standard_normal(n)
    for _ in range(steps * 20):
        psi = (1 - gamma) * psi + gamma * H @ (psi / np.linalg.norm(psi))
    return power, taylor, np.linalg.norm(psi)


def principal_which_eigenvalue(power, taylor, online, diagonal=(2.0, -5.0, 1.0),
                               gamma: float = 0.05) -> bool:
    """Exercise: for the Hessian H = diag(``diagonal``), what does each method of §9.2
    return in the end: the power method with the sign of its Rayleigh quotient (eq 60,
    ``eb.curvature.power_method``), the norm ``||psi||`` of eq 63, and the running average
    of eq 64 with leak ``gamma`` (without noise, every pattern having the same H)?
    (each within 1e-2)

    Parameters
    ----------
    power : float
        The reader's value for the power method (signed).
    taylor : float
        The reader's value for eq 63's ``||psi||``.
    online : float
        The reader's value for eq 64's ``||psi||``.
    diagonal : sequence of float, default (2.0, -5.0, 1.0)
        The eigenvalues of H.
    gamma : float, default 0.05
        The leak of the running average (the share of psi a step replaces), in (0, 1).

    Returns
    -------
    bool
        Whether all three answers are within 1e-2 of the results of running the three
        iterations (300 power steps, 6,000 running-average steps) on H.

    Examples
    --------
    >>> principal_which_eigenvalue(-5, 5, 2)
    ✔ power method: correct.
    ✔ eq 63 (Taylor): correct.
    ✔ eq 64 (running average): correct.
    True
    """
    answers = [check_finite_scalar(n, a) for n, a in
               (("power", power), ("taylor", taylor), ("online", online))]
    H = np.diag(np.asarray(diagonal, dtype=float))
    gamma = check_positive("gamma", gamma)
    if gamma >= 1:
        raise ValueError(f"gamma must be in (0, 1), got {gamma}")
    truths = _principal_runs(H, gamma, 300)
    hints = ["each product multiplies the component along an eigenvector by its lambda; "
             "which grows fastest in magnitude? The Rayleigh quotient gives its sign",
             "the same iteration as the power method, but a norm has no sign",
             "with psi = r u, a component changes by (1 - gamma) + gamma lambda / r per "
             "step; only a positive lambda = r can keep its size. At that r, is every "
             "other factor, negative lambdas included, between -1 and 1 for this gamma?"]
    names = ["power method", "eq 63 (Taylor)", "eq 64 (running average)"]
    return all([_verdict(abs(a - t) <= 1e-2, name, hint)
                for a, t, name, hint in zip(answers, truths, names, hints)])


def principal_safe_factor(answer) -> bool:
    """Exercise: an estimate of lambda_max sets the rate eta = 1/estimate. By at most
    what factor may the estimate fall below lambda_max before gradient descent on the
    quadratic E = lambda_max w^2 / 2 diverges? (within 2%)

    Parameters
    ----------
    answer : float
        The reader's factor f (the estimate lambda_max / f is the smallest safe one).

    Returns
    -------
    bool
        Whether the answer is within 2% of the factor found by bisection on runs of 200
        gradient steps from w = 1 (a run diverges when the size of w grows).

    Examples
    --------
    >>> principal_safe_factor(2.0)
    ✔ safe factor: correct.
    True
    """
    answer = check_positive("answer", answer)

    def grows(f, lam=3.0):
        w, eta = 1.0, 1.0 / (lam / f)
        for _ in range(200):
            w -= eta * lam * w
        return abs(w) > 1.0

    truth = _bisect(lambda f: 1.0 if grows(f) else -1.0, 1.0, 10.0)
    return _verdict(_close(answer, truth, 0.02), "safe factor",
                    "one step multiplies w by (1 - eta lambda_max); with eta = f / "
                    "lambda_max, for which f does that factor reach -1?")


__all__ += ["principal_spread_factor", "principal_which_eigenvalue",
            "principal_safe_factor"]


# ==== page epilogue_optimizers ================================================================
def epiopt_hutchinson_variance(answer) -> bool:
    """Exercise (book/epilogue_optimizers): for H = [[4, 1, -2], [1, 3, 0], [-2, 0, 1]],
    what is the variance of the first entry of z * (H z) over Rademacher vectors z (one
    sample of Hutchinson's estimate of H_11)? Computed here by going through all eight
    vectors z; exact to 1e-9.

    Parameters
    ----------
    answer : float
        Your variance.

    Returns
    -------
    bool
        True when it is right.

    Raises
    ------
    ValueError
        When the answer is not a finite number.

    Examples
    --------
    >>> epiopt_hutchinson_variance(5.0)
    ✔ the variance of z₁(Hz)₁: correct.
    True
    """
    import itertools
    answer = check_finite_scalar("answer", answer)
    H = np.array([[4.0, 1.0, -2.0], [1.0, 3.0, 0.0], [-2.0, 0.0, 1.0]])
    values = [z[0] * (H @ z)[0] for z in map(np.array, itertools.product((-1.0, 1.0),
                                                                          repeat=3))]
    return _verdict(abs(answer - np.var(values)) <= 1e-9, "the variance of z₁(Hz)₁",
                    "write z₁(Hz)₁ = H₁₁ + Σ_{j≠1} H₁ⱼ z₁zⱼ; the products z₁zⱼ are "
                    "independent ±1 with mean 0")


def epiopt_adam_first_step(answer) -> bool:
    """Exercise (book/epilogue_optimizers): with bias correction, by how much (in units
    of eta) does Adam's very first update move a weight whose gradient is not zero? The
    check makes one Adam update of a small net with eta = 1e-3 and measures the median
    absolute change divided by eta over its weights; within 1 %.

    Parameters
    ----------
    answer : float
        Your size of the first step, in units of eta.

    Returns
    -------
    bool
        True when it is within 1 %.

    Raises
    ------
    ValueError
        When the answer is not a finite number.

    Examples
    --------
    >>> epiopt_adam_first_step(1.0)
    ✔ the first step of Adam: correct.
    True
    """
    import ebtricks as eb
    answer = check_finite_scalar("answer", answer)
    X, D = two_gaussians(seed=0)
    net = eb.mlp([2, 3, 1], seed=0)
    before = net.params.copy()
    eb.train(net, X, D, eb.Adam(eta=1e-3, batch_size=100, order="sequential"), epochs=1)
    step = np.median(np.abs(net.params - before)) / 1e-3
    return _verdict(_close(answer, step, 0.01), "the first step of Adam",
                    "after one update m_hat = g and v_hat = g², so the step is "
                    "η g / (|g| + ε)")


def epiopt_edge_level(eta, answer) -> bool:
    """Exercise (book/epilogue_optimizers): under full-batch gradient descent with rate
    ``eta`` on the page's digits problem (200 digits of 8x8 pixels, a 64-10-10 net started
    at 0.2 times its LeCun weights), where does lambda_max settle? The check runs 600
    epochs and takes the median of lambda_max over epochs 300-600; within 20 %.

    Parameters
    ----------
    eta : float
        The learning rate, between 0.1 and 0.3.
    answer : float
        Your predicted level of lambda_max.

    Returns
    -------
    bool
        True when it is within 20 % of the measured level.

    Raises
    ------
    ValueError
        When eta is outside [0.1, 0.3] or the answer is not a finite number.

    Examples
    --------
    >>> epiopt_edge_level(0.25, 0.3)                      # doctest: +SKIP
    ✘ ...
    False
    """
    import ebtricks as eb
    eta = check_finite_scalar("eta", eta)
    if not 0.1 <= eta <= 0.3:
        raise ValueError(f"eta must be between 0.1 and 0.3, got {eta}")
    answer = check_finite_scalar("answer", answer)
    digits, labels = eb.data.digits_8x8()
    pick, _ = eb.data.stratified_split(labels, 200, 0, seed=0)
    X = digits[pick].reshape(200, 64) / 8 - 1
    D = eb.data.targets_pm1(labels[pick], 10)
    net = eb.mlp([64, 10, 10], seed=0)
    net.params = 0.2 * net.params
    s = eb.measure.epiopt_sharpness(net, X, D, eta, epochs=600, every=24)
    level = float(np.median(s["lambda_max"][s["epoch"] >= 300]))
    return _verdict(_close(answer, level, 0.2), f"the level of λ_max at η = {eta:g}",
                    "where does gradient descent on a parabola of curvature λ stop "
                    "converging?")


__all__ += ["epiopt_hutchinson_variance", "epiopt_adam_first_step", "epiopt_edge_level"]


# --- self-checks of the page book/spectrum (§8, Figs 19-20) ---

@functools.lru_cache(maxsize=1)
def _spectrum_top40():
    """The top 40 eigenvalues of the page's trained network, by Lanczos (cached: a second
    try of the exercise, or a test trying two answers, does not retrain)."""
    from .lenet import net_fig19
    from .measure import SPECTRUM_RECIPE, spectrum_digits, spectrum_top
    from .sgd import train_sgd
    X, D, _ = spectrum_digits("centred", "mse")
    net = net_fig19(seed=0)
    train_sgd(net, X, D, epochs=SPECTRUM_RECIPE["epochs"], eta=SPECTRUM_RECIPE["eta"],
              seed=0)
    top = spectrum_top(net, X, D, k=40, steps=120)
    top.flags.writeable = False
    return top


def spectrum_k_past_eight(answer, ratio: float = 8.0) -> bool:
    """Exercise (Predict, slider k): for the page's trained 256-128-64-10 network, the first
    k at which lambda_1 / lambda_k exceeds ``ratio`` (the paper's 8). Computed its own
    way: the page's network retrained, its top 40 eigenvalues by Lanczos (120 exact
    H-vector products) instead of the full Hessian."""
    answer = check_finite_scalar("answer", answer)
    ratio = check_positive("ratio", ratio)
    top = _spectrum_top40()
    past = np.flatnonzero(top[0] / top > ratio)
    truth = int(past[0]) + 1 if past.size else None
    if truth is None:
        print(f"(lambda_1 / lambda_k stays below {ratio:g} up to k = 40)")
        return _verdict(answer > 40, "k", "the ratio never passes it in Figure 2's range")
    return _verdict(answer == truth, "k",
                    "set the slider to the answer and one below it: the ratio on the "
                    f"right must be above {ratio:g} at your k and not above it just before")


def spectrum_linear_ratios(raw, centred) -> bool:
    """Exercise: lambda_1 / lambda_11 of the Hessian of a linear 256-10 network with the
    squared error on the page's 320 digits, raw and centred. Computed its own way, from
    the network rather than the input matrix: the Hessian's columns of the first output's
    257 weights by exact H-vector products (the other outputs' blocks are copies of that
    one, the blocks between outputs zero), within 2 %."""
    from .curvature import hessian_vector_product
    from .measure import spectrum_digits
    from .network import mlp
    raw = check_finite_scalar("raw", raw)
    centred = check_finite_scalar("centred", centred)
    net = mlp([256, 10], activation="identity", seed=0)
    w0, b0, _, n_in = net.offsets()[0]
    block = np.r_[np.arange(w0, w0 + n_in), b0]        # output 0: its weights and bias
    ok = []
    for name, answer in (("raw", raw), ("centred", centred)):
        X, D, _ = spectrum_digits(name)
        e = np.zeros(net.n_params)
        H0 = np.empty((block.size, block.size))
        for j, k in enumerate(block):
            e[k] = 1.0
            H0[:, j] = hessian_vector_product(net, X, D, e)[block]
            e[k] = 0.0
        lam = np.linalg.eigvalsh(0.5 * (H0 + H0.T))[::-1]
        ok.append(_verdict(_close(answer, lam[0] / lam[1], 0.02), f"{name} λ1/λ11",
                           "the Hessian holds ten copies of M = <x~ x~^T>, so its "
                           "eigenvalues come ten at a time: lambda_1 .. lambda_10 are "
                           "M's largest, lambda_11 is M's second largest"))
    return all(ok)


__all__ += ["spectrum_k_past_eight", "spectrum_linear_ratios"]


# --- book/predicted_rate (§9.2): the rate predicted from lambda_max ---

def predicted_rate_step_factor(factor, ratio: float = 2.61) -> bool:
    """Exercise (book/predicted_rate): on a quadratic whose largest eigenvalue is
    lambda_max, one gradient step at eta = ratio / lambda_max multiplies the error along the
    top eigenvector by what factor? Within 1e-6.

    Parameters
    ----------
    factor : float
        Your factor (negative when the error changes sign).
    ratio : float, default 2.61
        eta / eta_predicted, with eta_predicted = 1/lambda_max; > 0.

    Returns
    -------
    bool
        True when the factor is right.

    Raises
    ------
    ValueError
        When an answer is not a finite number or ratio <= 0.

    Examples
    --------
    >>> predicted_rate_step_factor(-1.61, ratio=2.61)
    ✔ the factor per step: correct.
    True
    """
    ratio = check_positive("ratio", ratio)
    lam = 3.7                                   # any lambda_max: the factor does not depend on it
    truth = 1.0 - (ratio / lam) * lam
    ok = abs(check_finite_scalar("factor", factor) - truth) <= 1e-6 * max(1.0, abs(truth))
    return _verdict(ok, "the factor per step",
                    "the gradient along the eigenvector is lambda_max times the error, and "
                    "the step subtracts eta times the gradient")


def _predicted_rate_early_drop_truth() -> float:
    """lambda_max(start) / lambda_max(after the first 10 updates) for the page's seed 0
    (computed once per session)."""
    global _EARLY_DROP
    if _EARLY_DROP is None:
        import ebtricks as eb

        images, labels = eb.data.mnist_5k()
        train, _ = eb.data.stratified_split(labels, 300, 0, seed=0)
        X = 1.275 * images[train].reshape(300, 784) / 255 - 0.1
        D = eb.data.targets_pm1(labels[train], 10)
        net = eb.mlp([784, 30, 10], seed=0)
        start = eb.curvature.principal_eigen(net, X, D)[0]
        eta = 1.0 / eb.measure.predicted_rate_lambda(net, X, D, seed=0)
        h = eb.train_sgd(net, X, D, epochs=1, eta=eta, seed=0, track_cost=False,
                         record_weights="update", record_every=10)
        net.set_params(h.weights[1])
        _EARLY_DROP = start / eb.curvature.principal_eigen(net, X, D)[0]
    return _EARLY_DROP


_EARLY_DROP = None


def predicted_rate_early_drop(ratio) -> bool:
    """Exercise (book/predicted_rate): lambda_max of the 784-30-10 net (seed 0) on the
    page's 300 digits at its initial weights, divided by lambda_max after the first 10
    updates of online SGD (shuffle seed 0) at the predicted rate. Both by the power
    method; within 5 % (the one-epoch ratio, about 3.3, is rejected).

    Parameters
    ----------
    ratio : float
        Your lambda_max(start) / lambda_max(after 10 updates).

    Returns
    -------
    bool
        True when within 5 %.

    Raises
    ------
    ValueError
        When the answer is not a finite number.

    Examples
    --------
    >>> predicted_rate_early_drop(1.0)
    ✘ lambda_max(start) / lambda_max(after 10 updates): not yet. Hint: record_weights="update" keeps the weights after every 10 updates in History.weights; set them with net.set_params and call principal_eigen
    False
    """
    ok = _close(check_finite_scalar("ratio", ratio), _predicted_rate_early_drop_truth(),
                0.05)
    return _verdict(ok, "lambda_max(start) / lambda_max(after 10 updates)",
                    'record_weights="update" keeps the weights after every 10 updates in '
                    "History.weights; set them with net.set_params and call principal_eigen")


def predicted_rate_c3_counts(connections, parameters) -> bool:
    """Exercise (book/predicted_rate): the connections and free parameters of layer C3 of
    the paper's 5-layer shared-weight net (4 maps of 10x10 units, each unit fed by a 5x5
    window of both 14x14 maps below it, plus a bias). Exact.

    Parameters
    ----------
    connections : int
        Your number of connections (a bias counts as one connection).
    parameters : int
        Your number of free parameters.

    Returns
    -------
    bool
        True when both are right.

    Raises
    ------
    ValueError
        When an answer is not a finite number.

    Examples
    --------
    >>> predicted_rate_c3_counts(20400, 204)
    ✔ C3's connections: correct.
    ✔ C3's free parameters: correct.
    True
    """
    import ebtricks as eb

    net = eb.lenet.net_fig24()
    c3 = net.layers[2]
    a = check_finite_scalar("connections", connections) == c3.connections
    b = check_finite_scalar("parameters", parameters) == c3.n_params
    _verdict(a, "C3's connections", "count the units, then the inputs of one unit (two "
                                    "5x5 windows) plus its bias")
    _verdict(b, "C3's free parameters", "units of one map share their weights: count one "
                                        "kernel per pair (map, map below) and one bias "
                                        "per map")
    return a and b


__all__ += ["predicted_rate_step_factor", "predicted_rate_early_drop",
            "predicted_rate_c3_counts"]


# --- book/recipe (§10) -------------------------------------------------------------------

def recipe_mean_eigenvalue_ratio(ratio) -> bool:
    """Exercise (book/recipe): on the page's 1,000 training digits (pixels / 255, the
    stratified split of seed 0), each pixel divided by its standard deviation as
    ``eb.InputTransform(["scale"])`` does, by what factor is the largest eigenvalue of
    the second-moment matrix <x x^T> (the Hessian of a linear unit) larger than that of
    the same inputs also centred (``["center", "scale"]``)? Within 5 %.

    Parameters
    ----------
    ratio : float
        Your factor lambda_max(not centred) / lambda_max(centred).

    Returns
    -------
    bool
        True when within 5 %.

    Raises
    ------
    ValueError
        When ``ratio`` is not a finite number.

    Examples
    --------
    >>> recipe_mean_eigenvalue_ratio(1.0)
    ✘ the ratio: not yet. Hint: build both input matrices, form X.T @ X / P for each and compare their largest eigenvalues (np.linalg.eigvalsh)
    False
    """
    import ebtricks as eb

    ratio = check_finite_scalar("ratio", ratio)
    images, labels = eb.data.mnist_5k()
    train = eb.data.stratified_split(labels, n_train=1000, seed=0)[0]
    pix = images[train].reshape(len(train), -1) / 255
    top = []
    with eb._threads.limited():      # one BLAS thread: a pool crawls on a busy machine
        for steps in (["scale"], ["center", "scale"]):
            X = eb.InputTransform(steps).fit_transform(pix)
            top.append(np.linalg.eigvalsh(X.T @ X / len(X))[-1])
    return _verdict(_close(ratio, top[0] / top[1], 0.05), "the ratio",
                    "build both input matrices, form X.T @ X / P for each and compare "
                    "their largest eigenvalues (np.linalg.eigvalsh)")


def recipe_fan_in_ratio(ratio) -> bool:
    """Exercise (book/recipe): with ``rates="fan_in"`` on the 784-30-10 network, by what
    factor is the rate of an output unit's weight larger than that of a hidden unit's
    weight? (The package's fan-in m counts a unit's inputs, not its bias.) Within 1 %.

    Parameters
    ----------
    ratio : float
        Your factor.

    Returns
    -------
    bool
        True when within 1 %.

    Raises
    ------
    ValueError
        When ``ratio`` is not a finite number.

    Examples
    --------
    >>> recipe_fan_in_ratio(5.11)
    ✔ the factor: correct.
    True
    """
    import ebtricks as eb

    ratio = check_finite_scalar("ratio", ratio)
    net = eb.mlp([784, 30, 10])
    fan, layer = net.fan_in_of_param(), net.layer_of_param()
    truth = np.sqrt(fan[layer == 0][0] / fan[layer == 1][0])
    return _verdict(_close(ratio, truth, 0.01), "the factor",
                    "the multiplier is 1/sqrt(m), m the number of inputs of the unit the "
                    "weight feeds: 784 pixels for a hidden unit, 30 hidden units for an "
                    "output unit")


def recipe_asymptote_input(a, fraction: float = 0.99) -> bool:
    """Exercise (book/recipe): what net input a brings 1.7159 tanh(2a/3) to ``fraction``
    of its asymptote 1.7159? Within 1 %.

    Parameters
    ----------
    a : float
        Your net input.
    fraction : float, default 0.99
        The fraction of the asymptote, in (0, 1).

    Returns
    -------
    bool
        True when within 1 %.

    Raises
    ------
    ValueError
        When ``a`` is not a finite number or ``fraction`` is not in (0, 1).

    Examples
    --------
    >>> recipe_asymptote_input(3.97)
    ✔ the net input: correct.
    True
    """
    a = check_finite_scalar("a", a)
    fraction = check_finite_scalar("fraction", fraction)
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    grid = np.linspace(0.0, 60.0, 600_001)
    truth = grid[np.searchsorted(np.tanh(2 * grid / 3), fraction)]   # by search, not atanh
    return _verdict(_close(a, truth, 0.01), "the net input",
                    "solve tanh(2a/3) = fraction for a")


__all__ += ["recipe_mean_eigenvalue_ratio", "recipe_fan_in_ratio", "recipe_asymptote_input"]


# --- book/epilogue: initialisation, centring and the outlier eigenvalues ---------------

def epilogue_leaky_gain(gain) -> bool:
    """Exercise (book/epilogue): the gain g (weights of standard deviation g / sqrt(m),
    m the fan-in) at which a deep stack of *leaky* ReLU units, f(s) = s for s > 0 and
    0.5 s for s < 0, keeps the size of its outputs from layer to layer. Within 2 %.

    Parameters
    ----------
    gain : float
        Your g.

    Returns
    -------
    bool
        True when it is within 2 %.

    Raises
    ------
    ValueError
        When gain is not a finite number.

    Examples
    --------
    >>> epilogue_leaky_gain(1.265)
    ✔ the leaky ReLU gain: correct.
    True
    """
    gain = check_finite_scalar("gain", gain)
    # a layer multiplies the mean square of its inputs by g^2 E[f(Z)^2], Z ~ N(0, 1)
    z, w = np.polynomial.hermite_e.hermegauss(200)
    keep = float(w @ np.where(z > 0, z, 0.5 * z) ** 2 / w.sum())
    return _verdict(_close(gain, 1 / math.sqrt(keep), 0.02), "the leaky ReLU gain",
                    "a weighted sum of inputs with mean square q has variance g^2 q; the "
                    "unit keeps the positive half of a symmetric S whole and the negative "
                    "half at half size: what is the mean square of what it keeps?")


def epilogue_conv_glorot_std(std) -> bool:
    """Exercise (book/epilogue): the standard deviation that ``init="glorot"`` gives the
    kernels of ``Conv2D(6, 12, 16, kernel=5)`` (6 input maps of 12 x 12, 16 output maps,
    every output map seeing every input map, stride 1). Within 2 %.

    Parameters
    ----------
    std : float
        Your standard deviation.

    Returns
    -------
    bool
        True when it is within 2 %.

    Raises
    ------
    ValueError
        When std is not a finite number.

    Examples
    --------
    >>> epilogue_conv_glorot_std(0.0603)
    ✔ the kernels' standard deviation: correct.
    True
    """
    std = check_finite_scalar("std", std)
    # count the connections of an input unit in the middle of a map by brute force
    fan_in, fan_out = 6 * 5 * 5, 0
    r = c = 6                                    # an input unit far from the edges
    for _o in range(16):
        for i in range(12 - 5 + 1):
            for j in range(12 - 5 + 1):
                fan_out += (i <= r < i + 5) and (j <= c < j + 5)
    truth = math.sqrt(2.0 / (fan_in + fan_out))
    return _verdict(_close(std, truth, 0.02), "the kernels' standard deviation",
                    "the fan-in is the connected input maps times the kernel area; the "
                    "fan-out counts the output units one input unit feeds, over all "
                    "output maps")


def epilogue_centred_bias(bias) -> bool:
    """Exercise (book/epilogue): a hidden unit whose outputs have mean 0.5 over the
    training set feeds an output unit through the weight 2; the output unit's bias is 0.3.
    Written as a centred layer, W (h - m) + b', what is b'? Within 1e-6.

    Parameters
    ----------
    bias : float
        Your b'.

    Returns
    -------
    bool
        True when it is right.

    Raises
    ------
    ValueError
        When bias is not a finite number.

    Examples
    --------
    >>> epilogue_centred_bias(0.3)
    ✘ the centred bias: not yet. Hint: the two layers must compute the same output for every h: expand W (h - m) + b' and compare it with W h + b.
    False
    """
    bias = check_finite_scalar("bias", bias)
    import ebtricks as eb

    # a 1-1-1 network: input weight 1, hidden bias 0, output weight 2 and bias 0.3;
    # the centred parameters of the output layer, by the package's map T^-1
    net = eb.mlp([1, 1, 1], activation="logistic", output_activation="identity")
    net.params = [1.0, 0.0, 2.0, 0.3]
    theta = eb.measure.epilogue_centre(net, net.params, [np.array([0.5])])
    return _verdict(abs(bias - theta[3]) <= 1e-6, "the centred bias",
                    "the two layers must compute the same output for every h: expand "
                    "W (h - m) + b' and compare it with W h + b.")


__all__ += ["epilogue_leaky_gain", "epilogue_conv_glorot_std", "epilogue_centred_bias"]


# --- page sdlm (§9.1): stochastic diagonal Levenberg-Marquardt ---

def sdlm_bias_rate(answer, eta: float = 0.1, mu: float = 0.5) -> bool:
    """Exercise: on the linear unit of the paper's Fig. 10 (mean squared error), which
    learning rate does SDLM (eq 61) give the bias, with global rate ``eta`` and ``mu``?
    Within 1 %.

    Parameters
    ----------
    answer : float
        Your rate for the bias.
    eta : float, default 0.1
        The global rate eta of eq 61, > 0.
    mu : float, default 0.5
        mu of eq 61, >= 0.

    Returns
    -------
    bool
        True when the answer is within 1 %.

    Raises
    ------
    ValueError
        When an argument is not a finite number, eta <= 0 or mu < 0.

    Examples
    --------
    >>> sdlm_bias_rate(0.0667)
    ✔ the bias's SDLM rate: correct.
    True
    """
    import ebtricks as eb

    eta = check_positive("eta", eta)
    mu = check_finite_scalar("mu", mu)
    if mu < 0:
        raise ValueError(f"mu must be >= 0, got {mu}")
    X, D = two_gaussians(n=100, seed=0)
    net = eb.mlp([2, 1], activation="identity", seed=0)
    h_bias = float(eb.curvature.diag_hessian(net, X, D)[-1])    # backpropagated diagonal
    return _verdict(_close(check_finite_scalar("answer", answer), eta / (h_bias + mu), 0.01),
                    "the bias's SDLM rate",
                    "the bias is a weight on an input that is always 1: what is its "
                    "second derivative for every pattern? Then apply eq 61")


def sdlm_kappa_pair(kappa, kappa_scaled, variances=(4.0, 0.25), rho: float = 0.6) -> bool:
    """Exercise: a linear unit without bias has two zero-mean inputs of the given
    ``variances`` and correlation ``rho``. What condition number does plain SGD face,
    and what does SDLM face after its diagonal scaling (mu = 0)? Each within 1 %.

    Parameters
    ----------
    kappa : float
        Your condition number of the Hessian.
    kappa_scaled : float
        Your condition number after the diagonal scaling.
    variances : pair of float, default (4.0, 0.25)
        The two inputs' variances, > 0.
    rho : float, default 0.6
        Their correlation, in (-1, 1).

    Returns
    -------
    bool
        True when both are within 1 %.

    Raises
    ------
    ValueError
        When an answer is not a finite number or the arguments are out of range.

    Examples
    --------
    >>> sdlm_kappa_pair(26.18, 4.0)
    ✔ κ of the Hessian: correct.
    ✔ κ after the diagonal scaling: correct.
    True
    """
    s = np.sqrt([check_positive("variances[0]", variances[0]),
                 check_positive("variances[1]", variances[1])])
    rho = check_finite_scalar("rho", rho)
    if not -1 < rho < 1:
        raise ValueError(f"rho must be in (-1, 1), got {rho}")
    H = np.array([[s[0] ** 2, rho * s[0] * s[1]], [rho * s[0] * s[1], s[1] ** 2]])
    lam = np.linalg.eigvalsh(H)
    corr = H / np.outer(s, s)                          # rates 1/h_kk: unit diagonal
    lam_s = np.linalg.eigvalsh(corr)
    a = _verdict(_close(check_finite_scalar("kappa", kappa), lam[1] / lam[0], 0.01),
                 "κ of the Hessian", "the Hessian of a linear unit is the inputs' second-moment "
                 "matrix; take the ratio of its two eigenvalues")
    b = _verdict(_close(check_finite_scalar("kappa_scaled", kappa_scaled),
                        lam_s[1] / lam_s[0], 0.01), "κ after the diagonal scaling",
                 "dividing each weight's rate by its diagonal entry turns the Hessian into "
                 "the correlation matrix [[1, ρ], [ρ, 1]]; its eigenvalues are 1 ± ρ")
    return a and b


__all__ += ["sdlm_bias_rate", "sdlm_kappa_pair"]
