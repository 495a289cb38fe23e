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
