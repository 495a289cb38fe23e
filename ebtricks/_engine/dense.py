"""The dense layer, y = W x + b, x_out = f(y): its five passes side by side.

* :func:`forward` (eq 3) and :func:`backward` (eqs 7-9);
* :func:`r_forward` and :func:`r_backward`: the same passes under the R-operator
  (Pearlmutter), R{q} = d/dr q(w + r v) at r = 0, whose last result is H v (§7);
* :func:`diag`: the backpropagated diagonal second derivatives (eqs 54-56).

Every pass takes the layer's ``row`` of the table and ``lfrow`` of the float table (see
:mod:`.layout`); ``aux`` is unused here. Gradients are *added* into their output so that
a batch can accumulate. The inner loops carry fastmath flags ``reassoc`` and ``contract``
only: they let LLVM vectorise dot products and fuse multiply-adds. We never pass
``nnan``/``ninf``, so NaN and Inf propagate and the divergence checks stay valid.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .layout import ACT, ACT_PARAM, B_OFF, IN_OFF, N_IN, N_OUT, OUT_OFF, W_OFF
from .units import act_d2f_from, act_d2f_into, act_df_from, act_f, act_f_into

FAST = {"reassoc", "contract"}


@njit(cache=True, fastmath=FAST)
def forward(row, lfrow, aux, params, xs, ys):
    nin, nout = row[N_IN], row[N_OUT]
    a = lfrow[ACT_PARAM]
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
def backward(row, lfrow, aux, params, xs, ys, dxs, dys, grad, need_dx):
    """dE/dY = f'(Y) dE/dX (eq 7); dE/dW = dE/dY X_prev^T (eq 8); dE/dX_prev = W^T dE/dY
    (eq 9). Gradients are *added* into ``grad`` so that a batch can accumulate."""
    nin, nout = row[N_IN], row[N_OUT]
    a = lfrow[ACT_PARAM]
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


@njit(cache=True, fastmath=FAST)
def r_forward(row, lfrow, aux, params, v, xs, ys, rxs, rys, first):
    """R{y} = V x + W R{x} + v_b;  R{x_out} = f'(y) R{y}."""
    nin, nout = row[N_IN], row[N_OUT]
    a = lfrow[ACT_PARAM]
    w0, b0, code = row[W_OFF], row[B_OFF], row[ACT]
    i0, o0 = row[IN_OFF], row[OUT_OFF]
    xin = xs[i0:i0 + nin]
    rxin = rxs[i0:i0 + nin]
    for j in range(nout):
        base = w0 + j * nin
        vrow = v[base:base + nin]
        s = v[b0 + j]
        if first:  # the input does not depend on the weights: R{x_0} = 0
            for i in range(nin):
                s += vrow[i] * xin[i]
        else:
            wrow = params[base:base + nin]
            for i in range(nin):
                s += vrow[i] * xin[i] + wrow[i] * rxin[i]
        rys[o0 + j] = s
        rxs[o0 + j] = act_df_from(code, ys[o0 + j], xs[o0 + j], a) * s


@njit(cache=True, fastmath=FAST)
def r_backward(row, lfrow, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx,
               first):
    """Backward pass and its R-derivative together:
    dE/dy = f'(y) dE/dx;  R{dE/dy} = f''(y) R{y} dE/dx + f'(y) R{dE/dx};
    R{dE/dW} = R{dE/dy} x^T + dE/dy R{x}^T;  R{dE/dx_prev} = V^T dE/dy + W^T R{dE/dy}."""
    nin, nout = row[N_IN], row[N_OUT]
    a = lfrow[ACT_PARAM]
    w0, b0, code = row[W_OFF], row[B_OFF], row[ACT]
    i0, o0 = row[IN_OFF], row[OUT_OFF]
    xin = xs[i0:i0 + nin]
    rxin = rxs[i0:i0 + nin]
    dxin = dxs[i0:i0 + nin]
    rdxin = rdxs[i0:i0 + nin]
    if need_dx:
        dxin[:] = 0.0
        rdxin[:] = 0.0
    f2 = np.empty(nout)
    act_d2f_into(code, ys[o0:o0 + nout], xs[o0:o0 + nout], a, f2)
    for j in range(nout):
        fp = act_df_from(code, ys[o0 + j], xs[o0 + j], a)
        dy = fp * dxs[o0 + j]
        rdy = f2[j] * rys[o0 + j] * dxs[o0 + j] + fp * rdxs[o0 + j]
        hv[b0 + j] += rdy
        base = w0 + j * nin
        hrow = hv[base:base + nin]
        if first:
            for i in range(nin):
                hrow[i] += rdy * xin[i]
        else:
            for i in range(nin):
                hrow[i] += rdy * xin[i] + dy * rxin[i]
        if need_dx:
            wrow = params[base:base + nin]
            vrow = v[base:base + nin]
            for i in range(nin):
                dxin[i] += wrow[i] * dy
                rdxin[i] += vrow[i] * dy + wrow[i] * rdy



@njit(cache=True, fastmath=FAST)
def diag(row, lfrow, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx):
    """Eqs 54-56 (see drivers.batch_diag_backprop): d2E/dy^2 = f'^2 d2E/dx^2 (+ f'' dE/dx
    with keep_f2), d2E/dw_ji^2 = d2E/dy_j^2 x_i^2, d2E/dx_i^2 = sum_j w_ji^2 d2E/dy_j^2."""
    nin, nout = row[N_IN], row[N_OUT]
    w0, b0, code = row[W_OFF], row[B_OFF], row[ACT]
    i0, ol = row[IN_OFF], row[OUT_OFF]
    a = lfrow[ACT_PARAM]
    xin = xs[i0:i0 + nin]
    d2xin = d2xs[i0:i0 + nin]
    dxin = dxs[i0:i0 + nin]
    if need_dx:
        d2xin[:] = 0.0
        if keep_f2:
            dxin[:] = 0.0
    for j in range(nout):
        y = ys[ol + j]
        fp = act_df_from(code, y, xs[ol + j], a)
        h = fp * fp * d2xs[ol + j]
        if keep_f2:
            h += act_d2f_from(code, y, xs[ol + j], a) * dxs[ol + j]
        out[b0 + j] += h
        base = w0 + j * nin
        orow = out[base:base + nin]
        for i in range(nin):
            orow[i] += h * xin[i] * xin[i]
        if need_dx:
            wrow = params[base:base + nin]
            for i in range(nin):
                d2xin[i] += wrow[i] * wrow[i] * h
            if keep_f2:
                g = fp * dxs[ol + j]
                for i in range(nin):
                    dxin[i] += wrow[i] * g
