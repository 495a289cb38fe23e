"""Units: each activation's f, f' and f'' side by side (§4.4, Figure 4).

Kernels pick an activation by an integer code (:data:`CODES`), so one compiled kernel
serves every network. ``a`` is the activation's own parameter: the slope of the twisting
term for ``tanh_twist`` and unused otherwise.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._validate import check_array, check_choice, check_finite_scalar

IDENTITY, LOGISTIC, TANH, LECUN_TANH, RATIONAL_TANH, TANH_TWIST = range(6)

#: name -> integer code used by the kernels
CODES = {
    "identity": IDENTITY,
    "logistic": LOGISTIC,
    "tanh": TANH,
    "lecun_tanh": LECUN_TANH,        # 1.7159 tanh(2x/3), the paper's recommended sigmoid
    "rational_tanh": RATIONAL_TANH,  # the same with tanh replaced by a ratio of polynomials
    "tanh_twist": TANH_TWIST,        # tanh(x) + a x, tanh with a twisting term
}
NAMES = {code: name for name, code in CODES.items()}

# 1.7159 tanh(2x/3): f(±1) = ±1, and the gain near 0 is 1.7159 * 2/3 ≈ 1.14.
LECUN_A = 1.7159
LECUN_S = 2.0 / 3.0


@njit(cache=True)
def fast_tanh(z):
    """tanh through exp/expm1: within 5e-16 relative of math.tanh and about 40 % faster
    here (glibc's tanh is a slower general routine). For |z| > 0.625 the result is at least
    0.55, so 1 - 2/(e^{2|z|} + 1) loses nothing to cancellation; below, expm1 keeps the small
    values exact. exp(2|z|) overflowing to inf still gives exactly 1."""
    az = abs(z)
    if az > 0.625:
        t = 1.0 - 2.0 / (math.exp(2.0 * az) + 1.0)
    else:
        e = math.expm1(2.0 * az)
        t = e / (e + 2.0)
    return t if z >= 0 else -t


# --- a rational approximation of tanh -------------------------------------------------
# The paper says tanh "can be approximated by a ratio of polynomials" without giving one.
# We use z (27 + z^2) / (27 + 9 z^2), from Lambert's continued fraction for tanh. At |z| = 3
# it reaches exactly ±1 with zero slope, so clamping beyond keeps f and f' continuous.
# Its largest error against tanh is about 0.024 (near |z| = 1.9).
@njit(cache=True)
def _rat(z):
    if z >= 3.0:
        return 1.0
    if z <= -3.0:
        return -1.0
    z2 = z * z
    return z * (27.0 + z2) / (27.0 + 9.0 * z2)


@njit(cache=True)
def _rat_d(z):
    if z >= 3.0 or z <= -3.0:
        return 0.0
    z2 = z * z
    q = 27.0 + 9.0 * z2
    return (729.0 - 162.0 * z2 + 9.0 * z2 * z2) / (q * q)


@njit(cache=True)
def _rat_d2(z):
    if z >= 3.0 or z <= -3.0:
        return 0.0
    z2 = z * z
    q = 27.0 + 9.0 * z2
    # d/dz of (729 - 162 z^2 + 9 z^4) / q^2
    return ((-324.0 * z + 36.0 * z2 * z) * q - 36.0 * z * (729.0 - 162.0 * z2 + 9.0 * z2 * z2)) / (q * q * q)


@njit(cache=True)
def act_f(code, x, a):
    """f(x) for the activation ``code``."""
    if code == LECUN_TANH:
        return LECUN_A * fast_tanh(LECUN_S * x)
    if code == IDENTITY:
        return x
    if code == TANH:
        return fast_tanh(x)
    if code == LOGISTIC:
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)
    if code == RATIONAL_TANH:
        return LECUN_A * _rat(LECUN_S * x)
    # TANH_TWIST
    return fast_tanh(x) + a * x


@njit(cache=True)
def act_df_from(code, x, fx, a):
    """f'(x), given fx = f(x) already computed (cheaper for the tanh family)."""
    if code == LECUN_TANH:
        t = fx / LECUN_A
        return LECUN_A * LECUN_S * (1.0 - t * t)
    if code == IDENTITY:
        return 1.0
    if code == TANH:
        return 1.0 - fx * fx
    if code == LOGISTIC:
        return fx * (1.0 - fx)
    if code == RATIONAL_TANH:
        return LECUN_A * LECUN_S * _rat_d(LECUN_S * x)
    t = fx - a * x
    return 1.0 - t * t + a


@njit(cache=True)
def act_df(code, x, a):
    """f'(x)."""
    return act_df_from(code, x, act_f(code, x, a), a)


@njit(cache=True)
def act_d2f(code, x, a):
    """f''(x)."""
    if code == LECUN_TANH:
        t = fast_tanh(LECUN_S * x)
        return -2.0 * LECUN_A * LECUN_S * LECUN_S * t * (1.0 - t * t)
    if code == IDENTITY:
        return 0.0
    if code == TANH:
        t = fast_tanh(x)
        return -2.0 * t * (1.0 - t * t)
    if code == LOGISTIC:
        s = act_f(LOGISTIC, x, a)
        return s * (1.0 - s) * (1.0 - 2.0 * s)
    if code == RATIONAL_TANH:
        return LECUN_A * LECUN_S * LECUN_S * _rat_d2(LECUN_S * x)
    t = fast_tanh(x)
    return -2.0 * t * (1.0 - t * t)


@njit(cache=True)
def _apply(which, code, x, a, out):
    for i in range(x.size):
        if which == 0:
            out[i] = act_f(code, x[i], a)
        elif which == 1:
            out[i] = act_df(code, x[i], a)
        else:
            out[i] = act_d2f(code, x[i], a)


@njit(cache=True)
def derivatives_from(code, y, fy, a, d1, d2):
    """Elementwise over equal-shaped C-contiguous arrays: d1 = f'(y) (from fy = f(y)) and,
    when d2 is not empty, d2 = f''(y)."""
    yf, ff, g1 = y.ravel(), fy.ravel(), d1.ravel()
    g2 = d2.ravel()
    want2 = g2.size == yf.size
    for i in range(yf.size):
        g1[i] = act_df_from(code, yf[i], ff[i], a)
        if want2:
            g2[i] = act_d2f(code, yf[i], a)


@njit(cache=True)
def apply_f(code, y, a, out):
    yf, of = y.ravel(), out.ravel()
    for i in range(yf.size):
        of[i] = act_f(code, yf[i], a)


class Activation:
    """An activation with vectorised f, f', f'' for plotting and analysis.

    >>> f = Activation("lecun_tanh")
    >>> round(float(f(1.0)), 4)
    1.0
    """

    def __init__(self, name: str = "lecun_tanh", a: float = 0.0):
        self.name = check_choice("activation", name, CODES)
        self.code = CODES[name]
        self.a = check_finite_scalar("a", a)

    def _eval(self, which, x):
        x = check_array("x", x, finite=False)
        out = np.empty_like(x)
        _apply(which, self.code, x.ravel(), self.a, out.ravel())
        return out if out.ndim else float(out)

    def __call__(self, x):
        return self._eval(0, x)

    def derivative(self, x):
        return self._eval(1, x)

    def second_derivative(self, x):
        return self._eval(2, x)

    def __repr__(self):
        return f"Activation({self.name!r}" + (f", a={self.a})" if self.code == TANH_TWIST else ")")


def activation_code(name: str) -> int:
    return CODES[check_choice("activation", name, CODES)]
