"""Numba kernels for second-order quantities (§7): exact Hessian-vector products by the
R-operator (Pearlmutter), Gauss-Newton-vector products, and the backpropagated diagonal
second derivatives of eqs 54-56.

R{.} is the directional derivative along v: R{q} = d/dr q(w + r v) at r = 0. Applied to
the forward pass it gives R{y}, R{x}; applied to the backward pass it gives R{dE/dw} = H v.
Buffers follow the layout of :mod:`ebtricks._kernels`.
"""
from __future__ import annotations

import math

from numba import njit

from ._kernels import (ACT, B_OFF, DENSE, FAST, IN_OFF, N_IN, N_OUT, OUT_OFF, SHARED, TYPE,
                       W_OFF, backward, forward)
from ._rbf_kernels import rbf_diag, rbf_r_backward, rbf_r_forward
from ._shared_kernels import shared_diag, shared_r_backward, shared_r_forward
from .activations import act_d2f, act_df_from
from .losses import MSE, log_sum_exp, loss_and_grad


@njit(cache=True, fastmath=FAST)
def dense_r_forward(row, a, params, v, xs, ys, rxs, rys, first):
    """R{y} = V x + W R{x} + v_b;  R{x_out} = f'(y) R{y}."""
    nin, nout = row[N_IN], row[N_OUT]
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
def dense_r_backward(row, a, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx, first):
    """Backward pass and its R-derivative together:
    dE/dy = f'(y) dE/dx;  R{dE/dy} = f''(y) R{y} dE/dx + f'(y) R{dE/dx};
    R{dE/dW} = R{dE/dy} x^T + dE/dy R{x}^T;  R{dE/dx_prev} = V^T dE/dy + W^T R{dE/dy}."""
    nin, nout = row[N_IN], row[N_OUT]
    w0, b0, code = row[W_OFF], row[B_OFF], row[ACT]
    i0, o0 = row[IN_OFF], row[OUT_OFF]
    xin = xs[i0:i0 + nin]
    rxin = rxs[i0:i0 + nin]
    dxin = dxs[i0:i0 + nin]
    rdxin = rdxs[i0:i0 + nin]
    if need_dx:
        dxin[:] = 0.0
        rdxin[:] = 0.0
    for j in range(nout):
        y = ys[o0 + j]
        fp = act_df_from(code, y, xs[o0 + j], a)
        dy = fp * dxs[o0 + j]
        rdy = act_d2f(code, y, a) * rys[o0 + j] * dxs[o0 + j] + fp * rdxs[o0 + j]
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


@njit(cache=True)
def loss_hessian_times(code, y, d, u, out):
    """out = (d^2 E_p / dy^2) u: the identity for mse; for softmax cross-entropy
    sum(d) (diag(p) - p p^T) u."""
    n = y.size
    if code == MSE:
        for k in range(n):
            out[k] = u[k]
        return
    lse = log_sum_exp(y)
    dsum = 0.0
    pu = 0.0
    for k in range(n):
        dsum += d[k]
        pu += math.exp(y[k] - lse) * u[k]
    for k in range(n):
        out[k] = dsum * math.exp(y[k] - lse) * (u[k] - pu)


@njit(cache=True)
def loss_hessian_diag(code, y, d, out):
    """Diagonal of d^2 E_p / dy^2."""
    n = y.size
    if code == MSE:
        for k in range(n):
            out[k] = 1.0
        return
    lse = log_sum_exp(y)
    dsum = 0.0
    for k in range(n):
        dsum += d[k]
    for k in range(n):
        p = math.exp(y[k] - lse)
        out[k] = dsum * p * (1.0 - p)


@njit(cache=True)
def r_forward(table, lf, aux, params, v, xs, ys, rxs, rys):
    for l in range(table.shape[0]):
        t = table[l, TYPE]
        if t == DENSE:
            dense_r_forward(table[l], lf[l, 0], params, v, xs, ys, rxs, rys, l == 0)
        elif t == SHARED:
            shared_r_forward(table[l], lf[l], aux, params, v, xs, ys, rxs, rys, l == 0)
        else:
            rbf_r_forward(table[l], params, v, xs, ys, rxs, rys, l == 0)


@njit(cache=True)
def sample_hvp(table, lf, aux, params, loss, v, x, d, xs, ys, dxs, dys, rxs, rys, rdxs, hv):
    """Add H_p v (the Hessian of E_p times v) into ``hv``; return E_p."""
    forward(table, lf, aux, params, x, xs, ys)
    L = table.shape[0]
    r_forward(table, lf, aux, params, v, xs, ys, rxs, rys)
    o0, n = table[L - 1, OUT_OFF], table[L - 1, N_OUT]
    e = loss_and_grad(loss, xs[o0:o0 + n], d, dxs[o0:o0 + n])
    # R{dE/dx_out} = (d^2E/dx_out^2) R{x_out}
    loss_hessian_times(loss, xs[o0:o0 + n], d, rxs[o0:o0 + n], rdxs[o0:o0 + n])
    for l in range(L - 1, -1, -1):
        t = table[l, TYPE]
        if t == DENSE:
            dense_r_backward(table[l], lf[l, 0], params, v, xs, ys, dxs, rxs, rys, rdxs, hv,
                             l > 0, l == 0)
        elif t == SHARED:
            shared_r_backward(table[l], lf[l], aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv,
                              l > 0, l == 0)
        else:
            rbf_r_backward(table[l], params, v, xs, ys, dxs, rxs, rys, rdxs, hv, l > 0, l == 0)
    return e


@njit(cache=True)
def batch_hvp(table, lf, aux, params, loss, v, X, D, xs, ys, dxs, dys, rxs, rys, rdxs, hv):
    hv[:] = 0.0
    total = 0.0
    for p in range(X.shape[0]):
        total += sample_hvp(table, lf, aux, params, loss, v, X[p], D[p], xs, ys, dxs, dys, rxs,
                            rys, rdxs, hv)
    return total


@njit(cache=True)
def batch_gnvp(table, lf, aux, params, loss, v, X, D, xs, ys, dxs, dys, rxs, rys, out):
    """sum_p J_p^T (d^2E_p/dy^2) J_p v: the Gauss-Newton matrix (eq 51) times v."""
    out[:] = 0.0
    L = table.shape[0]
    o0, n = table[L - 1, OUT_OFF], table[L - 1, N_OUT]
    for p in range(X.shape[0]):
        forward(table, lf, aux, params, X[p], xs, ys)
        r_forward(table, lf, aux, params, v, xs, ys, rxs, rys)
        # R{x_out} = J v; put (d^2E/dy^2) J v at the output and backpropagate it: the
        # ordinary backward pass is linear in what it starts from, so it adds J^T (...) to out
        loss_hessian_times(loss, xs[o0:o0 + n], D[p], rxs[o0:o0 + n], dxs[o0:o0 + n])
        backward(table, lf, aux, params, xs, ys, dxs, dys, out)


@njit(cache=True)
def sample_jacobian(table, lf, aux, params, x, xs, ys, dxs, dys, J):
    """J[k] = d x_out[k] / d w for one sample: backpropagate each unit vector (§7.2)."""
    forward(table, lf, aux, params, x, xs, ys)
    L = table.shape[0]
    o0, n = table[L - 1, OUT_OFF], table[L - 1, N_OUT]
    for k in range(n):
        J[k, :] = 0.0
        for q in range(n):
            dxs[o0 + q] = 1.0 if q == k else 0.0
        backward(table, lf, aux, params, xs, ys, dxs, dys, J[k])


@njit(cache=True)
def batch_diag_backprop(table, lf, aux, params, loss, X, D, xs, ys, dxs, d2xs, keep_f2, out):
    """Sum over samples of the backpropagated diagonal second derivatives (eqs 54-56):

    d2E/dy_k^2 = f'(y_k)^2 d2E/dx_k^2  (+ f''(y_k) dE/dx_k when keep_f2),
    d2E/dw_ki^2 = d2E/dy_k^2 x_i^2,     d2E/dx_i^2 = sum_k w_ki^2 d2E/dy_k^2.

    Off-diagonal terms of d2E/dx^2 are ignored. Without keep_f2 every term is >= 0 (the
    Gauss-Newton version the paper recommends)."""
    out[:] = 0.0
    L = table.shape[0]
    o0, n = table[L - 1, OUT_OFF], table[L - 1, N_OUT]
    for p in range(X.shape[0]):
        forward(table, lf, aux, params, X[p], xs, ys)
        loss_hessian_diag(loss, xs[o0:o0 + n], D[p], d2xs[o0:o0 + n])
        if keep_f2:
            loss_and_grad(loss, xs[o0:o0 + n], D[p], dxs[o0:o0 + n])
        for l in range(L - 1, -1, -1):
            if table[l, TYPE] == SHARED:
                shared_diag(table[l], lf[l], aux, params, xs, ys, dxs, d2xs, keep_f2, out, l > 0)
            elif table[l, TYPE] == DENSE:
                _dense_diag(table, lf, params, xs, ys, dxs, d2xs, keep_f2, out, l)
            else:
                rbf_diag(table[l], params, xs, ys, dxs, d2xs, keep_f2, out, l > 0)


@njit(cache=True, fastmath=FAST)
def _dense_diag(table, lf, params, xs, ys, dxs, d2xs, keep_f2, out, l):
    """Layer l of batch_diag_backprop for a dense layer."""
    row = table[l]
    nin, nout = row[N_IN], row[N_OUT]
    w0, b0, code = row[W_OFF], row[B_OFF], row[ACT]
    i0, ol = row[IN_OFF], row[OUT_OFF]
    a = lf[l, 0]
    xin = xs[i0:i0 + nin]
    d2xin = d2xs[i0:i0 + nin]
    dxin = dxs[i0:i0 + nin]
    if l > 0:
        d2xin[:] = 0.0
        if keep_f2:
            dxin[:] = 0.0
    for j in range(nout):
        y = ys[ol + j]
        fp = act_df_from(code, y, xs[ol + j], a)
        h = fp * fp * d2xs[ol + j]
        if keep_f2:
            h += act_d2f(code, y, a) * dxs[ol + j]
        out[b0 + j] += h
        base = w0 + j * nin
        orow = out[base:base + nin]
        for i in range(nin):
            orow[i] += h * xin[i] * xin[i]
        if l > 0:
            wrow = params[base:base + nin]
            for i in range(nin):
                d2xin[i] += wrow[i] * wrow[i] * h
            if keep_f2:
                g = fp * dxs[ol + j]
                for i in range(nin):
                    dxin[i] += wrow[i] * g
