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
    (eq 28) at that optimum. Returns (W (n_out, n_in), b (n_out,), E_min)."""
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
    for centred data, say) would never show that direction diverging."""
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
    converge) and hi (must not). For a quadratic cost the answer is 2 / lambda_max."""
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
    """Epochs of batch gradient descent until E - cost_min <= tol (None if never)."""
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
    ready for ``plt.contour(values_a, values_b, surface)``."""
    X, D = net.check_data(X, D)
    i, j = (check_int("indices[0]", indices[0], 0), check_int("indices[1]", indices[1], 0))
    if max(i, j) >= net.n_params:
        raise ValueError(f"indices must be < n_params ({net.n_params}), got {indices}")
    a = check_array("values_a", values_a, ndim=1)
    b = check_array("values_b", values_b, ndim=1)
    w = net._params_arg(params).copy()
    out = np.empty((b.size, a.size))
    for r, vb in enumerate(b):
        for c, va in enumerate(a):
            w[i], w[j] = va, vb
            out[r, c] = net.cost(X, D, w)
    return out
