"""A line search that returns a step satisfying the strong Wolfe conditions (needed by
conjugate gradient and BFGS, §6.2-6.3).

For phi(a) = E(w + a d) with phi'(0) < 0, a step a is accepted when

    phi(a) <= phi(0) + c1 a phi'(0)        (sufficient decrease)
    |phi'(a)| <= c2 |phi'(0)|              (strong curvature condition)

with 0 < c1 < c2 < 1. The algorithm is the bracketing-and-zoom search of Nocedal & Wright
(Numerical Optimization, Algorithms 3.5 and 3.6) with cubic interpolation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["LineSearchError", "LineSearchResult", "strong_wolfe"]


class LineSearchError(RuntimeError):
    """No step satisfying the strong Wolfe conditions was found. ``at_precision_limit`` is
    True when the bracket shrank to rounding level: the costs along the line can no longer
    be told apart, which near a minimum means the search has converged as far as float64
    allows."""

    def __init__(self, message, at_precision_limit=False):
        super().__init__(message)
        self.at_precision_limit = at_precision_limit


@dataclass
class LineSearchResult:
    step: float
    value: float
    gradient: np.ndarray
    evaluations: int


def _cubic_min(a, fa, ga, b, fb, gb):
    """Minimiser of the cubic through (a, fa, ga) and (b, fb, gb), or None."""
    d1 = ga + gb - 3 * (fa - fb) / (a - b)
    disc = d1 * d1 - ga * gb
    if disc < 0:
        return None
    d2 = math.copysign(math.sqrt(disc), b - a)
    denom = gb - ga + 2 * d2
    if denom == 0:
        return None
    return b - (b - a) * (gb + d2 - d1) / denom


def strong_wolfe(value_and_grad, w, d, f0=None, g0=None, step0: float = 1.0, c1: float = 1e-4,
                 c2: float = 0.9, max_step: float = 1e10, max_evaluations: int = 60):
    """Find a step along ``d`` from ``w`` satisfying the strong Wolfe conditions.

    value_and_grad(w) -> (E, grad E). Raises :class:`LineSearchError` if ``d`` is not a
    descent direction or no acceptable step is found within ``max_evaluations``.
    """
    if not 0 < c1 < c2 < 1:
        raise ValueError(f"need 0 < c1 < c2 < 1, got c1={c1}, c2={c2}")
    if f0 is None or g0 is None:
        f0, g0 = value_and_grad(w)
    dphi0 = float(g0 @ d)
    if not dphi0 < 0:
        raise LineSearchError(f"d is not a descent direction (directional derivative {dphi0:.3g})")
    evals = 0

    def phi(a):
        nonlocal evals
        evals += 1
        f, g = value_and_grad(w + a * d)
        return f, g, float(g @ d)

    def zoom(lo, flo, dlo, hi, fhi, dhi):
        collapsed = False
        for _ in range(max_evaluations):
            a = _cubic_min(lo, flo, dlo, hi, fhi, dhi)
            width = abs(hi - lo)
            # keep the trial safely inside the bracket, else bisect
            if a is None or not (min(lo, hi) + 0.1 * width <= a <= max(lo, hi) - 0.1 * width):
                a = 0.5 * (lo + hi)
            fa, ga, da = phi(a)
            if not np.isfinite(fa) or fa > f0 + c1 * a * dphi0 or fa >= flo:
                hi, fhi, dhi = a, fa, da
            else:
                if abs(da) <= -c2 * dphi0:
                    return LineSearchResult(a, fa, ga, evals)
                if da * (hi - lo) >= 0:
                    hi, fhi, dhi = lo, flo, dlo
                lo, flo, dlo = a, fa, da
            collapsed = abs(hi - lo) <= 1e-12 * max(abs(lo), abs(hi)) or abs(fhi - flo) <= 1e-15 * abs(flo)
            if evals >= max_evaluations or collapsed:
                break
        raise LineSearchError(f"no strong Wolfe step found in {evals} evaluations "
                              f"(bracket [{min(lo, hi):.3g}, {max(lo, hi):.3g}])",
                              at_precision_limit=collapsed)

    a_prev, f_prev, d_prev = 0.0, f0, dphi0
    a = min(step0, max_step)
    for i in range(max_evaluations):
        fa, ga, da = phi(a)
        if not np.isfinite(fa) or fa > f0 + c1 * a * dphi0 or (i > 0 and fa >= f_prev):
            return zoom(a_prev, f_prev, d_prev, a, fa, da)
        if abs(da) <= -c2 * dphi0:
            return LineSearchResult(a, fa, ga, evals)
        if da >= 0:
            return zoom(a, fa, da, a_prev, f_prev, d_prev)
        if a >= max_step:
            break
        a_prev, f_prev, d_prev = a, fa, da
        a = min(2.0 * a, max_step)
    raise LineSearchError(f"no strong Wolfe step found in {evals} evaluations "
                          f"(the cost keeps decreasing up to step {a:.3g}: unbounded below?)")
