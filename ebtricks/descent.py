"""Gradient descent on small model costs: the pictures behind the learning-rate rules (§5.1).

For a cost E(w) with curvature E''(w), one step of gradient descent is
``w <- w - eta * E'(w)`` (eq 20). On a quadratic the optimal rate is
``eta_opt = 1 / E''`` (eq 24: one step lands on the minimum), rates up to
``2 * eta_opt`` still converge (oscillating above ``eta_opt``), and larger ones diverge.
In several dimensions the same holds along each eigenvector of the Hessian H (eq 27), so
one rate must stay below ``2 / lambda_max`` (eq 38). The paper's eq 39 calls
``1 / lambda_max`` the fastest single rate; it removes the steepest component in one step,
but the flattest then shrinks only by ``1 - 1/kappa`` per step. On a quadratic the single
rate that is fastest in the long run is ``2 / (lambda_max + lambda_min)``
(:attr:`Quadratic.eta_minimax`), with factor ``(kappa - 1) / (kappa + 1)``: about half
the steps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import check_array, check_finite_scalar, check_int, check_positive

__all__ = ["Quadratic1D", "LogCosh1D", "Quadratic", "gradient_descent_1d", "gradient_descent",
           "steps_to_converge"]


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
        """1 / E'' (eq 24): one step lands on the minimum."""
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


class Quadratic:
    """E(w) = 1/2 (w - w*)^T H (w - w*) in n dimensions, with H symmetric positive definite.

    >>> q = Quadratic.from_eigen([1.0, 0.1], angle=0.3)
    >>> round(q.condition_number, 6)
    10.0
    """

    def __init__(self, hessian, minimum=None):
        H = check_array("hessian", hessian, ndim=2)
        if H.shape[0] != H.shape[1]:
            raise ValueError(f"hessian must be square, got shape {H.shape}")
        if not np.allclose(H, H.T, rtol=1e-12, atol=1e-14):
            raise ValueError("hessian must be symmetric")
        self.H = 0.5 * (H + H.T)
        self.eigenvalues, self.eigenvectors = np.linalg.eigh(self.H)
        if self.eigenvalues[0] <= 0:
            raise ValueError("hessian must be positive definite (all eigenvalues > 0), got "
                             f"smallest eigenvalue {self.eigenvalues[0]:.3g}")
        n = H.shape[0]
        self.minimum = (np.zeros(n) if minimum is None
                        else check_array("minimum", minimum, shape=(n,)))

    @classmethod
    def from_eigen(cls, eigenvalues, angle: float = 0.0, minimum=None) -> "Quadratic":
        """2-D quadratic whose eigenvectors are the axes rotated by ``angle`` (radians):
        angle 0 gives decoupled weights, any other angle couples them (Figure 7)."""
        lam = check_array("eigenvalues", eigenvalues, shape=(2,))
        check_finite_scalar("angle", angle)
        c, s = np.cos(angle), np.sin(angle)
        R = np.array([[c, -s], [s, c]])
        return cls(R @ np.diag(lam) @ R.T, minimum)

    @property
    def lambda_max(self) -> float:
        return float(self.eigenvalues[-1])

    @property
    def lambda_min(self) -> float:
        return float(self.eigenvalues[0])

    @property
    def condition_number(self) -> float:
        return self.lambda_max / self.lambda_min

    @property
    def eta_opt(self) -> float:
        """1/lambda_max, the paper's eq 39: the largest rate that does not overshoot along
        any eigenvector. Not the fastest single rate: see :attr:`eta_minimax`."""
        return 1.0 / self.lambda_max

    @property
    def eta_minimax(self) -> float:
        """2/(lambda_max + lambda_min): the single rate that makes the largest per-step
        factor ``max_k |1 - eta lambda_k|`` smallest, (kappa - 1)/(kappa + 1); the steepest
        and the flattest components then shrink equally fast."""
        return 2.0 / (self.lambda_max + self.lambda_min)

    @property
    def eta_max(self) -> float:
        """2/lambda_max: above it the component along the top eigenvector grows."""
        return 2.0 / self.lambda_max

    def cost(self, w):
        """E at w; w may carry extra leading axes (a grid of points, last axis = weights)."""
        d = np.asarray(w, dtype=float) - self.minimum
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.H, d)

    def gradient(self, w):
        return (np.asarray(w, dtype=float) - self.minimum) @ self.H

    def newton_step(self, w):
        """-H^{-1} grad E(w): from any w it points straight at the minimum (eq 40)."""
        return -np.linalg.solve(self.H, self.gradient(w))

    def per_weight_step(self, w):
        """-diag(H)^{-1} grad E(w): each weight with its own rate 1/H_ii (the paper's
        Figure 7b). It is the Newton step only when H is diagonal (decoupled weights)."""
        return -self.gradient(w) / np.diag(self.H)


def gradient_descent(cost, w0, eta: float, steps: int) -> np.ndarray:
    """Iterate ``w <- w - eta * grad E(w)`` (eq 10); return all ``steps + 1`` iterates,
    shape (steps + 1,) for a scalar w0 and (steps + 1, n) for a vector."""
    scalar = np.ndim(w0) == 0
    if scalar:
        check_finite_scalar("w0", w0)
    w0 = check_array("w0", w0, ndim=(0, 1))
    check_finite_scalar("eta", eta)
    if eta < 0:
        raise ValueError(f"eta must be >= 0, got {eta}")
    steps = check_int("steps", steps, minimum=0)
    path = np.empty((steps + 1,) + w0.shape)
    path[0] = w0
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            path[t + 1] = path[t] - eta * np.asarray(cost.gradient(path[t]), dtype=float)
    return path


def steps_to_converge(cost, w0, eta: float, tol: float = 1e-6, max_steps: int = 1_000_000):
    """Steps of gradient descent until the cost is within ``tol`` of its minimum (0 for the
    model costs here), or None if that does not happen within ``max_steps``."""
    w = check_array("w0", w0, ndim=(0, 1)).copy()
    tol = check_positive("tol", tol)
    max_steps = check_int("max_steps", max_steps, minimum=1)
    for t in range(max_steps + 1):
        e = float(cost.cost(w))
        if e <= tol:
            return t
        if not np.isfinite(e):
            return None
        w = w - eta * np.asarray(cost.gradient(w), dtype=float)
    return None


def predicted_steps(cost: Quadratic, w0, eta: float, tol: float) -> int | None:
    """Steps of ``w <- w - eta grad E`` until E <= ``tol`` on a quadratic with E(w*) = 0,
    predicted from the slowest eigen-direction alone (eq 37).

    Along eigenvector k the distance shrinks by ``r_k = |1 - eta lambda_k|`` per step, so
    its share of the cost by ``r_k**2``. Late in the run only the components with the
    largest factor r are left: their share ``E_s`` of the starting cost gives
    ``t = ln(tol / E_s) / (2 ln r)``, rounded up. None if r >= 1 (no convergence).
    """
    if not isinstance(cost, Quadratic):
        raise TypeError(f"cost must be a Quadratic, got {type(cost).__name__}")
    w0 = check_array("w0", w0, shape=cost.minimum.shape)
    eta = check_positive("eta", eta)
    tol = check_positive("tol", tol)
    c = cost.eigenvectors.T @ (w0 - cost.minimum)          # coordinates along eigenvectors
    share = 0.5 * cost.eigenvalues * c ** 2                 # each direction's cost
    if share.sum() <= tol:
        return 0
    r = np.abs(1.0 - eta * cost.eigenvalues)
    live = share > 0
    r_max = r[live].max()
    if r_max >= 1.0:
        return None
    if r_max == 0.0:                                        # every live component in one step
        return 1
    slow = share[live & (r >= r_max * (1 - 1e-12))].sum()
    return max(1, int(np.ceil(np.log(tol / slow) / (2 * np.log(r_max)))))


def gradient_descent_1d(cost, w0: float, eta: float, steps: int) -> np.ndarray:
    """Iterate ``w <- w - eta * E'(w)`` (eq 10 in one dimension); return all ``steps + 1`` iterates.

    Example
    -------
    >>> q = Quadratic1D(curvature=2.0, minimum=1.0)
    >>> gradient_descent_1d(q, w0=3.0, eta=q.eta_opt, steps=2).tolist()
    [3.0, 1.0, 1.0]
    """
    check_finite_scalar("w0", w0)
    return gradient_descent(cost, w0, eta, steps)
