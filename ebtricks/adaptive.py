"""Murata's adaptive learning rate (§4.7, eqs 17-19) on any stochastic gradient.

:func:`ebtricks.train_sgd` applies the same rule inside its network kernels (pass
``murata=eb.Murata(...)``) but keeps only the rate at the end of each epoch. The functions
here run the rule on a user-supplied stochastic-gradient callable over a flat weight vector
and keep every step: the weights w, the leaky average r of the gradient and the rate eta.
That is what is needed to look at the rule itself, typically on a small quadratic::

    w(t+1)   = w(t) - eta(t) g(t)                                    (eq 17)
    r(t+1)   = (1 - delta) r(t) + delta g(t),        0 < delta < 1   (eq 18)
    eta(t+1) = eta(t) + alpha eta(t) (beta ||r(t+1)|| - eta(t))      (eq 19)

where g(t) is the stochastic gradient at w(t). (The paper prints eq 17 as
``w(t+1) = w(t+1) - ...``, a slip: the right side starts from w(t).)

Pure NumPy: the weight vectors are small, so a Python loop over the steps is fast enough.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validate import check_array, check_finite_scalar, check_int, check_positive, make_rng
from .descent import Quadratic
from .sgd import Murata

__all__ = ["AdaptivePath", "murata_sgd", "scheduled_sgd", "noisy_quadratic_gradient",
           "angle_to_direction", "murata_noise_floor"]


@dataclass(frozen=True)
class AdaptivePath:
    """Every step of a stochastic descent run.

    Parameters
    ----------
    w : ndarray, shape (steps + 1, n)
        The weights, ``w[0]`` the start.
    eta : ndarray, shape (steps + 1,)
        The rate: ``eta[t]`` is the one used for the step from ``w[t]`` to ``w[t+1]``
        (the last entry is the rate the next step would use).
    r : ndarray of shape (steps + 1, n), or None
        Murata's leaky average of the gradient, ``r[0]`` its start (zeros); None for a run
        without the rule.
    """

    w: np.ndarray
    eta: np.ndarray
    r: np.ndarray | None = None

    @property
    def steps(self) -> int:
        """The number of updates made."""
        return len(self.w) - 1


def _check_gradient(gradient):
    if not callable(gradient):
        raise TypeError(f"gradient must be callable, got {type(gradient).__name__}")


def _gradient_at(gradient, w):
    """One stochastic gradient at w, as a float array of w's shape (checked every call, so
    that no sample is spent on a separate check)."""
    g = np.asarray(gradient(w), dtype=float)
    if g.shape != w.shape:
        raise ValueError(f"gradient(w) must return an array of w's shape {w.shape}, "
                         f"got shape {g.shape}")
    return g


def murata_sgd(gradient: Callable[[np.ndarray], np.ndarray], w0, steps: int,
               eta0: float, rule: Murata | None = None, diverge: float = 1e12) -> AdaptivePath:
    """Stochastic descent with Murata's adaptive rate (§4.7, eqs 17-19).

    Each step takes one stochastic gradient g at the current weights, moves
    ``w <- w - eta g`` (eq 17), updates the leaky average ``r <- (1 - delta) r + delta g``
    (eq 18), then the rate ``eta <- eta + alpha eta (beta ||r|| - eta)`` (eq 19). Far from
    the minimum the gradients agree, r is long and eta climbs towards ``beta ||r||``; near
    it their noise cancels in r and eta anneals.

    Parameters
    ----------
    gradient : callable
        ``gradient(w) -> ndarray`` of w's shape: one stochastic gradient at w (a fresh
        sample per call), called once per step.
    w0 : array_like, shape (n,)
        The starting weights.
    steps : int
        Number of updates, >= 1.
    eta0 : float
        The starting rate, > 0.
    rule : Murata or None, default None
        The rule's constants delta (leak of the average), alpha (speed of the rate) and
        beta (scale: eta settles where it equals beta ||r||); None uses ``Murata()``.
    diverge : float, default 1e12
        The run stops with a FloatingPointError when ``||w||`` exceeds this, > 0.

    Returns
    -------
    AdaptivePath
        The weights, the rate and r at every step.

    Raises
    ------
    TypeError
        When gradient is not callable or rule is not a Murata.
    ValueError
        When w0 is not a finite vector, steps < 1, eta0 or diverge <= 0, or gradient
        returns the wrong shape.
    FloatingPointError
        When the weights diverge.

    Examples
    --------
    >>> import numpy as np
    >>> import ebtricks as eb
    >>> q = eb.Quadratic.from_eigen([0.1, 1.0], angle=0.5)
    >>> grad = eb.adaptive.noisy_quadratic_gradient(q, noise=0.01, seed=0)
    >>> path = eb.adaptive.murata_sgd(grad, [4.0, -3.0], steps=2000, eta0=0.05,
    ...                               rule=eb.Murata(delta=0.05, alpha=0.05, beta=0.3))
    >>> path.w.shape, bool(path.eta.max() > 0.05), float(q.cost(path.w[-1])) < 1e-3
    ((2001, 2), True, True)
    """
    w = check_array("w0", w0, ndim=1).copy()
    steps = check_int("steps", steps, minimum=1)
    eta = check_positive("eta0", eta0)
    diverge = check_positive("diverge", diverge)
    if rule is None:
        rule = Murata()
    if not isinstance(rule, Murata):
        raise TypeError(f"rule must be a Murata(...) or None, got {type(rule).__name__}")
    _check_gradient(gradient)
    delta, alpha, beta = float(rule.delta), float(rule.alpha), float(rule.beta)
    W = np.empty((steps + 1, w.size))
    R = np.zeros((steps + 1, w.size))
    E = np.empty(steps + 1)
    W[0], E[0] = w, eta
    r, keep, limit = np.zeros_like(w), 1.0 - delta, diverge * diverge
    for t in range(steps):
        g = _gradient_at(gradient, w)
        w = w - eta * g                                            # eq 17
        r = keep * r + delta * g                                   # eq 18
        eta = eta + alpha * eta * (beta * math.sqrt(r @ r) - eta)  # eq 19
        if not (w @ w < limit and eta > 0):
            raise FloatingPointError(f"murata_sgd diverged at step {t + 1} (eta = {eta:.3g})")
        W[t + 1], R[t + 1], E[t + 1] = w, r, eta
    return AdaptivePath(W, E, R)


def scheduled_sgd(gradient: Callable[[np.ndarray], np.ndarray], w0, steps: int,
                  eta0: float, tau: float | None = None, diverge: float = 1e12) -> AdaptivePath:
    """Stochastic descent with a fixed rate, or the c/t annealing of eq 12.

    ``eta_t = eta0`` when ``tau`` is None, else ``eta_t = eta0 / (1 + t / tau)``, which is
    c/t with ``c = eta0 tau`` once t >> tau (the same schedule as ``train_sgd``'s
    ``schedule="inverse_time"``). The baseline to hold Murata's rule against.

    Parameters
    ----------
    gradient : callable
        ``gradient(w) -> ndarray`` of w's shape: one stochastic gradient at w.
    w0 : array_like, shape (n,)
        The starting weights.
    steps : int
        Number of updates, >= 1.
    eta0 : float
        The (starting) rate, > 0.
    tau : float or None, default None
        None for a constant rate; else the number of steps, > 0, after which the rate has
        halved.
    diverge : float, default 1e12
        The run stops with a FloatingPointError when ``||w||`` exceeds this, > 0.

    Returns
    -------
    AdaptivePath
        The weights and the rate at every step (``r`` is None).

    Raises
    ------
    TypeError
        When gradient is not callable.
    ValueError
        When w0 is not a finite vector, steps < 1, eta0, tau or diverge <= 0, or gradient
        returns the wrong shape.
    FloatingPointError
        When the weights diverge.

    Examples
    --------
    >>> import ebtricks as eb
    >>> q = eb.Quadratic.from_eigen([0.1, 1.0])
    >>> grad = eb.adaptive.noisy_quadratic_gradient(q, noise=0.1, seed=0)
    >>> path = eb.adaptive.scheduled_sgd(grad, [1.0, 1.0], steps=100, eta0=0.5, tau=10)
    >>> float(path.eta[10]), path.r is None
    (0.25, True)
    """
    w = check_array("w0", w0, ndim=1).copy()
    steps = check_int("steps", steps, minimum=1)
    eta0 = check_positive("eta0", eta0)
    diverge = check_positive("diverge", diverge)
    t = np.arange(steps + 1, dtype=float)
    etas = np.full(steps + 1, eta0) if tau is None else eta0 / (1.0 + t / check_positive(
        "tau", tau))
    _check_gradient(gradient)
    W = np.empty((steps + 1, w.size))
    W[0], limit = w, diverge * diverge
    for k in range(steps):
        w = w - etas[k] * _gradient_at(gradient, w)
        if not w @ w < limit:
            raise FloatingPointError(f"scheduled_sgd diverged at step {k + 1}")
        W[k + 1] = w
    return AdaptivePath(W, etas)


def noisy_quadratic_gradient(quadratic: Quadratic, noise: float, seed=0
                             ) -> Callable[[np.ndarray], np.ndarray]:
    """A stochastic gradient of a quadratic cost: the true gradient ``H (w - w*)`` plus
    independent Gaussian noise of standard deviation ``noise`` in every component, fresh
    at every call. Its mean is the gradient (the "average flow" of the paper's Fig. 5).

    Parameters
    ----------
    quadratic : Quadratic
        The cost E(w) = 1/2 (w - w*)^T H (w - w*).
    noise : float
        Standard deviation of the noise per component, >= 0.
    seed : int, Generator or None, default 0
        Seeds the noise.

    Returns
    -------
    callable
        ``gradient(w) -> ndarray`` of shape (n,).

    Raises
    ------
    TypeError
        When quadratic is not a Quadratic.
    ValueError
        When noise < 0.

    Examples
    --------
    >>> import numpy as np
    >>> import ebtricks as eb
    >>> q = eb.Quadratic(np.diag([1.0, 2.0]))
    >>> g = eb.adaptive.noisy_quadratic_gradient(q, noise=0.0)
    >>> g(np.array([1.0, 1.0])).tolist()
    [1.0, 2.0]
    """
    if not isinstance(quadratic, Quadratic):
        raise TypeError(f"quadratic must be an eb.Quadratic, got {type(quadratic).__name__}")
    noise = check_finite_scalar("noise", noise)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = make_rng(seed)
    H, c, n = quadratic.H, np.asarray(quadratic.minimum, dtype=float), len(quadratic.H)

    def gradient(w):
        return H @ (w - c) + noise * rng.standard_normal(n)

    return gradient


def angle_to_direction(vectors, direction) -> np.ndarray:
    """The angle in degrees, from 0 to 90, between each vector and the line along
    ``direction`` (the sign of either does not matter: the angle to ±direction).

    Parameters
    ----------
    vectors : array_like, shape (n,) or (m, n)
        One vector or one per row.
    direction : array_like, shape (n,)
        A nonzero vector, e.g. the eigenvector of the Hessian's smallest eigenvalue.

    Returns
    -------
    float or ndarray of shape (m,)
        The angles; NaN for a zero vector.

    Raises
    ------
    ValueError
        When the shapes do not match or direction is zero.

    Examples
    --------
    >>> import ebtricks as eb
    >>> eb.adaptive.angle_to_direction([[1.0, 1.0], [0.0, -2.0]], [0.0, 1.0]).round(6)
    array([45.,  0.])
    """
    v = check_array("direction", direction, ndim=1)
    U = check_array("vectors", vectors, ndim=(1, 2))
    if U.shape[-1] != v.size:
        raise ValueError(f"vectors must have {v.size} components (direction's), got "
                         f"shape {U.shape}")
    nv = np.sqrt(v @ v)
    if nv == 0:
        raise ValueError("direction must not be the zero vector")
    norms = np.sqrt(np.einsum("...i,...i->...", U, U))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.abs(U @ v) / (norms * nv)
    out = np.degrees(np.arccos(np.clip(cos, 0.0, 1.0)))
    return np.where(norms > 0, out, np.nan) if U.ndim == 2 else (
        float(out) if norms > 0 else float("nan"))


def murata_noise_floor(noise: float, n: int, rule: Murata) -> float:
    """The rate Murata's rule settles at on a noisy gradient once the weights sit at the
    minimum. There the mean gradient is about zero and r averages pure noise: with
    independent noise of standard deviation sigma per component, each component of r is a
    sum of ``delta (1-delta)^k`` times independent noises, of variance
    ``s^2 = delta sigma^2 / (2 - delta)``, so ``||r||`` has the chi distribution with n
    degrees of freedom times s. Eq 19 pulls eta towards ``beta ||r||`` slowly (by a
    fraction ``alpha eta`` per step), so eta settles at beta times the *mean* of ``||r||``:
    ``beta s sqrt(2) Gamma((n+1)/2) / Gamma(n/2)``. A run settles within a few per cent of
    this, on either side (the weights' own motion and eta's fluctuations shift it a little),
    and approaches it slowly: near the floor eta relaxes over about ``1 / (alpha * floor)``
    steps.

    Parameters
    ----------
    noise : float
        Standard deviation sigma of the gradient noise per component, >= 0.
    n : int
        Number of weights, >= 1.
    rule : Murata
        The rule's delta and beta.

    Returns
    -------
    float
        The floor of the rate.

    Raises
    ------
    TypeError
        When rule is not a Murata.
    ValueError
        When noise < 0 or n < 1.

    Examples
    --------
    >>> import ebtricks as eb
    >>> round(eb.adaptive.murata_noise_floor(0.1, 2, eb.Murata(delta=0.5, beta=1.0)), 6)
    0.07236
    """
    noise = check_finite_scalar("noise", noise)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    n = check_int("n", n, minimum=1)
    if not isinstance(rule, Murata):
        raise TypeError(f"rule must be a Murata(...), got {type(rule).__name__}")
    s = noise * math.sqrt(rule.delta / (2.0 - rule.delta))
    chi_mean = math.sqrt(2.0) * math.exp(math.lgamma((n + 1) / 2) - math.lgamma(n / 2))
    return float(rule.beta * s * chi_mean)
