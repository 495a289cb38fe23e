"""Costs C(D, M(Z, W)) for one sample, with their derivative with respect to the output.

* ``mse``: E_p = 1/2 ||d_p - y_p||^2, so that the average over P samples is the paper's
  E = 1/(2P) sum_p ||d_p - y_p||^2 (eq 28 form; §2).
* ``softmax_ce``: E_p = -sum_k d_k log softmax(y_p)_k, for comparison. Use it with an
  identity output layer: the softmax lives inside the cost.
"""
from __future__ import annotations

import math

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
