"""Every training method of the paper under one call: ``eb.train(net, X, D, method, epochs)``.

Swap one method for another by changing ``method``; every run returns a
:class:`~ebtricks.sgd.History` with the cost per epoch (for the batch methods one epoch is
one iteration over the whole training set), the evaluation counts (gradients, H-vector
products, line-search steps), the wall time and, when asked, the weights after every
epoch.

Stochastic methods (§4, §9.1): :class:`SGD`, :class:`SDLM`.
Batch methods (§6): :class:`GradientDescent`, :class:`ConjugateGradient`, :class:`BFGS`,
:class:`LBFGS`, :class:`Newton`, :class:`GaussNewton`, :class:`LevenbergMarquardt`.
A batch method is a pair ``init(objective, w) -> state`` / ``step(objective, w, state)
-> (w, state)`` with its state an explicit dict, so it also runs on any
:class:`~ebtricks.objective.FunctionObjective` through :func:`minimize`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import _batched as B
from . import _curv_kernels as C
from . import _kernels as K
from ._validate import (check_array, check_choice, check_finite_scalar, check_int, make_rng,
                        check_nonnegative, check_positive, check_unit_interval)
from ._progress import Progress
from .linesearch import LineSearchError, strong_wolfe
from .network import Network
from .objective import NetworkObjective
from .sgd import History, Murata, TrainingDiverged, train_sgd
from numba import njit

__all__ = ["train", "minimize", "OptimizationError", "SGD", "SDLM", "GradientDescent",
           "ConjugateGradient", "BFGS", "LBFGS", "Newton", "GaussNewton", "LevenbergMarquardt"]


class OptimizationError(RuntimeError):
    """A batch method could not make progress (a failed line search, a singular system).

    ``at_precision_limit`` is True when the method failed only because no step can lower
    the cost by more than float64 can resolve: :func:`minimize` then stops as converged."""

    def __init__(self, message, at_precision_limit=False):
        super().__init__(message)
        self.at_precision_limit = at_precision_limit


# ==== stochastic methods =====================================================================
@dataclass(frozen=True)
class SGD:
    """Online or mini-batch stochastic gradient descent, W <- W - eta dE_p/dW (eq 10 with one
    sample or a mini-batch), with the options of :func:`~ebtricks.sgd.train_sgd`:
    momentum (§4.7), annealing eta = c/t (eq 12), per-weight rates, Murata's adaptive rate
    (eqs 17-19), presentation orders (§4.2)."""

    eta: float
    batch_size: int = 1
    momentum: float = 0.0
    schedule: str = "constant"
    tau: float | None = None
    rates: object = None
    murata: Murata | None = None
    order: str = "shuffle"

    def __post_init__(self):
        check_positive("eta", self.eta)
        check_int("batch_size", self.batch_size, minimum=1)
        if not check_nonnegative("momentum", self.momentum) < 1:
            raise ValueError(f"momentum must be < 1, got {self.momentum}")
        check_choice("schedule", self.schedule, {"constant", "inverse_time"})
        if self.tau is not None:
            check_positive("tau", self.tau)
        check_choice("order", self.order, {"sequential", "shuffle", "alternate", "emphasize"})

    def run(self, net, X, D, epochs, record_weights=False, seed=0, **kw):
        return train_sgd(net, X, D, epochs=epochs, eta=self.eta, batch_size=self.batch_size,
                         momentum=self.momentum, schedule=self.schedule, tau=self.tau,
                         rates=self.rates, murata=self.murata, order=self.order,
                         record_weights=record_weights, seed=seed, **kw)


@njit(cache=True)
def _running_diag(table, lf, aux, params, loss, X, D, idx, gamma, hbar, xs, ys, dxs, d2xs, tmp):
    """eq 62: <h> <- (1 - gamma) <h> + gamma h_p, pattern by pattern."""
    for k in range(idx.size):
        p = idx[k]
        C.batch_diag_backprop(table, lf, aux, params, loss, X[p:p + 1], D[p:p + 1], xs, ys, dxs,
                              d2xs, False, tmp)
        for i in range(hbar.size):
            hbar[i] = (1.0 - gamma) * hbar[i] + gamma * tmp[i]


@dataclass(frozen=True)
class SDLM:
    """Stochastic diagonal Levenberg-Marquardt (§9.1, eqs 61-62).

    Each weight gets its own rate eta_i = eta / (<d2E/dw_i^2> + mu) (eq 61), where
    <d2E/dw_i^2> is a running average (memory gamma, eq 62) of the backpropagated diagonal
    second derivatives (eqs 54-56, Gauss-Newton: never negative) over ``n_estimate``
    training patterns, re-estimated every ``refresh_every`` epochs (the paper: the second
    derivatives change slowly, so every few epochs is enough); in between, training is
    plain online SGD with those rates (kept in float32). mu keeps a rate from blowing up where the curvature
    is tiny. The first estimate starts the running average at the subset's mean so it is
    not biased towards zero.

    ``eta`` is a fraction of the per-weight Newton step 1/<h_ii>: values from about 0.01
    to 0.3 are typical (online updates are noisy, so well below 1); ``mu`` of about 0.01-0.1
    times the typical <h_ii>.
    """

    eta: float
    mu: float = 0.1
    gamma: float = 0.05
    refresh_every: int = 2
    n_estimate: int | None = 500
    order: str = "shuffle"

    def __post_init__(self):
        check_positive("eta", self.eta)
        check_nonnegative("mu", self.mu)
        check_unit_interval("gamma", self.gamma)
        check_int("refresh_every", self.refresh_every, minimum=1)
        if self.n_estimate is not None:
            check_int("n_estimate", self.n_estimate, minimum=1)
        check_choice("order", self.order, {"sequential", "shuffle", "alternate", "emphasize"})

    def estimate(self, net, X, D, hbar, rng):
        """Update (or start) the running diagonal estimate on a random subset."""
        P = X.shape[0]
        m = P if self.n_estimate is None else min(self.n_estimate, P)
        idx = rng.choice(P, size=m, replace=False).astype(np.int64)
        Xs, Ds = X[idx], D[idx]
        if hbar is None:
            from .curvature import diag_hessian
            return diag_hessian(net, Xs, Ds)
        if net.batched(Xs):
            # eq 62 applied m times is a weighted sum: (1-g)^m <h> + sum_k g (1-g)^(m-1-k) h_k,
            # which one matrix-product pass computes
            decay = (1.0 - self.gamma) ** np.arange(m - 1, -1, -1)
            return ((1.0 - self.gamma) ** m * hbar
                    + B.diag_backprop(net, net.params, Xs, Ds, row_weights=self.gamma * decay))
        xs, ys, dxs, _ = K.buffers(net.table)
        _running_diag(net.table, net.layer_floats, net.aux, net.params, net.loss_code, X, D, idx,
                      self.gamma, hbar, xs, ys, dxs, np.zeros_like(xs), np.empty(net.n_params))
        return hbar

    def run(self, net, X, D, epochs, record_weights=False, seed=0, resume=None,
            progress=None, **kw):
        """Train for ``epochs``; with ``resume`` (the History of an earlier SDLM run on this
        net) the running second-derivative estimate continues from where it stopped."""
        X, D = net.check_data(X, D)
        epochs = check_int("epochs", epochs, minimum=0)
        rng = make_rng(seed)
        hbar, total, done, n_diag = None, None, 0, 0
        bar = Progress("epoch", epochs, progress)
        if resume is not None:
            if getattr(resume, "second_derivatives", None) is None:
                raise ValueError("resume must be the History of an earlier SDLM run (it holds "
                                 "no second_derivatives)")
            hbar = resume.second_derivatives.copy()
        t0 = time.perf_counter()
        while done < epochs:
            hbar = self.estimate(net, X, D, hbar, rng)
            n_diag += X.shape[0] if self.n_estimate is None else min(self.n_estimate, X.shape[0])
            if self.mu == 0 and np.any(hbar <= 0):
                raise ValueError("some diagonal second derivatives are 0: use mu > 0")
            n = min(self.refresh_every, epochs - done)
            # float32 rates: an estimate good to a few percent loses nothing, and the online
            # update streams half as many bytes for them
            rates = (1.0 / (hbar + self.mu)).astype(np.float32)
            h = train_sgd(net, X, D, epochs=n, eta=self.eta, rates=rates,
                          order=self.order, record_weights=record_weights,
                          seed=int(rng.integers(2 ** 31)), progress=False, **kw)
            total = h if total is None else total.extend(h)
            done += n
            bar.update(done, total.cost[-1] if total.cost else None)
        bar.close()
        if total is None:
            total = train_sgd(net, X, D, epochs=0, eta=self.eta, **kw)
        total.wall_time = time.perf_counter() - t0
        total.second_derivatives = hbar
        total.counts = {"gradients": total.presentations,
                        "diagonal_second_derivative_patterns": n_diag}
        return total


# ==== batch methods ==========================================================================
@dataclass(frozen=True)
class GradientDescent:
    """Batch gradient descent, W <- W - eta dE/dW with the full-batch gradient (eq 10)."""

    eta: float

    def __post_init__(self):
        check_positive("eta", self.eta)

    def init(self, obj, w):
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g}

    def step(self, obj, w, s):
        w = w - self.eta * s["g"]
        s["f"], s["g"] = obj.value_and_grad(w)
        return w, s


def _check_wolfe(c1, c2):
    check_finite_scalar("c1", c1)
    check_finite_scalar("c2", c2)
    if not 0 < c1 < c2 < 1:
        raise ValueError(f"need 0 < c1 < c2 < 1, got c1={c1}, c2={c2}")


def _exact_along(obj, w, d, dphi0, ls, tol, max_steps):
    """Refine a Wolfe step towards the exact minimum along ``d`` by secant steps on
    phi'(a) = grad E(w + a d) . d. On a quadratic phi' is linear, so the first secant step
    (through a = 0 and the Wolfe step) lands on the exact minimiser, which is what gives
    conjugate gradient its N-step convergence; elsewhere the secant converges
    superlinearly. A trial that raises the cost is not taken. Returns (a, E, grad, evals)."""
    a0, s0 = 0.0, dphi0
    a1, f1, g1 = ls.step, ls.value, ls.gradient
    s1 = float(g1 @ d)
    evals = 0
    for _ in range(max_steps):
        if abs(s1) <= tol * abs(dphi0) or s1 == s0:
            break
        a2 = a1 - s1 * (a1 - a0) / (s1 - s0)
        if not (np.isfinite(a2) and a2 > 0):
            break
        f2, g2 = obj.value_and_grad(w + a2 * d)
        evals += 1
        if not (np.isfinite(f2) and f2 <= f1):
            break
        a0, s0 = a1, s1
        a1, f1, g1, s1 = a2, f2, g2, float(g2 @ d)
    return a1, f1, g1, evals


@dataclass(frozen=True)
class ConjugateGradient:
    """Nonlinear conjugate gradient (§6.2, eqs 41-43): d_k = -grad E(w_k) + beta_k d_{k-1},
    with beta from Fletcher-Reeves (eq 42) or Polak-Ribiere (eq 43, clipped at 0 so that
    a bad direction restarts along the gradient). O(N) memory and work per step.

    Conjugacy needs line searches that find the minimum along each direction, so each step
    is a strong Wolfe search (``c1``, ``c2``) refined by up to ``refine`` secant steps on the
    directional derivative until it is below ``exact_tol`` times its starting value. On a
    quadratic one secant step is exact, and the defaults reach the minimum of an
    N-dimensional quadratic in N iterations (N + 1 in float64). The method restarts along
    the gradient when d_k is not a descent direction, when successive gradients are far
    from orthogonal (Powell's test, ``|g_k . g_k-1| >= 0.2 |g_k|^2``, which never fires on a
    quadratic with exact steps), and every ``restart`` iterations if that is given.

    >>> import numpy as np, ebtricks as eb
    >>> A = np.diag([1.0, 10.0, 100.0]); b = np.ones(3)
    >>> obj = eb.FunctionObjective(lambda w: 0.5 * w @ A @ w - b @ w, lambda w: A @ w - b, n=3)
    >>> w, h = eb.minimize(obj, np.zeros(3), eb.ConjugateGradient(), iterations=4)
    >>> bool(np.allclose(w, np.linalg.solve(A, b), atol=1e-10))
    True
    """

    variant: str = "polak_ribiere"
    c1: float = 1e-4
    c2: float = 0.1
    restart: int | None = None
    exact_tol: float = 1e-10
    refine: int = 3

    def __post_init__(self):
        check_choice("variant", self.variant, {"polak_ribiere", "fletcher_reeves"})
        _check_wolfe(self.c1, self.c2)
        if self.restart is not None:
            check_int("restart", self.restart, minimum=1)
        check_nonnegative("exact_tol", self.exact_tol)
        check_int("refine", self.refine, minimum=0)

    def init(self, obj, w):
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g, "d": -g, "k": 0, "step": None}

    def step(self, obj, w, s):
        g, d = s["g"], s["d"]
        if g @ d >= 0:
            d = -g
        step0 = 1.0 / max(np.linalg.norm(g), 1e-300) if s["step"] is None else s["step"]
        try:
            ls = strong_wolfe(obj.value_and_grad, w, d, s["f"], g, step0=step0, c1=self.c1,
                              c2=self.c2)
        except LineSearchError:
            if np.array_equal(d, -g):
                raise
            d = -g      # restart along the gradient once before giving up
            ls = strong_wolfe(obj.value_and_grad, w, d, s["f"], g, step0=step0, c1=self.c1,
                              c2=self.c2)
        a, f_new, g_new, extra = _exact_along(obj, w, d, float(g @ d), ls, self.exact_tol,
                                              self.refine)
        obj.counts["line_search_evaluations"] += ls.evaluations + extra
        w = w + a * d
        if self.variant == "fletcher_reeves":
            beta = (g_new @ g_new) / (g @ g)
        else:
            beta = max(0.0, (g_new - g) @ g_new / (g @ g))
        k = s["k"] + 1
        if abs(g_new @ g) >= 0.2 * (g_new @ g_new) or (self.restart and k % self.restart == 0):
            beta = 0.0
        d_new = -g_new + beta * d
        # next trial step: expect the same first-order decrease as this one (Nocedal & Wright)
        slope = g_new @ d_new
        ratio = (g @ d) / slope if slope < 0 else 1.0
        s.update(f=f_new, g=g_new, d=d_new, k=k, step=a * min(10.0, max(0.1, ratio)))
        return w, s


def _wolfe_step(obj, w, s, d, c1, c2):
    step0 = min(1.0, 1.0 / max(np.linalg.norm(s["g"]), 1e-300)) if s["k"] == 0 else 1.0
    ls = strong_wolfe(obj.value_and_grad, w, d, s["f"], s["g"], step0=step0, c1=c1, c2=c2)
    obj.counts["line_search_evaluations"] += ls.evaluations
    return ls


@dataclass(frozen=True)
class BFGS:
    """Quasi-Newton BFGS (§6.3, eqs 44-45): the direction is -M grad E with M an estimate of
    the inverse Hessian, updated from the change of weights delta and of gradient phi

        M <- M + (1 + phi^T M phi / delta^T phi) delta delta^T / delta^T phi
               - (delta phi^T M + M phi delta^T) / delta^T phi,

    and a strong Wolfe line search, which keeps delta^T phi > 0 and M positive definite.
    O(N^2) memory and work per step. M starts at the identity, rescaled after the first step."""

    c1: float = 1e-4
    c2: float = 0.9

    def __post_init__(self):
        _check_wolfe(self.c1, self.c2)

    #: Largest number of weights BFGS accepts: its N x N matrix takes 8 N^2 bytes (2 GB here).
    MAX_WEIGHTS = 16_000

    def init(self, obj, w):
        if obj.n > self.MAX_WEIGHTS:
            raise ValueError(f"BFGS keeps an N x N matrix: with N = {obj.n} weights that is "
                             f"{8 * obj.n ** 2 / 2 ** 30:.1f} GiB. Use LBFGS (memory O(N)) or "
                             f"ConjugateGradient for a network this size.")
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g, "M": np.eye(obj.n), "k": 0}

    def step(self, obj, w, s):
        M = s["M"]
        ls = _wolfe_step(obj, w, s, -M @ s["g"], self.c1, self.c2)
        delta = ls.step * (-M @ s["g"])
        phi = ls.gradient - s["g"]
        dp = delta @ phi
        if dp > 1e-12 * np.linalg.norm(delta) * np.linalg.norm(phi):
            if s["k"] == 0:
                M = np.eye(obj.n) * dp / (phi @ phi)
            Mphi = M @ phi
            M = (M + (1 + phi @ Mphi / dp) * np.outer(delta, delta) / dp
                 - (np.outer(delta, Mphi) + np.outer(Mphi, delta)) / dp)
        s.update(f=ls.value, g=ls.gradient, M=M, k=s["k"] + 1)
        return w + delta, s


@dataclass(frozen=True)
class LBFGS:
    """Limited-memory BFGS: the BFGS direction rebuilt from the last ``memory`` pairs
    (delta, phi) by the two-loop recursion, O(memory N) instead of O(N^2)."""

    memory: int = 10
    c1: float = 1e-4
    c2: float = 0.9

    def __post_init__(self):
        check_int("memory", self.memory, minimum=1)
        _check_wolfe(self.c1, self.c2)

    def init(self, obj, w):
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g, "pairs": [], "k": 0}

    def _direction(self, g, pairs):
        q = g.copy()
        alphas = []
        for delta, phi, rho in reversed(pairs):
            a = rho * (delta @ q)
            alphas.append(a)
            q -= a * phi
        if pairs:
            delta, phi, _ = pairs[-1]
            q *= (delta @ phi) / (phi @ phi)
        for (delta, phi, rho), a in zip(pairs, reversed(alphas)):
            q += (a - rho * (phi @ q)) * delta
        return -q

    def step(self, obj, w, s):
        d = self._direction(s["g"], s["pairs"])
        ls = _wolfe_step(obj, w, s, d, self.c1, self.c2)
        delta, phi = ls.step * d, ls.gradient - s["g"]
        if delta @ phi > 1e-12 * np.linalg.norm(delta) * np.linalg.norm(phi):
            s["pairs"] = (s["pairs"] + [(delta, phi, 1.0 / (delta @ phi))])[-self.memory:]
        s.update(f=ls.value, g=ls.gradient, k=s["k"] + 1)
        return w + delta, s


def _backtrack(obj, w, s, d, what, c1=1e-4, max_tries=30):
    """Armijo backtracking from the full step: on a quadratic the full Newton step already
    satisfies it, so the one-step property survives. Each shorter trial is the minimiser
    of the parabola through E(w), the slope at w and the refused trial, kept within
    [0.1, 0.5] of the refused step, so a step far too long is cut by ten per try rather
    than halved twenty times. When the step has shrunk to where costs differ by rounding
    only, the run has converged as far as float64 can tell (``at_precision_limit``)."""
    slope = s["g"] @ d
    if not slope < 0:
        raise OptimizationError(f"the {what} direction is not a descent direction "
                                f"(slope {slope:.3g})")
    a, f0 = 1.0, s["f"]
    for _ in range(max_tries):
        f_new = obj.value(w + a * d)
        if f_new <= f0 + c1 * a * slope:
            return w + a * d
        if -a * slope <= 1e-13 * max(abs(f0), np.finfo(float).tiny):
            raise OptimizationError(f"backtracking along the {what} direction reached steps "
                                    f"whose decrease float64 cannot resolve",
                                    at_precision_limit=True)
        curvature = f_new - f0 - slope * a
        a_fit = -slope * a * a / (2 * curvature) if np.isfinite(f_new) and curvature > 0 else 0.1 * a
        a = min(max(a_fit, 0.1 * a), 0.5 * a)
    raise OptimizationError(f"backtracking along the {what} direction found no decrease")


def _solve_psd(A, g, what):
    try:
        return np.linalg.solve(A, g)
    except np.linalg.LinAlgError as err:
        raise OptimizationError(f"the {what} is singular; use LevenbergMarquardt or Newton with "
                                f"damping") from err


@dataclass(frozen=True)
class Newton:
    """Newton's method (§6.1, eq 40): Delta w = -H^{-1} grad E. On a quadratic it lands on the
    minimum in one step. O(N^3) per step and the full Hessian: small networks only.

    When H is not positive definite the pure step can go uphill or to a saddle. With
    ``non_convex="saddle_free"`` (default) the step uses ``|H|`` (eigenvalues replaced by their
    absolute values, floored at ``damping``); with "raise" an OptimizationError says so.
    ``damping`` > 0 adds damping * I (a Levenberg-Marquardt-like safeguard). Far from a
    minimum the full step can overshoot; ``line_search`` (default) halves it until the
    cost drops enough (Armijo), and the full step is always tried first."""

    non_convex: str = "saddle_free"
    damping: float = 0.0
    line_search: bool = True

    def __post_init__(self):
        check_choice("non_convex", self.non_convex, {"saddle_free", "raise"})
        check_nonnegative("damping", self.damping)

    def init(self, obj, w):
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g}

    def step(self, obj, w, s):
        H = obj.hessian(w) + self.damping * np.eye(obj.n)
        lam, V = np.linalg.eigh(H)
        if lam[0] <= 0:
            if self.non_convex == "raise":
                raise OptimizationError(f"the Hessian is not positive definite (smallest "
                                        f"eigenvalue {lam[0]:.3g}); Newton's step would not "
                                        f"descend")
            lam = np.maximum(np.abs(lam), max(self.damping, 1e-12 * np.abs(lam).max()))
        d = -V @ ((V.T @ s["g"]) / lam)
        w = _backtrack(obj, w, s, d, "Newton") if self.line_search else w + d
        s["f"], s["g"] = obj.value_and_grad(w)
        return w, s


@dataclass(frozen=True)
class GaussNewton:
    """Gauss-Newton (§6.4, eq 46): Newton with the Hessian replaced by the square-Jacobian
    matrix G = <J^T J> (eq 51), which is positive semi-definite. For mse costs only (the
    approximation drops the residual term of eq 50). A singular G (more weights than
    independent residuals) is solved in the least-squares sense, ignoring directions whose
    curvature is below ``rcond`` times the largest (they would get enormous steps, which can
    drive sigmoid units into saturation, where every gradient is 0). As for :class:`Newton`,
    ``line_search`` halves an overshooting step (the full step is tried first)."""

    line_search: bool = True
    rcond: float = 1e-8

    def __post_init__(self):
        check_unit_interval("rcond", self.rcond, closed_low=True)

    def init(self, obj, w):
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g}

    def step(self, obj, w, s):
        G = obj.gauss_newton(w)
        d = -np.linalg.lstsq(G, s["g"], rcond=self.rcond)[0]
        w = _backtrack(obj, w, s, d, "Gauss-Newton") if self.line_search else w + d
        s["f"], s["g"] = obj.value_and_grad(w)
        return w, s


@dataclass(frozen=True)
class LevenbergMarquardt:
    """Levenberg-Marquardt (§6.4, eq 47): Delta w = -(G + lambda I)^{-1} grad E. A step that
    lowers the cost is taken and lambda divided by ``factor`` (towards Gauss-Newton); one that
    does not is refused and lambda multiplied by ``factor`` (towards a short gradient step)."""

    lam: float = 1e-2
    factor: float = 10.0
    max_tries: int = 30

    def __post_init__(self):
        check_positive("lam", self.lam)
        if not check_finite_scalar("factor", self.factor) > 1:
            raise ValueError(f"factor must be > 1, got {self.factor}")
        check_int("max_tries", self.max_tries, minimum=1)

    def init(self, obj, w):
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g, "lam": self.lam}

    def step(self, obj, w, s):
        G = obj.gauss_newton(w)
        lam = s["lam"]
        predicted = None
        for _ in range(self.max_tries):
            dw = -_solve_psd(G + lam * np.eye(obj.n), s["g"], "damped Gauss-Newton matrix")
            if predicted is None:
                predicted = -float(s["g"] @ dw)       # first-order decrease of the first try
            f_new = obj.value(w + dw)
            if f_new < s["f"]:
                s["lam"] = lam / self.factor
                s["f"], s["g"] = obj.value_and_grad(w + dw)
                return w + dw, s
            lam *= self.factor
        # At a minimum no step can lower the cost by more than rounding: that is convergence.
        resolvable = 1e-13 * max(abs(s["f"]), np.finfo(float).tiny)
        raise OptimizationError(f"no step lowered the cost even with lambda = {lam:.3g}",
                                at_precision_limit=predicted is not None
                                and predicted <= resolvable)


STOCHASTIC = (SGD, SDLM)


def _norm(v):
    with np.errstate(over="ignore"):    # an overflowing gradient is reported as divergence
        return np.linalg.norm(v)


def _failed(err: Exception, w, hist: History, t0: float) -> Exception:
    """Give a batch run's error what it had reached: the last good weights and the history
    up to them (``err.weights``, ``err.history``), so nothing computed is lost."""
    hist.wall_time = time.perf_counter() - t0
    err.weights, err.history = w.copy(), hist
    return err


def minimize(obj, w0, method, iterations: int, tol: float = 0.0, record_weights: bool = False,
             progress: bool | None = None):
    """Run a batch method on any objective for ``iterations`` steps (or until the gradient
    norm is <= tol). Returns (w, History); History.cost[k] is the cost after k steps.

    A run that cannot go on raises :class:`OptimizationError` (a failed line search, a
    singular system) or :class:`~ebtricks.sgd.TrainingDiverged`; the exception carries the
    last good weights as ``weights`` and the history up to them as ``history``. A line
    search or a Levenberg-Marquardt step that fails because costs can no longer be told
    apart in float64, or where the gradient has fallen below 1e-8 of its start, ends the
    run as converged (``History.stopped_early``) instead. ``progress`` shows a one-line
    report as :func:`~ebtricks.sgd.train_sgd` does."""
    if isinstance(method, STOCHASTIC) or not hasattr(method, "step"):
        raise TypeError(f"method must be a batch method (GradientDescent, ConjugateGradient, "
                        f"BFGS, LBFGS, Newton, GaussNewton, LevenbergMarquardt), got "
                        f"{type(method).__name__}")
    iterations = check_int("iterations", iterations, minimum=0)
    tol = check_nonnegative("tol", tol)
    w = check_array("w0", w0, shape=(obj.n,)).copy()
    t0 = time.perf_counter()
    s = method.init(obj, w)
    if not (np.isfinite(s["f"]) and np.all(np.isfinite(s["g"]))):
        raise ValueError(f"the objective is not finite at w0 (value {s['f']}): its f or grad "
                         f"returns NaN or infinity there")
    g0_norm = _norm(s["g"])
    hist = History(cost=[s["f"]])
    traj = [w.copy()] if record_weights else None
    bar = Progress("iteration", iterations, progress)
    for k in range(iterations):
        if _norm(s["g"]) <= tol:
            break
        try:
            # a step may overflow; that is caught just below as divergence, with a message
            with np.errstate(over="ignore", invalid="ignore"):
                w_new, s = method.step(obj, w, s)
        except (LineSearchError, OptimizationError) as err:
            if getattr(err, "at_precision_limit", False) or _norm(s["g"]) <= 1e-8 * g0_norm:
                hist.stopped_early = True   # converged as far as float64 can tell costs apart
                break
            what = "the line search failed" if isinstance(err, LineSearchError) else "no step"
            bar.close()
            raise _failed(OptimizationError(
                f"{type(method).__name__}: {what} at iteration {k + 1}: {err}. The weights "
                f"are left at iteration {k}."), w, hist, t0) from err
        if not (np.isfinite(s["f"]) and np.all(np.isfinite(w_new))):
            bar.close()
            raise _failed(TrainingDiverged(
                f"{type(method).__name__} diverged at iteration {k + 1}: the cost became "
                f"{s['f']}. The weights are left at iteration {k}; lower the rate."),
                w, hist, t0)
        w = w_new
        hist.cost.append(s["f"])
        hist.updates += 1
        bar.update(k + 1, s["f"])
        if record_weights:
            traj.append(w.copy())
    bar.close()
    hist.wall_time = time.perf_counter() - t0
    hist.counts = dict(obj.counts)
    if record_weights:
        hist.weights = np.array(traj)
    return w, hist


def train(net: Network, X, D, method, epochs: int, record_weights: bool = False,
          seed: int | None = 0, tol: float = 0.0, progress: bool | None = None,
          **kw) -> History:
    """Train ``net`` in place with any method of this module; see the module docstring.

    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> for method in (eb.SGD(eta=0.05), eb.ConjugateGradient(), eb.LevenbergMarquardt()):
    ...     h = eb.train(eb.mlp([2, 1], activation="identity"), X, D, method, epochs=5)
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    if isinstance(method, STOCHASTIC):
        hist = method.run(net, X, D, epochs, record_weights=record_weights, seed=seed,
                          progress=progress, **kw)
        if not hist.counts:
            hist.counts = {"gradients": hist.presentations}
        return hist
    if kw:
        raise TypeError(f"unexpected options for a batch method: {sorted(kw)}")
    obj = NetworkObjective(net, X, D)
    try:
        w, hist = minimize(obj, net.params, method, epochs, tol, record_weights, progress)
    except (OptimizationError, TrainingDiverged) as err:
        if getattr(err, "weights", None) is not None:
            net.params[...] = err.weights       # where the message says they are left
        raise
    net.params[...] = w
    hist.presentations = obj.counts["gradients"] * obj.X.shape[0]
    return hist
