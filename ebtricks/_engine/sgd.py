"""The SGD epoch kernels: one epoch of stochastic / mini-batch gradient descent.

Two of them:

* :func:`sgd_epoch` handles everything (mini-batches, momentum, per-weight rates,
  annealing, Murata's adaptive rate, recording the weight trajectory).
* :func:`online_dense_epoch` is the hot path for plain online SGD (batch size 1, no
  momentum, no Murata, no trajectory) on all-dense networks. It applies the first layer's
  updates in blocks of samples, one pass over the largest matrix per block instead of two
  per sample, with an exact correction for the updates a block has not yet applied, and
  it updates the upper layers' weights in the same loop that backpropagates through them.
  It is a Python function that runs one of two kernels, one per kind of first-layer rate
  (:func:`_online_rows_epoch`, :func:`_online_weights_epoch`), so that a first call
  compiles only the one it needs.

Both return the position in ``order`` at which the cost became NaN or infinite, or -1.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from numba import njit

from .dense import FAST
from . import indirect
from .drivers import sample_loss_grad
from .layout import (ACT, ACT_PARAM, B_OFF, IN_OFF, N_IN, N_OUT, OUT_OFF, W_OFF, all_dense,
                     buffers)
from .loss import loss_and_grad
from .units import act_df_into, act_f_into

CONSTANT, INVERSE_TIME = 0, 1


class Rate(NamedTuple):
    """The rate's schedule: eta0, CONSTANT or INVERSE_TIME, and tau (updates to halve)."""
    eta0: float
    schedule: int
    tau: float


class Step(NamedTuple):
    """How updates are made: samples per update, and the momentum mu (§4.7)."""
    batch_size: int
    momentum: float


class MurataRule(NamedTuple):
    """Murata's adaptive rate (eqs 17-19): on or off, and its delta, alpha, beta."""
    on: bool
    delta: float
    alpha: float
    beta: float


class Recording(NamedTuple):
    """Weight trajectory: rows ``traj``, every ``every`` updates (0: never), rows used in
    ``count[0]``."""
    traj: np.ndarray
    every: int
    count: np.ndarray


@njit(cache=True)
def rate_at(rate, t):
    """eta_t: constant, or eta0 / (1 + t/tau), which is c/t with c = eta0*tau for t >> tau
    (eq 12's annealing schedule)."""
    if rate.schedule == INVERSE_TIME:
        return rate.eta0 / (1.0 + t / rate.tau)
    return rate.eta0


@njit(cache=True)
def sgd_epoch(fam, table, lf, aux, params, loss, X, D, order, rate, t0, eta_vec, step, velocity,
              murata, r, eta_state, rec, sample_losses, xs, ys, dxs, dys, grad):
    """One epoch, any network: mini-batches, momentum, per-weight rates, annealing, Murata's
    rate and recording. Returns the position in ``order`` where the cost became NaN/Inf, or
    -1."""
    batch_size, momentum = step.batch_size, step.momentum
    traj, traj_every, traj_count = rec.traj, rec.every, rec.count
    n = params.size
    per_weight = eta_vec.size == n
    t = t0
    in_batch = 0
    grad[:] = 0.0
    n_order = order.size
    for k in range(n_order):
        p = order[k]
        e = sample_loss_grad(fam, table, lf, aux, params, loss, X[p], D[p], xs, ys, dxs, dys, grad)
        sample_losses[k] = e
        if not math.isfinite(e):
            return k
        in_batch += 1
        if in_batch < batch_size and k < n_order - 1:
            continue
        # one update with the mean gradient of the batch (eq 10)
        eta = eta_state[0] if murata.on else rate_at(rate, t)
        scale = 1.0 / in_batch
        c = eta * scale
        # one loop per case, so that each vectorises
        if momentum != 0.0:
            # Delta w(t+1) = eta dE/dw + mu Delta w(t)   (§4.7)
            for i in range(n):
                step = c * grad[i] * (eta_vec[i] if per_weight else 1.0) + momentum * velocity[i]
                velocity[i] = step
                params[i] -= step
        elif per_weight:
            for i in range(n):
                params[i] -= c * grad[i] * eta_vec[i]
        else:
            for i in range(n):
                params[i] -= c * grad[i]
        if murata.on:
            # eqs 17-19: leaky average r of the gradient; eta grows with ||r|| and anneals
            # as the weights approach the minimum
            norm2 = 0.0
            for i in range(n):
                r[i] = (1.0 - murata.delta) * r[i] + murata.delta * grad[i] * scale
                norm2 += r[i] * r[i]
            eta_state[0] = eta + murata.alpha * eta * (murata.beta * math.sqrt(norm2) - eta)
        t += 1
        in_batch = 0
        grad[:] = 0.0
        if traj_every > 0 and (t - t0) % traj_every == 0 and traj_count[0] < traj.shape[0]:
            for i in range(n):   # a loop: an array assignment compiles shape-error messages
                traj[traj_count[0], i] = params[i]
            traj_count[0] += 1
    return -1


BLOCK = 4   # samples per pass over the first layer's weights in the blocked online kernel


@njit(cache=True, fastmath=FAST)
def _block_rows(params, w0, nin, nout, C, p0, p1, p2, p3, q0, q1, q2, q3, Y):
    """One pass over W_0 for four samples: W_0 <- W_0 - sum_m C[m] p_m^T (the pending
    steps of the last four samples, p_m their inputs), fused with Y[m] = W_0 q_m for the
    next four inputs q_m (bias left out).

    Three rows at a time: the eight input values loaded at column i serve three weights,
    each weight is read and written once per four samples instead of once per sample, and
    the 24 products per column keep the FMA units busy instead of waiting on the cache."""
    zero = Y.dtype.type(0)   # accumulate in the arrays' own precision
    W = params[w0:w0 + nout * nin].reshape(nout, nin)   # one view, not one per row
    j = 0
    while j + 2 < nout:
        c00, c01, c02, c03 = C[0, j], C[1, j], C[2, j], C[3, j]
        c10, c11, c12, c13 = C[0, j + 1], C[1, j + 1], C[2, j + 1], C[3, j + 1]
        c20, c21, c22, c23 = C[0, j + 2], C[1, j + 2], C[2, j + 2], C[3, j + 2]
        s00 = s01 = s02 = s03 = zero
        s10 = s11 = s12 = s13 = zero
        s20 = s21 = s22 = s23 = zero
        for i in range(nin):
            a0, a1, a2, a3 = p0[i], p1[i], p2[i], p3[i]
            b0, b1, b2, b3 = q0[i], q1[i], q2[i], q3[i]
            w = W[j, i] - c00 * a0 - c01 * a1 - c02 * a2 - c03 * a3
            W[j, i] = w
            s00 += w * b0
            s01 += w * b1
            s02 += w * b2
            s03 += w * b3
            w = W[j + 1, i] - c10 * a0 - c11 * a1 - c12 * a2 - c13 * a3
            W[j + 1, i] = w
            s10 += w * b0
            s11 += w * b1
            s12 += w * b2
            s13 += w * b3
            w = W[j + 2, i] - c20 * a0 - c21 * a1 - c22 * a2 - c23 * a3
            W[j + 2, i] = w
            s20 += w * b0
            s21 += w * b1
            s22 += w * b2
            s23 += w * b3
        Y[0, j], Y[1, j], Y[2, j], Y[3, j] = s00, s01, s02, s03
        Y[0, j + 1], Y[1, j + 1], Y[2, j + 1], Y[3, j + 1] = s10, s11, s12, s13
        Y[0, j + 2], Y[1, j + 2], Y[2, j + 2], Y[3, j + 2] = s20, s21, s22, s23
        j += 3
    while j < nout:
        c00, c01, c02, c03 = C[0, j], C[1, j], C[2, j], C[3, j]
        s00 = s01 = s02 = s03 = zero
        for i in range(nin):
            w = W[j, i] - c00 * p0[i] - c01 * p1[i] - c02 * p2[i] - c03 * p3[i]
            W[j, i] = w
            s00 += w * q0[i]
            s01 += w * q1[i]
            s02 += w * q2[i]
            s03 += w * q3[i]
        Y[0, j], Y[1, j], Y[2, j], Y[3, j] = s00, s01, s02, s03
        j += 1


@njit(cache=True, fastmath=FAST)
def _block2_rows_per_weight(params, rates, w0, nin, nout, C, p0, p1, q0, q1, Y, T):
    """:func:`_block_rows` for two samples with a rate per weight:
    W_0 <- W_0 - rates * (C[0] p0^T + C[1] p1^T), fused with Y[m] = W_0 q_m, and
    T[j] = sum_i rates[j, i] q0[i] q1[i], which the second sample of the block needs to
    correct its product for the first sample's update (a rate-weighted dot product, one
    per row). Rates may be float32 (half the memory traffic; SDLM keeps them so)."""
    zero = Y.dtype.type(0)
    W = params[w0:w0 + nout * nin].reshape(nout, nin)
    E = rates[w0:w0 + nout * nin].reshape(nout, nin)
    j = 0
    while j < nout:
        # three rows at a time where they exist
        nr = min(3, nout - j)
        if nr == 3:
            c00, c01 = C[0, j], C[1, j]
            c10, c11 = C[0, j + 1], C[1, j + 1]
            c20, c21 = C[0, j + 2], C[1, j + 2]
            s00 = s01 = s10 = s11 = s20 = s21 = zero
            t0 = t1 = t2 = zero
            for i in range(nin):
                a0, a1, b0, b1 = p0[i], p1[i], q0[i], q1[i]
                e = E[j, i] * (c00 * a0 + c01 * a1)
                w = W[j, i] - e
                W[j, i] = w
                s00 += w * b0
                s01 += w * b1
                t0 += E[j, i] * (b0 * b1)
                e = E[j + 1, i] * (c10 * a0 + c11 * a1)
                w = W[j + 1, i] - e
                W[j + 1, i] = w
                s10 += w * b0
                s11 += w * b1
                t1 += E[j + 1, i] * (b0 * b1)
                e = E[j + 2, i] * (c20 * a0 + c21 * a1)
                w = W[j + 2, i] - e
                W[j + 2, i] = w
                s20 += w * b0
                s21 += w * b1
                t2 += E[j + 2, i] * (b0 * b1)
            Y[0, j], Y[1, j], T[j] = s00, s01, t0
            Y[0, j + 1], Y[1, j + 1], T[j + 1] = s10, s11, t1
            Y[0, j + 2], Y[1, j + 2], T[j + 2] = s20, s21, t2
            j += 3
        else:
            c00, c01 = C[0, j], C[1, j]
            s00 = s01 = t0 = zero
            for i in range(nin):
                w = W[j, i] - E[j, i] * (c00 * p0[i] + c01 * p1[i])
                W[j, i] = w
                s00 += w * q0[i]
                s01 += w * q1[i]
                t0 += E[j, i] * (q0[i] * q1[i])
            Y[0, j], Y[1, j], T[j] = s00, s01, t0
            j += 1


@njit(cache=True, fastmath=FAST, error_model="numpy", inline="always")
def _upper_layers(table, lf, params, loss, d, eta, per_weight, eta_vec, xs, ys, dxs, dys,
                  tf, ti):
    """Forward through layers 1.. (layer 0's outputs already in xs), the loss, and the
    backward pass through layers L-1..1, updating each layer's weights as the pass leaves
    it. Leaves dE/dX of layer 0's outputs in dxs and returns the sample's cost. Each
    layer's activations and their derivatives are computed a whole vector at a time."""
    L = table.shape[0]
    last = L - 1
    oL, nL = table[last, OUT_OFF], table[last, N_OUT]
    for l in range(1, L):
        nin, nout = table[l, N_IN], table[l, N_OUT]
        w0, b0, i0, o0 = table[l, W_OFF], table[l, B_OFF], table[l, IN_OFF], table[l, OUT_OFF]
        xin = xs[i0:i0 + nin]
        W = params[w0:w0 + nout * nin].reshape(nout, nin)   # one view, not one per row
        for j in range(nout):
            s = params[b0 + j]
            for i in range(nin):
                s += W[j, i] * xin[i]
            ys[o0 + j] = s
        act_f_into(table[l, ACT], ys[o0:o0 + nout], lf[l, ACT_PARAM], xs[o0:o0 + nout], tf, ti)
    e = loss_and_grad(loss, xs[oL:oL + nL], d, dxs[oL:oL + nL])
    if not math.isfinite(e):
        return e
    for l in range(L - 1, 0, -1):
        nin, nout = table[l, N_IN], table[l, N_OUT]
        w0, b0, i0, o0 = table[l, W_OFF], table[l, B_OFF], table[l, IN_OFF], table[l, OUT_OFF]
        xin = xs[i0:i0 + nin]
        dxin = dxs[i0:i0 + nin]
        dxin[:] = 0.0
        act_df_into(table[l, ACT], ys[o0:o0 + nout], xs[o0:o0 + nout], lf[l, ACT_PARAM],
                    dys[o0:o0 + nout])
        W = params[w0:w0 + nout * nin].reshape(nout, nin)
        if per_weight:
            E = eta_vec[w0:w0 + nout * nin].reshape(nout, nin)
        for j in range(nout):
            g = dys[o0 + j] * dxs[o0 + j]
            if per_weight:
                params[b0 + j] -= eta * g * eta_vec[b0 + j]
                for i in range(nin):
                    dxin[i] += W[j, i] * g
                    W[j, i] -= eta * g * E[j, i] * xin[i]
            else:
                params[b0 + j] -= eta * g
                for i in range(nin):
                    dxin[i] += W[j, i] * g
                    W[j, i] -= eta * g * xin[i]
    return e


def online_dense_epoch(table, lf, params, loss, X, D, order, rate, t0, eta_vec, row_rates,
                       sample_losses, xs, ys, dxs, dys):
    """One epoch of online SGD on an all-dense network, one update per sample; returns the
    position in ``order`` where the cost became NaN/Inf, or -1.

    The first layer's W_0 (784 x 30 on MNIST) dominates the work, so it is not updated
    sample by sample. Samples go in blocks of B; one pass over W_0 applies the previous
    block's B pending rank-one updates and computes W_0 x_m for the block's B inputs
    (:func:`_block_rows`), so each weight is read and written once per B samples. Inside
    the block, sample m corrects its product for the updates of the samples m' < m that
    are not yet in W_0:

        W x_m = W_0 x_m - sum_{m' < m} c_m' (x_m' . x_m),

    with c_m' = eta g_m' (times the row's rate) the step of sample m'. This is exactly
    the online rule with the arithmetic regrouped; only rounding differs.

    * ``row_rates`` holds one rate multiplier per row of W_0 (all ones without rates; the
      fan-in rule and per-layer rates are of this kind): B = 4.
    * ``row_rates`` is empty (rates that vary along a row, as SDLM's): B = 2, and the
      correction uses the rate-weighted product sum_i rates_ji x_0i x_1i, which the pass
      computes too (:func:`_block2_rows_per_weight`).

    The two cases are two kernels (:func:`_online_rows_epoch`,
    :func:`_online_weights_epoch`), so that a first call compiles only its own case's pass
    over W_0. ``xs``, ``ys``, ``dxs``, ``dys`` are one sample's buffers
    (``layout.buffers``), all of one dtype.
    """
    kernel = _online_rows_epoch if row_rates.size > 0 else _online_weights_epoch
    # the kernel's float scratch, made here and sized from the same table: each
    # np.zeros/np.empty inside a kernel compiles an implementation of its own per number
    # of dimensions and dtype (half a second of a first call); see _online_epoch
    nout0, width = int(table[0, N_OUT]), int(table[:, N_OUT].max())
    scratch = np.zeros(9 * nout0 + 16, dtype=ys.dtype)
    tf, ti = np.zeros(width), np.zeros(width, dtype=np.int64)
    return kernel(table, lf, params, loss, X, D, order, rate, t0, eta_vec, row_rates,
                  sample_losses, xs, ys, dxs, dys, scratch, tf, ti)


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _online_rows_epoch(table, lf, params, loss, X, D, order, rate, t0, eta_vec, row_rates,
                       sample_losses, xs, ys, dxs, dys, scratch, tf, ti):
    """:func:`online_dense_epoch` with one rate per row of W_0 (blocks of four)."""
    return _online_epoch(table, lf, params, loss, X, D, order, rate, t0, eta_vec, row_rates,
                         sample_losses, xs, ys, dxs, dys, scratch, tf, ti, True)


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _online_weights_epoch(table, lf, params, loss, X, D, order, rate, t0, eta_vec,
                          row_rates, sample_losses, xs, ys, dxs, dys, scratch, tf, ti):
    """:func:`online_dense_epoch` with a rate per weight of W_0 (blocks of two)."""
    return _online_epoch(table, lf, params, loss, X, D, order, rate, t0, eta_vec, row_rates,
                         sample_losses, xs, ys, dxs, dys, scratch, tf, ti, False)


@njit(cache=True, fastmath=FAST, error_model="numpy", inline="always")
def _online_epoch(table, lf, params, loss, X, D, order, rate, t0, eta_vec, row_rates,
                  sample_losses, xs, ys, dxs, dys, scratch, tf, ti, blocked_rows):
    """The body of both: ``blocked_rows`` is a constant in each, and Numba drops the other
    case's branches (so its pass over W_0 is not compiled) before typing. ``scratch``
    (9 n_0 + 16 values of the dtype of ``ys``, n_0 the first layer's outputs) holds the
    block's arrays below, C zeroed here and the others written before they are read;
    ``tf`` and ``ti`` (float64 and int64, as long as the widest layer) are the vector
    activations' scratch."""
    per_weight = eta_vec.size == params.size
    B = 4 if blocked_rows else 2
    nin0, nout0 = table[0, N_IN], table[0, N_OUT]
    w00, b00, code0, o00 = table[0, W_OFF], table[0, B_OFF], table[0, ACT], table[0, OUT_OFF]
    a0 = lf[0, ACT_PARAM]
    status = -1
    n = order.size
    C = scratch[:4 * nout0].reshape(4, nout0)   # pending steps: row m is sample m's eta g
    Y = scratch[4 * nout0:8 * nout0].reshape(4, nout0)   # W_0 x_m for the block's inputs
    G = scratch[8 * nout0:8 * nout0 + 16].reshape(4, 4)  # x_m' . x_m for m' < m
    T = scratch[8 * nout0 + 16:9 * nout0 + 16]   # rate-weighted x_0 . x_1 per row (B = 2)
    C[:] = 0.0
    pend = np.zeros(4, dtype=np.int64)          # rows of X of the pending samples
    nxt = np.zeros(4, dtype=np.int64)           # rows of X of the block's samples
    pend[:] = order[0] if n > 0 else 0
    y0, x0 = ys[o00:o00 + nout0], xs[o00:o00 + nout0]
    dx0, g0 = dxs[o00:o00 + nout0], dys[o00:o00 + nout0]
    k = 0
    while True:
        # one pass over W_0: the pending steps of the last block, and W_0 x_m for this
        # block's inputs; once the samples are done (or one failed), the last turn applies
        # them (rows of C past the last sample are zero) and its Y, T are not used
        done = k >= n or status >= 0
        nb = min(B, n - k)
        for m in range(4):   # a short last block repeats its first sample (never used)
            if done:
                nxt[m] = pend[m]
            else:
                nxt[m] = order[k + m] if m < nb else order[k]
        if blocked_rows:
            _block_rows(params, w00, nin0, nout0, C, X[pend[0]], X[pend[1]], X[pend[2]],
                        X[pend[3]], X[nxt[0]], X[nxt[1]], X[nxt[2]], X[nxt[3]], Y)
        else:
            _block2_rows_per_weight(params, eta_vec, w00, nin0, nout0, C, X[pend[0]],
                                    X[pend[1]], X[nxt[0]], X[nxt[1]], Y, T)
        if done:
            break
        C[:] = 0.0
        if blocked_rows:
            for m in range(1, nb):
                xm = X[nxt[m]]
                for m2 in range(m):
                    xm2 = X[nxt[m2]]
                    s = G.dtype.type(0)
                    for i in range(nin0):
                        s += xm2[i] * xm[i]
                    G[m2, m] = s
        for m in range(nb):
            kk = k + m
            p = order[kk]
            for j in range(nout0):
                y0[j] = Y[m, j] + params[b00 + j]
            if blocked_rows:
                for m2 in range(m):
                    gm = G[m2, m]
                    for j in range(nout0):
                        y0[j] -= C[m2, j] * gm
            elif m == 1:
                for j in range(nout0):
                    y0[j] -= C[0, j] * T[j]
            act_f_into(code0, y0, a0, x0, tf, ti)
            eta = rate_at(rate, t0 + kk)
            e = _upper_layers(table, lf, params, loss, D[p], eta, per_weight, eta_vec,
                              xs, ys, dxs, dys, tf, ti)
            sample_losses[kk] = e
            if not math.isfinite(e):
                status = kk
                break
            act_df_into(code0, y0, x0, a0, g0)
            for j in range(nout0):
                g0[j] *= eta * dx0[j]                      # eta dE/dY_j
                if per_weight:
                    params[b00 + j] -= g0[j] * eta_vec[b00 + j]
                else:
                    params[b00 + j] -= g0[j]
            if blocked_rows:
                for j in range(nout0):
                    C[m, j] = g0[j] * row_rates[j]
            else:
                for j in range(nout0):
                    C[m, j] = g0[j]
            pend[m] = p
        k += nb
    return status


# --- the Python side: which kernel, its buffers and its state ----------------------------
def first_layer_row_rates(table, eta_vec: np.ndarray) -> np.ndarray:
    """The rate multiplier of each row of the first layer's W when it is constant along the
    row (no per-weight rates, the fan-in rule, per-layer rates), which lets the online kernel
    take its blocked path; otherwise an empty array."""
    row = table[0]
    nin, nout = int(row[N_IN]), int(row[N_OUT])
    if eta_vec.size == 0:
        return np.ones(nout)
    w0 = int(row[W_OFF])
    W = eta_vec[w0:w0 + nin * nout].reshape(nout, nin)
    if np.all(W == W[:, :1]):
        return W[:, 0].astype(np.float64)
    return np.empty(0)


class Epochs:
    """Runs epochs of SGD on one network: picks the kernel once (the blocked online kernel
    for plain online SGD on an all-dense network, :func:`sgd_epoch` otherwise) and keeps
    its buffers and state (velocity, Murata's r and rate, the trajectory) between epochs."""

    def __init__(self, net, rate: Rate, eta_vec, step: Step, murata: MurataRule, eta_start,
                 traj_rows: int, record_every: int):
        n = net.n_params
        self.net, self.rate, self.eta_vec, self.step, self.murata = net, rate, eta_vec, step, murata
        self.bufs = buffers(net.table)
        self.grad, self.velocity, self.r = np.zeros(n), np.zeros(n), np.zeros(n)
        self.eta_state = np.array([float(eta_start)])
        self.rec = Recording(np.zeros((traj_rows, n)), record_every, np.zeros(1, np.int64))
        self.family = None   # made on the first run (see there)
        self.online = (step.batch_size == 1 and step.momentum == 0 and not murata.on
                       and record_every == 0 and all_dense(net.table))
        self.row_rates = (first_layer_row_rates(net.table, eta_vec) if self.online
                          else np.empty(0))

    def record(self):
        """Append the current weights to the trajectory."""
        self.rec.traj[self.rec.count[0]] = self.net.params
        self.rec.count[0] += 1

    def trajectory(self):
        return self.rec.traj[:self.rec.count[0]].copy()

    def run(self, X, D, order, t, losses):
        """One epoch over the rows ``order`` of X, the updates counted from ``t``; each
        presentation's cost goes into ``losses``. Returns (the position in ``order`` where
        the cost became NaN/Inf or -1, the number of updates)."""
        net = self.net
        if self.online:
            status = online_dense_epoch(net.table, net.layer_floats, net.params, net.loss_code,
                                        X, D, order, self.rate, float(t), self.eta_vec,
                                        self.row_rates, losses, *self.bufs)
            return status, order.size
        args = (net.table, net.layer_floats, net.aux, net.params, net.loss_code, X, D, order,
                self.rate, float(t), self.eta_vec, self.step, self.velocity, self.murata, self.r,
                self.eta_state, self.rec, losses, *self.bufs, self.grad)
        if self.family is None:
            # the layer passes; while a helper process compiles some of them, this one
            # compiles the epoch kernel for these arguments (as engine._run does)
            self.family = indirect.family(net.table, ("forward", "backward"),
                                          lambda fam: indirect.compile_for(sgd_epoch, fam, *args))
        status = sgd_epoch(self.family, *args)
        return status, math.ceil(order.size / self.step.batch_size)

    def eta(self, t):
        """The rate after t updates (Murata's: the adapted one)."""
        return float(self.eta_state[0]) if self.murata.on else rate_at(self.rate, float(t))
