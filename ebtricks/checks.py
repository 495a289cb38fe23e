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
    """Exercise: on E(W) = log cosh W, one step with eta = 1/E''(W_c) goes from W_c to
    W_c - tanh(W_c) cosh^2(W_c). Beyond which |W_c| does it land farther from the minimum
    than it started? (to 0.5 %)"""
    answer = check_finite_scalar("answer", answer)

    def farther(w):                         # does one step from w land beyond |w|?
        return abs(w - np.tanh(w) * np.cosh(w) ** 2) > abs(w)

    lo, hi = 0.1, 3.0                       # nearer at lo, farther at hi
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if farther(mid) else (mid, hi)
    return _verdict(_close(abs(answer), lo, 0.005), "threshold",
                    "the step lands at W_c - sinh(2 W_c)/2; solve |W_c - sinh(2 W_c)/2| = "
                    "|W_c| for W_c != 0 (it is the point where sinh(2 W_c) = 4 W_c)")


def _quadratic_2d(kappa, angle_deg):
    from .descent import Quadratic
    return Quadratic.from_eigen([1.0, 1.0 / kappa], angle=np.radians(angle_deg))


def per_weight_slowest(angle_deg, factor, kappa: float = 32.0) -> bool:
    """Exercise: with a rate 1/H_ii for each weight, at which rotation of the eigenvectors
    (degrees, 0-90) does descent on a quadratic of condition number ``kappa`` converge
    slowest, and by what factor does the distance then shrink per step (to 1 %)?"""
    kappa = check_positive("kappa", kappa)
    angle_deg = check_finite_scalar("angle_deg", angle_deg)
    factor = check_finite_scalar("factor", factor)
    angles = np.linspace(0, 90, 901)
    # the iteration w <- (I - diag(H)^-1 H) w: its slowest factor is the spectral radius
    radius = [np.abs(np.linalg.eigvals(np.eye(2) - q.H / np.diag(q.H)[:, None])).max()
              for q in (_quadratic_2d(kappa, a) for a in angles)]
    worst = angles[int(np.argmax(radius))]
    a = _verdict(abs(angle_deg - worst) <= 3, "rotation",
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
                    "H = <x x^T> is not the covariance once the mean is not zero: the mean "
                    "adds roughly |mean|^2 + 1 along one direction (§5.3)")


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
