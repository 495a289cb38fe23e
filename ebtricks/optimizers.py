"""Every training method of the paper under one call: ``eb.train(net, X, D, method, epochs)``.

Swap one method for another by changing ``method``; every run returns a
:class:`~ebtricks.sgd.History` with the cost per epoch (for the batch methods one epoch is
one iteration over the whole training set), the evaluation counts (gradients, H-vector
products, line-search steps), the wall time and, when asked, the weights after every
epoch. The batch methods always record the full cost ``History.cost``; the stochastic ones
record the free ``History.online_cost`` and, only with ``track_cost=True`` (an extra
forward pass over X per epoch), ``History.cost``.

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

from . import _engine as engine
from ._validate import (check_array, check_choice, check_finite_scalar, check_int, make_rng,
                        check_nonnegative, check_positive, check_unit_interval)
from ._progress import Progress
from ._threads import blas_limited
from .linesearch import LineSearchError, strong_wolfe
from .network import Network
from .objective import NetworkObjective
from .sgd import History, Murata, TrainingDiverged, train_sgd

__all__ = ["train", "minimize", "OptimizationError", "SGD", "SDLM", "GradientDescent",
           "ConjugateGradient", "BFGS", "LBFGS", "Newton", "GaussNewton", "LevenbergMarquardt"]


class OptimizationError(RuntimeError):
    """A batch method could not make progress (a failed line search, a singular system).

    Parameters
    ----------
    message : str
        What went wrong; the text of the exception.
    at_precision_limit : bool, default False
        True when the method failed only because no step can lower the cost by more than
        float64 can resolve: :func:`minimize` then stops as converged instead of raising.

    Attributes
    ----------
    at_precision_limit : bool
        The argument of the same name.
    weights : ndarray, shape (n,)
        Only on the error that :func:`minimize` or :func:`train` raises: the last good
        weights, those of the iteration before the failure.
    history : History
        Only on that error, too: the run up to those weights.
    """

    def __init__(self, message, at_precision_limit=False):
        super().__init__(message)
        self.at_precision_limit = at_precision_limit


# ==== stochastic methods =====================================================================
@dataclass(frozen=True)
class SGD:
    """Online or mini-batch stochastic gradient descent, W <- W - eta dE_p/dW (eq 10 with one
    sample or a mini-batch), with the options of :func:`~ebtricks.sgd.train_sgd`:
    momentum (§4.7), annealing eta = c/t (eq 12), per-weight rates, Murata's adaptive rate
    (eqs 17-19), presentation orders (§4.2).

    Pass it to :func:`train`. Each field is the argument of the same name of
    :func:`~ebtricks.sgd.train_sgd`, which :meth:`run` calls.

    Parameters
    ----------
    eta : float
        Learning rate eta, > 0. With ``schedule="inverse_time"`` it is the starting rate;
        with ``murata`` it is the rate Murata's rule starts from.
    batch_size : int, default 1
        Samples per update, >= 1: 1 is online learning (§4.1), P (the number of samples) is
        batch gradient descent, and a value above P counts as P. An update uses the mean
        gradient of its batch.
    momentum : float, default 0.0
        Momentum mu (§4.7), 0 <= mu < 1: Delta w(t+1) = eta dE/dw + mu Delta w(t).
        0 means no momentum.
    schedule : {"constant", "inverse_time"}, default "constant"
        "inverse_time" anneals the rate as eta_t = eta / (1 + t/tau), t counting updates:
        the c/t schedule of eq 12 with c = eta tau.
    tau : float or None, default None
        Updates after which the annealed rate has halved, > 0. Needed by
        ``schedule="inverse_time"`` (training raises ValueError without it); ignored
        otherwise.
    rates : None, str or array_like, default None
        Per-weight multipliers of eta. None: all 1. "fan_in": 1/sqrt(m), m the fan-in of
        the unit the weight feeds (§4.7). "shared": the square root of the number of
        connections sharing the weight (§4.7). "fan_in_shared": both. An array: one
        non-negative multiplier per layer or per weight.
    murata : Murata or None, default None
        Adapt eta by Murata's rule (eqs 17-19); None keeps the rate of ``schedule``.
    order : {"shuffle", "sequential", "alternate", "emphasize"}, default "shuffle"
        The presentation order of each epoch (§4.2); see
        :func:`~ebtricks.sgd.presentation_order`.

    Raises
    ------
    ValueError
        When a field is out of range: eta <= 0, batch_size < 1, momentum outside [0, 1),
        tau <= 0, an unknown schedule or order (TypeError when a number has the wrong type).

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> h = eb.train(net, X, D, eb.SGD(eta=0.05, momentum=0.5), epochs=5, track_cost=True)
    >>> len(h.cost), h.updates, bool(h.cost[-1] < h.cost[0])
    (6, 500, True)
    """

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
        """Train ``net`` in place for ``epochs`` epochs with these settings, by
        :func:`~ebtricks.sgd.train_sgd`. :func:`train` calls it.

        Parameters
        ----------
        net : Network
            The network to train; its ``params`` change in place.
        X : array_like, shape (P, n_in)
            Training inputs, one row per sample.
        D : array_like, shape (P, n_out)
            Training targets, one row per sample.
        epochs : int
            Passes over the training set, >= 0.
        record_weights : bool, default False
            Keep the weights before training and after every update in
            ``History.weights``.
        seed : int, numpy.random.Generator or None, default 0
            Seed of the presentation orders; None draws fresh entropy.
        **kw
            Further keywords of :func:`~ebtricks.sgd.train_sgd`: ``X_val``, ``D_val``,
            ``patience``, ``track_cost``, ``record_every``, ``emphasis``,
            ``diverge_factor``, ``resume``.

        Returns
        -------
        History
            The run, epoch by epoch.

        Raises
        ------
        TrainingDiverged
            When the cost becomes NaN or infinite or grows past ``diverge_factor`` times
            its start; the weights are those of the start of that epoch.
        """
        return train_sgd(net, X, D, epochs=epochs, eta=self.eta, batch_size=self.batch_size,
                         momentum=self.momentum, schedule=self.schedule, tau=self.tau,
                         rates=self.rates, murata=self.murata, order=self.order,
                         record_weights=record_weights, seed=seed, **kw)


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

    Parameters
    ----------
    eta : float
        The global factor eta of eq 61, > 0.
    mu : float, default 0.1
        mu of eq 61, >= 0, added to every <h_ii>. With mu = 0 training raises ValueError
        as soon as an estimate <h_ii> is not positive.
    gamma : float, default 0.05
        The memory gamma of the running average of eq 62, in (0, 1): the weight of each
        new pattern's second derivatives.
    refresh_every : int, default 2
        Epochs between two estimates of the second derivatives, >= 1.
    n_estimate : int or None, default 500
        Training patterns per estimate, drawn at random without replacement, >= 1. None,
        or a value above the number of patterns P, uses all P.
    order : {"shuffle", "sequential", "alternate", "emphasize"}, default "shuffle"
        The presentation order of the SGD epochs (§4.2).

    Raises
    ------
    ValueError
        When a field is out of range (TypeError when a number has the wrong type).

    Examples
    --------
    For a linear network with the mse cost the second derivative of the output bias is
    exactly 1:

    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> h = eb.train(net, X, D, eb.SDLM(eta=0.1, n_estimate=50), epochs=4, track_cost=True)
    >>> h.second_derivatives.shape, round(float(h.second_derivatives[-1]), 6)
    ((3,), 1.0)
    >>> h.counts["diagonal_second_derivative_patterns"], bool(h.cost[-1] < h.cost[0])
    (100, True)
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
        """Update (or start) the running diagonal estimate <h_ii> of eq 62 on a random subset
        of ``n_estimate`` training patterns.

        Parameters
        ----------
        net : Network
            The network, at its current weights.
        X : ndarray, shape (P, n_in)
            Training inputs (float64, as :meth:`Network.check_data` returns them).
        D : ndarray, shape (P, n_out)
            Training targets.
        hbar : ndarray of shape (n_params,), or None
            The running estimate so far, each pattern of the subset folded in by eq 62.
            None starts the estimate at the subset's mean diagonal second derivatives
            (eqs 54-56).
        rng : numpy.random.Generator
            Draws the subset.

        Returns
        -------
        ndarray, shape (n_params,)
            The new estimate; it may be ``hbar`` itself, updated in place.
        """
        P = X.shape[0]
        m = P if self.n_estimate is None else min(self.n_estimate, P)
        idx = rng.choice(P, size=m, replace=False).astype(np.int64)
        Xs, Ds = X[idx], D[idx]
        if hbar is None:
            from .curvature import diag_hessian
            return diag_hessian(net, Xs, Ds)
        return engine.running_diag(net, X, D, idx, self.gamma, hbar)

    def run(self, net, X, D, epochs, record_weights=False, seed=0, resume=None,
            progress=None, **kw):
        """Train ``net`` in place for ``epochs``; with ``resume`` (the History of an earlier
        SDLM run on this net) the running second-derivative estimate continues from where it
        stopped. :func:`train` calls it.

        Parameters
        ----------
        net : Network
            The network to train; its ``params`` change in place.
        X : array_like, shape (P, n_in)
            Training inputs, one row per sample.
        D : array_like, shape (P, n_out)
            Training targets, one row per sample.
        epochs : int
            Passes over the training set, >= 0.
        record_weights : bool or {"epoch", "update"}, default False
            As for :func:`~ebtricks.sgd.train_sgd`: after every epoch, or every update.
        seed : int, numpy.random.Generator or None, default 0
            Seed of the estimation subsets and the presentation orders; None draws fresh
            entropy.
        resume : History or None, default None
            The History of an earlier SDLM run on this net; its ``second_derivatives``
            start the running average.
        progress : bool or None, default None
            A one-line progress report, as for :func:`~ebtricks.sgd.train_sgd`.
        **kw
            Further keywords of :func:`~ebtricks.sgd.train_sgd` (``X_val``, ``D_val``,
            ``patience``, ``track_cost``, ``diverge_factor``, ...), passed to each stretch
            of ``refresh_every`` epochs.

        Returns
        -------
        History
            The run, epoch by epoch, with ``second_derivatives`` (the final <h_ii>) and
            ``counts`` = {"gradients": presentations,
            "diagonal_second_derivative_patterns": patterns used by the estimates}.

        Raises
        ------
        ValueError
            When ``resume`` holds no second derivatives, or when mu = 0 and an estimate
            <h_ii> is not positive.
        TrainingDiverged
            When the cost becomes NaN or infinite or grows past ``diverge_factor`` times
            its start.
        """
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
            bar.update(done, total.cost[-1] if total.cost_tracked else total.online_cost[-1])
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
    """Batch gradient descent, W <- W - eta dE/dW with the full-batch gradient (eq 10).

    Parameters
    ----------
    eta : float
        The learning rate eta, > 0. On a quadratic cost it converges for
        eta < 2/lambda_max (eq 38) and fastest at 2/(lambda_max + lambda_min).

    Raises
    ------
    ValueError
        When eta <= 0.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> A = np.diag([1.0, 10.0]); b = np.ones(2)
    >>> obj = eb.FunctionObjective(lambda w: 0.5 * w @ A @ w - b @ w, lambda w: A @ w - b, n=2)
    >>> w, h = eb.minimize(obj, np.zeros(2), eb.GradientDescent(eta=0.1), iterations=200)
    >>> np.round(w, 6).tolist(), h.epochs
    ([1.0, 0.1], 200)
    """

    eta: float

    def __post_init__(self):
        check_positive("eta", self.eta)

    def init(self, obj, w):
        """Start a run at ``w``: evaluate E(w) and its gradient.

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The starting weights.

        Returns
        -------
        dict
            The method's state: ``"f"`` (E(w)) and ``"g"`` (its gradient).
        """
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g}

    def step(self, obj, w, s):
        """One iteration, w <- w - eta grad E(w).

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The current weights (not changed).
        s : dict
            The state from :meth:`init` or from the previous step; updated in place.

        Returns
        -------
        w : ndarray, shape (obj.n,)
            The new weights.
        s : dict
            The updated state, with ``"f"`` and ``"g"`` at the new weights. A cost that
            is not finite is left for :func:`minimize` to report.
        """
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
    quadratic one secant step is exact, and in exact arithmetic the defaults reach the
    minimum of an N-dimensional quadratic in N iterations. In float64 N + 1 suffice when
    the eigenvalues are spread evenly; when many of them crowd at one end of an
    ill-conditioned spectrum, rounding breaks the conjugacy and more are needed (N = 20,
    kappa = 1000, eigenvalues evenly spaced in log: about 30), as for any conjugate
    gradient in floating point. The method restarts along
    the gradient when d_k is not a descent direction, when successive gradients are far
    from orthogonal (Powell's test, ``|g_k . g_k-1| >= 0.2 |g_k|^2``, which never fires on a
    quadratic with exact steps), and every ``restart`` iterations if that is given.

    >>> import numpy as np, ebtricks as eb
    >>> A = np.diag([1.0, 10.0, 100.0]); b = np.ones(3)
    >>> obj = eb.FunctionObjective(lambda w: 0.5 * w @ A @ w - b @ w, lambda w: A @ w - b, n=3)
    >>> w, h = eb.minimize(obj, np.zeros(3), eb.ConjugateGradient(), iterations=4)
    >>> bool(np.allclose(w, np.linalg.solve(A, b), atol=1e-10))
    True

    Parameters
    ----------
    variant : {"polak_ribiere", "fletcher_reeves"}, default "polak_ribiere"
        The formula for beta_k: Polak-Ribiere (eq 43, clipped at 0) or Fletcher-Reeves
        (eq 42).
    c1 : float, default 1e-4
        Sufficient-decrease constant of the strong Wolfe line search, 0 < c1 < c2.
    c2 : float, default 0.1
        Curvature constant of the strong Wolfe line search, c1 < c2 < 1. Small values ask
        for a line search close to exact.
    restart : int or None, default None
        Also restart along the gradient every ``restart`` iterations (>= 1); None restarts
        only by the two tests above.
    powell : bool, default True
        Apply Powell's restart test; False keeps beta_k as its formula gives it (the
        restart when d_k is not a descent direction stays), to compare the two formulas
        of the paper on their own.
    exact_tol : float, default 1e-10
        The secant refinement stops when the directional derivative is at most
        ``exact_tol`` times its value at the start of the line, >= 0.
    refine : int, default 3
        Most secant steps after the Wolfe search, >= 0; 0 takes the Wolfe step as it is.

    Raises
    ------
    ValueError
        When a field is out of range (TypeError when a number has the wrong type).
    """

    variant: str = "polak_ribiere"
    c1: float = 1e-4
    c2: float = 0.1
    restart: int | None = None
    exact_tol: float = 1e-10
    refine: int = 3
    powell: bool = True

    def __post_init__(self):
        check_choice("variant", self.variant, {"polak_ribiere", "fletcher_reeves"})
        if not isinstance(self.powell, (bool, np.bool_)):
            raise TypeError(f"powell must be True or False, got {self.powell!r}")
        _check_wolfe(self.c1, self.c2)
        if self.restart is not None:
            check_int("restart", self.restart, minimum=1)
        check_nonnegative("exact_tol", self.exact_tol)
        check_int("refine", self.refine, minimum=0)

    def init(self, obj, w):
        """Start a run at ``w``: evaluate E(w) and its gradient; the first direction is -grad E.

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The starting weights.

        Returns
        -------
        dict
            The method's state: ``"f"``, ``"g"``, the direction ``"d"``, the iteration
            count ``"k"`` and the next trial step ``"step"``.
        """
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g, "d": -g, "k": 0, "step": None}

    def step(self, obj, w, s):
        """One iteration: a line search along d_k, then the next conjugate direction
        d_k+1 = -grad E + beta d_k (eqs 41-43).

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The current weights (not changed).
        s : dict
            The state from :meth:`init` or from the previous step; updated in place.

        Returns
        -------
        w : ndarray, shape (obj.n,)
            The new weights.
        s : dict
            The updated state, with ``"f"``, ``"g"``, ``"d"``, ``"k"`` and ``"step"`` at the
            new weights.

        Raises
        ------
        ebtricks.linesearch.LineSearchError
            When no step satisfies the strong Wolfe conditions. :func:`minimize` turns it
            into a stop (at the precision limit) or an :class:`OptimizationError`.
        """
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
        if ((self.powell and abs(g_new @ g) >= 0.2 * (g_new @ g_new))
                or (self.restart and k % self.restart == 0)):
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
    O(N^2) memory and work per step. M starts at the identity, rescaled after the first step.

    Parameters
    ----------
    c1 : float, default 1e-4
        Sufficient-decrease constant of the strong Wolfe line search, 0 < c1 < c2.
    c2 : float, default 0.9
        Curvature constant of the strong Wolfe line search, c1 < c2 < 1.

    Raises
    ------
    ValueError
        When the constants are out of range, or (at the start of a run) when the objective
        has more than :attr:`MAX_WEIGHTS` weights.

    Examples
    --------
    Rosenbrock's function, minimum at (1, 1):

    >>> import numpy as np, ebtricks as eb
    >>> def f(w): return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
    >>> def grad(w): return np.array([-2 * (1 - w[0]) - 400 * w[0] * (w[1] - w[0] ** 2),
    ...                               200 * (w[1] - w[0] ** 2)])
    >>> obj = eb.FunctionObjective(f, grad, n=2)
    >>> w, h = eb.minimize(obj, np.array([-1.2, 1.0]), eb.BFGS(), iterations=100, tol=1e-10)
    >>> np.round(w, 6).tolist(), h.epochs < 50
    ([1.0, 1.0], True)
    """

    c1: float = 1e-4
    c2: float = 0.9

    def __post_init__(self):
        _check_wolfe(self.c1, self.c2)

    #: Largest number of weights BFGS accepts: its N x N matrix takes 8 N^2 bytes (2 GB here).
    MAX_WEIGHTS = 16_000

    def init(self, obj, w):
        """Start a run at ``w``: evaluate E(w) and its gradient; M is the identity.

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The starting weights.

        Returns
        -------
        dict
            The method's state: ``"f"``, ``"g"``, the inverse-Hessian estimate ``"M"``
            (n, n) and the iteration count ``"k"``.

        Raises
        ------
        ValueError
            When ``obj.n`` exceeds :attr:`MAX_WEIGHTS`.
        """
        if obj.n > self.MAX_WEIGHTS:
            raise ValueError(f"BFGS keeps an N x N matrix: with N = {obj.n} weights that is "
                             f"{8 * obj.n ** 2 / 2 ** 30:.1f} GiB. Use LBFGS (memory O(N)) or "
                             f"ConjugateGradient for a network this size.")
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g, "M": np.eye(obj.n), "k": 0}

    def step(self, obj, w, s):
        """One iteration: a line search along -M grad E, then the update of M (eq 44;
        skipped when delta^T phi is not clearly positive).

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The current weights (not changed).
        s : dict
            The state from :meth:`init` or from the previous step; updated in place.

        Returns
        -------
        w : ndarray, shape (obj.n,)
            The new weights.
        s : dict
            The updated state, with ``"f"``, ``"g"``, ``"M"`` and ``"k"`` at the new weights.

        Raises
        ------
        ebtricks.linesearch.LineSearchError
            When no step satisfies the strong Wolfe conditions. :func:`minimize` turns it
            into a stop (at the precision limit) or an :class:`OptimizationError`.
        """
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
    (delta, phi) by the two-loop recursion, O(memory N) instead of O(N^2).

    Parameters
    ----------
    memory : int, default 10
        Pairs (delta, phi) kept, >= 1.
    c1 : float, default 1e-4
        Sufficient-decrease constant of the strong Wolfe line search, 0 < c1 < c2.
    c2 : float, default 0.9
        Curvature constant of the strong Wolfe line search, c1 < c2 < 1.

    Raises
    ------
    ValueError
        When a field is out of range (TypeError when ``memory`` is not an integer).

    Examples
    --------
    Rosenbrock's function, minimum at (1, 1):

    >>> import numpy as np, ebtricks as eb
    >>> def f(w): return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
    >>> def grad(w): return np.array([-2 * (1 - w[0]) - 400 * w[0] * (w[1] - w[0] ** 2),
    ...                               200 * (w[1] - w[0] ** 2)])
    >>> obj = eb.FunctionObjective(f, grad, n=2)
    >>> w, h = eb.minimize(obj, np.array([-1.2, 1.0]), eb.LBFGS(memory=5), iterations=100,
    ...                    tol=1e-10)
    >>> np.round(w, 6).tolist(), h.epochs < 50
    ([1.0, 1.0], True)
    """

    memory: int = 10
    c1: float = 1e-4
    c2: float = 0.9

    def __post_init__(self):
        check_int("memory", self.memory, minimum=1)
        _check_wolfe(self.c1, self.c2)

    def init(self, obj, w):
        """Start a run at ``w``: evaluate E(w) and its gradient; no pairs yet.

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The starting weights.

        Returns
        -------
        dict
            The method's state: ``"f"``, ``"g"``, the list of pairs ``"pairs"`` and the
            iteration count ``"k"``.
        """
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
        """One iteration: a line search along the two-loop direction, then the new
        pair (kept when delta^T phi is clearly positive).

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The current weights (not changed).
        s : dict
            The state from :meth:`init` or from the previous step; updated in place.

        Returns
        -------
        w : ndarray, shape (obj.n,)
            The new weights.
        s : dict
            The updated state, with ``"f"``, ``"g"``, ``"pairs"`` and ``"k"`` at the new weights.

        Raises
        ------
        ebtricks.linesearch.LineSearchError
            When no step satisfies the strong Wolfe conditions. :func:`minimize` turns it
            into a stop (at the precision limit) or an :class:`OptimizationError`.
        """
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
    minimum the full step can overshoot; ``line_search`` (default) shortens it until the
    cost drops enough (Armijo). The full step is always tried first; each shorter trial
    is the minimum of a parabola fitted to the costs, kept between 0.1 and 0.5 times the
    refused step.

    Parameters
    ----------
    non_convex : {"saddle_free", "raise"}, default "saddle_free"
        What to do when H (plus damping) has an eigenvalue <= 0: step with ``|H|`` (its
        eigenvalues' absolute values, floored at max(damping, 1e-12 times the largest)),
        or raise :class:`OptimizationError`.
    damping : float, default 0.0
        Added to the diagonal of H, >= 0.
    line_search : bool, default True
        Shorten an overshooting step (Armijo backtracking); False always takes the full
        step.

    Raises
    ------
    ValueError
        When a field is out of range.

    Examples
    --------
    On a quadratic one step lands on the minimum w = A^-1 b:

    >>> import numpy as np, ebtricks as eb
    >>> A = np.diag([1.0, 10.0, 100.0]); b = np.ones(3)
    >>> obj = eb.FunctionObjective(lambda w: 0.5 * w @ A @ w - b @ w, lambda w: A @ w - b,
    ...                            n=3, hess=lambda w: A)
    >>> w, h = eb.minimize(obj, np.zeros(3), eb.Newton(), iterations=1)
    >>> np.round(w, 6).tolist(), dict(obj.counts)["hessians"]
    ([1.0, 0.1, 0.01], 1)
    """

    non_convex: str = "saddle_free"
    damping: float = 0.0
    line_search: bool = True

    def __post_init__(self):
        check_choice("non_convex", self.non_convex, {"saddle_free", "raise"})
        check_nonnegative("damping", self.damping)

    def init(self, obj, w):
        """Start a run at ``w``: evaluate E(w) and its gradient.

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The starting weights.

        Returns
        -------
        dict
            The method's state: ``"f"`` (E(w)) and ``"g"`` (its gradient).
        """
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g}

    def step(self, obj, w, s):
        """One Newton step, Delta w = -H^-1 grad E (eq 40), with the safeguards above.

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The current weights (not changed).
        s : dict
            The state from :meth:`init` or from the previous step; updated in place.

        Returns
        -------
        w : ndarray, shape (obj.n,)
            The new weights.
        s : dict
            The updated state, with ``"f"`` and ``"g"`` at the new weights.

        Raises
        ------
        OptimizationError
            When H is not positive definite and ``non_convex="raise"``, or when the
            backtracking finds no decrease (``at_precision_limit`` when the decrease has
            fallen below what float64 resolves).
        ValueError
            When the objective has no Hessian (a FunctionObjective without ``hess``).
        """
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
    matrix G = <J^T J> (eq 51), which is positive semi-definite. The approximation drops the
    residual term of eq 50. The paper states it for the mse cost; on a network with the
    softmax_ce cost G is <J^T (d^2E_p/dy^2) J>, also positive semi-definite. A singular G
    (more weights than independent residuals) is solved in the least-squares sense, ignoring
    directions whose curvature is below ``rcond`` times the largest (they would get
    enormous steps, which can drive sigmoid units into saturation, where every gradient is
    0). As for :class:`Newton`, ``line_search`` shortens an overshooting step (the full
    step is tried first).

    Parameters
    ----------
    line_search : bool, default True
        Shorten an overshooting step (Armijo backtracking, as in :class:`Newton`); False
        always takes the full step.
    rcond : float, default 1e-8
        Relative cutoff of the least-squares solve, in [0, 1): directions of G whose
        curvature is below ``rcond`` times the largest get no step.

    Raises
    ------
    ValueError
        When rcond is outside [0, 1).

    Examples
    --------
    For a linear network G is the Hessian, so one step reaches the least-squares optimum:

    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> h = eb.train(net, X, D, eb.GaussNewton(), epochs=1)
    >>> E_min = eb.measure.lms_solution(X, D)[2]
    >>> bool(abs(h.cost[-1] - E_min) < 1e-12)
    True
    """

    line_search: bool = True
    rcond: float = 1e-8

    def __post_init__(self):
        check_unit_interval("rcond", self.rcond, closed_low=True)

    def init(self, obj, w):
        """Start a run at ``w``: evaluate E(w) and its gradient.

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The starting weights.

        Returns
        -------
        dict
            The method's state: ``"f"`` (E(w)) and ``"g"`` (its gradient).
        """
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g}

    def step(self, obj, w, s):
        """One Gauss-Newton step, Delta w = -G^-1 grad E (eq 46), G solved in the
        least-squares sense.

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The current weights (not changed).
        s : dict
            The state from :meth:`init` or from the previous step; updated in place.

        Returns
        -------
        w : ndarray, shape (obj.n,)
            The new weights.
        s : dict
            The updated state, with ``"f"`` and ``"g"`` at the new weights.

        Raises
        ------
        OptimizationError
            When the backtracking finds no decrease, or the direction is not a descent
            direction.
        ValueError
            When the objective has no Gauss-Newton matrix (a FunctionObjective without
            ``gauss_newton``).
        """
        G = obj.gauss_newton(w)
        d = -np.linalg.lstsq(G, s["g"], rcond=self.rcond)[0]
        w = _backtrack(obj, w, s, d, "Gauss-Newton") if self.line_search else w + d
        s["f"], s["g"] = obj.value_and_grad(w)
        return w, s


@dataclass(frozen=True)
class LevenbergMarquardt:
    """Levenberg-Marquardt (§6.4, eq 47): Delta w = -(G + lambda I)^{-1} grad E. A step that
    lowers the cost is taken and lambda divided by ``factor`` (towards Gauss-Newton); one that
    does not is refused and lambda multiplied by ``factor`` (towards a short gradient step).

    Parameters
    ----------
    lam : float, default 1e-2
        The starting damping lambda, > 0; the run adapts it from there.
    factor : float, default 10.0
        The factor lambda is divided by after a step taken and multiplied by after a step
        refused, > 1.
    max_tries : int, default 30
        Most trial steps in one iteration, >= 1; when all are refused the iteration
        raises :class:`OptimizationError`.

    Raises
    ------
    ValueError
        When a field is out of range (TypeError when a number has the wrong type).

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> h = eb.train(net, X, D, eb.LevenbergMarquardt(), epochs=5)
    >>> E_min = eb.measure.lms_solution(X, D)[2]
    >>> bool(abs(h.cost[-1] - E_min) < 1e-12), h.counts["gauss_newton_matrices"]
    (True, 5)
    """

    lam: float = 1e-2
    factor: float = 10.0
    max_tries: int = 30

    def __post_init__(self):
        check_positive("lam", self.lam)
        if not check_finite_scalar("factor", self.factor) > 1:
            raise ValueError(f"factor must be > 1, got {self.factor}")
        check_int("max_tries", self.max_tries, minimum=1)

    def init(self, obj, w):
        """Start a run at ``w``: evaluate E(w) and its gradient; lambda starts at ``lam``.

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The starting weights.

        Returns
        -------
        dict
            The method's state: ``"f"``, ``"g"`` and the current damping ``"lam"``.
        """
        f, g = obj.value_and_grad(w)
        return {"f": f, "g": g, "lam": self.lam}

    def step(self, obj, w, s):
        """One iteration of eq 47: steps with growing lambda until one lowers the cost.

        Parameters
        ----------
        obj : NetworkObjective or FunctionObjective
            The cost to minimise (anything with ``n``, ``counts`` and the evaluation
            methods of :class:`~ebtricks.objective.FunctionObjective`).
        w : ndarray, shape (obj.n,)
            The current weights (not changed).
        s : dict
            The state from :meth:`init` or from the previous step; updated in place.

        Returns
        -------
        w : ndarray, shape (obj.n,)
            The new weights.
        s : dict
            The updated state, with ``"f"``, ``"g"`` and ``"lam"`` at the new weights.

        Raises
        ------
        OptimizationError
            When ``max_tries`` steps all failed to lower the cost (``at_precision_limit``
            when even the first could not lower it by more than float64 resolves).
        ValueError
            When the objective has no Gauss-Newton matrix (a FunctionObjective without
            ``gauss_newton``).
        """

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


@blas_limited
def minimize(obj, w0, method, iterations: int, tol: float = 0.0, record_weights: bool = False,
             progress: bool | None = None):
    """Run a batch method on any objective for ``iterations`` steps (or until the gradient
    norm is <= tol). Returns (w, History); History.cost[k] is the cost after k steps.

    A run that cannot go on raises :class:`OptimizationError` (a failed line search, a
    singular system) or :class:`~ebtricks.sgd.TrainingDiverged`; the exception carries the
    last good weights as ``weights`` and the history up to them as ``history``. A line
    search or a Levenberg-Marquardt step that fails because costs can no longer be told
    apart in float64, or where the gradient has fallen below 1e-8 of its start, ends the
    run as converged (``History.stopped_early``) instead.

    Parameters
    ----------
    obj : NetworkObjective or FunctionObjective
        The cost E(w) and its derivatives.
    w0 : array_like, shape (obj.n,)
        The starting weights (copied, not changed).
    method : batch method
        A :class:`GradientDescent`, :class:`ConjugateGradient`, :class:`BFGS`,
        :class:`LBFGS`, :class:`Newton`, :class:`GaussNewton` or
        :class:`LevenbergMarquardt` (anything with ``init`` and ``step``).
    iterations : int
        Most steps to take, >= 0.
    tol : float, default 0.0
        Stop before a step when the gradient norm is <= tol (>= 0); 0 runs all
        ``iterations`` unless the gradient is exactly 0.
    record_weights : bool, default False
        Keep w0 and the weights after every step in ``History.weights``, shape
        (steps + 1, obj.n).
    progress : bool or None, default None
        A one-line progress report, as for :func:`~ebtricks.sgd.train_sgd`.

    Returns
    -------
    w : ndarray, shape (obj.n,)
        The final weights.
    history : History
        ``cost[k]`` is E after k steps; ``updates`` the steps taken; ``counts`` the
        evaluations of ``obj`` (gradients, values, Hessians, ...), counted since ``obj``
        was made.

    Raises
    ------
    TypeError
        When ``method`` is not a batch method (SGD and SDLM go through :func:`train`).
    ValueError
        When ``iterations`` or ``tol`` is out of range, ``w0`` has the wrong shape, or E or
        its gradient is not finite at w0.
    OptimizationError
        When a step fails (a line search that finds no step, a singular system).
    TrainingDiverged
        When the cost or the weights become NaN or infinite.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> A = np.diag([1.0, 4.0]); b = np.ones(2)
    >>> obj = eb.FunctionObjective(lambda w: 0.5 * w @ A @ w - b @ w, lambda w: A @ w - b, n=2)
    >>> w, h = eb.minimize(obj, np.zeros(2), eb.GradientDescent(eta=0.4), iterations=100,
    ...                    tol=1e-8, record_weights=True)
    >>> np.round(w, 6).tolist(), h.weights.shape == (h.updates + 1, 2), h.updates < 100
    ([1.0, 0.25], True, True)
    """
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

    Parameters
    ----------
    net : Network
        The network to train; its ``params`` change in place.
    X : array_like, shape (P, n_in)
        Training inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Training targets, one row per sample.
    method : method object
        The training method with its settings: :class:`SGD`, :class:`SDLM` (stochastic)
        or one of the batch methods (:class:`GradientDescent`, :class:`ConjugateGradient`,
        :class:`BFGS`, :class:`LBFGS`, :class:`Newton`, :class:`GaussNewton`,
        :class:`LevenbergMarquardt`).
    epochs : int
        Passes over the training set, >= 0; for a batch method, iterations.
    record_weights : bool or {"epoch", "update"}, default False
        Keep weight vectors in ``History.weights``: before training and after every
        epoch (True or "epoch"; for a batch method an epoch is an iteration), or after
        every update ("update", stochastic methods).
    seed : int, numpy.random.Generator or None, default 0
        Stochastic methods only: the seed of the presentation orders (None: fresh
        entropy).
    tol : float, default 0.0
        Batch methods only: stop when the gradient norm is <= tol (>= 0).
    progress : bool or None, default None
        A one-line progress report, as for :func:`~ebtricks.sgd.train_sgd`.
    **kw
        Stochastic methods only: further keywords of :func:`~ebtricks.sgd.train_sgd`
        (``X_val``, ``D_val``, ``patience``, ``track_cost`` (default False: see Returns),
        ``record_every``, ``resume``, ...).

    Returns
    -------
    History
        The run. ``presentations`` counts single-sample gradients (P per batch gradient);
        ``counts`` holds at least ``"gradients"``. A batch method always records
        ``cost`` (the full cost before training and after each iteration, which it
        computes anyway). A stochastic method (SGD, SDLM, Adam) always records the free
        ``online_cost`` and records ``cost`` only with ``track_cost=True`` (one extra
        forward pass over X per epoch); without it, reading ``cost`` raises
        AttributeError (``History.cost_tracked`` is False).

    Raises
    ------
    TypeError
        When ``net`` is not a Network, or keywords ``**kw`` are given to a batch method.
    OptimizationError
        When a batch method cannot make progress; ``net`` is left at the last good weights.
    TrainingDiverged
        When the cost becomes NaN or infinite (or, for SGD, grows far past its start);
        ``net`` is left at the weights the message names.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> for method in (eb.SGD(eta=0.05), eb.ConjugateGradient(), eb.LevenbergMarquardt()):
    ...     h = eb.train(eb.mlp([2, 1], activation="identity"), X, D, method, epochs=5)
    ...     print(type(method).__name__, h.cost_tracked)
    SGD False
    ConjugateGradient True
    LevenbergMarquardt True
    >>> h = eb.train(eb.mlp([2, 1], activation="identity"), X, D, eb.SGD(eta=0.05), epochs=5,
    ...              track_cost=True)
    >>> bool(h.cost[-1] < h.cost[0])
    True
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


# ==== Adam (Kingma & Ba 2015): a descendant of SDLM, for the page epilogue_optimizers ========
@dataclass(frozen=True)
class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1): mini-batch gradient descent in which every
    weight has its own rate, eta divided by a running root mean square of its gradient.

    After each mini-batch gradient g (the mean over the batch), with t counting updates
    from 1:

    * m <- beta1 m + (1 - beta1) g,  v <- beta2 v + (1 - beta2) g**2  (m, v start at 0);
    * m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)  (bias correction);
    * W <- W - eta m_hat / (sqrt(v_hat) + eps).

    Like SDLM (§9.1) it divides a step by a per-weight "diagonal"; SDLM's is a running
    average of second derivatives, Adam's the square root of a running average of squared
    gradients, which needs no second-order pass at all.

    Parameters
    ----------
    eta : float, default 0.001
        The step size eta (alpha in Kingma & Ba), > 0: a weight typically moves by about
        eta per update, whatever the scale of its gradient (m_hat / sqrt(v_hat) is
        scale-free).
    beta1 : float, default 0.9
        Memory of the running mean m of the gradient, 0 <= beta1 < 1 (0: no momentum).
    beta2 : float, default 0.999
        Memory of the running mean v of the squared gradient, 0 <= beta2 < 1.
    eps : float, default 1e-8
        Added to sqrt(v_hat) in the denominator, > 0.
    batch_size : int, default 32
        Samples per update, >= 1; a value above the number of samples P counts as P.
    order : {"shuffle", "sequential"}, default "shuffle"
        The presentation order of each epoch: a fresh permutation, or 0..P-1.

    Raises
    ------
    ValueError
        When a field is out of range (TypeError when a number has the wrong type).

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> h = eb.train(net, X, D, eb.Adam(eta=0.01, batch_size=10), epochs=5, track_cost=True)
    >>> len(h.cost), h.updates, h.counts["gradients"], bool(h.cost[-1] < h.cost[0])
    (6, 50, 500, True)
    >>> h.second_moment.shape                        # v_hat after the last update
    (3,)
    """

    eta: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    batch_size: int = 32
    order: str = "shuffle"

    def __post_init__(self):
        check_positive("eta", self.eta)
        for name in ("beta1", "beta2"):
            if not check_nonnegative(name, getattr(self, name)) < 1:
                raise ValueError(f"{name} must be < 1, got {getattr(self, name)}")
        check_positive("eps", self.eps)
        check_int("batch_size", self.batch_size, minimum=1)
        check_choice("order", self.order, {"sequential", "shuffle"})

    def run(self, net, X, D, epochs, record_weights=False, seed=0, progress=None,
            track_cost=False, diverge_factor=1e6):
        """Train ``net`` in place for ``epochs`` epochs. :func:`train` calls it.

        Parameters
        ----------
        net : Network
            The network to train; its ``params`` change in place.
        X : array_like, shape (P, n_in)
            Training inputs, one row per sample.
        D : array_like, shape (P, n_out)
            Training targets, one row per sample.
        epochs : int
            Passes over the training set, >= 0.
        record_weights : bool or {"epoch"}, default False
            Keep the weights before training and after every epoch in
            ``History.weights``.
        seed : int, numpy.random.Generator or None, default 0
            Seed of the presentation orders; None draws fresh entropy.
        progress : bool or None, default None
            A one-line progress report, as for :func:`~ebtricks.sgd.train_sgd`.
        track_cost : bool, default False
            Also compute the full training cost before training and after every epoch
            (``History.cost``): one extra forward pass over X each, as for
            :func:`~ebtricks.sgd.train_sgd`. ``History.online_cost`` (the mean batch cost
            met during each epoch) is always recorded, free; without ``track_cost``
            reading ``History.cost`` raises AttributeError.
        diverge_factor : float, default 1e6
            Stop with TrainingDiverged when the weights' norm grows past this many times
            its start (or past this many times 1), > 0.

        Returns
        -------
        History
            The run, epoch by epoch, with ``second_moment`` (v_hat after the last update)
            and ``counts`` = {"gradients": single-sample gradients}.

        Raises
        ------
        ValueError
            When ``record_weights`` is not False, True or "epoch".
        TrainingDiverged
            When the cost or the weights become NaN or infinite, or the weights grow past
            ``diverge_factor`` times their start; the weights are those of the start of
            that epoch.
        """
        X, D = net.check_data(X, D)
        epochs = check_int("epochs", epochs, minimum=0)
        check_positive("diverge_factor", diverge_factor)
        if record_weights not in (False, True, "epoch"):
            raise ValueError(f"record_weights must be False, True or 'epoch', got "
                             f"{record_weights!r}")
        rng = make_rng(seed)
        P = X.shape[0]
        b = min(self.batch_size, P)
        w = net.params
        m, v = np.zeros_like(w), np.zeros_like(w)
        w_limit = diverge_factor * max(1.0, float(np.linalg.norm(w)))
        hist = History(cost=[net.cost(X, D)] if track_cost else None)
        records = [w.copy()] if record_weights else None
        bar = Progress("epoch", epochs, progress)
        t, t0 = 0, time.perf_counter()
        for epoch in range(epochs):
            start = w.copy()
            idx = rng.permutation(P) if self.order == "shuffle" else np.arange(P)
            online = 0.0
            for k in range(0, P, b):
                batch = idx[k:k + b]
                E, g = net.gradient(X[batch], D[batch])
                online += E * len(batch)
                t += 1
                m = self.beta1 * m + (1 - self.beta1) * g
                v = self.beta2 * v + (1 - self.beta2) * g * g
                m_hat = m / (1 - self.beta1 ** t)
                v_hat = v / (1 - self.beta2 ** t)
                w -= self.eta * m_hat / (np.sqrt(v_hat) + self.eps)
                hist.updates += 1
                hist.presentations += len(batch)
            if not (np.all(np.isfinite(w)) and np.linalg.norm(w) < w_limit
                    and np.isfinite(online)):
                w[...] = start
                raise TrainingDiverged(f"Adam diverged in epoch {epoch + 1} (eta={self.eta}); "
                                       f"the weights are those of the start of that epoch")
            hist.online_cost.append(online / P)
            hist.eta.append(self.eta)
            if track_cost:
                hist.cost.append(net.cost(X, D))
                if not np.isfinite(hist.cost[-1]):
                    w[...] = start
                    raise TrainingDiverged(f"Adam's cost became {hist.cost[-1]} in epoch "
                                           f"{epoch + 1} (eta={self.eta})")
            if records is not None:
                records.append(w.copy())
            bar.update(epoch + 1, hist.cost[-1] if track_cost else online / P)
        bar.close()
        hist.wall_time = time.perf_counter() - t0
        if records is not None:
            hist.weights = np.array(records)
        hist.second_moment = v_hat if t else v
        hist.counts = {"gradients": hist.presentations}
        return hist


STOCHASTIC = STOCHASTIC + (Adam,)
__all__ += ["Adam"]
