"""The numerical engine of ebtricks, private: see README.md in this folder for the map from
the paper's equations to the files, and for how to add a layer type.

This module is the engine's only door for the public modules. Each function takes a
:class:`~ebtricks.network.Network`, the weights to use and the data, chooses the backend
once (:func:`use_batched`: matrix products over the whole batch for an all-dense network,
the per-sample drivers otherwise), and returns *sums* over the rows of X (callers divide).
The matrix products run under the BLAS thread limit of :mod:`ebtricks._threads`.
"""
from __future__ import annotations

import numpy as np

from .. import _threads
from . import batched, drivers, indirect, layout
from .layout import OUT_OFF
from .loss import CODES as LOSSES, loss_hessian_times

def use_batched(net, X) -> bool:
    """Whether a pass over X goes through the matrix-product path (:mod:`.batched`): an
    all-dense network and at least ``net.BATCH_MIN`` rows."""
    return X.shape[0] >= net.BATCH_MIN and layout.all_dense(net.table)


def _tables(net, w):
    """Arguments 2-5 of every driver: the network's tables and the weights, made
    C-contiguous float64, as the layer passes take them."""
    return net.table, net.layer_floats, net.aux, np.ascontiguousarray(w, dtype=np.float64)


def _args(net, w, *passes):
    """The first five arguments of every driver: the family marker, then :func:`_tables`;
    ``passes``: the layer passes it runs (see indirect.py)."""
    return (indirect.family(net.table, passes), *_tables(net, w))


def _run(driver, net, w, passes, *rest):
    """``driver(*_args(net, w, *passes), *rest)``. While a helper process compiles some of
    the layer passes (indirect.py), this process compiles the driver for these arguments
    instead of waiting."""
    tables = _tables(net, w)
    fam = indirect.family(net.table, passes,
                          lambda marker: indirect.compile_for(driver, marker, *tables, *rest))
    return driver(fam, *tables, *rest)


def buffers(net):
    """One sample's work buffers (see :mod:`.layout`), to reuse over many calls."""
    return layout.buffers(net.table)


def r_buffers(net):
    """One sample's work buffers for the R-operator (see :mod:`.layout`)."""
    return layout.r_buffers(net.table)


def outputs(net, w, X):
    """The network's outputs for every row of X."""
    if use_batched(net, X):
        with _threads.limited():
            return batched.outputs(net, w, X)
    out = np.empty((X.shape[0], net.n_outputs))
    xs, ys, _, _ = buffers(net)
    _run(drivers.batch_forward, net, w, ("forward",), X, xs, ys, out)
    return out


def sample_costs(net, w, X, D):
    """E_p of every row."""
    if use_batched(net, X):
        with _threads.limited():
            return batched.sample_losses(net, w, X, D)
    xs, ys, _, _ = buffers(net)
    out = np.empty(X.shape[0])
    _run(drivers.batch_losses, net, w, ("forward",), net.loss_code, X, D, xs, ys, out)
    return out


def gradient(net, w, X, D, bufs=None):
    """(sum of E_p, sum of their gradients). ``bufs``: buffers of :func:`.layout.buffers`
    to reuse (for callers that loop over single samples)."""
    if use_batched(net, X):
        with _threads.limited():
            return batched.gradient(net, w, X, D)
    grad = np.zeros(net.n_params)
    total = _run(drivers.batch_loss_grad, net, w, ("forward", "backward"), net.loss_code, X,
                 D, *(bufs or buffers(net)), grad)
    return total, grad


def hvp(net, w, v, X, D, bufs=None, batched_ok=True):
    """Sum over rows of H_p v (the R-operator). ``batched_ok=False`` keeps the per-sample
    path (columns of an exact Hessian reuse ``bufs`` of :func:`.layout.r_buffers`)."""
    if batched_ok and use_batched(net, X):
        with _threads.limited():
            return batched.hvp(net, w, v, X, D)
    hv = np.empty(net.n_params)
    v = np.ascontiguousarray(v, dtype=np.float64)
    _run(drivers.batch_hvp, net, w, ("forward", "r_forward", "r_backward"), net.loss_code, v,
         X, D, *(bufs or r_buffers(net)), hv)
    return hv


def gnvp(net, w, v, X, D):
    """Sum over rows of J_p^T (d^2E_p/dy^2) J_p v."""
    if use_batched(net, X):
        with _threads.limited():
            return batched.gnvp(net, w, v, X, D)
    xs, ys, dxs, dys = buffers(net)
    out = np.empty(net.n_params)
    v = np.ascontiguousarray(v, dtype=np.float64)
    _run(drivers.batch_gnvp, net, w, ("forward", "r_forward", "backward"), net.loss_code, v,
         X, D, xs, ys, dxs, dys, np.zeros_like(xs), np.zeros_like(ys), out)
    return out


def diag(net, w, X, D, keep_f2=False):
    """Sum over rows of the backpropagated diagonal second derivatives (eqs 54-56)."""
    if use_batched(net, X):
        with _threads.limited():
            return batched.diag_backprop(net, w, X, D, keep_f2)
    xs, ys, dxs, _ = buffers(net)
    out = np.empty(net.n_params)
    _run(drivers.batch_diag_backprop, net, w, ("forward", "diag"), net.loss_code, X, D, xs, ys,
         dxs, np.zeros_like(xs), keep_f2, out)
    return out


def running_diag(net, X, D, idx, gamma, hbar):
    """Eq 62 over the rows ``idx`` of X in turn: <h> <- (1 - gamma) <h> + gamma h_p."""
    Xs, Ds = X[idx], D[idx]
    if use_batched(net, Xs):
        # applied m times it is a weighted sum: (1-g)^m <h> + sum_k g (1-g)^(m-1-k) h_k,
        # which one matrix-product pass computes
        m = idx.size
        decay = (1.0 - gamma) ** np.arange(m - 1, -1, -1)
        with _threads.limited():
            return ((1.0 - gamma) ** m * hbar
                    + batched.diag_backprop(net, net.params, Xs, Ds,
                                            row_weights=gamma * decay))
    xs, ys, dxs, _ = buffers(net)
    _run(drivers.running_diag, net, net.params, ("forward", "diag"), net.loss_code, X, D, idx,
         gamma, hbar, xs, ys, dxs, np.zeros_like(xs), np.empty(net.n_params))
    return hbar


def jacobians(net, w, X, D=None):
    """Yield, for every row, J_p = dy/dw (the same array, overwritten) and, with D, the
    output Hessian of the cost d^2E_p/dy^2."""
    xs, ys, dxs, dys = buffers(net)
    m = net.n_outputs
    J = np.empty((m, net.n_params))
    HL = np.empty((m, m))
    o0 = int(net.table[-1, OUT_OFF])
    args = _args(net, w, "forward", "backward")
    for p in range(X.shape[0]):
        drivers.sample_jacobian(*args, X[p], xs, ys, dxs, dys, J)
        if D is not None:
            y = xs[o0:o0 + m].copy()
            for k in range(m):
                loss_hessian_times(net.loss_code, y, D[p], np.eye(m)[k], HL[:, k])
        yield J, HL


def layer_outputs(net, w, X):
    """Every layer's output for each row of X: one array (P, n_out) per layer."""
    xs, ys, _, _ = buffers(net)
    outs = [np.empty((X.shape[0], l.n_out)) for l in net.layers]
    args = _args(net, w, "forward")
    for p in range(X.shape[0]):
        drivers.forward(*args, X[p], xs, ys)
        for l, o in enumerate(outs):
            o0 = net.table[l, OUT_OFF]
            o[p] = xs[o0:o0 + o.shape[1]]
    return outs


__all__ = ["LOSSES", "buffers", "diag", "gnvp", "gradient", "hvp", "jacobians",
           "layer_outputs", "outputs", "r_buffers", "running_diag", "sample_costs",
           "use_batched"]
