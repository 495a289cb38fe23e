"""Measurements the chapters make of a training problem: where batch gradient descent stops
converging, how many epochs it takes, the least-squares optimum of a linear network, and
the cost over a plane of two weights (for contour plots)."""
from __future__ import annotations

import numpy as np

from ._validate import check_array, check_int, check_positive
from .network import Network
from .sgd import TrainingDiverged, train_sgd

__all__ = ["lms_solution", "batch_descent_converges", "largest_stable_rate",
           "epochs_to_converge", "cost_surface"]


def lms_solution(X, D):
    """Least-squares weights and bias of a linear network and its cost E = 1/(2P) sum ||d - y||^2
    (eq 28) at that optimum. Returns (W (n_out, n_in), b (n_out,), E_min).

    Parameters
    ----------
    X : array_like, shape (P, n_in)
        Inputs.
    D : array_like, shape (P, n_out)
        Targets.

    Returns
    -------
    W : ndarray, shape (n_out, n_in)
        The optimal weights.
    b : ndarray, shape (n_out,)
        The optimal biases.
    E_min : float
        The mse cost at (W, b).

    Raises
    ------
    ValueError
        When X and D are not 2-D with the same number of rows.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0]]); D = 2 * X + 1
    >>> W, b, E = lms_solution(X, D)
    >>> np.round(W, 6).tolist(), np.round(b, 6).tolist(), round(E, 12)
    ([[2.0]], [1.0], 0.0)
    """
    X = check_array("X", X, ndim=2)
    D = check_array("D", D, ndim=2)
    if D.shape[0] != X.shape[0]:
        raise ValueError(f"D must have {X.shape[0]} rows like X, got {D.shape[0]}")
    Xa = np.column_stack([X, np.ones(X.shape[0])])
    coef, *_ = np.linalg.lstsq(Xa, D, rcond=None)
    R = Xa @ coef - D
    return coef[:-1].T.copy(), coef[-1].copy(), 0.5 * float(np.mean(np.sum(R * R, axis=1)))


def batch_descent_converges(net: Network, X, D, eta: float, epochs: int = 400, rates=None,
                            start=None, seed: int | None = 0) -> bool:
    """Does batch gradient descent at rate ``eta`` still converge after ``epochs`` epochs?

    It starts from ``start``, by default the net's weights plus a seeded standard-normal
    offset: a start that happens to sit on the minimum along some direction (a bias at 0
    for centred data, say) would never show that direction diverging. The run converges
    when it does not diverge and the gradient still shrinks over one more step at the end.

    Parameters
    ----------
    net : Network
        The network; it is not changed (the runs train a copy).
    X : array_like, shape (P, n_inputs)
        Training inputs.
    D : array_like, shape (P, n_outputs)
        Training targets.
    eta : float
        The learning rate tried, > 0.
    epochs : int, default 400
        Epochs of batch gradient descent.
    rates : array_like, optional
        Per-weight multipliers of eta, one per layer or per weight, as in
        :func:`~ebtricks.sgd.train_sgd`; None (the default) uses eta for every weight.
    start : array_like of shape (n_params,), optional
        Starting weights; None (the default) offsets the net's weights as described above.
    seed : int or None, default 0
        Seed of that offset.

    Returns
    -------
    bool
        True when the run converges.

    Examples
    --------
    The Hessian of this linear net has largest eigenvalue 1, so eta_max = 2:

    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> batch_descent_converges(net, X, D, 1.9), batch_descent_converges(net, X, D, 2.1)
    (True, False)
    """
    trial = net.copy()
    if start is not None:
        trial.set_params(start)
    else:
        trial.params += np.random.default_rng(seed).standard_normal(net.n_params)
    try:
        train_sgd(trial, X, D, epochs=epochs, eta=eta, batch_size=X.shape[0], rates=rates,
                  order="sequential", diverge_factor=1e12, track_cost=False)
    except TrainingDiverged:
        return False
    # On a quadratic each eigen-component of the step shrinks or grows geometrically, by
    # |1 - eta lambda_i| per epoch, and after many epochs a growing one dominates: so the run
    # converges iff its steps still shrink at the end.
    scale = 1.0 if rates is None else check_array("rates", rates, ndim=1)
    if np.ndim(scale) and scale.shape[0] == len(net.layers):
        scale = scale[net.layer_of_param()]
    g1 = scale * trial.gradient(X, D)[1]
    g2 = scale * trial.gradient(X, D, trial.params - eta * g1)[1]
    n1, n2 = np.linalg.norm(g1), np.linalg.norm(g2)
    return bool(np.isfinite(n2) and (n2 <= n1 or n2 < 1e-12))


def largest_stable_rate(net: Network, X, D, lo: float = 1e-3, hi: float = 10.0,
                        epochs: int = 400, iters: int = 40, rates=None, start=None,
                        seed: int | None = 0) -> float:
    """eta_max measured: bisection on :func:`batch_descent_converges` between lo (must
    converge) and hi (must not). For a quadratic cost the answer is 2 / lambda_max.

    Parameters
    ----------
    net : Network
        The network; it is not changed (the runs train a copy).
    X : array_like, shape (P, n_inputs)
        Training inputs.
    D : array_like, shape (P, n_outputs)
        Training targets.
    lo : float, default 1e-3
        A rate at which batch descent converges, > 0.
    hi : float, default 10.0
        A rate at which it does not, > lo.
    epochs : int, default 400
        Epochs per trial run.
    iters : int, default 40
        Bisection steps, >= 1.
    rates : array_like, optional
        Per-weight multipliers of eta, one per layer or per weight, as in
        :func:`~ebtricks.sgd.train_sgd`; None (the default) uses eta for every weight.
    start : array_like of shape (n_params,), optional
        Starting weights; None offsets the net's weights (see :func:`batch_descent_converges`).
    seed : int or None, default 0
        Seed of that offset.

    Returns
    -------
    float
        The middle of the final bracket.

    Raises
    ------
    ValueError
        When hi <= lo, when descent does not converge at lo, or when it still converges
        at hi.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> round(largest_stable_rate(net, X, D, lo=1.0, hi=3.0, iters=12), 2)
    2.0
    """
    lo, hi = check_positive("lo", lo), check_positive("hi", hi)
    if not hi > lo:
        raise ValueError(f"hi ({hi}) must exceed lo ({lo})")
    iters = check_int("iters", iters, minimum=1)
    if not batch_descent_converges(net, X, D, lo, epochs, rates, start, seed):
        raise ValueError(f"batch descent does not converge even at lo={lo}")
    if batch_descent_converges(net, X, D, hi, epochs, rates, start, seed):
        raise ValueError(f"batch descent still converges at hi={hi}; raise hi")
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if batch_descent_converges(net, X, D, mid, epochs, rates, start, seed):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def epochs_to_converge(net: Network, X, D, eta: float, cost_min: float, tol: float = 1e-6,
                       max_epochs: int = 100_000, rates=None, start=None):
    """Epochs of batch gradient descent until E - cost_min <= tol (None if never).

    Parameters
    ----------
    net : Network
        The network; it is not changed (the runs train a copy).
    X : array_like, shape (P, n_inputs)
        Training inputs.
    D : array_like, shape (P, n_outputs)
        Training targets.
    eta : float
        The learning rate, > 0.
    cost_min : float
        The minimum cost (e.g. ``lms_solution(X, D)[2]``).
    tol : float, default 1e-6
        How close to cost_min counts as converged, > 0.
    max_epochs : int, default 100000
        Most epochs to try, >= 1.
    rates : array_like, optional
        Per-weight multipliers of eta, one per layer or per weight, as in
        :func:`~ebtricks.sgd.train_sgd`; None (the default) uses eta for every weight.
    start : array_like of shape (n_params,), optional
        Starting weights; None (the default) starts from the net's weights.

    Returns
    -------
    int or None
        The first epoch after which E - cost_min <= tol (0 if it already is at the
        start), or None if that does not happen within max_epochs or the run diverges.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> E_min = lms_solution(X, D)[2]
    >>> epochs_to_converge(net, X, D, 1.0, E_min) < epochs_to_converge(net, X, D, 0.5, E_min)
    True
    """
    tol = check_positive("tol", tol)
    max_epochs = check_int("max_epochs", max_epochs, minimum=1)
    trial = net.copy()
    if start is not None:
        trial.set_params(start)
    done, chunk = 0, 200
    if trial.cost(X, D) - cost_min <= tol:
        return 0
    while done < max_epochs:
        n = min(chunk, max_epochs - done)
        try:
            # In a batch epoch every sample's loss is taken at the epoch's starting weights,
            # so online_cost[k] is E after k epochs of this chunk: no extra pass per epoch.
            h = train_sgd(trial, X, D, epochs=n, eta=eta, batch_size=X.shape[0], rates=rates,
                          order="sequential", track_cost=False)
        except TrainingDiverged:
            return None
        costs = np.append(np.asarray(h.online_cost[1:]), trial.cost(X, D))
        hit = np.flatnonzero(costs - cost_min <= tol)
        if hit.size:
            return done + int(hit[0]) + 1
        done += n
        chunk = min(2 * chunk, 5000)     # grow, but overshoot the answer by little
    return None


def cost_surface(net: Network, X, D, indices, values_a, values_b, params=None) -> np.ndarray:
    """E over a grid of two parameters (the others fixed): shape (len(values_b), len(values_a)),
    ready for ``plt.contour(values_a, values_b, surface)``.

    Parameters
    ----------
    net : Network
        The network; it is not changed.
    X : array_like, shape (P, n_inputs)
        Inputs.
    D : array_like, shape (P, n_outputs)
        Targets.
    indices : pair of int
        The positions i, j in ``params`` of the two parameters that vary.
    values_a : array_like, shape (A,)
        The values of parameter i (the columns).
    values_b : array_like, shape (B,)
        The values of parameter j (the rows).
    params : array_like of shape (n_params,), optional
        The fixed values of the other parameters; None (the default) uses ``net.params``.

    Returns
    -------
    ndarray, shape (B, A)
        E at every grid point.

    Raises
    ------
    ValueError
        When an index is not below n_params.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> cost_surface(net, X, D, (0, 1), np.linspace(-1, 1, 5), np.linspace(-1, 1, 3)).shape
    (3, 5)
    """
    X, D = net.check_data(X, D)
    i, j = (check_int("indices[0]", indices[0], 0), check_int("indices[1]", indices[1], 0))
    if max(i, j) >= net.n_params:
        raise ValueError(f"indices must be < n_params ({net.n_params}), got {indices}")
    a = check_array("values_a", values_a, ndim=1)
    b = check_array("values_b", values_b, ndim=1)
    w = net.params_or(params).copy()
    out = np.empty((b.size, a.size))
    for r, vb in enumerate(b):
        for c, va in enumerate(a):
            w[i], w[j] = va, vb
            out[r, c] = net.cost(X, D, w)
    return out
