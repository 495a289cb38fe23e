"""The shared-weight layer by connection lists (LeNet's subsampling; also the reference
path of a convolution): each output unit j computes
y_j = b_{bias(j)} + sum over its connections c of w_{k(c)} x_{i(c)}, then x_out_j = f(y_j).

The lists are built once in Python (:mod:`ebtricks.layers`) and stored in ``aux`` (see
:mod:`.layout`). A weight index of -1 means a fixed weight (the layer's constant, e.g. 1/4
for plain 2x2 average pooling); a bias index of -1 means no bias. Every pass mirrors its
counterpart in :mod:`.dense` with the sum over connections in place of W x.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .layout import ACT, ACT_PARAM, AUX_OFF, B_OFF, CONST, IN_OFF, N_CONN, N_IN, N_OUT, OUT_OFF, W_OFF
from .units import act_d2f_from, act_d2f_into, act_df_from, act_df_into, act_f_into


@njit(cache=True)
def _lists(row, aux):
    nout, nc, ao = row[N_OUT], row[N_CONN], row[AUX_OFF]
    start = aux[ao:ao + nout + 1]
    cin = aux[ao + nout + 1:ao + nout + 1 + nc]
    cw = aux[ao + nout + 1 + nc:ao + nout + 1 + 2 * nc]
    bof = aux[ao + nout + 1 + 2 * nc:ao + 2 * nout + 1 + 2 * nc]
    return start, cin, cw, bof


@njit(cache=True)
def _w(params, w0, k, const):
    return params[w0 + k] if k >= 0 else const


@njit(cache=True, inline="always")
def forward(row, lfrow, aux, params, xs, ys):
    start, cin, cw, bof = _lists(row, aux)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    const = lfrow[CONST]
    nout = row[N_OUT]
    for j in range(nout):
        s = params[b0 + bof[j]] if bof[j] >= 0 else 0.0
        for c in range(start[j], start[j + 1]):
            s += _w(params, w0, cw[c], const) * xs[i0 + cin[c]]
        ys[o0 + j] = s
    act_f_into(code, ys[o0:o0 + nout], lfrow[ACT_PARAM], xs[o0:o0 + nout], np.empty(nout),
               np.empty(nout, dtype=np.int64))


@njit(cache=True, inline="always")
def backward(row, lfrow, aux, params, xs, ys, dxs, dys, grad, need_dx):
    start, cin, cw, bof = _lists(row, aux)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    const, a = lfrow[CONST], lfrow[ACT_PARAM]
    if need_dx:
        for i in range(row[N_IN]):
            dxs[i0 + i] = 0.0
    nout = row[N_OUT]
    act_df_into(code, ys[o0:o0 + nout], xs[o0:o0 + nout], a, dys[o0:o0 + nout])
    for j in range(nout):
        g = dys[o0 + j] * dxs[o0 + j]
        dys[o0 + j] = g
        if bof[j] >= 0:
            grad[b0 + bof[j]] += g
        for c in range(start[j], start[j + 1]):
            k, i = cw[c], cin[c]
            if k >= 0:
                grad[w0 + k] += g * xs[i0 + i]
            if need_dx:
                dxs[i0 + i] += _w(params, w0, k, const) * g


@njit(cache=True, inline="always")
def r_forward(row, lfrow, aux, params, v, xs, ys, rxs, rys, first):
    start, cin, cw, bof = _lists(row, aux)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    const = lfrow[CONST]
    for j in range(row[N_OUT]):
        s = v[b0 + bof[j]] if bof[j] >= 0 else 0.0
        for c in range(start[j], start[j + 1]):
            k, i = cw[c], cin[c]
            if k >= 0:
                s += v[w0 + k] * xs[i0 + i]
            if not first:
                s += _w(params, w0, k, const) * rxs[i0 + i]
        rys[o0 + j] = s
        rxs[o0 + j] = act_df_from(code, ys[o0 + j], xs[o0 + j], lfrow[ACT_PARAM]) * s


@njit(cache=True, inline="always")
def r_backward(row, lfrow, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx,
               first):
    start, cin, cw, bof = _lists(row, aux)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    const, a = lfrow[CONST], lfrow[ACT_PARAM]
    if need_dx:
        for i in range(row[N_IN]):
            dxs[i0 + i] = 0.0
            rdxs[i0 + i] = 0.0
    nout = row[N_OUT]
    # dE/dy and R{dE/dy} of every unit first, in loops that vectorise (f', then f'' from f)
    dy, rdy = np.empty(nout), np.empty(nout)
    act_df_into(code, ys[o0:o0 + nout], xs[o0:o0 + nout], a, dy)
    act_d2f_into(code, ys[o0:o0 + nout], xs[o0:o0 + nout], a, rdy)
    for j in range(nout):
        d = dxs[o0 + j]
        rdy[j] = rdy[j] * rys[o0 + j] * d + dy[j] * rdxs[o0 + j]
        dy[j] *= d
    for j in range(nout):
        g, rg = dy[j], rdy[j]
        if bof[j] >= 0:
            hv[b0 + bof[j]] += rg
        for c in range(start[j], start[j + 1]):
            k, i = cw[c], cin[c]
            if k >= 0:
                hv[w0 + k] += rg * xs[i0 + i] + (0.0 if first else g * rxs[i0 + i])
            if need_dx:
                wv = _w(params, w0, k, const)
                dxs[i0 + i] += wv * g
                rdxs[i0 + i] += wv * rg + (v[w0 + k] * g if k >= 0 else 0.0)


@njit(cache=True, inline="always")
def diag(row, lfrow, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx):
    """Eqs 54-56 for a shared-weight layer: a shared weight sums h x_i^2 over all the
    connections that use it (eq 53 with the sum over the units sharing it)."""
    start, cin, cw, bof = _lists(row, aux)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    const, a = lfrow[CONST], lfrow[ACT_PARAM]
    if need_dx:
        for i in range(row[N_IN]):
            d2xs[i0 + i] = 0.0
            if keep_f2:
                dxs[i0 + i] = 0.0
    for j in range(row[N_OUT]):
        y = ys[o0 + j]
        fp = act_df_from(code, y, xs[o0 + j], a)
        h = fp * fp * d2xs[o0 + j]
        if keep_f2:
            h += act_d2f_from(code, y, xs[o0 + j], a) * dxs[o0 + j]
        if bof[j] >= 0:
            out[b0 + bof[j]] += h
        for c in range(start[j], start[j + 1]):
            k, i = cw[c], cin[c]
            x = xs[i0 + i]
            if k >= 0:
                out[w0 + k] += h * x * x
            if need_dx:
                wv = _w(params, w0, k, const)
                d2xs[i0 + i] += wv * wv * h
                if keep_f2:
                    dxs[i0 + i] += wv * fp * dxs[o0 + j]
