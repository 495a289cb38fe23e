"""Gradient descent in one dimension: the picture behind the learning-rate rules (§5.1).

For a cost E(w) with curvature E''(w), one step of gradient descent is
``w <- w - eta * E'(w)`` (eq 10). On a quadratic the optimal rate is
``eta_opt = 1 / E''`` (eq 25: Newton's step lands on the minimum in one move), rates up to
``2 * eta_opt`` still converge (oscillating above ``eta_opt``), and larger ones diverge.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import check_finite_scalar, check_positive, check_int

__all__ = ["Quadratic1D", "LogCosh1D", "gradient_descent_1d"]


@dataclass(frozen=True)
class Quadratic1D:
    """E(w) = curvature/2 * (w - minimum)^2, so E'' = curvature everywhere."""

    curvature: float = 1.0
    minimum: float = 0.0

    def __post_init__(self):
        check_positive("curvature", self.curvature)
        check_finite_scalar("minimum", self.minimum)

    def cost(self, w):
        return 0.5 * self.curvature * (np.asarray(w) - self.minimum) ** 2

    def gradient(self, w):
        return self.curvature * (np.asarray(w) - self.minimum)

    def second_derivative(self, w):
        return np.full_like(np.asarray(w, dtype=float), self.curvature)

    @property
    def eta_opt(self) -> float:
        """1 / E'' at the minimum (eq 25)."""
        return 1.0 / self.curvature


@dataclass(frozen=True)
class LogCosh1D:
    """A non-quadratic bowl, E(w) = log cosh(curvature (w - minimum)) / curvature.

    Near the minimum it is the quadratic with the same curvature; far from it the slope
    saturates at 1, so E'' falls off and the quadratic theory no longer describes a step.
    """

    curvature: float = 1.0
    minimum: float = 0.0

    def __post_init__(self):
        check_positive("curvature", self.curvature)
        check_finite_scalar("minimum", self.minimum)

    def cost(self, w):
        z = self.curvature * (np.asarray(w, dtype=float) - self.minimum)
        # log cosh z = |z| + log1p(exp(-2|z|)) - log 2, stable for large |z|
        return (np.abs(z) + np.log1p(np.exp(-2 * np.abs(z))) - np.log(2.0)) / self.curvature

    def gradient(self, w):
        return np.tanh(self.curvature * (np.asarray(w, dtype=float) - self.minimum))

    def second_derivative(self, w):
        z = self.curvature * (np.asarray(w, dtype=float) - self.minimum)
        return self.curvature / np.cosh(z) ** 2

    @property
    def eta_opt(self) -> float:
        """1 / E'' at the minimum."""
        return 1.0 / self.curvature


def gradient_descent_1d(cost, w0: float, eta: float, steps: int) -> np.ndarray:
    """Iterate ``w <- w - eta * E'(w)`` (eq 10 in one dimension); return all ``steps + 1`` iterates.

    Example
    -------
    >>> q = Quadratic1D(curvature=2.0, minimum=1.0)
    >>> gradient_descent_1d(q, w0=3.0, eta=q.eta_opt, steps=2).tolist()
    [3.0, 1.0, 1.0]
    """
    check_finite_scalar("w0", w0)
    check_finite_scalar("eta", eta)
    if eta < 0:
        raise ValueError(f"eta must be >= 0, got {eta}")
    steps = check_int("steps", steps, minimum=0)
    w = np.empty(steps + 1)
    w[0] = w0
    for t in range(steps):
        w[t + 1] = w[t] - eta * float(cost.gradient(w[t]))
    return w
