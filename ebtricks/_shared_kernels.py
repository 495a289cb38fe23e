"""Kernels of the shared-weight layer: each output unit j computes
y_j = b_{bias(j)} + sum over its connections c of w_{k(c)} x_{i(c)}, then x_out_j = f(y_j).

Convolutions (any kernel, stride, padding and map-connection table) and LeNet's trainable
subsampling are both this layer with different connection lists, built once in Python
(:mod:`ebtricks.layers`). A weight index of -1 means a fixed weight (the layer's constant,
e.g. 1/4 for plain 2x2 average pooling); a bias index of -1 means no bias.

Connection lists live in the network's int64 ``aux`` array at the row's AUX_OFF:
start (n_out + 1), input index (n_conn), weight index (n_conn), bias index (n_out).
Every routine mirrors its dense counterpart in _kernels / _curv_kernels.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .activations import act_d2f, act_df_from, act_f

# layer-table columns shared with _kernels (kept in one place there; repeated here as
# plain ints to avoid an import cycle)
N_IN, N_OUT, W_OFF, B_OFF, ACT, IN_OFF, OUT_OFF, AUX_OFF, N_CONN, GEO_OFF = range(1, 11)


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


# --- convolutions without connection lists ---------------------------------------------------
# For training speed a Conv2D layer also carries its geometry (at GEO_OFF in aux):
# in_maps, h, w, out_maps, oh, ow, kh, kw, sh, sw, ph, pw, the offset of the patch index,
# then per output map its kernel offset, its number of input maps and their indices, then
# the patch index (see layers.Conv2D). Per sample the input patches are
# gathered once ("im2col": for every output position, every input map's kh x kw window,
# zeros in the padding); each output is then a sum of contiguous kh*kw dot products, which
# vectorise, and no connection list (larger than the weights it indexes) streams through
# the cache.
@njit(cache=True)
def _geometry(aux, g):
    return (aux[g], aux[g + 1], aux[g + 2], aux[g + 3], aux[g + 4], aux[g + 5], aux[g + 6],
            aux[g + 7], aux[g + 8], aux[g + 9], aux[g + 10], aux[g + 11])


@njit(cache=True)
def _is_range(maps):
    for i in range(maps.size):
        if maps[i] != i:
            return False
    return True


@njit(cache=True)
def _im2col(xm, pidx, P):
    for t in range(P.size):
        j = pidx[t]
        P[t] = xm[j] if j >= 0 else 0.0


@njit(cache=True, fastmath={"reassoc", "contract"})
def conv_forward(row, lfrow, aux, params, xs, ys):
    g = row[GEO_OFF]
    in_maps, h, w, out_maps, oh, ow, kh, kw, sh, sw, ph, pw = _geometry(aux, g)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    n, K2 = oh * ow, kh * kw
    P = np.empty(n * in_maps * K2)
    pidx = aux[g + aux[g + 12]:g + aux[g + 12] + P.size]
    _im2col(xs[i0:i0 + in_maps * h * w], pidx, P)
    a = lfrow[0]
    q = g + 13
    for o in range(out_maps):
        koff, nmaps = aux[q], aux[q + 1]
        maps = aux[q + 2:q + 2 + nmaps]
        q += 2 + nmaps
        full = nmaps == in_maps and _is_range(maps)
        for p in range(n):
            acc = params[b0 + o]
            if full:   # all input maps in order: one dot product over (maps, taps)
                kk = params[w0 + koff:w0 + koff + nmaps * K2]
                pp = P[p * in_maps * K2:(p + 1) * in_maps * K2]
                for t in range(nmaps * K2):
                    acc += kk[t] * pp[t]
            else:
                for ci in range(nmaps):
                    kk = params[w0 + koff + ci * K2:w0 + koff + (ci + 1) * K2]
                    pp = P[(p * in_maps + maps[ci]) * K2:(p * in_maps + maps[ci] + 1) * K2]
                    for t in range(K2):
                        acc += kk[t] * pp[t]
            ys[o0 + o * n + p] = acc
            xs[o0 + o * n + p] = act_f(code, acc, a)


@njit(cache=True, fastmath={"reassoc", "contract"})
def conv_backward(row, lfrow, aux, params, xs, ys, dxs, dys, grad, need_dx):
    g = row[GEO_OFF]
    in_maps, h, w, out_maps, oh, ow, kh, kw, sh, sw, ph, pw = _geometry(aux, g)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    a = lfrow[0]
    n, K2 = oh * ow, kh * kw
    P = np.empty(n * in_maps * K2)
    pidx = aux[g + aux[g + 12]:g + aux[g + 12] + P.size]
    _im2col(xs[i0:i0 + in_maps * h * w], pidx, P)
    dP = np.zeros(n * in_maps * K2) if need_dx else P[:0]
    for k in range(out_maps * n):
        dys[o0 + k] = act_df_from(code, ys[o0 + k], xs[o0 + k], a) * dxs[o0 + k]
    q = g + 13
    for o in range(out_maps):
        koff, nmaps = aux[q], aux[q + 1]
        maps = aux[q + 2:q + 2 + nmaps]
        q += 2 + nmaps
        full = nmaps == in_maps and _is_range(maps)
        for p in range(n):
            gy = dys[o0 + o * n + p]
            grad[b0 + o] += gy
            if full:
                m = nmaps * K2
                gk = grad[w0 + koff:w0 + koff + m]
                pp = P[p * m:(p + 1) * m]
                for t in range(m):
                    gk[t] += gy * pp[t]
                if need_dx:
                    kk = params[w0 + koff:w0 + koff + m]
                    dp = dP[p * m:(p + 1) * m]
                    for t in range(m):
                        dp[t] += gy * kk[t]
                continue
            for ci in range(nmaps):
                off = (p * in_maps + maps[ci]) * K2
                gk = grad[w0 + koff + ci * K2:w0 + koff + (ci + 1) * K2]
                pp = P[off:off + K2]
                for t in range(K2):
                    gk[t] += gy * pp[t]
                if need_dx:
                    kk = params[w0 + koff + ci * K2:w0 + koff + (ci + 1) * K2]
                    dp = dP[off:off + K2]
                    for t in range(K2):
                        dp[t] += gy * kk[t]
    if need_dx:   # scatter the patch gradients back onto the input maps ("col2im")
        dxm = dxs[i0:i0 + in_maps * h * w]
        dxm[:] = 0.0
        for t in range(dP.size):
            j = pidx[t]
            if j >= 0:
                dxm[j] += dP[t]


@njit(cache=True)
def shared_forward(row, lfrow, aux, params, xs, ys):
    if row[GEO_OFF] > 0:
        conv_forward(row, lfrow, aux, params, xs, ys)
        return
    start, cin, cw, bof = _lists(row, aux)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    const = lfrow[1]
    for j in range(row[N_OUT]):
        s = params[b0 + bof[j]] if bof[j] >= 0 else 0.0
        for c in range(start[j], start[j + 1]):
            s += _w(params, w0, cw[c], const) * xs[i0 + cin[c]]
        ys[o0 + j] = s
        xs[o0 + j] = act_f(code, s, lfrow[0])


@njit(cache=True)
def shared_backward(row, lfrow, aux, params, xs, ys, dxs, dys, grad, need_dx):
    if row[GEO_OFF] > 0:
        conv_backward(row, lfrow, aux, params, xs, ys, dxs, dys, grad, need_dx)
        return
    start, cin, cw, bof = _lists(row, aux)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    const, a = lfrow[1], lfrow[0]
    if need_dx:
        for i in range(row[N_IN]):
            dxs[i0 + i] = 0.0
    for j in range(row[N_OUT]):
        g = act_df_from(code, ys[o0 + j], xs[o0 + j], a) * dxs[o0 + j]
        dys[o0 + j] = g
        if bof[j] >= 0:
            grad[b0 + bof[j]] += g
        for c in range(start[j], start[j + 1]):
            k, i = cw[c], cin[c]
            if k >= 0:
                grad[w0 + k] += g * xs[i0 + i]
            if need_dx:
                dxs[i0 + i] += _w(params, w0, k, const) * g


@njit(cache=True)
def shared_r_forward(row, lfrow, aux, params, v, xs, ys, rxs, rys, first):
    start, cin, cw, bof = _lists(row, aux)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    const = lfrow[1]
    for j in range(row[N_OUT]):
        s = v[b0 + bof[j]] if bof[j] >= 0 else 0.0
        for c in range(start[j], start[j + 1]):
            k, i = cw[c], cin[c]
            if k >= 0:
                s += v[w0 + k] * xs[i0 + i]
            if not first:
                s += _w(params, w0, k, const) * rxs[i0 + i]
        rys[o0 + j] = s
        rxs[o0 + j] = act_df_from(code, ys[o0 + j], xs[o0 + j], lfrow[0]) * s


@njit(cache=True)
def shared_r_backward(row, lfrow, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx,
                      first):
    start, cin, cw, bof = _lists(row, aux)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    const, a = lfrow[1], lfrow[0]
    if need_dx:
        for i in range(row[N_IN]):
            dxs[i0 + i] = 0.0
            rdxs[i0 + i] = 0.0
    for j in range(row[N_OUT]):
        y = ys[o0 + j]
        fp = act_df_from(code, y, xs[o0 + j], a)
        dy = fp * dxs[o0 + j]
        rdy = act_d2f(code, y, a) * rys[o0 + j] * dxs[o0 + j] + fp * rdxs[o0 + j]
        if bof[j] >= 0:
            hv[b0 + bof[j]] += rdy
        for c in range(start[j], start[j + 1]):
            k, i = cw[c], cin[c]
            if k >= 0:
                hv[w0 + k] += rdy * xs[i0 + i] + (0.0 if first else dy * rxs[i0 + i])
            if need_dx:
                wv = _w(params, w0, k, const)
                dxs[i0 + i] += wv * dy
                rdxs[i0 + i] += wv * rdy + (v[w0 + k] * dy if k >= 0 else 0.0)


@njit(cache=True)
def shared_diag(row, lfrow, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx):
    """Eqs 54-56 for a shared-weight layer: a shared weight sums h x_i^2 over all the
    connections that use it (eq 53 with the sum over the units sharing it)."""
    start, cin, cw, bof = _lists(row, aux)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    const, a = lfrow[1], lfrow[0]
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
            h += act_d2f(code, y, a) * dxs[o0 + j]
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
