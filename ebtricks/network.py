"""Networks: a stack of modules X_n = F_n(W_n, X_{n-1}) (§3) over one flat parameter vector.

Each layer owns a slice of ``Network.params``; ``net.weights(i)`` and ``net.bias(i)`` are
*views* into it, so changing one changes the network. The numerical work is done by the
private engine (:mod:`ebtricks._engine`), which sees the network as the tables of
:mod:`ebtricks._engine.layout`.
"""
from __future__ import annotations

import numpy as np

from . import _engine as engine
from ._engine import layout
from ._validate import check_array, check_choice, check_int, check_positive, make_rng
from .activations import CODES as ACTIVATIONS
from .layers import RBF, Conv2D, Dense, Subsample

LOSSES = engine.LOSSES

__all__ = ["Dense", "Conv2D", "Subsample", "RBF", "Network", "mlp", "init_rbf_from_data"]
LAYER_TYPES = (Dense, Conv2D, Subsample, RBF)


class Network:
    """A feed-forward network over one flat float64 parameter vector.

    Parameters
    ----------
    layers : sequence of Dense, Conv2D, Subsample or RBF
        The layers, input side first; each layer's ``n_in`` must equal the previous
        layer's ``n_out``.
    loss : {"mse", "softmax_ce"}, default "mse"
        The cost: "mse" is the paper's E = 1/(2P) sum ``||d - y||^2``; "softmax_ce" is
        the cross-entropy of a softmax of the outputs, for targets that are probabilities.
    init : {"lecun", "normal", "glorot", "he"}, default "lecun"
        How :meth:`init_weights` draws the weights: "lecun" uniformly, "normal" from a
        normal distribution, both with mean 0 and standard deviation
        ``init_scale * m**-0.5`` where m is the fan-in (eqs 15-16); "glorot" (Glorot &
        Bengio 2010) and "he" (He et al. 2015) from normal distributions with mean 0 and
        variance ``init_scale**2 * 2 / (fan_in + fan_out)`` and
        ``init_scale**2 * 2 / fan_in`` (see :meth:`init_weights` for fan-in and fan-out).
        Biases start at 0; an RBF layer gets standard-normal centres and widths ``sigma``.
    init_scale : float, default 1.0
        Multiplier on that standard deviation, > 0 ("too small" / "too large" contrasts).
    seed : int, numpy.random.Generator or None, default 0
        Seed of the initial weights; None draws fresh entropy.

    Raises
    ------
    ValueError
        When ``layers`` is empty, two layers' sizes do not match, or an option is unknown.
    TypeError
        When an element of ``layers`` is not a layer spec.

    Examples
    --------
    >>> net = Network([Dense(2, 3), Dense(3, 1, "identity")], seed=0)
    >>> net.n_params, net.weights(0).shape
    (13, (3, 2))
    """

    def __init__(self, layers, loss: str = "mse", init: str = "lecun",
                 init_scale: float = 1.0, seed: int | None = 0):
        layers = list(layers)
        if not layers:
            raise ValueError("layers must hold at least one layer")
        for i, layer in enumerate(layers):
            if not isinstance(layer, LAYER_TYPES):
                raise TypeError(f"layers[{i}] must be a layer spec (Dense, Conv2D, Subsample, "
                                f"RBF), got {type(layer).__name__}")
            if i and layer.n_in != layers[i - 1].n_out:
                raise ValueError(f"layers[{i}] takes n_in={layer.n_in} inputs but layers[{i - 1}] "
                                 f"gives n_out={layers[i - 1].n_out}")
        self.layers = tuple(layers)
        self.loss = check_choice("loss", loss, LOSSES)
        self.loss_code = LOSSES[loss]
        self.table, self.layer_floats, self.aux = layout.build(self.layers, ACTIVATIONS)
        self._params = np.zeros(self.n_params)
        self.init_weights(init, init_scale, seed)

    @property
    def params(self) -> np.ndarray:
        """All weights and biases in one float64 vector (``net.weights(i)`` and
        ``net.bias(i)`` are views into it). Assigning ``net.params = v`` copies ``v`` in
        after checking it: it must hold exactly ``n_params`` finite real numbers."""
        return self._params

    @params.setter
    def params(self, value):
        self._params[...] = check_array("params", value, shape=(self.n_params,))

    # --- structure ----------------------------------------------------------------------
    @property
    def n_params(self) -> int:
        """Number of weights and biases, the length of ``params``."""
        return sum(layer.n_params for layer in self.layers)

    @property
    def n_inputs(self) -> int:
        """Inputs per sample: the first layer's ``n_in``."""
        return self.layers[0].n_in

    @property
    def n_outputs(self) -> int:
        """Outputs per sample: the last layer's ``n_out``."""
        return self.layers[-1].n_out

    def offsets(self):
        """(weight offset, bias offset, n_out, n_in) of every layer in the flat vector.

        Returns
        -------
        list of tuple of int
            One tuple per layer: where its weights and its biases start in ``params``, its
            outputs and its inputs.
        """
        return [(int(r[layout.W_OFF]), int(r[layout.B_OFF]), int(r[layout.N_OUT]), int(r[layout.N_IN]))
                for r in self.table]

    def summary(self) -> dict:
        """Units per layer, connections and free parameters (as the paper counts them:
        a connection is a multiply-add of the forward pass, biases included).

        Returns
        -------
        dict
            ``"units"`` (list: inputs, then each layer's outputs), ``"connections"``
            (int), ``"free_parameters"`` (int) and ``"layers"`` (one line of text per
            layer).

        Examples
        --------
        >>> mlp([2, 3, 1]).summary()["units"]
        [2, 3, 1]
        """
        return {"units": [self.layers[0].n_in] + [l.n_out for l in self.layers],
                "connections": sum(l.connections for l in self.layers),
                "free_parameters": self.n_params,
                "layers": [f"{type(l).__name__}: {l.n_in} -> {l.n_out}, "
                           f"{l.connections} connections, {l.n_params} parameters"
                           for l in self.layers]}

    def _layer_index(self, i):
        i = check_int("layer", i)
        if not -len(self.layers) <= i < len(self.layers):
            raise IndexError(f"layer {i} out of range for {len(self.layers)} layers")
        return i % len(self.layers)

    def weights(self, i: int) -> np.ndarray:
        """View of layer i's weights inside ``params``: the matrix W (n_out, n_in) of a
        Dense layer, the centres (n_out, n_in) of an RBF layer, and the flat vector of
        kernels or coefficients of a shared-weight layer.

        Parameters
        ----------
        i : int
            The layer's index; negative values count from the end.

        Returns
        -------
        ndarray
            A view: writing to it changes the network.

        Raises
        ------
        IndexError
            When there is no layer i.
        """
        i = self._layer_index(i)
        layer = self.layers[i]
        w0 = int(self.table[i, layout.W_OFF])
        flat = self.params[w0:w0 + layer.n_weights]
        return flat if isinstance(layer, (Conv2D, Subsample)) else flat.reshape(layer.n_out, layer.n_in)

    def bias(self, i: int) -> np.ndarray:
        """View of layer i's biases (RBF: widths sigma) inside ``params``.

        Parameters
        ----------
        i : int
            The layer's index; negative values count from the end.

        Returns
        -------
        ndarray, shape (n_biases,)
            A view: writing to it changes the network. Dense and RBF: one per unit;
            Conv2D and trainable Subsample: one per output map; plain Subsample: none.

        Raises
        ------
        IndexError
            When there is no layer i.
        """
        i = self._layer_index(i)
        b0 = int(self.table[i, layout.B_OFF])
        return self.params[b0:b0 + self.layers[i].n_biases]

    def layer_of_param(self) -> np.ndarray:
        """Index of the layer that owns each parameter.

        Returns
        -------
        ndarray of int64, shape (n_params,)
            The layer of each entry of ``params``.
        """
        out = np.empty(self.n_params, dtype=np.int64)
        for l, layer in enumerate(self.layers):
            w0 = int(self.table[l, layout.W_OFF])
            out[w0:w0 + layer.n_params] = l
        return out

    def fan_in_of_param(self) -> np.ndarray:
        """Fan-in m of the units each parameter feeds (for the 1/sqrt(m) rate rule, §4.7).

        Returns
        -------
        ndarray, shape (n_params,)
            For each parameter, the (mean) fan-in of the units it feeds.
        """
        return np.concatenate([l.weight_fan_ins() for l in self.layers])

    def sharing_of_param(self) -> np.ndarray:
        """How many connections share each parameter: §4.7 makes a shared weight's rate
        proportional to the square root of that number.

        Returns
        -------
        ndarray, shape (n_params,)
            1 for an unshared weight.
        """
        return np.concatenate([l.weight_sharing() for l in self.layers])

    def init_weights(self, init: str = "lecun", init_scale: float = 1.0,
                     seed: int | None = 0) -> "Network":
        """Redraw the weights with mean 0 and a standard deviation set by ``init``; biases 0.
        An RBF layer gets standard-normal centres and widths equal to its ``sigma`` (use
        :func:`init_rbf_from_data` to place them on data), whatever ``init`` is.

        The fan-in of a layer is its ``fan_in``: the inputs of a Dense unit, the largest
        number of connected input maps times the kernel area of a Conv2D layer (padding
        ignored), factor x factor for a Subsample layer. Its fan-out is the largest number
        of connections that leave one of its inputs, counted from the layer's
        connections: ``n_out`` for a Dense layer; for a Conv2D layer with stride 1 and an
        output at least as large as the kernel, the number of output maps that see an
        input map times the kernel area (as Keras and PyTorch count it; Glorot & Bengio
        treat fully connected layers only); a stride s lowers the kernel area k x k to at
        most ceil(k/s) x ceil(k/s); 1 for a Subsample layer.

        Parameters
        ----------
        init : {"lecun", "normal", "glorot", "he"}, default "lecun"
            "lecun": uniform on [-r, r] with r = sqrt(3) std and std = 1/sqrt(fan_in)
            (eq 16); "normal": normal with that std; "glorot": normal with variance
            2 / (fan_in + fan_out) (Glorot & Bengio 2010, the normal form of their
            "normalized initialization"); "he": normal with variance 2 / fan_in (He et
            al. 2015, for ReLU units).
        init_scale : float, default 1.0
            Multiplier on the standard deviation, > 0.
        seed : int, numpy.random.Generator or None, default 0
            Seed of the draws.

        Returns
        -------
        Network
            This network, with its ``params`` redrawn in place.

        Raises
        ------
        ValueError
            When ``init`` is unknown or init_scale <= 0.

        Examples
        --------
        >>> net = mlp([400, 100, 10], init="he", seed=0)
        >>> round(float(net.weights(0).std() * (400 / 2) ** 0.5), 2)
        1.0
        """
        check_choice("init", init, {"lecun", "normal", "glorot", "he"})
        check_positive("init_scale", init_scale)
        rng = make_rng(seed)
        for l, layer in enumerate(self.layers):
            W = self.weights(l)
            if isinstance(layer, RBF):
                # centres: standard normal (pass data to init_rbf_from_data for k-means)
                W[...] = rng.standard_normal(W.shape)
                self.bias(l)[...] = layer.sigma
                continue
            if init == "glorot":
                if isinstance(layer, Dense):
                    fan_out = layer.n_out
                else:       # the most connections that leave one input unit
                    fan_out = int(np.bincount(layer.lists[1], minlength=layer.n_in).max())
                sigma = init_scale * np.sqrt(2.0 / (layer.fan_in + fan_out))
            elif init == "he":
                sigma = init_scale * np.sqrt(2.0 / layer.fan_in)
            else:
                sigma = init_scale / np.sqrt(layer.fan_in)
            if init == "lecun":
                # a uniform on [-r, r] has standard deviation r / sqrt(3)
                W[...] = rng.uniform(-np.sqrt(3) * sigma, np.sqrt(3) * sigma, size=W.shape)
            else:
                W[...] = rng.normal(0.0, sigma, size=W.shape)
            self.bias(l)[...] = 0.0
        return self

    def set_params(self, params) -> "Network":
        """Copy ``params`` into the network's weights (the same as ``net.params = params``).

        Parameters
        ----------
        params : array_like, shape (n_params,)
            Finite weights and biases, in the order of ``params``.

        Returns
        -------
        Network
            This network.

        Raises
        ------
        ValueError
            When params has the wrong shape or is not finite.
        """
        self.params[...] = check_array("params", params, shape=(self.n_params,))
        return self

    def copy(self) -> "Network":
        """An independent copy: the same layers and cost, its own copy of ``params``.

        Returns
        -------
        Network
            The copy; training it leaves this network unchanged.
        """
        new = object.__new__(Network)
        new.__dict__.update(self.__dict__)
        new._params = self._params.copy()
        return new

    def __repr__(self):
        sizes = [self.layers[0].n_in] + [l.n_out for l in self.layers]
        acts = ", ".join(l.activation for l in self.layers)
        return (f"Network({'-'.join(map(str, sizes))}, activations=[{acts}], loss={self.loss!r}, "
                f"n_params={self.n_params})")

    # --- data checks --------------------------------------------------------------------
    def check_inputs(self, X, name="X") -> np.ndarray:
        """X as a 2-D float64 array, one row per sample (a 1-D X is one sample).

        Parameters
        ----------
        X : array_like, shape (P, n_inputs) or (n_inputs,)
            Inputs.
        name : str, default "X"
            The argument's name in error messages.

        Returns
        -------
        ndarray, shape (P, n_inputs)
            The inputs as float64.

        Raises
        ------
        ValueError
            When X is not finite or has the wrong number of columns.
        """
        X = check_array(name, X, ndim=(1, 2))
        if X.shape[-1] != self.n_inputs:
            what = "entries (one sample)" if X.ndim == 1 else "columns"
            raise ValueError(f"{name} must have {self.n_inputs} {what} (the network's inputs), "
                             f"got shape {X.shape}")
        return X[None, :] if X.ndim == 1 else X

    def check_data(self, X, D, xname="X", dname="D"):
        """Inputs and targets as 2-D float64 arrays that match each other and the network.

        Parameters
        ----------
        X : array_like, shape (P, n_inputs)
            Inputs, one row per sample (a 1-D X is one sample).
        D : array_like, shape (P, n_outputs)
            Targets, one row per sample (with one output, a 1-D D of length P is a column).
        xname : str, default "X"
            X's name in error messages.
        dname : str, default "D"
            D's name in error messages.

        Returns
        -------
        X : ndarray, shape (P, n_inputs)
            The inputs.
        D : ndarray, shape (P, n_outputs)
            The targets.

        Raises
        ------
        ValueError
            When X holds no samples, the shapes do not match, a value is not finite, or
            (softmax_ce) a target row is not a probability vector.
        """
        X = self.check_inputs(X, xname)
        if X.shape[0] == 0:
            raise ValueError(f"{xname} holds no samples: a cost needs at least one")
        D = check_array(dname, D, ndim=(1, 2))
        if D.ndim == 1:
            D = D[:, None] if self.n_outputs == 1 and D.shape[0] == X.shape[0] else D[None, :]
        if D.shape != (X.shape[0], self.n_outputs):
            raise ValueError(f"{dname} must have shape ({X.shape[0]}, {self.n_outputs}) to match "
                             f"{xname} and the network's outputs, got {D.shape}")
        if self.loss == "softmax_ce" and (D.min() < 0 or np.abs(D.sum(axis=1) - 1).max() > 1e-6):
            raise ValueError(f"{dname}: the softmax_ce loss needs targets that are probabilities "
                             f"(each row >= 0 and summing to 1, e.g. one-hot), got values in "
                             f"[{D.min():g}, {D.max():g}]; for +-1 targets use loss='mse'")
        return X, D

    def params_or(self, params) -> np.ndarray:
        """``params`` checked, or ``net.params`` when it is None (the ``params=`` argument
        of the evaluation methods).

        Parameters
        ----------
        params : array_like of shape (n_params,) or None
            Weights to use instead of ``net.params``.

        Returns
        -------
        ndarray, shape (n_params,)
            The weights to use (``net.params`` itself for None, never copied).

        Raises
        ------
        ValueError
            When params has the wrong shape or is not finite.
        """
        if params is None:
            return self.params
        return check_array("params", params, shape=(self.n_params,))

    # --- evaluation ---------------------------------------------------------------------
    def forward(self, X, params=None) -> np.ndarray:
        """Outputs M(Z, W) for each row of X (eq 3, applied layer by layer).

        Also called as ``net(X)``. With the softmax_ce cost these are the outputs before
        the softmax.

        Parameters
        ----------
        X : array_like, shape (P, n_inputs)
            Inputs, one row per sample (a 1-D X is one sample).
        params : array_like of shape (n_params,), optional
            Weights to use instead of ``net.params`` (which is not changed); None (the
            default) uses ``net.params``.

        Returns
        -------
        ndarray, shape (P, n_outputs)
            The outputs.

        Raises
        ------
        FloatingPointError
            When an output is not finite.

        Examples
        --------
        >>> import numpy as np
        >>> net = mlp([2, 1], activation="identity")
        >>> net.forward(np.zeros((3, 2))).tolist()
        [[0.0], [0.0], [0.0]]
        """
        X = self.check_inputs(X)
        w = self.params_or(params)
        out = engine.outputs(self, w, X)
        if not np.all(np.isfinite(out)):
            raise FloatingPointError("the network's output is not finite: the weights hold "
                                     "NaN or Inf, or are so large that a unit overflowed")
        return out

    __call__ = forward

    def predict(self, X, params=None) -> np.ndarray:
        """Class labels: the index of the largest output for each row of X (with a single
        output, 1 where it is > 0 and 0 elsewhere, as for +-1 targets).

        Parameters
        ----------
        X : array_like, shape (P, n_inputs)
            Inputs, one row per sample.
        params : array_like of shape (n_params,), optional
            Weights to use instead of ``net.params`` (which is not changed); None (the
            default) uses ``net.params``.

        Returns
        -------
        ndarray of int64, shape (P,)
            The class of each row.

        Examples
        --------
        >>> import numpy as np
        >>> net = mlp([2, 3], activation="identity")
        >>> net.predict(np.eye(2)).shape
        (2,)
        """
        out = self.forward(X, params)
        return (out[:, 0] > 0).astype(np.int64) if out.shape[1] == 1 else out.argmax(axis=1)

    def error_rate(self, X, labels, params=None) -> float:
        """Fraction of the rows of X whose :meth:`predict` differs from ``labels``.

        Parameters
        ----------
        X : array_like, shape (P, n_inputs)
            Inputs, one row per sample.
        labels : array_like of int, shape (P,)
            The true classes (for a single output, 1 for target +1 and 0 for -1).
        params : array_like of shape (n_params,), optional
            Weights to use instead of ``net.params`` (which is not changed); None (the
            default) uses ``net.params``.

        Returns
        -------
        float
            The error rate, between 0 and 1.

        Raises
        ------
        ValueError
            When labels does not have one entry per row of X.
        """
        pred = self.predict(X, params)
        labels = np.asarray(labels)
        if labels.shape != pred.shape:
            raise ValueError(f"labels must have shape {pred.shape} (one per row of X), "
                             f"got {labels.shape}")
        return float(np.mean(pred != labels))

    def cost(self, X, D, params=None) -> float:
        """Average cost E = 1/P sum_p E_p (for mse, E_p = 1/2 ``||d_p - y_p||^2``).

        Parameters
        ----------
        X : array_like, shape (P, n_inputs)
            Inputs, one row per sample (a 1-D X is one sample).
        D : array_like, shape (P, n_outputs)
            Targets, one row per sample (with one output, a 1-D D of length P is a column).
        params : array_like of shape (n_params,), optional
            Weights to use instead of ``net.params`` (which is not changed); None (the
            default) uses ``net.params``.

        Returns
        -------
        float
            E.

        Examples
        --------
        >>> import numpy as np
        >>> net = mlp([2, 1], activation="identity")
        >>> net.cost(np.zeros((4, 2)), np.ones((4, 1)))
        0.5
        """
        return float(self.sample_costs(X, D, params).mean())

    def sample_costs(self, X, D, params=None) -> np.ndarray:
        """E_p of every sample.

        Parameters
        ----------
        X : array_like, shape (P, n_inputs)
            Inputs, one row per sample (a 1-D X is one sample).
        D : array_like, shape (P, n_outputs)
            Targets, one row per sample (with one output, a 1-D D of length P is a column).
        params : array_like of shape (n_params,), optional
            Weights to use instead of ``net.params`` (which is not changed); None (the
            default) uses ``net.params``.

        Returns
        -------
        ndarray, shape (P,)
            The cost of each row.
        """
        X, D = self.check_data(X, D)
        w = self.params_or(params)
        return engine.sample_costs(self, w, X, D)

    def gradient(self, X, D, params=None):
        """(E, dE/dW) of the average cost over the rows of X, by backpropagation (eqs 4-9).

        Parameters
        ----------
        X : array_like, shape (P, n_inputs)
            Inputs, one row per sample (a 1-D X is one sample).
        D : array_like, shape (P, n_outputs)
            Targets, one row per sample (with one output, a 1-D D of length P is a column).
        params : array_like of shape (n_params,), optional
            Weights to use instead of ``net.params`` (which is not changed); None (the
            default) uses ``net.params``.

        Returns
        -------
        E : float
            The average cost.
        grad : ndarray, shape (n_params,)
            Its gradient, in the order of ``params``.

        Examples
        --------
        >>> import numpy as np
        >>> net = mlp([2, 1], activation="identity")
        >>> E, g = net.gradient(np.zeros((4, 2)), np.ones((4, 1)))
        >>> E, g.tolist()
        (0.5, [0.0, 0.0, -1.0])
        """
        X, D = self.check_data(X, D)
        w = self.params_or(params)
        total, grad = engine.gradient(self, w, X, D)
        grad /= X.shape[0]
        return total / X.shape[0], grad

    #: from this many samples on, dense networks evaluate a batch as matrix products
    BATCH_MIN = 8

    def batched(self, X) -> bool:
        """Whether a pass over X goes through the matrix-product path (the engine's batched
        driver).

        Parameters
        ----------
        X : ndarray, shape (P, n_inputs)
            The inputs of the pass.

        Returns
        -------
        bool
            True for an all-dense network and at least :attr:`BATCH_MIN` rows.
        """
        return engine.use_batched(self, X)

    def layer_outputs(self, X, params=None) -> list[np.ndarray]:
        """Every layer's output X_n for each row of X (for the §4.6 variance measurements).

        Parameters
        ----------
        X : array_like, shape (P, n_inputs)
            Inputs, one row per sample.
        params : array_like of shape (n_params,), optional
            Weights to use instead of ``net.params`` (which is not changed); None (the
            default) uses ``net.params``.

        Returns
        -------
        list of ndarray
            One array (P, layer.n_out) per layer, input side first.
        """
        X = self.check_inputs(X)
        w = self.params_or(params)
        return engine.layer_outputs(self, w, X)


def mlp(sizes, activation: str = "lecun_tanh", output_activation: str | None = None,
        loss: str = "mse", init: str = "lecun", init_scale: float = 1.0,
        seed: int | None = 0, a: float = 0.0) -> Network:
    """A fully connected network with layer sizes ``sizes`` (inputs first).

    ``output_activation`` defaults to ``activation`` for mse and to "identity" for
    softmax_ce (the softmax is part of that cost).

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, inputs first, each >= 1; at least two entries.
    activation : str, default "lecun_tanh"
        The hidden layers' activation, a name of :data:`ebtricks.activations.CODES`
        ("identity", "logistic", "tanh", "lecun_tanh", "rational_tanh", "tanh_twist",
        "relu", "softplus", "softsign", "symmetric_logistic", or one added with
        :func:`ebtricks.activations.define`).
    output_activation : str or None, default None
        The output layer's activation; None as described above.
    loss : {"mse", "softmax_ce"}, default "mse"
        The cost.
    init : {"lecun", "normal", "glorot", "he"}, default "lecun"
        How the weights are drawn (see :class:`Network` and :meth:`Network.init_weights`).
    init_scale : float, default 1.0
        Multiplier on the standard deviation of the initial weights, > 0.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the initial weights.
    a : float, default 0.0
        The activations' parameter (the slope of the twisting term of "tanh_twist"),
        given to every layer.

    Returns
    -------
    Network
        Dense layers between consecutive sizes.

    Raises
    ------
    TypeError
        When sizes is not a sequence of integers.
    ValueError
        When sizes has fewer than two entries or an option is unknown.

    Examples
    --------
    >>> mlp([784, 30, 10]).n_params
    23860
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a list of layer sizes, inputs first (e.g. [784, 30, 10]),"
                        f" got {type(sizes).__name__} {sizes!r}")
    sizes = [check_int(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output size, got {sizes}")
    if output_activation is None:
        output_activation = "identity" if loss == "softmax_ce" else activation
    layers = [Dense(sizes[i], sizes[i + 1],
                    activation if i < len(sizes) - 2 else output_activation, a)
              for i in range(len(sizes) - 1)]
    return Network(layers, loss=loss, init=init, init_scale=init_scale, seed=seed)


def _rbf_layer_inputs(net: Network, layer: int, X):
    """Check that ``layer`` is an RBF layer of ``net`` and that X has a row per centre at
    least; return (the layer's index, the inputs that reach it, its number of units).
    Shared by the ways of placing centres (here and ``measure.rbf_centres_on_samples``)."""
    layer = net._layer_index(layer)
    if not isinstance(net.layers[layer], RBF):
        raise ValueError(f"layer: layers[{layer}] is {type(net.layers[layer]).__name__}, "
                         f"not RBF")
    X = net.check_inputs(X)
    H = X if layer == 0 else net.layer_outputs(X)[layer - 1]
    k = net.layers[layer].n_out
    if H.shape[0] < k:
        raise ValueError(f"X: need at least {k} rows to place {k} centres, got {H.shape[0]}")
    return layer, H, k


def init_rbf_from_data(net: Network, layer: int, X, iters: int = 50, seed: int | None = 0):
    """Place the centres of RBF layer ``layer`` by k-means on the inputs that reach it (the
    rows of X run through the layers below), and set each width to the distance from its
    centre to the nearest other centre, at least 1e-3 (or 1 with a single centre). The
    k-means starts from k-means++ seeding.

    Parameters
    ----------
    net : Network
        The network; changed in place.
    layer : int
        Index of an RBF layer of ``net`` (negative values count from the end).
    X : array_like, shape (P, n_inputs)
        Network inputs, P >= the layer's number of units.
    iters : int, default 50
        k-means iterations, >= 1.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the k-means++ seeding.

    Returns
    -------
    Network
        ``net``, with the layer's centres and widths set.

    Raises
    ------
    ValueError
        When the layer is not RBF or X has fewer rows than the layer has units.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> net = init_rbf_from_data(Network([RBF(2, 2), Dense(2, 1, "identity")]), 0, X)
    >>> sorted(np.round(net.weights(0)[:, 0], 2).tolist())
    [0.05, 5.05]
    """
    layer, H, k = _rbf_layer_inputs(net, layer, X)
    rng = make_rng(seed)
    # k-means++ seeding: each new centre drawn with probability ~ squared distance to the
    # nearest chosen one, which avoids starting two centres in one cluster
    C = [H[rng.integers(H.shape[0])]]
    for _ in range(1, k):
        d2 = np.min(((H[:, None, :] - np.array(C)[None]) ** 2).sum(-1), axis=1)
        C.append(H[rng.choice(H.shape[0], p=d2 / d2.sum()) if d2.sum() > 0 else rng.integers(H.shape[0])])
    C = np.array(C, dtype=float)
    for _ in range(check_int("iters", iters, minimum=1)):
        lab = np.argmin(((H[:, None, :] - C[None]) ** 2).sum(-1), axis=1)
        for j in range(k):
            if np.any(lab == j):
                C[j] = H[lab == j].mean(0)
    net.weights(layer)[...] = C
    if k > 1:
        d = np.sqrt(((C[:, None, :] - C[None]) ** 2).sum(-1))
        np.fill_diagonal(d, np.inf)
        net.bias(layer)[...] = np.maximum(d.min(axis=1), 1e-3)
    else:
        net.bias(layer)[...] = 1.0
    return net
