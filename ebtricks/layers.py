"""Layer specifications: what a network is made of.

* :class:`Dense` — fully connected, Y = W X + b, X_out = f(Y) (eq 3).
* :class:`Conv2D` — a shared-weight (convolutional) layer over feature maps: kernel size,
  stride, zero padding, a bias per output map, and an optional connection table saying which
  input maps each output map sees (LeNet style).
* :class:`Subsample` — LeNet's subsampling: the sum of each f x f block times a trainable
  coefficient per map plus a bias, then f; or plain average pooling (``trainable=False``).
* :class:`RBF` — radial-basis-function units phi_j = exp(-||x - nu_j||^2 / (2 sigma_j^2)) (§4.8).

Inputs and outputs are flat vectors; feature maps are stored map by map, row by row, so a
dense layer after a convolution simply reads the flattened maps.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import check_choice, check_finite_scalar, check_int, check_positive
from .activations import CODES as ACTIVATIONS

__all__ = ["Dense", "Conv2D", "Subsample", "RBF"]

class _PerUnit:
    """Parameters of a layer whose every unit owns a row of n_in numbers and one more
    (Dense: weights and bias; RBF: centre and width), none shared."""

    @property
    def n_weights(self) -> int:
        return self.n_out * self.n_in

    @property
    def n_biases(self) -> int:
        return self.n_out

    @property
    def n_params(self) -> int:
        return self.n_weights + self.n_biases

    @property
    def fan_in(self) -> int:
        return self.n_in

    def weight_fan_ins(self) -> np.ndarray:
        """For each parameter, the fan-in of the unit it feeds (§4.7's 1/sqrt(m) rule).

        Returns
        -------
        ndarray, shape (n_params,)
            ``n_in`` for every weight and bias.
        """
        return np.full(self.n_params, float(self.n_in))

    def weight_sharing(self) -> np.ndarray:
        """For each parameter, how many connections share it (§4.7's sqrt rule).

        Returns
        -------
        ndarray, shape (n_params,)
            All ones: nothing is shared.
        """
        return np.ones(self.n_params)


@dataclass(frozen=True)
class Dense(_PerUnit):
    """Fully connected layer: Y = W X + b, X_out = f(Y) (eq 3). W has shape (n_out, n_in).

    Parameters
    ----------
    n_in : int
        Inputs, >= 1.
    n_out : int
        Units (outputs), >= 1.
    activation : str, default "lecun_tanh"
        The units' activation f, a name of :data:`ebtricks.activations.CODES`
        ("identity", "logistic", "tanh", "lecun_tanh", "rational_tanh", "tanh_twist").
    a : float, default 0.0
        The activation's parameter: the slope of the twisting term of "tanh_twist"
        (unused by the others).

    Raises
    ------
    ValueError
        When a size is below 1 or the activation is unknown.

    Examples
    --------
    >>> layer = Dense(3, 2, "identity")
    >>> layer.n_params, layer.connections
    (8, 8)
    """

    n_in: int
    n_out: int
    activation: str = "lecun_tanh"
    a: float = 0.0  # activation parameter (slope of the twisting term for tanh_twist)

    kind = "dense"   # how the engine runs it (ebtricks._engine.layout.TYPES)

    def __post_init__(self):
        check_int("n_in", self.n_in, minimum=1)
        check_int("n_out", self.n_out, minimum=1)
        check_choice("activation", self.activation, ACTIVATIONS)
        check_finite_scalar("a", self.a)

    @property
    def connections(self) -> int:
        """Multiply-adds per forward pass, a bias counted as a connection from a unit at 1."""
        return self.n_params


def _pair(name, v):
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"{name} must be an int or a pair, got {v}")
        return (check_int(f"{name}[0]", v[0], 1), check_int(f"{name}[1]", v[1], 1))
    v = check_int(name, v, 1)
    return (v, v)


@dataclass(frozen=True)
class _Shared:
    """Common part of the shared-weight layers: a connection list built once."""

    def _finish(self, start, cin, cw, bof):
        object.__setattr__(self, "_lists", (np.asarray(start, np.int64), np.asarray(cin, np.int64),
                                            np.asarray(cw, np.int64), np.asarray(bof, np.int64)))

    kind = "shared"

    @property
    def lists(self):
        return self._lists

    @property
    def n_params(self) -> int:
        return self.n_weights + self.n_biases

    @property
    def connections(self) -> int:
        """Multiply-adds per forward pass, biases counted as connections."""
        start, cin, cw, bof = self._lists
        return int(cin.size + np.count_nonzero(bof >= 0))

    def weight_fan_ins(self) -> np.ndarray:
        """For each parameter, the mean fan-in of the units it feeds.

        Returns
        -------
        ndarray, shape (n_params,)
            The mean fan-in; 1 for a parameter that feeds no unit.
        """
        start, cin, cw, bof = self._lists
        fan = np.diff(start).astype(float)
        out = np.zeros(self.n_params)
        cnt = np.zeros(self.n_params)
        unit = np.repeat(np.arange(self.n_out), np.diff(start))
        ok = cw >= 0
        np.add.at(out, cw[ok], fan[unit[ok]])
        np.add.at(cnt, cw[ok], 1)
        okb = bof >= 0
        np.add.at(out, self.n_weights + bof[okb], fan[okb])
        np.add.at(cnt, self.n_weights + bof[okb], 1)
        return np.where(cnt > 0, out / np.maximum(cnt, 1), 1.0)

    def weight_sharing(self) -> np.ndarray:
        """For each parameter, how many connections share it (§4.7's sqrt rule).

        Returns
        -------
        ndarray, shape (n_params,)
            The number of connections (biases included), at least 1.
        """
        start, cin, cw, bof = self._lists
        out = np.zeros(self.n_params)
        np.add.at(out, cw[cw >= 0], 1)
        np.add.at(out, self.n_weights + bof[bof >= 0], 1)
        return np.maximum(out, 1)


@dataclass(frozen=True)
class Conv2D(_Shared):
    """Convolution of ``in_maps`` maps of size ``in_size`` into ``out_maps`` maps.

    Output size per side: (in + 2 padding - kernel) // stride + 1. ``table[o]`` lists the
    input maps output map o sees (default: all). Each (output map, connected input map) pair
    has its own kernel; each output map one bias. Zero padding adds no connections.

    After construction ``in_size``, ``kernel``, ``stride`` and ``padding`` are pairs,
    ``table`` a tuple of tuples, and ``out_size`` the output maps' (height, width).

    Parameters
    ----------
    in_maps : int
        Input feature maps, >= 1.
    in_size : int or (int, int)
        Input map size (height, width); an int for a square map.
    out_maps : int
        Output feature maps, >= 1.
    kernel : int or (int, int), default 5
        Kernel size; at most the padded input size.
    stride : int or (int, int), default 1
        Step between output positions, >= 1.
    padding : int or (int, int), default 0
        Zero rows and columns added on each side, >= 0.
    table : sequence of sequences of int, optional
        ``table[o]``: the distinct input maps (0..in_maps-1) output map o sees. None (the
        default) connects every output map to every input map.
    activation : str, default "lecun_tanh"
        The units' activation f, a name of :data:`ebtricks.activations.CODES`
        ("identity", "logistic", "tanh", "lecun_tanh", "rational_tanh", "tanh_twist").
    a : float, default 0.0
        The activation's parameter: the slope of the twisting term of "tanh_twist"
        (unused by the others).

    Raises
    ------
    ValueError
        When a size is out of range, the kernel is larger than the padded input, or the
        table is malformed.

    Examples
    --------
    >>> layer = Conv2D(1, 8, 2, kernel=3)
    >>> layer.out_size, layer.n_out, layer.n_params
    ((6, 6), 72, 20)
    """

    in_maps: int
    in_size: object
    out_maps: int
    kernel: object = 5
    stride: object = 1
    padding: object = 0
    table: object = None
    activation: str = "lecun_tanh"
    a: float = 0.0
    const: float = field(default=0.0, init=False)

    kind = "conv"

    def __post_init__(self):
        check_int("in_maps", self.in_maps, 1)
        check_int("out_maps", self.out_maps, 1)
        h, w = _pair("in_size", self.in_size)
        kh, kw = _pair("kernel", self.kernel)
        sh, sw = _pair("stride", self.stride)
        if isinstance(self.padding, (tuple, list)):
            ph, pw = (check_int("padding[0]", self.padding[0], 0),
                      check_int("padding[1]", self.padding[1], 0))
        else:
            ph = pw = check_int("padding", self.padding, 0)
        check_choice("activation", self.activation, ACTIVATIONS)
        if kh > h + 2 * ph or kw > w + 2 * pw:
            raise ValueError(f"Conv2D: kernel {kh}x{kw} is larger than the padded input "
                             f"{h + 2 * ph}x{w + 2 * pw}")
        oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
        table = ([list(range(self.in_maps))] * self.out_maps if self.table is None
                 else [list(t) for t in self.table])
        if len(table) != self.out_maps:
            raise ValueError(f"Conv2D: table must have one entry per output map "
                             f"({self.out_maps}), got {len(table)}")
        for o, t in enumerate(table):
            if not t or any(not 0 <= c < self.in_maps for c in t) or len(set(t)) != len(t):
                raise ValueError(f"Conv2D: table[{o}] = {t} must list distinct input maps in "
                                 f"0..{self.in_maps - 1}")
        kernel_off, k = [], 0
        for t in table:
            kernel_off.append(k)
            k += len(t) * kh * kw
        start, cin, cw = [0], [], []
        for o, t in enumerate(table):
            for r in range(oh):
                for s in range(ow):
                    for ci, c in enumerate(t):
                        for u in range(kh):
                            ir = r * sh + u - ph
                            if not 0 <= ir < h:
                                continue
                            for v in range(kw):
                                ic = s * sw + v - pw
                                if 0 <= ic < w:
                                    cin.append(c * h * w + ir * w + ic)
                                    cw.append(kernel_off[o] + (ci * kh + u) * kw + v)
                    start.append(len(cin))
        bof = np.repeat(np.arange(self.out_maps), oh * ow)
        # geometry for the convolution's matrix products (see _engine/conv.py): a 15-int
        # header (the 12 sizes, where the patch index and the kernel index start, whether
        # every output map sees every input map in order), then the two indices. The patch
        # index gives, for every entry of the patch matrix in its memory order (positions x
        # (map, tap), or its transpose when there are at least as many positions as
        # (map, tap) pairs: see _engine/conv.py), the input index it reads (-1: padding);
        # the kernel index, for every entry of the out_maps x (map, tap) kernel matrix, the
        # weight it holds (from the layer's first weight; -1: map not connected).
        n, K2 = oh * ow, kh * kw
        C = self.in_maps * K2
        r, c0, c, u, v = np.meshgrid(np.arange(oh), np.arange(ow), np.arange(self.in_maps),
                                     np.arange(kh), np.arange(kw), indexing="ij")
        ir, ic = r * sh + u - ph, c0 * sw + v - pw
        inside = (ir >= 0) & (ir < h) & (ic >= 0) & (ic < w)
        patch_index = np.where(inside, c * h * w + ir * w + ic, -1).reshape(n, C)
        if n >= C:
            patch_index = patch_index.T
        kernel_index = np.full((self.out_maps, self.in_maps, K2), -1, dtype=np.int64)
        for o, t in enumerate(table):
            for ci, c in enumerate(t):
                kernel_index[o, c] = kernel_off[o] + ci * K2 + np.arange(K2)
        full = all(list(t) == list(range(self.in_maps)) for t in table)
        geo = [self.in_maps, h, w, self.out_maps, oh, ow, kh, kw, sh, sw, ph, pw,
               15, 15 + n * C, int(full)]
        object.__setattr__(self, "geometry",
                           np.concatenate([np.asarray(geo, dtype=np.int64), patch_index.ravel(),
                                           kernel_index.ravel()]))
        for name, val in (("in_size", (h, w)), ("kernel", (kh, kw)), ("stride", (sh, sw)),
                          ("padding", (ph, pw)), ("table", tuple(map(tuple, table)))):
            object.__setattr__(self, name, val)
        object.__setattr__(self, "out_size", (oh, ow))
        object.__setattr__(self, "n_weights", k)
        object.__setattr__(self, "n_biases", self.out_maps)
        self._finish(start, cin, cw, bof)

    @property
    def n_in(self) -> int:
        """Inputs: in_maps x height x width."""
        return self.in_maps * self.in_size[0] * self.in_size[1]

    @property
    def n_out(self) -> int:
        """Outputs: out_maps x output height x output width."""
        return self.out_maps * self.out_size[0] * self.out_size[1]

    @property
    def fan_in(self) -> int:
        """The largest fan-in of a unit: connected input maps x kernel area (padding
        ignored)."""
        return max(len(t) for t in self.table) * self.kernel[0] * self.kernel[1]


@dataclass(frozen=True)
class Subsample(_Shared):
    """LeNet subsampling of ``maps`` maps of size ``in_size`` by ``factor``: each output is
    f(coefficient_map * sum of its factor x factor block + bias_map) with ``trainable``;
    otherwise the plain block average (no parameters). ``activation`` defaults to
    "lecun_tanh" for a trainable layer and to "identity" otherwise, so that
    ``Subsample(maps, size, factor, trainable=False)`` is exactly the block mean.

    Parameters
    ----------
    maps : int
        Feature maps (the same number in and out), >= 1.
    in_size : int or (int, int)
        Input map size (height, width), both divisible by ``factor``; an int for a square
        map.
    factor : int, default 2
        Side of the blocks, >= 1.
    trainable : bool, default True
        One coefficient and one bias per map (LeNet); False: the block mean, no
        parameters.
    activation : str or None, default None
        The activation f; None chooses as described above.
    a : float, default 0.0
        The activation's parameter (the slope of the twisting term of "tanh_twist").

    Raises
    ------
    ValueError
        When in_size is not divisible by factor, or an argument is out of range.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.Network([eb.Subsample(1, 4, 2, trainable=False)])
    >>> net.forward(np.arange(16.0).reshape(1, 16)).round(2).tolist()
    [[2.5, 4.5, 10.5, 12.5]]
    """

    maps: int
    in_size: object
    factor: int = 2
    trainable: bool = True
    activation: str | None = None
    a: float = 0.0
    const: float = field(default=0.0, init=False)

    def __post_init__(self):
        check_int("maps", self.maps, 1)
        h, w = _pair("in_size", self.in_size)
        f = check_int("factor", self.factor, 1)
        if h % f or w % f:
            raise ValueError(f"Subsample: in_size {h}x{w} is not divisible by factor {f}")
        if self.activation is None:
            object.__setattr__(self, "activation",
                               "lecun_tanh" if self.trainable else "identity")
        check_choice("activation", self.activation, ACTIVATIONS)
        oh, ow = h // f, w // f
        start, cin, cw = [0], [], []
        for m in range(self.maps):
            for r in range(oh):
                for s in range(ow):
                    for u in range(f):
                        for v in range(f):
                            cin.append(m * h * w + (r * f + u) * w + s * f + v)
                            cw.append(m if self.trainable else -1)
                    start.append(len(cin))
        bof = (np.repeat(np.arange(self.maps), oh * ow) if self.trainable
               else np.full(self.maps * oh * ow, -1))
        object.__setattr__(self, "in_size", (h, w))
        object.__setattr__(self, "out_size", (oh, ow))
        object.__setattr__(self, "const", 0.0 if self.trainable else 1.0 / (f * f))
        object.__setattr__(self, "n_weights", self.maps if self.trainable else 0)
        object.__setattr__(self, "n_biases", self.maps if self.trainable else 0)
        self._finish(start, cin, cw, bof)

    @property
    def n_in(self) -> int:
        """Inputs: maps x height x width."""
        return self.maps * self.in_size[0] * self.in_size[1]

    @property
    def n_out(self) -> int:
        """Outputs: maps x (height / factor) x (width / factor)."""
        return self.maps * self.out_size[0] * self.out_size[1]

    @property
    def fan_in(self) -> int:
        """Inputs per unit: factor x factor."""
        return self.factor * self.factor


@dataclass(frozen=True)
class RBF(_PerUnit):
    """Radial-basis-function units (§4.8): phi_j = exp(-||x - nu_j||^2 / (2 sigma_j^2)).
    Parameters: the centres nu (n_out x n_in, where a dense layer keeps W) and the widths
    sigma (n_out, where it keeps b). Follow it with a linear Dense layer to get the paper's
    g(x) = sum_j w_j phi_j. Initialise centres from data with
    :func:`ebtricks.network.init_rbf_from_data`.

    Parameters
    ----------
    n_in : int
        Inputs, >= 1.
    n_out : int
        RBF units, >= 1.
    sigma : float, default 1.0
        The initial width of every unit, > 0 (the widths are then trained).

    Raises
    ------
    ValueError
        When a size is below 1 or sigma <= 0.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> net = eb.Network([eb.RBF(2, 1)])
    >>> net.weights(0)[...] = 0.0
    >>> round(float(net.forward(np.array([[1.0, 1.0]]))[0, 0]), 6)   # exp(-2 / 2)
    0.367879
    """

    n_in: int
    n_out: int
    sigma: float = 1.0

    kind = "rbf"
    activation = "identity"
    a = 0.0
    const = 0.0

    def __post_init__(self):
        check_int("n_in", self.n_in, 1)
        check_int("n_out", self.n_out, 1)
        check_positive("sigma", self.sigma)

    @property
    def connections(self) -> int:
        """Connections: one per centre coordinate (n_out x n_in)."""
        return self.n_weights
