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
    """E(w) = curvature/2 * (w - minimum)^2, so E'' = curvature everywhere.

    Parameters
    ----------
    curvature : float, default 1.0
        E'', > 0.
    minimum : float, default 0.0
        The minimising weight.

    Raises
    ------
    ValueError
        When curvature <= 0 or minimum is not finite.

    Examples
    --------
    >>> q = Quadratic1D(curvature=2.0, minimum=1.0)
    >>> float(q.cost(3.0)), float(q.gradient(3.0)), q.eta_opt
    (4.0, 4.0, 0.5)
    """

    curvature: float = 1.0
    minimum: float = 0.0

    def __post_init__(self):
        check_positive("curvature", self.curvature)
        check_finite_scalar("minimum", self.minimum)

    def cost(self, w):
        """E(w).

        Parameters
        ----------
        w : float or array_like
            Weight(s); evaluated elementwise.

        Returns
        -------
        float or ndarray
            The cost, of w's shape (a scalar for a scalar w).
        """
        return 0.5 * self.curvature * (np.asarray(w) - self.minimum) ** 2

    def gradient(self, w):
        """E'(w) = curvature (w - minimum).

        Parameters
        ----------
        w : float or array_like
            Weight(s); evaluated elementwise.

        Returns
        -------
        float or ndarray
            The slope, of w's shape (a scalar for a scalar w).
        """
        return self.curvature * (np.asarray(w) - self.minimum)

    def second_derivative(self, w):
        """E''(w) = curvature.

        Parameters
        ----------
        w : float or array_like
            Weight(s); evaluated elementwise.

        Returns
        -------
        float or ndarray
            The curvature, the same everywhere, of w's shape (a scalar for a scalar w).
        """
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

    Parameters
    ----------
    curvature : float, default 1.0
        E'' at the minimum, > 0.
    minimum : float, default 0.0
        The minimising weight.

    Raises
    ------
    ValueError
        When curvature <= 0 or minimum is not finite.

    Examples
    --------
    >>> c = LogCosh1D(curvature=2.0)
    >>> float(c.second_derivative(0.0)), round(float(c.gradient(10.0)), 6)
    (2.0, 1.0)
    """

    curvature: float = 1.0
    minimum: float = 0.0

    def __post_init__(self):
        check_positive("curvature", self.curvature)
        check_finite_scalar("minimum", self.minimum)

    def cost(self, w):
        """E(w) = log cosh(curvature (w - minimum)) / curvature, computed stably for large arguments.

        Parameters
        ----------
        w : float or array_like
            Weight(s); evaluated elementwise.

        Returns
        -------
        float or ndarray
            The cost, of w's shape (a scalar for a scalar w).
        """
        z = self.curvature * (np.asarray(w, dtype=float) - self.minimum)
        # log cosh z = |z| + log1p(exp(-2|z|)) - log 2, stable for large |z|
        return (np.abs(z) + np.log1p(np.exp(-2 * np.abs(z))) - np.log(2.0)) / self.curvature

    def gradient(self, w):
        """E'(w) = tanh(curvature (w - minimum)).

        Parameters
        ----------
        w : float or array_like
            Weight(s); evaluated elementwise.

        Returns
        -------
        float or ndarray
            The slope, between -1 and 1, of w's shape (a scalar for a scalar w).
        """
        return np.tanh(self.curvature * (np.asarray(w, dtype=float) - self.minimum))

    def second_derivative(self, w):
        """E''(w) = curvature / cosh^2(curvature (w - minimum)).

        Parameters
        ----------
        w : float or array_like
            Weight(s); evaluated elementwise.

        Returns
        -------
        float or ndarray
            The curvature, of w's shape (a scalar for a scalar w).
        """
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

    Parameters
    ----------
    hessian : array_like, shape (n, n)
        H, symmetric positive definite.
    minimum : array_like of shape (n,), optional
        w*; None (the default) puts it at the origin.

    Attributes
    ----------
    H : ndarray, shape (n, n)
        The Hessian (symmetrised).
    eigenvalues : ndarray, shape (n,)
        Its eigenvalues, increasing.
    eigenvectors : ndarray, shape (n, n)
        The matching unit eigenvectors, as columns.
    minimum : ndarray, shape (n,)
        w*.

    Raises
    ------
    ValueError
        When H is not square, symmetric and positive definite, or minimum has the wrong
        shape.
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
        angle 0 gives decoupled weights, any other angle couples them (Figure 7).

        Parameters
        ----------
        eigenvalues : array_like, shape (2,)
            The two eigenvalues of H, > 0.
        angle : float, default 0.0
            Rotation of the eigenvectors from the axes, in radians.
        minimum : array_like of shape (2,), optional
            w*; None (the default) is the origin.

        Returns
        -------
        Quadratic
            The 2-D quadratic.

        Raises
        ------
        ValueError
            When an eigenvalue is <= 0.
        """
        lam = check_array("eigenvalues", eigenvalues, shape=(2,))
        check_finite_scalar("angle", angle)
        c, s = np.cos(angle), np.sin(angle)
        R = np.array([[c, -s], [s, c]])
        return cls(R @ np.diag(lam) @ R.T, minimum)

    @property
    def lambda_max(self) -> float:
        """The largest eigenvalue of H."""
        return float(self.eigenvalues[-1])

    @property
    def lambda_min(self) -> float:
        """The smallest eigenvalue of H."""
        return float(self.eigenvalues[0])

    @property
    def condition_number(self) -> float:
        """kappa = lambda_max / lambda_min."""
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
        """E at w; w may carry extra leading axes (a grid of points, last axis = weights).

        Parameters
        ----------
        w : array_like, shape (..., n)
            One point or a grid of points.

        Returns
        -------
        float or ndarray
            E, with w's leading shape.
        """
        d = np.asarray(w, dtype=float) - self.minimum
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.H, d)

    def gradient(self, w):
        """grad E(w) = H (w - w*).

        Parameters
        ----------
        w : array_like, shape (..., n)
            One point or a grid of points.

        Returns
        -------
        ndarray, shape (..., n)
            The gradient at each point.
        """
        return (np.asarray(w, dtype=float) - self.minimum) @ self.H

    def newton_step(self, w):
        """-H^{-1} grad E(w): from any w it points straight at the minimum (eq 40).

        Parameters
        ----------
        w : array_like, shape (n,)
            The point.

        Returns
        -------
        ndarray, shape (n,)
            The Newton step, w* - w.
        """
        return -np.linalg.solve(self.H, self.gradient(w))

    def per_weight_step(self, w):
        """-diag(H)^{-1} grad E(w): each weight with its own rate 1/H_ii (the paper's
        Figure 7b). It is the Newton step only when H is diagonal (decoupled weights).

        Parameters
        ----------
        w : array_like, shape (..., n)
            One point or a grid of points.

        Returns
        -------
        ndarray, shape (..., n)
            The step at each point.
        """
        return -self.gradient(w) / np.diag(self.H)


def gradient_descent(cost, w0, eta: float, steps: int) -> np.ndarray:
    """Iterate ``w <- w - eta * grad E(w)`` (eq 10); return all ``steps + 1`` iterates,
    shape (steps + 1,) for a scalar w0 and (steps + 1, n) for a vector.

    Parameters
    ----------
    cost : Quadratic1D, LogCosh1D, Quadratic or any object with ``gradient(w)``
        The cost E.
    w0 : float or array_like of shape (n,)
        The starting weight(s).
    eta : float
        The learning rate, >= 0.
    steps : int
        Steps to take, >= 0.

    Returns
    -------
    ndarray, shape (steps + 1,) or (steps + 1, n)
        w0 and every iterate. A diverging run is not stopped: its iterates grow to
        infinity or NaN.

    Raises
    ------
    ValueError
        When eta < 0, steps < 0, or w0 is not finite.

    Examples
    --------
    >>> q = Quadratic.from_eigen([1.0, 0.1])
    >>> gradient_descent(q, [1.0, 1.0], eta=1.0, steps=2).round(3).tolist()
    [[1.0, 1.0], [0.0, 0.9], [0.0, 0.81]]
    """
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
    model costs here), or None if that does not happen within ``max_steps``.

    Parameters
    ----------
    cost : Quadratic1D, LogCosh1D, Quadratic or any object with ``cost(w)`` and ``gradient(w)``
        The cost E, with minimum 0.
    w0 : float or array_like of shape (n,)
        The starting weight(s).
    eta : float
        The learning rate.
    tol : float, default 1e-6
        Converged when E(w) <= tol, > 0.
    max_steps : int, default 1000000
        Most steps, >= 1.

    Returns
    -------
    int or None
        Steps taken until E <= tol (0 if it already is at w0), or None if the cost
        becomes infinite or NaN or max_steps pass first.

    Examples
    --------
    >>> q = Quadratic1D(curvature=1.0, minimum=0.0)
    >>> steps_to_converge(q, 1.0, eta=1.0), steps_to_converge(q, 1.0, eta=0.5)
    (1, 10)
    """
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

    Parameters
    ----------
    cost : Quadratic
        The quadratic cost.
    w0 : array_like, shape (n,)
        The starting weights.
    eta : float
        The learning rate, > 0.
    tol : float
        Converged when E <= tol, > 0.

    Returns
    -------
    int or None
        The predicted steps (0 if E(w0) <= tol already), or None when the slowest factor
        r >= 1.

    Raises
    ------
    TypeError
        When cost is not a Quadratic.

    Examples
    --------
    >>> q = Quadratic.from_eigen([1.0, 0.1])
    >>> predicted_steps(q, [1.0, 1.0], eta=1.0, tol=1e-6), steps_to_converge(q, [1.0, 1.0], 1.0)
    (52, 52)
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

    Parameters
    ----------
    cost : Quadratic1D, LogCosh1D or any object with ``gradient(w)``
        The cost E.
    w0 : float
        The starting weight.
    eta : float
        The learning rate, >= 0.
    steps : int
        Steps to take, >= 0.

    Returns
    -------
    ndarray, shape (steps + 1,)
        w0 and every iterate.

    Raises
    ------
    ValueError
        When w0 is not finite, eta < 0 or steps < 0.

    Examples
    --------
    >>> q = Quadratic1D(curvature=2.0, minimum=1.0)
    >>> gradient_descent_1d(q, w0=3.0, eta=q.eta_opt, steps=2).tolist()
    [3.0, 1.0, 1.0]
    """
    check_finite_scalar("w0", w0)
    return gradient_descent(cost, w0, eta, steps)
