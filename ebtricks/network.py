"""Networks: a stack of modules X_n = F_n(W_n, X_{n-1}) (§3) over one flat parameter vector.

Each layer owns a slice of ``Network.params``; ``net.weights(i)`` and ``net.bias(i)`` are
*views* into it, so changing one changes the network. The kernels see the network as an
integer table (one row per layer) built here, so new layer types (shared-weight, RBF) plug
in by adding a row type.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _batched as B
from . import _kernels as K
from ._validate import (check_array, check_choice, check_finite_scalar, check_int,
                        check_positive)
from .activations import CODES as ACTIVATIONS
from .losses import CODES as LOSSES

__all__ = ["Dense", "Network", "mlp"]


@dataclass(frozen=True)
class Dense:
    """Fully connected layer: Y = W X + b, X_out = f(Y) (eq 3). W has shape (n_out, n_in)."""

    n_in: int
    n_out: int
    activation: str = "lecun_tanh"
    a: float = 0.0  # activation parameter (slope of the twisting term for tanh_twist)

    def __post_init__(self):
        check_int("n_in", self.n_in, minimum=1)
        check_int("n_out", self.n_out, minimum=1)
        check_choice("activation", self.activation, ACTIVATIONS)
        check_finite_scalar("a", self.a)

    @property
    def n_params(self) -> int:
        return self.n_out * self.n_in + self.n_out

    @property
    def fan_in(self) -> int:
        return self.n_in

    @property
    def connections(self) -> int:
        """Multiply-adds per forward pass (bias counted as a connection)."""
        return self.n_params


class Network:
    """A feed-forward network over one flat float64 parameter vector.

    Parameters
    ----------
    layers : list of layer specs (:class:`Dense`), each ``n_in`` equal to the previous ``n_out``
    loss : "mse" (the paper's E = 1/(2P) sum ||d - y||^2) or "softmax_ce"
    init : "lecun" draws weights uniformly with standard deviation ``init_scale * m**-0.5``
        where m is the fan-in (eqs 15-16); biases start at 0.
    init_scale : multiplier on that standard deviation ("too small" / "too large" contrasts)
    seed : seed of the initial weights

    Example
    -------
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
            if not isinstance(layer, Dense):
                raise TypeError(f"layers[{i}] must be a layer spec such as Dense, "
                                f"got {type(layer).__name__}")
            if i and layer.n_in != layers[i - 1].n_out:
                raise ValueError(f"layers[{i}] takes n_in={layer.n_in} inputs but layers[{i - 1}] "
                                 f"gives n_out={layers[i - 1].n_out}")
        self.layers = tuple(layers)
        self.loss = check_choice("loss", loss, LOSSES)
        self.loss_code = LOSSES[loss]
        self.table, self.layer_floats = self._build_tables()
        self.params = np.zeros(self.n_params)
        self.init_weights(init, init_scale, seed)

    # --- structure ----------------------------------------------------------------------
    def _build_tables(self):
        table = np.zeros((len(self.layers), K.N_COLS), dtype=np.int64)
        lf = np.zeros((len(self.layers), 4))
        p_off, x_off = 0, 0
        for l, layer in enumerate(self.layers):
            row = table[l]
            row[K.TYPE] = K.DENSE
            row[K.N_IN], row[K.N_OUT] = layer.n_in, layer.n_out
            row[K.W_OFF] = p_off
            row[K.B_OFF] = p_off + layer.n_in * layer.n_out
            row[K.ACT] = ACTIVATIONS[layer.activation]
            row[K.IN_OFF] = x_off
            x_off += layer.n_in
            row[K.OUT_OFF] = x_off
            lf[l, 0] = layer.a
            p_off += layer.n_params
        return table, lf

    @property
    def n_params(self) -> int:
        return sum(layer.n_params for layer in self.layers)

    @property
    def n_inputs(self) -> int:
        return self.layers[0].n_in

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].n_out

    def offsets(self):
        """(weight offset, bias offset, n_out, n_in) of every layer in the flat vector."""
        return [(int(r[K.W_OFF]), int(r[K.B_OFF]), int(r[K.N_OUT]), int(r[K.N_IN]))
                for r in self.table]

    def _layer_index(self, i):
        i = check_int("layer", i)
        if not -len(self.layers) <= i < len(self.layers):
            raise IndexError(f"layer {i} out of range for {len(self.layers)} layers")
        return i % len(self.layers)

    def weights(self, i: int) -> np.ndarray:
        """View of layer i's weight matrix W (n_out, n_in) inside ``params``."""
        w0, b0, nout, nin = self.offsets()[self._layer_index(i)]
        return self.params[w0:b0].reshape(nout, nin)

    def bias(self, i: int) -> np.ndarray:
        """View of layer i's bias vector inside ``params``."""
        w0, b0, nout, nin = self.offsets()[self._layer_index(i)]
        return self.params[b0:b0 + nout]

    def layer_of_param(self) -> np.ndarray:
        """Index of the layer that owns each parameter."""
        out = np.empty(self.n_params, dtype=np.int64)
        for l, layer in enumerate(self.layers):
            w0 = int(self.table[l, K.W_OFF])
            out[w0:w0 + layer.n_params] = l
        return out

    def fan_in_of_param(self) -> np.ndarray:
        """Fan-in m of the unit each parameter feeds (for the 1/sqrt(m) rate rule, §4.7)."""
        return np.array([self.layers[l].fan_in for l in self.layer_of_param()], dtype=float)

    def init_weights(self, init: str = "lecun", init_scale: float = 1.0,
                     seed: int | None = 0) -> "Network":
        """Redraw the weights: uniform, mean 0, std ``init_scale / sqrt(fan_in)`` (eq 16)."""
        check_choice("init", init, {"lecun", "normal"})
        check_positive("init_scale", init_scale)
        rng = np.random.default_rng(seed)
        for l, layer in enumerate(self.layers):
            sigma = init_scale / np.sqrt(layer.fan_in)
            W = self.weights(l)
            if init == "lecun":
                # a uniform on [-r, r] has standard deviation r / sqrt(3)
                W[...] = rng.uniform(-np.sqrt(3) * sigma, np.sqrt(3) * sigma, size=W.shape)
            else:
                W[...] = rng.normal(0.0, sigma, size=W.shape)
            self.bias(l)[...] = 0.0
        return self

    def set_params(self, params) -> "Network":
        self.params[...] = check_array("params", params, shape=(self.n_params,))
        return self

    def copy(self) -> "Network":
        new = object.__new__(Network)
        new.__dict__.update(self.__dict__)
        new.params = self.params.copy()
        return new

    def __repr__(self):
        sizes = [self.layers[0].n_in] + [l.n_out for l in self.layers]
        acts = ", ".join(l.activation for l in self.layers)
        return (f"Network({'-'.join(map(str, sizes))}, activations=[{acts}], loss={self.loss!r}, "
                f"n_params={self.n_params})")

    # --- data checks --------------------------------------------------------------------
    def check_inputs(self, X, name="X") -> np.ndarray:
        X = check_array(name, X, ndim=(1, 2))
        if X.ndim == 1:
            X = X[None, :]
        if X.shape[1] != self.n_inputs:
            raise ValueError(f"{name} must have {self.n_inputs} columns (the network's inputs), "
                             f"got shape {X.shape}")
        return X

    def check_data(self, X, D, xname="X", dname="D"):
        X = self.check_inputs(X, xname)
        D = check_array(dname, D, ndim=(1, 2))
        if D.ndim == 1:
            D = D[:, None] if self.n_outputs == 1 and D.shape[0] == X.shape[0] else D[None, :]
        if D.shape != (X.shape[0], self.n_outputs):
            raise ValueError(f"{dname} must have shape ({X.shape[0]}, {self.n_outputs}) to match "
                             f"{xname} and the network's outputs, got {D.shape}")
        return X, D

    def _params_arg(self, params):
        if params is None:
            return self.params
        return check_array("params", params, shape=(self.n_params,))

    # --- evaluation ---------------------------------------------------------------------
    def forward(self, X, params=None) -> np.ndarray:
        """Outputs M(Z, W) for each row of X (eq 3, applied layer by layer)."""
        X = self.check_inputs(X)
        w = self._params_arg(params)
        if self.batched(X):
            out = B.outputs(self, w, X)
        else:
            out = np.empty((X.shape[0], self.n_outputs))
            xs, ys, _, _ = K.buffers(self.table)
            K.batch_forward(self.table, self.layer_floats, w, X, xs, ys, out)
        if not np.all(np.isfinite(out)):
            raise FloatingPointError("the network's output is not finite: the weights hold "
                                     "NaN or Inf, or are so large that a unit overflowed")
        return out

    __call__ = forward

    def cost(self, X, D, params=None) -> float:
        """Average cost E = 1/P sum_p E_p (for mse, E_p = 1/2 ||d_p - y_p||^2)."""
        return float(self.sample_costs(X, D, params).mean())

    def sample_costs(self, X, D, params=None) -> np.ndarray:
        """E_p of every sample."""
        X, D = self.check_data(X, D)
        w = self._params_arg(params)
        if self.batched(X):
            return B.sample_losses(self, w, X, D)
        xs, ys, _, _ = K.buffers(self.table)
        out = np.empty(X.shape[0])
        K.batch_losses(self.table, self.layer_floats, w, self.loss_code, X, D, xs, ys, out)
        return out

    def gradient(self, X, D, params=None):
        """(E, dE/dW) of the average cost over the rows of X, by backpropagation (eqs 4-9)."""
        X, D = self.check_data(X, D)
        w = self._params_arg(params)
        if self.batched(X):
            total, grad = B.gradient(self, w, X, D)
        else:
            bufs = K.buffers(self.table)
            grad = np.zeros(self.n_params)
            total = K.batch_loss_grad(self.table, self.layer_floats, w, self.loss_code, X, D,
                                      *bufs, grad)
        grad /= X.shape[0]
        return total / X.shape[0], grad

    #: from this many samples on, dense networks evaluate a batch as matrix products
    BATCH_MIN = 8

    def batched(self, X) -> bool:
        """Whether a pass over X goes through the matrix-product path (_batched)."""
        return X.shape[0] >= self.BATCH_MIN and B.is_dense(self)

    def layer_outputs(self, X, params=None) -> list[np.ndarray]:
        """Every layer's output X_n for each row of X (for the §4.6 variance measurements)."""
        X = self.check_inputs(X)
        w = self._params_arg(params)
        xs, ys, _, _ = K.buffers(self.table)
        outs = [np.empty((X.shape[0], l.n_out)) for l in self.layers]
        for p in range(X.shape[0]):
            K.forward(self.table, self.layer_floats, w, X[p], xs, ys)
            for l, o in enumerate(outs):
                o0 = self.table[l, K.OUT_OFF]
                o[p] = xs[o0:o0 + o.shape[1]]
        return outs


def mlp(sizes, activation: str = "lecun_tanh", output_activation: str | None = None,
        loss: str = "mse", init: str = "lecun", init_scale: float = 1.0,
        seed: int | None = 0, a: float = 0.0) -> Network:
    """A fully connected network with layer sizes ``sizes`` (inputs first).

    ``output_activation`` defaults to ``activation`` for mse and to "identity" for
    softmax_ce (the softmax is part of that cost).

    >>> mlp([784, 30, 10]).n_params
    23860
    """
    sizes = [check_int(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output size, got {sizes}")
    if output_activation is None:
        output_activation = "identity" if loss == "softmax_ce" else activation
    layers = [Dense(sizes[i], sizes[i + 1],
                    activation if i < len(sizes) - 2 else output_activation, a)
              for i in range(len(sizes) - 1)]
    return Network(layers, loss=loss, init=init, init_scale=init_scale, seed=seed)
