"""Stochastic (online) and mini-batch gradient descent with the tricks of §4.

:func:`train_sgd` trains a :class:`~ebtricks.network.Network` in place and returns a
:class:`History`. One *presentation* is one sample through forward, backward and (for
batch size 1) an update, ``W <- W - eta dE_p/dW`` (eq 10 with one sample).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, fields

import numpy as np

from ._engine import sgd as S
from ._validate import (check_array, check_choice, check_int, check_nonnegative,
                        check_positive, check_unit_interval, make_rng)
from ._progress import Progress
from ._threads import blas_limited
from .network import Network

__all__ = ["train_sgd", "History", "Murata", "TrainingDiverged", "presentation_order",
           "class_labels"]


class TrainingDiverged(FloatingPointError):
    """The cost became NaN or infinite during training."""


@dataclass(frozen=True)
class Murata:
    """Murata's adaptive learning rate (§4.7, eqs 17-19).

    r <- (1 - delta) r + delta dE/dW;  eta <- eta + alpha eta (beta ||r|| - eta).
    Far from the minimum the averaged gradient r is long and eta grows towards beta ||r||;
    near it the noisy gradients cancel in r and eta anneals. r is updated after every
    update of the weights, with the mean gradient of that update's batch.

    Parameters
    ----------
    delta : float, default 0.05
        Memory delta of the leaky average r of the gradient, in (0, 1).
    alpha : float, default 0.02
        Adaptation speed alpha of eta, > 0.
    beta : float, default 1.0
        Scale beta, > 0: the rate eta settles where it equals beta ``||r||``.

    Raises
    ------
    ValueError
        When a parameter is out of range.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> h = eb.train_sgd(net, X, D, epochs=3, eta=0.05, murata=eb.Murata(alpha=0.05))
    >>> len(h.eta), h.eta[-1] != 0.05
    (3, True)
    """

    delta: float = 0.05
    alpha: float = 0.02
    beta: float = 1.0

    def __post_init__(self):
        check_unit_interval("murata.delta", self.delta)
        check_positive("murata.alpha", self.alpha)
        check_positive("murata.beta", self.beta)


@dataclass(repr=False)
class History:
    """What a training run did, epoch by epoch. Every method of :func:`ebtricks.train`
    returns one.

    A run fills the fields in; you rarely make a History yourself. Each parameter is also
    the attribute of the same name, and each defaults to empty (an empty list or dict, 0,
    None or False).

    Parameters
    ----------
    cost : list of float, or None
        The full training cost E before training (``cost[0]``) and after each epoch (for a
        batch method, after each iteration). Batch methods always record it (they compute
        E anyway). Stochastic methods (:func:`~ebtricks.sgd.train_sgd`, and :func:`ebtricks.train`
        with ``SGD``, ``SDLM`` or ``Adam``) record it only with ``track_cost=True``, which
        costs one extra forward pass over all of X before training and after every epoch;
        their default leaves it unrecorded (None here). Reading ``cost`` from a History
        that did not record it raises AttributeError, saying so, rather than giving an empty
        list that looks like data; ``cost_tracked`` tells which.
    online_cost : list of float
        Stochastic methods: the mean of E_p over each epoch's presentations, each E_p met
        just before its update, so at weights that change during the epoch. It costs
        nothing and is always recorded: the progress of a run with the default
        ``track_cost=False``. It is not the full cost E at the end of the epoch (early in
        training, when E falls fast, it lies above it).
    val_cost : list of float
        The validation cost before training and after each epoch, when a validation set
        was given.
    eta : list of float
        Stochastic methods: the learning rate at the end of each epoch (it changes with
        ``schedule="inverse_time"`` and with Murata's rule).
    weights : ndarray of shape (n_records, n_params), or None
        With ``record_weights``: the weight vectors recorded, one row each, the first
        being the weights before training.
    presentations : int
        Samples presented, i.e. single-sample gradient evaluations.
    updates : int
        Weight updates made (for online learning, one per presentation).
    wall_time : float
        Seconds spent training.
    best_epoch : int or None
        With a validation set: the epoch of the lowest validation cost.
    stopped_early : bool
        True when early stopping ended the run, or a batch method stopped at a point where
        float64 can no longer tell costs apart.
    counts : dict
        Evaluations by kind (gradients, Hessian-vector products, line-search trials, ...).
    second_derivatives : ndarray or None
        SDLM: its final running estimate of the diagonal second derivatives.

    Histories of runs made one after the other concatenate: ``h1 + h2`` (or
    ``h1.extend(h2)``) continues the per-epoch lists and adds the counts. The result has
    a ``cost`` only when both runs recorded one.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> h1 = eb.train_sgd(net, X, D, epochs=2, eta=0.05, track_cost=True)
    >>> h2 = eb.train_sgd(net, X, D, epochs=3, eta=0.05, resume=h1, track_cost=True)
    >>> h = h1 + h2
    >>> h.epochs, len(h.cost), len(h.online_cost), h.presentations
    (5, 6, 5, 500)

    Without ``track_cost=True`` only the free online cost is there:

    >>> h = eb.train_sgd(net, X, D, epochs=2, eta=0.05)
    >>> h.cost_tracked, len(h.online_cost)
    (False, 2)
    >>> h.cost
    Traceback (most recent call last):
    ...
    AttributeError: History.cost: this run did not record the full training cost ...
    """

    cost: list | None = field(default_factory=list)  # full training cost; None: not recorded
    online_cost: list = field(default_factory=list)   # mean E_p over the epoch's presentations
    val_cost: list = field(default_factory=list)      # validation cost, when given
    eta: list = field(default_factory=list)           # learning rate at the end of each epoch
    weights: np.ndarray | None = None                 # (n_records, n_params) when recorded
    presentations: int = 0                             # samples presented (= gradient evaluations)
    updates: int = 0
    wall_time: float = 0.0
    best_epoch: int | None = None
    stopped_early: bool = False
    counts: dict = field(default_factory=dict)         # evaluations: gradients, H v, line search
    second_derivatives: np.ndarray | None = None       # SDLM's final running estimate

    # ``cost`` is a property (set just after the class): the dataclass __init__ stores the
    # argument through its setter into ``_cost``, and reading it from a run that did not
    # record it raises instead of returning an empty list.
    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = self._cost if f.name == "cost" else getattr(self, f.name)
            text = "<not recorded: track_cost=False>" if value is None and f.name == "cost" \
                else repr(value)
            parts.append(f"{f.name}={text}")
        return f"History({', '.join(parts)})"

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all((self._cost if f.name == "cost" else getattr(self, f.name))
                   == (other._cost if f.name == "cost" else getattr(other, f.name))
                   for f in fields(self))

    @property
    def cost_tracked(self) -> bool:
        """True when ``cost`` was recorded (always for a batch method; for a stochastic
        one, with ``track_cost=True``)."""
        return self._cost is not None

    @property
    def epochs(self) -> int:
        """Epochs run: passes over the training set (for a batch method, iterations)."""
        return max(len(self.online_cost), len(self._cost or ()) - 1, 0)

    def extend(self, later: "History") -> "History":
        """Append the run ``later`` (which started where this one ended) to this one, in
        place. ``h1 + h2`` does the same on a copy of ``h1``.

        Parameters
        ----------
        later : History
            The run that followed this one. Its first ``cost`` and ``val_cost`` entries
            (the costs it started from, which this run already holds as its last) and,
            when both runs recorded weights, its first recorded weights are dropped; its counts are added; its ``best_epoch``
            is renumbered to count from this run's start.

        Returns
        -------
        History
            This History, extended.

        Raises
        ------
        TypeError
            When ``later`` is not a History.
        """
        if not isinstance(later, History):
            raise TypeError(f"later must be a History, got {type(later).__name__}")
        if self._cost == [] and not self.online_cost:     # an empty History takes later's
            self._cost = None if later._cost is None else list(later._cost)
        elif self._cost is None or later._cost is None:   # part of the run did not record it
            self._cost = None
        else:
            self._cost += later._cost[1:] if self._cost else later._cost
        self.online_cost += later.online_cost
        self.val_cost += later.val_cost[1:] if self.val_cost else later.val_cost
        self.eta += later.eta
        if self.weights is not None and later.weights is not None:
            self.weights = np.vstack([self.weights, later.weights[1:]])
        elif later.weights is not None:
            self.weights = later.weights
        self.presentations += later.presentations
        self.updates += later.updates
        self.wall_time += later.wall_time
        self.stopped_early = later.stopped_early
        if later.best_epoch is not None:
            self.best_epoch = later.best_epoch + self.epochs - later.epochs
        for key, n in later.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        if later.second_derivatives is not None:
            self.second_derivatives = later.second_derivatives
        return self

    def __add__(self, later: "History") -> "History":
        import copy
        return copy.deepcopy(self).extend(later)


_NOT_RECORDED = ("History.cost: this run did not record the full training cost (stochastic "
                 "methods record it only with track_cost=True, which costs one extra "
                 "forward pass over X per epoch; train_sgd and eb.train with SGD, SDLM or "
                 "Adam default to False). Pass track_cost=True, or read History.online_cost, "
                 "the free mean of the E_p met during each epoch.")


def _get_cost(self):
    if self._cost is None:
        raise AttributeError(_NOT_RECORDED)
    return self._cost


def _set_cost(self, value):
    self._cost = value


History.cost = property(_get_cost, _set_cost, doc=(
    "The full training cost E before training and after each epoch (see the class "
    "docstring); AttributeError when the run did not record it (``track_cost=False``)."))


def class_labels(D: np.ndarray) -> np.ndarray:
    """Class of each target row: argmax for several outputs, sign for one.

    Parameters
    ----------
    D : ndarray, shape (P, n_out)
        Target rows: one-hot or +-1 vectors, or a single +-1 column.

    Returns
    -------
    ndarray of int64, shape (P,)
        The index of each row's largest entry; with one column, 1 where it is > 0 and 0
        elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> class_labels(np.array([[-1.0, 1.0], [1.0, -1.0]])).tolist()
    [1, 0]
    """
    return (D[:, 0] > 0).astype(np.int64) if D.shape[1] == 1 else np.argmax(D, axis=1)


ORDERS = ("sequential", "shuffle", "alternate", "emphasize")


def _check_emphasis(emphasis) -> int:
    """How many times "emphasize" presents an above-mean sample: a whole number >= 1."""
    if isinstance(emphasis, bool) or not isinstance(emphasis, (int, float, np.integer,
                                                                np.floating)):
        raise TypeError(f"emphasis must be a whole number >= 1, got {emphasis!r}")
    if not (emphasis >= 1 and float(emphasis).is_integer()):
        raise ValueError(f"emphasis must be a whole number >= 1 (presentations per epoch of "
                         f"a sample with an above-mean cost), got {emphasis!r}")
    return int(emphasis)


def presentation_order(order: str, n: int, rng, labels=None, errors=None,
                       emphasis: int = 2) -> np.ndarray:
    """Indices of the samples presented in one epoch (§4.2).

    * "sequential": 0..n-1 every epoch;
    * "shuffle": a fresh uniform permutation each epoch;
    * "alternate": shuffled within each class, then classes taken in turn, so that
      successive samples come from different classes as long as every class has samples
      left (with unequal classes, the largest ones end the epoch on their own);
    * "emphasize": shuffled, with samples whose previous-epoch error was above the mean
      presented ``emphasis`` times instead of once.

    Parameters
    ----------
    order : {"sequential", "shuffle", "alternate", "emphasize"}
        The rule, as above.
    n : int
        Number of samples P.
    rng : numpy.random.Generator
        Draws the permutations.
    labels : ndarray of shape (n,), optional
        Class of each sample; needed by "alternate", ignored otherwise.
    errors : ndarray of shape (n,), optional
        Each sample's cost E_p after the previous epoch, for "emphasize"; None (the first
        epoch) gives a plain shuffle.
    emphasis : int, default 2
        Presentations per epoch of a sample with an above-mean error under "emphasize",
        a whole number >= 1 (1 is a plain shuffle).

    Returns
    -------
    ndarray of int64
        The sample indices in presentation order: n of them, or more under "emphasize".

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> presentation_order("sequential", 4, rng).tolist()
    [0, 1, 2, 3]
    >>> labels = np.array([0, 0, 1, 1])
    >>> [int(labels[i]) for i in presentation_order("alternate", 4, rng, labels)]
    [0, 1, 0, 1]
    """
    check_choice("order", order, set(ORDERS))
    return _order(order, n, rng, labels, errors, _check_emphasis(emphasis))


def _order(order, n, rng, labels, errors, k):
    """presentation_order without the checks (train_sgd checks once, then calls this every
    epoch)."""
    if order == "sequential":
        return np.arange(n, dtype=np.int64)
    if order == "shuffle":
        return rng.permutation(n).astype(np.int64)
    if order == "alternate":
        groups = [rng.permutation(np.flatnonzero(labels == c)) for c in np.unique(labels)]
        out = []
        for i in range(max(len(g) for g in groups)):
            out.extend(int(g[i]) for g in groups if i < len(g))
        return np.asarray(out, dtype=np.int64)
    # emphasize
    if errors is None:
        return rng.permutation(n).astype(np.int64)
    reps = np.where(errors > errors.mean(), k, 1)
    return rng.permutation(np.repeat(np.arange(n), reps)).astype(np.int64)


def _rates(net: Network, rates) -> np.ndarray:
    """Per-weight multipliers of eta: none, the fan-in rule, per layer, or per weight."""
    if rates is None:
        return np.empty(0)
    if isinstance(rates, str):
        check_choice("rates", rates, {"fan_in", "shared", "fan_in_shared"})
        # §4.7: eta_i proportional to 1/sqrt(fan-in) of the unit the weight feeds, and for a
        # shared weight to sqrt(number of connections sharing it), since its gradient is a
        # sum of that many roughly independent terms. Multipliers are 1 for a weight on a
        # single-input unit that nothing shares.
        out = np.ones(net.n_params)
        if rates in ("fan_in", "fan_in_shared"):
            out /= np.sqrt(net.fan_in_of_param())
        if rates in ("shared", "fan_in_shared"):
            out *= np.sqrt(net.sharing_of_param())
        return out
    keep32 = isinstance(rates, np.ndarray) and rates.dtype == np.float32
    arr = check_array("rates", rates, ndim=1)
    if keep32:  # float32 rates halve the memory traffic of the per-weight update (SDLM uses it)
        arr = arr.astype(np.float32)
    if arr.shape[0] == len(net.layers):
        arr = arr[net.layer_of_param()]
    elif arr.shape[0] != net.n_params:
        raise ValueError(f"rates must have one entry per layer ({len(net.layers)}) or per "
                         f"weight ({net.n_params}), got {arr.shape[0]}")
    if np.any(arr < 0):
        raise ValueError("rates must be >= 0")
    return arr


@blas_limited
def train_sgd(net: Network, X, D, *, epochs: int, eta: float, batch_size: int = 1,
              order: str = "shuffle", schedule: str = "constant", tau: float | None = None,
              momentum: float = 0.0, rates=None, murata: Murata | None = None,
              record_weights: bool | str = False, record_every: int = 1, track_cost: bool = False,
              X_val=None, D_val=None, patience: int | None = None, emphasis: int = 2,
              diverge_factor: float = 1e6, seed: int | None = 0,
              resume: History | None = None, progress: bool | None = None) -> History:
    """Train ``net`` in place by stochastic or mini-batch gradient descent.

    Parameters
    ----------
    net : Network
        The network to train; its ``params`` change in place.
    X : array_like, shape (P, n_in)
        Training inputs, one row per sample (a 1-D X is one sample).
    D : array_like, shape (P, n_out)
        Training targets, one row per sample (with one output a 1-D D of length P is one
        column).
    epochs : int
        Passes over the training set, >= 0. Keyword-only, like every argument after D.
    eta : float
        Base learning rate eta, > 0; with ``murata`` it is the starting rate.
    batch_size : int, default 1
        Samples per update, >= 1: 1 for online learning (§4.1), P for batch gradient
        descent, or between (mini-batches). A value above P counts as P; an epoch's last
        batch may be smaller. An update uses the mean gradient of its batch.
    order : {"shuffle", "sequential", "alternate", "emphasize"}, default "shuffle"
        Presentation order (§4.2): a fresh shuffle each epoch, 0..P-1, classes in turn, or
        shuffled with large-error samples repeated (see :func:`presentation_order`).
    schedule : {"constant", "inverse_time"}, default "constant"
        "inverse_time": eta_t = eta / (1 + t/tau), the c/t schedule of eq 12 with
        c = eta tau, t counting updates.
    tau : float or None, default None
        Updates after which the annealed rate has halved, > 0. Needed by
        ``schedule="inverse_time"``, ignored otherwise.
    momentum : float, default 0.0
        mu in Delta w(t+1) = eta dE/dw + mu Delta w(t) (§4.7), 0 <= mu < 1.
    rates : None, str or array_like, default None
        Per-weight multipliers of eta. None: all 1. "fan_in": 1/sqrt(m), m the fan-in of
        the unit the weight feeds (§4.7). "shared": the square root of the number of
        connections sharing the weight (§4.7). "fan_in_shared": both. An array of
        non-negative numbers: one per layer, or one per weight (a float32 array is kept in
        float32, which makes the online update faster).
    murata : Murata or None, default None
        Adapt eta by Murata's rule (eqs 17-19); None keeps the rate of ``schedule``.
    record_weights : bool or {"epoch", "update"}, default False
        Keep weight vectors in ``History.weights``: True or "epoch" before training and
        after every epoch (``epochs + 1`` rows); "update" before training and after every
        ``record_every`` updates (a trajectory: one row per sample in online learning,
        8 * n_params bytes each).
    record_every : int, default 1
        With ``record_weights="update"``: updates between two recorded vectors, >= 1.
    track_cost : bool, default False
        What the run records of the cost. Always, at no extra cost, ``History.online_cost``:
        the mean of the E_p met during each epoch, each just before its update (so at
        weights that change within the epoch). With True, also ``History.cost``: the full
        training cost E before training and at the end of every epoch, at fixed weights.
        Those are not taken from the online pass: each is an extra forward pass over all of
        X, for a dense net about a third of an online epoch's work (one before training
        plus one per epoch, so a run of one epoch per call pays about two thirds more;
        order="emphasize" reuses the per-sample costs it computes anyway after each epoch;
        ``benchmarks/bench_sgd.py`` prints samples/s with and without). The default,
        False, records only ``online_cost``, and reading ``History.cost`` then raises
        AttributeError saying so.
    X_val : array_like of shape (P_val, n_in), optional
        Validation inputs. With ``D_val``, the validation cost is recorded before training
        and after every epoch, with the epoch of its lowest value (§2).
    D_val : array_like of shape (P_val, n_out), optional
        Validation targets; give both or neither of X_val and D_val.
    patience : int or None, default None
        Early stopping (§2), >= 1, needs X_val and D_val: stop when the validation cost
        has not improved for ``patience`` epochs. Whether or not the run stopped early,
        the weights of the lowest validation cost are restored at the end. None never
        stops early and restores nothing.
    emphasis : int, default 2
        With order="emphasize": presentations per epoch of a sample whose cost is above
        the mean, a whole number >= 1.
    diverge_factor : float, default 1e6
        An epoch whose mean cost exceeds this many times max(1, starting cost), or after
        which the weights' norm exceeds this many times max(1, its starting value), counts
        as diverged, long before the numbers overflow (the second test catches a bounded
        cost, such as mse on sigmoid outputs, that cannot grow). With
        ``track_cost=False`` (the default) the starting cost is not computed: the first
        epoch's mean online cost stands in for it, so the cost test starts with the
        second epoch (the first is checked for NaN or infinity and for the weights'
        norm only; with full-batch descent that mean is exactly the starting cost). A
        loop of one-epoch calls therefore never applies the cost test: pass
        ``track_cost=True`` there if you rely on it. > 0.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the presentation order: an integer, None (fresh entropy), or a
        ``numpy.random.Generator`` (pass the same generator to successive calls to
        continue one stream of orders).
    resume : History or None, default None
        The History of an earlier call on this net: the c/t schedule (and Murata's rate)
        continue from where that run stopped instead of starting again.
    progress : bool or None, default None
        True or False shows or hides a one-line report (epoch, cost, time left) rewritten
        in place; None shows it once a run has taken 2 seconds (the environment variable
        EBTRICKS_PROGRESS=0 turns that off, as the tests and the book build do).

    Returns
    -------
    History
        The run: ``online_cost`` and ``eta`` per epoch, ``cost`` with
        ``track_cost=True``, ``val_cost`` and ``best_epoch`` with a validation set,
        ``weights`` with ``record_weights``.

    Notes
    -----
    Plain online SGD (batch_size=1, no momentum, no Murata, no recording) on an all-dense
    network runs a kernel that updates the first layer's weights once per block of four
    samples (two with rates that vary along a row of W) and corrects each sample's forward
    pass exactly for the updates its block has not applied yet. The weights after every
    epoch are those of one update per sample, up to rounding (tests compare them with a
    plain per-sample implementation to 1e-12); the kernel is just faster.

    Raises
    ------
    TrainingDiverged
        When the cost becomes NaN or infinite, or the epoch's mean cost or the weights'
        norm grows past ``diverge_factor`` times its start; the weights are restored to
        their values at the start of that epoch.
    ValueError
        When an argument is out of range or inconsistent (X and D of different lengths,
        ``schedule="inverse_time"`` without tau, patience without a validation set, only
        one of X_val and D_val).
    TypeError
        When ``net`` is not a Network, ``murata`` not a Murata, ``resume`` not a History,
        or a count not an integer.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> h = eb.train_sgd(net, X, D, epochs=5, eta=0.05)
    >>> len(h.online_cost), h.online_cost[-1] < h.online_cost[0]
    (5, True)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> h = eb.train_sgd(net, X, D, epochs=5, eta=0.05, track_cost=True)
    >>> len(h.cost), h.cost[-1] < h.cost[0]
    (6, True)
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    X, D = net.check_data(X, D)
    P = X.shape[0]
    epochs = check_int("epochs", epochs, minimum=0)
    eta = check_positive("eta", eta)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    batch_size = min(batch_size, P)
    check_choice("order", order, set(ORDERS))
    check_choice("schedule", schedule, {"constant", "inverse_time"})
    sched = S.INVERSE_TIME if schedule == "inverse_time" else S.CONSTANT
    if sched == S.INVERSE_TIME:
        if tau is None:
            raise ValueError("schedule='inverse_time' needs tau (updates before eta halves)")
        tau = check_positive("tau", tau)
    else:
        tau = 1.0
    momentum = check_nonnegative("momentum", momentum)
    if momentum >= 1:
        raise ValueError(f"momentum must be < 1, got {momentum}")
    if murata is not None and not isinstance(murata, Murata):
        raise TypeError(f"murata must be a Murata(...) or None, got {type(murata).__name__}")
    record_every = check_int("record_every", record_every, minimum=1)
    if isinstance(record_weights, str):
        check_choice("record_weights", record_weights, {"epoch", "update"})
    elif not isinstance(record_weights, (bool, np.bool_)):
        raise TypeError(f"record_weights must be True, False, 'epoch' or 'update', got "
                        f"{type(record_weights).__name__}")
    per_update = record_weights == "update"
    per_epoch = record_weights is True or record_weights == "epoch"
    k_emphasis = _check_emphasis(emphasis)
    eta_vec = _rates(net, rates)
    has_val = X_val is not None or D_val is not None
    if has_val:
        if X_val is None or D_val is None:
            raise ValueError("give both X_val and D_val for early stopping")
        X_val, D_val = net.check_data(X_val, D_val, "X_val", "D_val")
    if patience is not None:
        patience = check_int("patience", patience, minimum=1)
        if not has_val:
            raise ValueError("patience needs a validation set (X_val, D_val)")
    labels = class_labels(D) if order == "alternate" else None

    rng = make_rng(seed)
    mur = murata or Murata()
    traj_rows = (epochs * math.ceil(P * (emphasis if order == "emphasize" else 1) / batch_size)
                 // record_every + 1) if per_update else (epochs + 1 if per_epoch else 0)
    run = S.Epochs(net, S.Rate(float(eta), sched, float(tau)), eta_vec,
                   S.Step(batch_size, float(momentum)),
                   S.MurataRule(murata is not None, float(mur.delta), float(mur.alpha),
                                float(mur.beta)),
                   eta, traj_rows, record_every if per_update else 0)
    if per_update or per_epoch:
        run.record()

    check_positive("diverge_factor", diverge_factor)
    # a bounded cost (mse on sigmoid outputs) cannot blow up: runaway weights show divergence
    w_limit = diverge_factor * max(1.0, float(np.linalg.norm(net.params)))
    hist = History(cost=[net.cost(X, D)] if track_cost else None)
    # the divergence threshold scales with the starting cost (or, untracked, the first epoch's)
    limit = diverge_factor * max(1.0, hist.cost[0]) if track_cost else np.inf
    if has_val:
        hist.val_cost.append(net.cost(X_val, D_val))
    best = (hist.val_cost[0], net.params.copy(), 0) if has_val else None
    errors = None
    t = 0
    if resume is not None:
        if not isinstance(resume, History):
            raise TypeError(f"resume must be the History of an earlier run, got "
                            f"{type(resume).__name__}")
        t = resume.updates
        if murata is not None and resume.eta:
            run.eta_state[0] = resume.eta[-1]
    t_start = time.perf_counter()
    bar = Progress("epoch", epochs, progress)
    try:
        for epoch in range(1, epochs + 1):
            idx = _order(order, P, rng, labels, errors, k_emphasis)
            losses = np.empty(idx.size)
            start = net.params.copy()
            status, updates = run.run(X, D, idx, t, losses)
            mean_loss = float(losses.sum()) / losses.size if status < 0 else np.inf
            with np.errstate(over="ignore", invalid="ignore"):
                w_norm = math.sqrt(float(net.params @ net.params))
            # a NaN or Inf weight makes w_norm NaN or Inf, which fails both tests below
            if (status >= 0 or not mean_loss <= limit or not math.isfinite(w_norm)
                    or not w_norm <= w_limit):
                net.params[...] = start
                if status >= 0:
                    what = f"at presentation {status + 1} of epoch {epoch}: the cost became {losses[status]}"
                elif mean_loss <= limit and not w_norm <= w_limit:
                    why = ("the first epoch's cost has no starting cost to compare with, as "
                           "track_cost=False does not compute one" if math.isinf(limit) else
                           "the cost may be bounded, as mse on sigmoid outputs is, so it "
                           "cannot show the divergence")
                    what = (f"in epoch {epoch}: the weights' norm grew to {w_norm:.3g}, over "
                            f"{diverge_factor:g} times its start ({why})")
                else:
                    what = (f"in epoch {epoch}: its mean cost {mean_loss:.3g} is over "
                            f"{diverge_factor:g} times the starting cost")
                raise TrainingDiverged(
                    f"training diverged {what}. "
                    f"The weights were restored to their values at the start of epoch {epoch}. "
                    f"Lower eta (it was {eta:g}{', adapted to %g' % run.eta_state[0] if murata else ''}).")
            if epoch == 1 and not track_cost:
                limit = diverge_factor * max(1.0, mean_loss)
            t += updates
            hist.presentations += idx.size
            hist.updates += updates
            hist.online_cost.append(mean_loss)
            if per_epoch:
                run.record()
            hist.eta.append(run.eta(t))
            if order == "emphasize":
                errors = net.sample_costs(X, D)
            if track_cost:
                hist.cost.append(float(np.mean(errors)) if order == "emphasize"
                                 else net.cost(X, D))
            bar.update(epoch, hist.cost[-1] if track_cost else mean_loss)
            if has_val:
                v = net.cost(X_val, D_val)
                hist.val_cost.append(v)
                if v < best[0]:
                    best = (v, net.params.copy(), epoch)
                elif patience is not None and epoch - best[2] >= patience:
                    hist.stopped_early = True
                    break
    finally:
        bar.close()
    hist.wall_time = time.perf_counter() - t_start
    if has_val:
        hist.best_epoch = best[2]
        if patience is not None:
            net.params[...] = best[1]
    if per_update or per_epoch:
        hist.weights = run.trajectory()
    return hist
