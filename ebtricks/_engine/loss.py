"""The cost, in one place: C(D, M(Z, W)) for one sample, its derivative and its second
derivative with respect to the output, as Numba kernels (one sample) and as NumPy
functions over a batch of rows (for :mod:`.batched`).

* ``mse``: E_p = 1/2 ||d_p - y_p||^2, so that the average over P samples is the paper's
  E = 1/(2P) sum_p ||d_p - y_p||^2 (eq 28 form; §2).
* ``softmax_ce``: E_p = -sum_k d_k log softmax(y_p)_k, for comparison. Use it with an
  identity output layer: the softmax lives inside the cost.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

MSE, SOFTMAX_CE = 0, 1
CODES = {"mse": MSE, "softmax_ce": SOFTMAX_CE}


@njit(cache=True)
def log_sum_exp(y):
    """log sum_k exp(y_k), computed without overflow."""
    m = y[0]
    for k in range(1, y.size):
        if y[k] > m:
            m = y[k]
    s = 0.0
    for k in range(y.size):
        s += math.exp(y[k] - m)
    return m + math.log(s)


@njit(cache=True)
def loss_and_grad(code, y, d, dy):
    """Return E_p for output ``y`` and target ``d``; write dE_p/dy into ``dy``."""
    n = y.size
    if code == MSE:
        e = 0.0
        for k in range(n):
            r = y[k] - d[k]
            dy[k] = r
            e += r * r
        return 0.5 * e
    # softmax cross-entropy, computed stably through the log-sum-exp
    lse = log_sum_exp(y)
    dsum = 0.0
    e = 0.0
    for k in range(n):
        dsum += d[k]
        e -= d[k] * (y[k] - lse)
    for k in range(n):
        dy[k] = math.exp(y[k] - lse) * dsum - d[k]
    return e


@njit(cache=True)
def loss_only(code, y, d):
    n = y.size
    if code == MSE:
        e = 0.0
        for k in range(n):
            r = y[k] - d[k]
            e += r * r
        return 0.5 * e
    lse = log_sum_exp(y)
    e = 0.0
    for k in range(n):
        e -= d[k] * (y[k] - lse)
    return e


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


# --- the same over a batch of rows (one row per sample), in NumPy ------------------------
def _softmax(Y):
    Z = Y - Y.max(axis=1, keepdims=True)
    E = np.exp(Z)
    S = E.sum(axis=1, keepdims=True)
    return E / S, Z - np.log(S)


def rows_loss(code, out, D):
    """E_p of every row."""
    if code == MSE:
        R = out - D
        return 0.5 * np.einsum("ij,ij->i", R, R)
    _, logP = _softmax(out)
    return -np.einsum("ij,ij->i", D, logP)


def rows_loss_and_grad(code, out, D):
    """(sum of E_p, dE_p/dy for every row)."""
    if code == MSE:
        R = out - D
        return 0.5 * float(np.einsum("ij,ij->", R, R)), R
    P, logP = _softmax(out)
    dsum = D.sum(axis=1, keepdims=True)
    return -float(np.einsum("ij,ij->", D, logP)), P * dsum - D


def rows_hessian_times(code, out, D, U):
    """(d^2 E_p / dy^2) u_p for every row."""
    if code == MSE:
        return U
    P, _ = _softmax(out)
    dsum = D.sum(axis=1, keepdims=True)
    return dsum * P * (U - np.einsum("ij,ij->i", P, U)[:, None])


def rows_hessian_diag(code, out, D):
    """Diagonal of d^2 E_p / dy^2 for every row."""
    if code == MSE:
        return np.ones_like(out)
    P, _ = _softmax(out)
    return D.sum(axis=1, keepdims=True) * P * (1 - P)
