"""Numba kernels over flat float64 arrays: forward (eq 3), backward (eqs 4-9), batch
gradients. A network is described to the kernels by an integer table, one row per layer
(columns below), and a float table of per-layer constants; parameters live in one flat
vector, activations and their derivatives in flat buffers (layout: input, then each
layer's outputs in order; ``ys`` continues past the units with each convolution's patches
and scratch, see :func:`buffers`).

The inner loops carry fastmath flags ``reassoc`` and ``contract`` only: they let LLVM
vectorise dot products (reassociating the sums) and fuse multiply-adds. We never pass
``nnan``/``ninf``, so NaN and Inf propagate and the divergence checks stay valid.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ._rbf_kernels import rbf_backward, rbf_forward
from ._shared_kernels import shared_backward, shared_forward
from .activations import act_df_from, act_f, act_f_into
from .losses import loss_and_grad, loss_only

FAST = {"reassoc", "contract"}

# layer-table columns (AUX_OFF / N_CONN: where a shared-weight layer's connection lists
# start in the network's int64 aux array, and how many connections it has)
# PATCH_OFF / PATCH_LEN: where in ``ys``, past the units, a convolution keeps the input
# patches its forward pass gathered, for its backward pass
(TYPE, N_IN, N_OUT, W_OFF, B_OFF, ACT, IN_OFF, OUT_OFF, AUX_OFF, N_CONN, GEO_OFF, PATCH_OFF,
 PATCH_LEN) = range(13)
N_COLS = 16
# layer types
DENSE, SHARED, RBF = 0, 1, 2


@njit(cache=True, fastmath=FAST)
def dense_forward(row, a, params, xs, ys):
    nin, nout = row[N_IN], row[N_OUT]
    w0, b0, code = row[W_OFF], row[B_OFF], row[ACT]
    i0, o0 = row[IN_OFF], row[OUT_OFF]
    xin = xs[i0:i0 + nin]
    # one 2-D view of W, indexed [j, i]: the inner loop vectorises (params[base + i] would
    # not), and no view per row to reference-count
    W = params[w0:w0 + nout * nin].reshape(nout, nin)
    for j in range(nout):
        s = params[b0 + j]
        for i in range(nin):
            s += W[j, i] * xin[i]
        ys[o0 + j] = s
    if nout >= 16:   # a whole layer at once (vectorised tanh); small ones unit by unit
        act_f_into(code, ys[o0:o0 + nout], a, xs[o0:o0 + nout], np.empty(nout),
                   np.empty(nout, dtype=np.int64))
    else:
        for j in range(nout):
            xs[o0 + j] = act_f(code, ys[o0 + j], a)


@njit(cache=True, fastmath=FAST)
def dense_backward(row, a, params, xs, ys, dxs, dys, grad, need_dx):
    """dE/dY = f'(Y) dE/dX (eq 7); dE/dW = dE/dY X_prev^T (eq 8); dE/dX_prev = W^T dE/dY
    (eq 9). Gradients are *added* into ``grad`` so that a batch can accumulate."""
    nin, nout = row[N_IN], row[N_OUT]
    w0, b0, code = row[W_OFF], row[B_OFF], row[ACT]
    i0, o0 = row[IN_OFF], row[OUT_OFF]
    xin = xs[i0:i0 + nin]
    dxin = dxs[i0:i0 + nin]
    if need_dx:
        dxin[:] = 0.0
    W = params[w0:w0 + nout * nin].reshape(nout, nin)
    GW = grad[w0:w0 + nout * nin].reshape(nout, nin)
    for j in range(nout):
        g = act_df_from(code, ys[o0 + j], xs[o0 + j], a) * dxs[o0 + j]
        dys[o0 + j] = g
        grad[b0 + j] += g
        for i in range(nin):
            GW[j, i] += g * xin[i]
        if need_dx:
            for i in range(nin):
                dxin[i] += W[j, i] * g


@njit(cache=True)
def forward(table, lf, aux, params, x, xs, ys):
    n0 = table[0, N_IN]
    for i in range(n0):
        xs[i] = x[i]
    for l in range(table.shape[0]):
        t = table[l, TYPE]
        if t == DENSE:
            dense_forward(table[l], lf[l, 0], params, xs, ys)
        elif t == SHARED:
            shared_forward(table[l], lf[l], aux, params, xs, ys)
        else:
            rbf_forward(table[l], params, xs, ys)


@njit(cache=True)
def backward(table, lf, aux, params, xs, ys, dxs, dys, grad):
    """Backpropagate dE/dX of the last layer (already in ``dxs``) down to the input."""
    for l in range(table.shape[0] - 1, -1, -1):
        t = table[l, TYPE]
        if t == DENSE:
            dense_backward(table[l], lf[l, 0], params, xs, ys, dxs, dys, grad, l > 0)
        elif t == SHARED:
            shared_backward(table[l], lf[l], aux, params, xs, ys, dxs, dys, grad, l > 0)
        else:
            rbf_backward(table[l], params, xs, ys, dxs, grad, l > 0)


@njit(cache=True)
def sample_loss_grad(table, lf, aux, params, loss, x, d, xs, ys, dxs, dys, grad):
    """E_p for one sample; its gradient is added into ``grad``."""
    forward(table, lf, aux, params, x, xs, ys)
    last = table.shape[0] - 1
    o0, n = table[last, OUT_OFF], table[last, N_OUT]
    e = loss_and_grad(loss, xs[o0:o0 + n], d, dxs[o0:o0 + n])
    backward(table, lf, aux, params, xs, ys, dxs, dys, grad)
    return e


@njit(cache=True)
def batch_loss_grad(table, lf, aux, params, loss, X, D, xs, ys, dxs, dys, grad):
    """Sum over samples of E_p, and of its gradient (into ``grad``, zeroed first)."""
    grad[:] = 0.0
    total = 0.0
    for p in range(X.shape[0]):
        total += sample_loss_grad(table, lf, aux, params, loss, X[p], D[p], xs, ys, dxs, dys,
                                  grad)
    return total


@njit(cache=True)
def batch_forward(table, lf, aux, params, X, xs, ys, out):
    last = table.shape[0] - 1
    o0, n = table[last, OUT_OFF], table[last, N_OUT]
    for p in range(X.shape[0]):
        forward(table, lf, aux, params, X[p], xs, ys)
        for k in range(n):
            out[p, k] = xs[o0 + k]


@njit(cache=True)
def batch_losses(table, lf, aux, params, loss, X, D, xs, ys, out):
    """E_p of every sample into ``out``; returns their sum."""
    last = table.shape[0] - 1
    o0, n = table[last, OUT_OFF], table[last, N_OUT]
    total = 0.0
    for p in range(X.shape[0]):
        forward(table, lf, aux, params, X[p], xs, ys)
        out[p] = loss_only(loss, xs[o0:o0 + n], D[p])
        total += out[p]
    return total


def buffers(table: np.ndarray, dtype=np.float64):
    """Work buffers for one sample: xs, ys, dxs, dys (ys also holds convolution patches)."""
    size = int(table[-1, OUT_OFF] + table[-1, N_OUT])
    ys_size = max(size, int(np.max(table[:, PATCH_OFF] + table[:, PATCH_LEN])))
    return (np.zeros(size, dtype=dtype), np.zeros(ys_size, dtype=dtype),
            np.zeros(size, dtype=dtype), np.zeros(size, dtype=dtype))
