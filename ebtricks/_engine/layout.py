"""How the kernels see a network: the one place that defines the integer table's columns,
the layer type codes, the float table's columns, what ``aux`` holds at which offset, and
the buffer layout, and the one function that builds them from the layer specs.

One row of ``table`` (int64) per layer:

========== =====================================================================
TYPE       DENSE, SHARED (connection lists), CONV (patches) or RBF
N_IN/N_OUT units in and out
W_OFF      where the layer's weights (RBF: centres) start in ``params``
B_OFF      where its biases (RBF: widths) start
ACT        the activation's code (:mod:`ebtricks._engine.units`)
IN_OFF     where its input starts in the unit buffers ``xs``, ``ys``, ``dxs``, ...
OUT_OFF    where its output starts there
AUX_OFF    SHARED/CONV: where its connection lists start in ``aux``
N_CONN     SHARED/CONV: how many connections it has
GEO_OFF    CONV: where its geometry starts in ``aux``
PATCH_OFF  CONV: where in ``ys``, past the units, its input patches and scratch start
PATCH_LEN  CONV: how long that region is
========== =====================================================================

One row of ``lf`` (float64) per layer: ``lf[l, ACT_PARAM]`` the activation's parameter,
``lf[l, CONST]`` a shared layer's fixed weight.

``aux`` (int64) starts with one unused 0, then per shared-weight layer its connection
lists (start (n_out + 1), input index (n_conn), weight index (n_conn), bias index
(n_out)) and, for a convolution, its geometry: the 12 numbers of ``GEOMETRY`` below,
at ``G_PIDX`` and ``G_KIDX`` the offsets (from the geometry's start) of the patch index
and the kernel index, at ``G_FULL`` 1 when every output map sees every input map in order,
then the two indices (see :class:`ebtricks.layers.Conv2D`).

Buffers, one sample: ``xs`` holds the input then every layer's outputs f(y) in order,
``ys`` the totals y at the same offsets and, past the units, each convolution's patches
and scratch; ``dxs``/``dys`` the derivatives of the cost with respect to them.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

(TYPE, N_IN, N_OUT, W_OFF, B_OFF, ACT, IN_OFF, OUT_OFF, AUX_OFF, N_CONN, GEO_OFF, PATCH_OFF,
 PATCH_LEN) = range(13)
N_COLS = 16

DENSE, SHARED, RBF, CONV = 0, 1, 2, 3
#: layer spec ``kind`` -> type code
TYPES = {"dense": DENSE, "shared": SHARED, "rbf": RBF, "conv": CONV}

# float table columns
ACT_PARAM, CONST = 0, 1
N_FLOATS = 4

# a convolution's geometry header in aux (offsets from GEO_OFF)
GEOMETRY = ("in_maps", "h", "w", "out_maps", "oh", "ow", "kh", "kw", "sh", "sw", "ph", "pw")
G_PIDX = 12     # where (from the geometry's start) the patch index starts
G_KIDX = 13     # where the kernel index starts
G_FULL = 14     # 1: a full connection table, the kernels are the weights in order


class DenseOnly(NamedTuple):
    """Family marker of a network whose layers are all dense: the drivers, given it,
    compile the dense passes alone (see drivers._dispatchers)."""
    dense_only: bool = True


class AnyLayers(NamedTuple):
    """Family marker of any other network: the drivers dispatch on the layer type and call
    each layer pass through its address, ``addr[type, pass]`` (see indirect.py, which
    builds the marker: ``indirect.family``)."""
    addr: np.ndarray    # int64 (number of layer types, number of passes)


class Layout(NamedTuple):
    """The three arrays every kernel takes."""
    table: np.ndarray   # int64 (n_layers, N_COLS)
    lf: np.ndarray      # float64 (n_layers, N_FLOATS)
    aux: np.ndarray     # int64


def conv_scratch(layer) -> int:
    """Length of a convolution's region in ``ys``: its patches, then scratch (the
    activations' 2 m, the patch gradients and a transposed matrix, see conv.backward)."""
    kh, kw = layer.kernel
    oh, ow = layer.out_size
    nc, m = oh * ow * layer.in_maps * kh * kw, layer.n_out
    c = max(layer.in_maps * kh * kw, layer.out_maps)
    return 2 * nc + 2 * m + c * c


def build(layers, act_codes) -> Layout:
    """The kernels' description of a stack of layer specs; ``act_codes`` maps an
    activation's name to its code."""
    table = np.zeros((len(layers), N_COLS), dtype=np.int64)
    lf = np.zeros((len(layers), N_FLOATS))
    aux = [np.zeros(1, dtype=np.int64)]
    a_off = 1
    p_off, x_off = 0, 0
    for l, layer in enumerate(layers):
        row = table[l]
        row[TYPE] = TYPES[layer.kind]
        row[N_IN], row[N_OUT] = layer.n_in, layer.n_out
        row[W_OFF] = p_off
        row[B_OFF] = p_off + layer.n_weights
        row[ACT] = act_codes[layer.activation]
        row[IN_OFF] = x_off
        x_off += layer.n_in
        row[OUT_OFF] = x_off
        if row[TYPE] in (SHARED, CONV):
            start, cin, cw, bof = layer.lists
            row[AUX_OFF], row[N_CONN] = a_off, cin.size
            aux.extend([start, cin, cw, bof])
            a_off += start.size + cin.size + cw.size + bof.size
        if row[TYPE] == CONV:
            row[GEO_OFF] = a_off
            aux.append(layer.geometry)
            a_off += layer.geometry.size
        lf[l, ACT_PARAM] = layer.a
        lf[l, CONST] = getattr(layer, "const", 0.0)
        p_off += layer.n_params
    patch_off = x_off + layers[-1].n_out
    for l, layer in enumerate(layers):
        if table[l, TYPE] == CONV:
            table[l, PATCH_OFF] = patch_off
            table[l, PATCH_LEN] = conv_scratch(layer)
            patch_off += table[l, PATCH_LEN]
    return Layout(table, lf, np.concatenate(aux))


def buffers(table: np.ndarray, dtype=np.float64):
    """Work buffers for one sample: xs, ys, dxs, dys (ys also holds convolution patches)."""
    size = int(table[-1, OUT_OFF] + table[-1, N_OUT])
    ys_size = max(size, int(np.max(table[:, PATCH_OFF] + table[:, PATCH_LEN])))
    return (np.zeros(size, dtype=dtype), np.zeros(ys_size, dtype=dtype),
            np.zeros(size, dtype=dtype), np.zeros(size, dtype=dtype))


def r_buffers(table: np.ndarray):
    """xs, ys, dxs, dys, and R{x}, R{y}, R{dE/dx}; R{y} has room for R{x}'s patches."""
    xs, ys, dxs, dys = buffers(table)
    return xs, ys, dxs, dys, np.zeros_like(xs), np.zeros_like(ys), np.zeros_like(xs)


def all_dense(table: np.ndarray) -> bool:
    return bool(np.all(table[:, TYPE] == DENSE))
