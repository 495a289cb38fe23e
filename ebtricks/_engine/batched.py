"""The batched driver: whole-batch versions of the dense-network passes, as matrix
products.

Over many samples at once, Y = X W^T + b and its transposes are matrix-matrix products
that NumPy hands to BLAS, which beats a per-sample loop. The per-sample drivers
(:mod:`.drivers` over :mod:`.dense`) stay the reference (and the path for online learning
and for other layer types); tests hold both to the same numbers. The activations come
from :mod:`.units` and the cost from :mod:`.loss`, as in every other pass.
"""
from __future__ import annotations

import numpy as np

from .layout import ACT, ACT_PARAM, all_dense
from .loss import rows_hessian_diag, rows_hessian_times, rows_loss, rows_loss_and_grad
from .units import apply_f, derivatives_from

EMPTY = np.empty((0, 0))


def is_dense(net) -> bool:
    return all_dense(net.table)


def _layers(net, w):
    out = []
    for l, (w0, b0, nout, nin) in enumerate(net.offsets()):
        out.append((w[w0:b0].reshape(nout, nin), w[b0:b0 + nout], int(net.table[l, ACT]),
                    float(net.layer_floats[l, ACT_PARAM])))
    return out


def forward(net, w, X, need_d2=False):
    """Per layer: (input, Y, f(Y), f'(Y), f''(Y) or None)."""
    states = []
    h = X
    for W, b, code, a in _layers(net, w):
        Y = h @ W.T
        Y += b
        F = np.empty_like(Y)
        apply_f(code, Y, a, F)
        F1 = np.empty_like(Y)
        F2 = np.empty_like(Y) if need_d2 else EMPTY
        derivatives_from(code, Y, F, a, F1, F2)
        states.append((h, Y, F, F1, F2 if need_d2 else None))
        h = F
    return states


def outputs(net, w, X):
    """The network's outputs for every row (no derivatives)."""
    h = X
    for W, b, code, a in _layers(net, w):
        Y = h @ W.T
        Y += b
        apply_f(code, Y, a, Y)   # in place: f(y) depends only on y
        h = Y
    return h


def sample_losses(net, w, X, D):
    return rows_loss(net.loss_code, outputs(net, w, X), D)


def _backward(net, w, states, dOut, grad):
    """Standard backward pass (eqs 7-9), gradients summed over rows into grad."""
    layers = _layers(net, w)
    dX = dOut
    for l in range(len(layers) - 1, -1, -1):
        W, _, _, _ = layers[l]
        h, _, _, F1, _ = states[l]
        dY = F1 * dX
        w0, b0, nout, nin = net.offsets()[l]
        grad[w0:b0] = (dY.T @ h).ravel()
        grad[b0:b0 + nout] = dY.sum(axis=0)
        if l:
            dX = dY @ W


def gradient(net, w, X, D):
    states = forward(net, w, X)
    total, dOut = rows_loss_and_grad(net.loss_code, states[-1][2], D)
    grad = np.empty(net.n_params)
    _backward(net, w, states, dOut, grad)
    return total, grad


def _r_forward(net, w, v, states):
    """R{Y} and R{F} per layer."""
    rs = []
    rh = None
    for (W, b, _, _), (V, vb, _, _), (h, _, _, F1, _) in zip(_layers(net, w), _layers(net, v),
                                                            states):
        RY = h @ V.T
        RY += vb
        if rh is not None:
            RY += rh @ W.T
        RF = F1 * RY
        rs.append((rh, RY, RF))
        rh = RF
    return rs


def hvp(net, w, v, X, D):
    """Sum over rows of H_p v by the R-operator."""
    states = forward(net, w, X, need_d2=True)
    rs = _r_forward(net, w, v, states)
    out = states[-1][2]
    _, dX = rows_loss_and_grad(net.loss_code, out, D)
    rdX = rows_hessian_times(net.loss_code, out, D, rs[-1][2])
    layers, vlayers = _layers(net, w), _layers(net, v)
    hv = np.empty(net.n_params)
    for l in range(len(layers) - 1, -1, -1):
        W, V = layers[l][0], vlayers[l][0]
        h, _, _, F1, F2 = states[l]
        rh, RY, _ = rs[l]
        dY = F1 * dX
        rdY = F2 * RY * dX + F1 * rdX
        w0, b0, nout, nin = net.offsets()[l]
        G = rdY.T @ h
        if rh is not None:
            G += dY.T @ rh
        hv[w0:b0] = G.ravel()
        hv[b0:b0 + nout] = rdY.sum(axis=0)
        if l:
            dX, rdX = dY @ W, dY @ V + rdY @ W
    return hv


def gnvp(net, w, v, X, D):
    """Sum over rows of J_p^T (d^2E_p/dy^2) J_p v."""
    states = forward(net, w, X)
    rs = _r_forward(net, w, v, states)
    dOut = rows_hessian_times(net.loss_code, states[-1][2], D, rs[-1][2])
    out = np.empty(net.n_params)
    _backward(net, w, states, dOut, out)
    return out


def diag_backprop(net, w, X, D, keep_f2=False, row_weights=None):
    """Sum over rows of the eqs 54-56 recursion (see drivers.batch_diag_backprop),
    each row weighted by ``row_weights`` when given (the recursion is linear in the output
    second derivatives, so weighting them weights the row's whole contribution)."""
    states = forward(net, w, X, need_d2=keep_f2)
    out_act = states[-1][2]
    d2X = rows_hessian_diag(net.loss_code, out_act, D)
    if row_weights is not None:
        if keep_f2:
            raise ValueError("row_weights is only supported for the Gauss-Newton recursion")
        d2X = d2X * np.asarray(row_weights)[:, None]
    dX = rows_loss_and_grad(net.loss_code, out_act, D)[1] if keep_f2 else None
    layers = _layers(net, w)
    out = np.empty(net.n_params)
    for l in range(len(layers) - 1, -1, -1):
        W = layers[l][0]
        h, _, _, F1, F2 = states[l]
        Hy = F1 * F1 * d2X
        if keep_f2:
            Hy += F2 * dX
        w0, b0, nout, nin = net.offsets()[l]
        out[w0:b0] = (Hy.T @ (h * h)).ravel()
        out[b0:b0 + nout] = Hy.sum(axis=0)
        if l:
            d2X = Hy @ (W * W)
            if keep_f2:
                dX = (F1 * dX) @ W
    return out
