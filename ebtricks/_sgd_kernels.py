"""Training loops compiled with Numba: one epoch of stochastic / mini-batch gradient descent.

Two kernels:

* :func:`sgd_epoch` handles everything (mini-batches, momentum, per-weight rates,
  annealing, Murata's adaptive rate, recording the weight trajectory).
* :func:`online_dense_epoch` is the hot path for plain online SGD (batch size 1, no
  momentum, no Murata, no trajectory) on all-dense networks. It fuses the first layer's
  weight update for sample t with the forward pass of sample t+1, so the largest matrix is
  streamed through the cache once per sample instead of twice, and it updates the upper
  layers' weights in the same loop that backpropagates through them.

Both return the position in ``order`` at which the cost became NaN or infinite, or -1.
"""
from __future__ import annotations

import math

from numba import njit

from ._kernels import (ACT, B_OFF, IN_OFF, N_IN, N_OUT, OUT_OFF, W_OFF, FAST, dense_forward,
                       sample_loss_grad)
from .activations import act_df_from, act_f
from .losses import loss_and_grad

CONSTANT, INVERSE_TIME = 0, 1


@njit(cache=True)
def _rate(eta0, sched, tau, t):
    """eta_t: constant, or eta0 / (1 + t/tau), which is c/t with c = eta0*tau for t >> tau
    (eq 12's annealing schedule)."""
    if sched == INVERSE_TIME:
        return eta0 / (1.0 + t / tau)
    return eta0


@njit(cache=True)
def sgd_epoch(table, lf, aux, params, loss, X, D, order, eta0, eta_vec, batch_size, momentum,
              velocity, sched, tau, t0, murata, r, murata_delta, murata_alpha, murata_beta,
              eta_state, traj, traj_every, traj_count, sample_losses,
              xs, ys, dxs, dys, grad):
    n = params.size
    per_weight = eta_vec.size == n
    t = t0
    in_batch = 0
    grad[:] = 0.0
    n_order = order.size
    for k in range(n_order):
        p = order[k]
        e = sample_loss_grad(table, lf, aux, params, loss, X[p], D[p], xs, ys, dxs, dys, grad)
        sample_losses[k] = e
        if not math.isfinite(e):
            return k
        in_batch += 1
        if in_batch < batch_size and k < n_order - 1:
            continue
        # one update with the mean gradient of the batch (eq 10)
        eta = eta_state[0] if murata else _rate(eta0, sched, tau, t)
        scale = 1.0 / in_batch
        for i in range(n):
            g = grad[i] * scale
            step = eta * g
            if per_weight:
                step *= eta_vec[i]
            if momentum != 0.0:
                # Delta w(t+1) = eta dE/dw + mu Delta w(t)   (§4.7)
                step += momentum * velocity[i]
                velocity[i] = step
            params[i] -= step
        if murata:
            # eqs 17-19: leaky average r of the gradient; eta grows with ||r|| and anneals
            # as the weights approach the minimum
            norm2 = 0.0
            for i in range(n):
                r[i] = (1.0 - murata_delta) * r[i] + murata_delta * grad[i] * scale
                norm2 += r[i] * r[i]
            eta_state[0] = eta + murata_alpha * eta * (murata_beta * math.sqrt(norm2) - eta)
        t += 1
        in_batch = 0
        grad[:] = 0.0
        if traj_every > 0 and (t - t0) % traj_every == 0 and traj_count[0] < traj.shape[0]:
            traj[traj_count[0], :] = params
            traj_count[0] += 1
    return -1


@njit(cache=True, fastmath=FAST)
def _fused_rows(params, w0, b0, nin, nout, steps, s0, xp, x, ys):
    """W_0 <- W_0 - steps x_prev^T fused with Y = W_0 x + b for the next sample.

    Two rows at a time: each x_prev[i] and x[i] loaded once serves two weights, which
    relieves the load ports; the weights themselves are read and written once."""
    j = 0
    while j + 1 < nout:
        r0 = params[w0 + j * nin:w0 + (j + 1) * nin]
        r1 = params[w0 + (j + 1) * nin:w0 + (j + 2) * nin]
        c0, c1 = steps[s0 + j], steps[s0 + j + 1]
        a0, a1 = params[b0 + j], params[b0 + j + 1]
        for i in range(nin):
            u = xp[i]
            v = x[i]
            w = r0[i] - c0 * u
            r0[i] = w
            a0 += w * v
            w = r1[i] - c1 * u
            r1[i] = w
            a1 += w * v
        ys[s0 + j] = a0
        ys[s0 + j + 1] = a1
        j += 2
    if j < nout:
        r0 = params[w0 + j * nin:w0 + (j + 1) * nin]
        c0 = steps[s0 + j]
        a0 = params[b0 + j]
        for i in range(nin):
            w = r0[i] - c0 * xp[i]
            r0[i] = w
            a0 += w * x[i]
        ys[s0 + j] = a0


@njit(cache=True, fastmath=FAST)
def _fused_rows_per_weight(params, rates, w0, b0, nin, nout, steps, s0, xp, x, ys):
    """:func:`_fused_rows` with a rate per weight: W_0 <- W_0 - rates * (steps x_prev^T).

    Rates may be float32. Each product with a rate has a float64 array element as its
    other factor, so it stays float64 under NumPy's scalar rules too (NUMBA_DISABLE_JIT),
    where a Python float times a float32 would round to float32."""
    j = 0
    while j + 1 < nout:
        r0 = params[w0 + j * nin:w0 + (j + 1) * nin]
        r1 = params[w0 + (j + 1) * nin:w0 + (j + 2) * nin]
        e0 = rates[w0 + j * nin:w0 + (j + 1) * nin]
        e1 = rates[w0 + (j + 1) * nin:w0 + (j + 2) * nin]
        c0, c1 = steps[s0 + j], steps[s0 + j + 1]
        a0, a1 = params[b0 + j], params[b0 + j + 1]
        for i in range(nin):
            u = xp[i]
            v = x[i]
            w = r0[i] - e0[i] * c0 * u
            r0[i] = w
            a0 += w * v
            w = r1[i] - e1[i] * c1 * u
            r1[i] = w
            a1 += w * v
        ys[s0 + j] = a0
        ys[s0 + j + 1] = a1
        j += 2
    if j < nout:
        r0 = params[w0 + j * nin:w0 + (j + 1) * nin]
        e0 = rates[w0 + j * nin:w0 + (j + 1) * nin]
        c0 = steps[s0 + j]
        a0 = params[b0 + j]
        for i in range(nin):
            w = r0[i] - e0[i] * c0 * xp[i]
            r0[i] = w
            a0 += w * x[i]
        ys[s0 + j] = a0


@njit(cache=True, fastmath=FAST)
def online_dense_epoch(table, lf, params, loss, X, D, order, eta0, eta_vec, sched, tau, t0,
                       sample_losses, xs, ys, dxs, dys):
    per_weight = eta_vec.size == params.size
    L = table.shape[0]
    nin0, nout0 = table[0, N_IN], table[0, N_OUT]
    w00, b00, code0, o00 = table[0, W_OFF], table[0, B_OFF], table[0, ACT], table[0, OUT_OFF]
    a0 = lf[0, 0]
    last = L - 1
    oL, nL = table[last, OUT_OFF], table[last, N_OUT]
    pending = False
    prev = 0
    status = -1
    for k in range(order.size):
        p = order[k]
        x = X[p]
        # ---- layer 0 forward, fused with the previous sample's pending update of W_0 ----
        # (it reads the sample straight from X: nothing below needs a copy of the input)
        xp = X[prev]
        if pending and not per_weight:
            _fused_rows(params, w00, b00, nin0, nout0, dys, o00, xp, x, ys)
        elif pending:
            _fused_rows_per_weight(params, eta_vec, w00, b00, nin0, nout0, dys, o00, xp, x, ys)
        else:  # the first sample: nothing pending, a plain forward pass (it reads xs)
            xs[:nin0] = x
            dense_forward(table[0], a0, params, xs, ys)
        for j in range(nout0):
            xs[o00 + j] = act_f(code0, ys[o00 + j], a0)
        pending = False
        # ---- upper layers forward ----
        for l in range(1, L):
            dense_forward(table[l], lf[l, 0], params, xs, ys)
        e = loss_and_grad(loss, xs[oL:oL + nL], D[p], dxs[oL:oL + nL])
        sample_losses[k] = e
        if not math.isfinite(e):
            status = k
            break
        eta = _rate(eta0, sched, tau, t0 + k)
        # ---- backward through the upper layers, updating each as we leave it ----
        for l in range(L - 1, 0, -1):
            nin, nout = table[l, N_IN], table[l, N_OUT]
            w0, b0, code = table[l, W_OFF], table[l, B_OFF], table[l, ACT]
            i0, o0 = table[l, IN_OFF], table[l, OUT_OFF]
            a = lf[l, 0]
            xin = xs[i0:i0 + nin]
            dxin = dxs[i0:i0 + nin]
            dxin[:] = 0.0
            for j in range(nout):
                g = act_df_from(code, ys[o0 + j], xs[o0 + j], a) * dxs[o0 + j]
                base = w0 + j * nin
                wrow = params[base:base + nin]
                if per_weight:
                    erow = eta_vec[base:base + nin]
                    params[b0 + j] -= eta * g * eta_vec[b0 + j]
                    for i in range(nin):
                        dxin[i] += wrow[i] * g
                        wrow[i] -= eta * g * erow[i] * xin[i]
                else:
                    params[b0 + j] -= eta * g
                    for i in range(nin):
                        dxin[i] += wrow[i] * g
                        wrow[i] -= eta * g * xin[i]
        # ---- layer 0: bias now, weights fused into the next forward pass ----
        for j in range(nout0):
            g = act_df_from(code0, ys[o00 + j], xs[o00 + j], a0) * dxs[o00 + j]
            dys[o00 + j] = eta * g     # the pending step, kept in the buffers' own dtype
            if per_weight:
                params[b00 + j] -= eta * g * eta_vec[b00 + j]
            else:
                params[b00 + j] -= eta * g
        pending = True
        prev = p
    if pending:  # flush the last update
        xp = X[prev]
        for j in range(nout0):
            c = dys[o00 + j]
            base = w00 + j * nin0
            wrow = params[base:base + nin0]
            if per_weight:
                erow = eta_vec[base:base + nin0]
                for i in range(nin0):
                    wrow[i] -= erow[i] * c * xp[i]
            else:
                for i in range(nin0):
                    wrow[i] -= c * xp[i]
    return status
