"""Units: each activation's f, f' and f'' side by side (§4.4, Figure 4), as kernels.

Kernels pick an activation by an integer code (:data:`CODES`), so one compiled kernel
serves every network. ``a`` is the activation's own parameter: the slope of the twisting
term for ``tanh_twist`` and unused otherwise. The public face is
:mod:`ebtricks.activations`.

Each formula is written once: f in :func:`act_f`; f' and f'' of the tanh family and the
logistic as polynomials in f (``_lecun_tanh_d`` ...), which :func:`act_df_from`,
:func:`act_d2f_from` and the layer loops (``act_*_into``) all call; :func:`act_df` and
:func:`act_d2f` compute f first.
"""
from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import config, njit, types
from numba.extending import intrinsic


IDENTITY, LOGISTIC, TANH, LECUN_TANH, RATIONAL_TANH, TANH_TWIST = range(6)

#: name -> integer code of the units written into the kernels below (the paper's)
CODES = {
    "identity": IDENTITY,
    "logistic": LOGISTIC,
    "tanh": TANH,
    "lecun_tanh": LECUN_TANH,        # 1.7159 tanh(2x/3), the paper's recommended sigmoid
    "rational_tanh": RATIONAL_TANH,  # the same with tanh replaced by a ratio of polynomials
    "tanh_twist": TANH_TWIST,        # tanh(x) + a x, tanh with a twisting term
}

# --- units compiled from Python: called through a function pointer ------------------------
# Any other unit is a compiled C-callable ``double unit(int64 which, double x, double fx,
# double a)`` returning f(x) (which = 0), f'(x) (1) or f''(x) (2), made by
# :func:`compile_unit` from f, f' and f'' written in Python. Its code *is* its address, so
# the kernels, compiled and cached once, reach it with no recompilation: the branches below
# send every code >= ``FIRST_CALLED`` through :func:`call_unit`. The built-in codes come
# first in every branch chain, so the paper's units pay nothing for this.
FIRST_CALLED = 1 << 16
_KEEP = []            # compiled units stay alive as long as the process (their address is used)
_PY_UNITS = {}        # with NUMBA_DISABLE_JIT: code -> the Python function


@intrinsic
def _call_address(typingctx, address, which, x, fx, a):
    """Call the C function at ``address`` with (which, x, fx, a)."""
    sig = types.float64(types.int64, types.int64, types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.DoubleType(), [ir.IntType(64), ir.DoubleType(),
                                                 ir.DoubleType(), ir.DoubleType()])
        fn = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(fn, list(args[1:]))
    return sig, codegen


if config.DISABLE_JIT:
    def call_unit(code, which, x, fx, a):
        """f(x), f'(x) or f''(x) (which = 0, 1, 2) of a unit compiled from Python."""
        return _PY_UNITS[code](which, x, fx, a)
else:
    @njit(cache=True)
    def call_unit(code, which, x, fx, a):
        """f(x), f'(x) or f''(x) (which = 0, 1, 2) of a unit compiled from Python."""
        return _call_address(code, which, float(x), float(fx), float(a))


def compile_unit(f, df, d2f) -> int:
    """Compile a unit from three Python functions of (x, a) (plain arithmetic, ``math`` and
    ``numpy`` scalar functions) and return its code for the kernels."""
    if config.DISABLE_JIT:
        def unit(which, x, fx, a):
            return f(x, a) if which == 0 else df(x, a) if which == 1 else d2f(x, a)
        code = FIRST_CALLED + len(_PY_UNITS)
        _PY_UNITS[code] = unit
        return code
    from numba import cfunc
    jf, jdf, jd2f = njit(f), njit(df), njit(d2f)

    @cfunc(types.float64(types.int64, types.float64, types.float64, types.float64),
           error_model="numpy")
    def unit(which, x, fx, a):
        if which == 0:
            return jf(x, a)
        if which == 1:
            return jdf(x, a)
        return jd2f(x, a)
    _KEEP.append(unit)
    assert unit.address >= FIRST_CALLED
    return unit.address

# 1.7159 tanh(2x/3): f(±1) = ±1, and the gain near 0 is 1.7159 * 2/3 ≈ 1.14.
LECUN_A = 1.7159
LECUN_S = 2.0 / 3.0


@njit(cache=True)
def fast_tanh(z):
    """tanh through exp/expm1: within 5e-16 relative of math.tanh and about 40 % faster
    here (glibc's tanh is a slower general routine). For |z| > 0.625 the result is at least
    0.55, so 1 - 2/(e^{2|z|} + 1) loses nothing to cancellation; below, expm1 keeps the small
    values exact. exp(2|z|) overflowing to inf still gives exactly 1.

    Parameters
    ----------
    z : float
        The argument.

    Returns
    -------
    float
        tanh(z).

    Examples
    --------
    >>> import math
    >>> bool(abs(fast_tanh(0.3) - math.tanh(0.3)) < 1e-15)
    True
    """
    az = abs(z)
    if az > 0.625:
        t = 1.0 - 2.0 / (math.exp(2.0 * az) + 1.0)
    else:
        e = math.expm1(2.0 * az)
        t = e / (e + 2.0)
    return t if z >= 0 else -t


# --- tanh over a whole vector, in loops LLVM vectorises ----------------------------------
# fast_tanh branches on |z| and calls libm's exp, so a layer's units are done one at a
# time, and with varied inputs the branch is often mispredicted. tanh_into computes every
# unit both ways without branches: exp(2|z|) by Cody-Waite range reduction, a Padé form
# for exp(r) on |r| <= ln2/2 and 2^k assembled in the exponent bits (the Cephes method),
# and Cephes' rational form for |z| < 0.625. It agrees with math.tanh to 4e-16 relative
# (tests/test_activations.py checks that). error_model="numpy": Numba otherwise guards every
# division against zero, and that branch alone stops the vectorisation. (Not inline="always":
# inlined code takes the caller's error model.)
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93145751953125e-1
_LN2_LO = 1.42860682030941723212e-6
_EP0, _EP1, _EP2 = 1.26177193074810590878e-4, 3.02994407707441961300e-2, 9.99999999999999999910e-1
_EQ0, _EQ1 = 3.00198505138664455042e-6, 2.52448340349684104192e-3
_EQ2, _EQ3 = 2.27265548208155028766e-1, 2.00000000000000000009e0
_TP0, _TP1, _TP2 = -9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3
_TQ0, _TQ1, _TQ2 = 1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3


@njit(cache=True, error_model="numpy")
def tanh_into(x, scale, gain, out, tf, ti):
    """out[j] = gain * tanh(scale * x[j]) for j < x.size. out may be x itself; tf (float64)
    and ti (int64) are scratch arrays of at least x.size entries. NaN stays NaN, and
    ``|scale x| >= 20`` gives exactly ±gain, as tanh does in double precision.

    Parameters
    ----------
    x : ndarray of float64, 1-D
        The arguments.
    scale : float
        Multiplies x inside the tanh.
    gain : float
        Multiplies the tanh.
    out : ndarray of float64, 1-D
        Receives the results (at least x.size entries); may be x.
    tf : ndarray of float64, 1-D
        Scratch, at least x.size entries.
    ti : ndarray of int64, 1-D
        Scratch, at least x.size entries.

    Returns
    -------
    None
        The results are written to ``out``.
    """
    n = x.size
    pow2 = ti.view(np.float64)
    for j in range(n):
        t = 2.0 * min(abs(scale * x[j]), 20.0)
        t = t if t <= 40.0 else 0.0                    # NaN: any finite k (the result stays NaN)
        k = math.floor(t * _LOG2E + 0.5)
        r = t - k * _LN2_HI - k * _LN2_LO
        r2 = r * r
        px = r * ((_EP0 * r2 + _EP1) * r2 + _EP2)
        tf[j] = 1.0 + 2.0 * px / ((((_EQ0 * r2 + _EQ1) * r2 + _EQ2) * r2 + _EQ3) - px)
        ti[j] = (np.int64(k) + 1023) << 52            # the bits of 2^k
    for j in range(n):
        zs = scale * x[j]
        z = abs(zs)
        big = 1.0 - 2.0 / (tf[j] * pow2[j] + 1.0)     # exp(2z) = exp(r) 2^k
        zc = min(z, 0.625)                             # the small-|z| form, kept in range
        z2 = zc * zc
        small = zc + zc * z2 * (((_TP0 * z2 + _TP1) * z2 + _TP2)
                                / (((z2 + _TQ0) * z2 + _TQ1) * z2 + _TQ2))
        t = big if z >= 0.625 else small
        out[j] = gain * math.copysign(t, zs)


# --- a rational approximation of tanh -------------------------------------------------
# The paper says tanh "can be approximated by a ratio of polynomials" without giving one.
# We use z (27 + z^2) / (27 + 9 z^2), a common choice in fast approximations. It is not a
# Padé approximant of tanh (its cubic term is -8/27 z^3 where tanh's is -1/3 z^3; Lambert's
# continued fraction would give z (15 + z^2) / (15 + 6 z^2)); it is chosen because at
# |z| = 3 it reaches exactly ±1 with zero slope, so clamping beyond keeps f and f'
# continuous; its slope is 9 (z^2 - 9)^2 / (27 + 9 z^2)^2, with a double zero at ±3, so f''
# stays continuous too. Its largest absolute error against tanh is 0.0235, near |z| = 1.57;
# its largest relative error 0.026, near |z| = 1.45 (relative error about z^2 / 27 near 0).
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


# --- f' and f'' from f = f(x): each formula once --------------------------------------
# For the tanh family and the logistic both derivatives are polynomials in f, which the
# forward pass has already computed: no exp, and a loop over a layer vectorises. Each
# returns (f', f''); a caller that takes one of them leaves the other to dead-code removal.
@njit(cache=True, inline="always")
def _lecun_tanh_d(fx):
    """f = A tanh(S x), t = f / A: f' = A S (1 - t^2), f'' = -2 A S^2 t (1 - t^2)."""
    t = fx / LECUN_A
    return (LECUN_A * LECUN_S * (1.0 - t * t),
            -2.0 * LECUN_A * LECUN_S * LECUN_S * t * (1.0 - t * t))


@njit(cache=True, inline="always")
def _tanh_d(fx):
    """f = tanh x: f' = 1 - f^2, f'' = -2 f (1 - f^2)."""
    return 1.0 - fx * fx, -2.0 * fx * (1.0 - fx * fx)


@njit(cache=True, inline="always")
def _logistic_d(fx):
    """f = 1 / (1 + e^-x): f' = f (1 - f), f'' = f (1 - f) (1 - 2 f)."""
    return fx * (1.0 - fx), fx * (1.0 - fx) * (1.0 - 2.0 * fx)


@njit(cache=True, inline="always")
def _tanh_twist_d(x, fx, a):
    """f = tanh x + a x, t = f - a x: f' = 1 - t^2 + a, f'' = -2 t (1 - t^2)."""
    t = fx - a * x
    return 1.0 - t * t + a, -2.0 * t * (1.0 - t * t)


@njit(cache=True)
def act_f(code, x, a):
    """f(x) for the activation ``code``.

    Parameters
    ----------
    code : int
        The activation's code, a value of :data:`CODES`.
    x : float
        The unit's total input.
    a : float
        The activation's parameter (the slope of the twisting term of tanh_twist).

    Returns
    -------
    float
        f(x).
    """
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
    if code >= FIRST_CALLED:
        return call_unit(code, 0, x, 0.0, a)
    # TANH_TWIST
    return fast_tanh(x) + a * x


@njit(cache=True, inline="always")
def _derivative_from(order, code, x, fx, a):
    """f' (order 1) or f'' (order 2) at x, given fx = f(x): the one branch on the unit for
    both (order is a constant where it is inlined, so the other derivative is not computed)."""
    if code == LECUN_TANH:
        return _lecun_tanh_d(fx)[order - 1]
    if code == IDENTITY:
        return 1.0 if order == 1 else 0.0
    if code == TANH:
        return _tanh_d(fx)[order - 1]
    if code == LOGISTIC:
        return _logistic_d(fx)[order - 1]
    if code == RATIONAL_TANH:
        if order == 1:
            return LECUN_A * LECUN_S * _rat_d(LECUN_S * x)
        return LECUN_A * LECUN_S * LECUN_S * _rat_d2(LECUN_S * x)
    if code >= FIRST_CALLED:
        return call_unit(code, order, x, fx, a)
    return _tanh_twist_d(x, fx, a)[order - 1]


@njit(cache=True)
def act_df_from(code, x, fx, a):
    """f'(x), given fx = f(x) already computed (cheaper for the tanh family).

    Parameters
    ----------
    code : int
        The activation's code, a value of :data:`CODES`.
    x : float
        The unit's total input.
    fx : float
        f(x).
    a : float
        The activation's parameter (the slope of the twisting term of tanh_twist).

    Returns
    -------
    float
        f'(x).
    """
    return _derivative_from(1, code, x, fx, a)


@njit(cache=True)
def act_df(code, x, a):
    """f'(x).

    Parameters
    ----------
    code : int
        The activation's code, a value of :data:`CODES`.
    x : float
        The unit's total input.
    a : float
        The activation's parameter (the slope of the twisting term of tanh_twist).

    Returns
    -------
    float
        f'(x).
    """
    return act_df_from(code, x, act_f(code, x, a), a)


@njit(cache=True)
def act_d2f_from(code, x, fx, a):
    """f''(x), given fx = f(x) already computed; arguments as :func:`act_df_from`."""
    return _derivative_from(2, code, x, fx, a)


@njit(cache=True)
def act_d2f(code, x, a):
    """f''(x).

    Parameters
    ----------
    code : int
        The activation's code, a value of :data:`CODES`.
    x : float
        The unit's total input.
    a : float
        The activation's parameter (the slope of the twisting term of tanh_twist).

    Returns
    -------
    float
        f''(x).
    """
    fx = act_f(code, x, a) if code < FIRST_CALLED else 0.0   # a unit from Python needs no f
    return act_d2f_from(code, x, fx, a)


@njit(cache=True, error_model="numpy")
def act_f_into(code, y, a, out, tf, ti):
    """out = f(y) over a vector; the tanh family goes through :func:`tanh_into`.

    Parameters
    ----------
    code : int
        The activation's code, a value of :data:`CODES`.
    y : ndarray of float64, 1-D
        Total inputs.
    a : float
        The activation's parameter (the slope of the twisting term of tanh_twist).
    out : ndarray of float64, 1-D
        Receives f(y) (at least y.size entries); may be y.
    tf : ndarray of float64, 1-D
        Scratch for :func:`tanh_into`, at least y.size entries.
    ti : ndarray of int64, 1-D
        Scratch for :func:`tanh_into`, at least y.size entries.

    Returns
    -------
    None
        The results are written to ``out``.
    """
    if code == LECUN_TANH:
        tanh_into(y, LECUN_S, LECUN_A, out, tf, ti)
    elif code == TANH:
        tanh_into(y, 1.0, 1.0, out, tf, ti)
    elif code == IDENTITY:
        for j in range(y.size):
            out[j] = y[j]
    else:
        for j in range(y.size):
            out[j] = act_f(code, y[j], a)


@njit(cache=True, inline="always")
def _derivative_into(order, code, y, fy, a, out):
    """out = f' (order 1) or f'' (order 2) of y over a vector, from fy = f(y): one loop per
    unit, so that the branch on the unit stays outside it and the polynomials in f of the
    tanh family and the logistic vectorise (order is a constant where this is inlined)."""
    if code == LECUN_TANH:
        for j in range(y.size):
            out[j] = _lecun_tanh_d(fy[j])[order - 1]
    elif code == TANH:
        for j in range(y.size):
            out[j] = _tanh_d(fy[j])[order - 1]
    elif code == IDENTITY:
        value = 1.0 if order == 1 else 0.0
        for j in range(y.size):
            out[j] = value
    elif code == LOGISTIC:
        for j in range(y.size):
            out[j] = _logistic_d(fy[j])[order - 1]
    elif code == TANH_TWIST:
        for j in range(y.size):
            out[j] = _tanh_twist_d(y[j], fy[j], a)[order - 1]
    elif order == 1:   # rational_tanh and units compiled from Python: unit by unit
        for j in range(y.size):
            out[j] = act_df_from(code, y[j], fy[j], a)
    else:
        for j in range(y.size):
            out[j] = act_d2f_from(code, y[j], fy[j], a)


@njit(cache=True, error_model="numpy")
def act_df_into(code, y, fy, a, out):
    """out = f'(y) over a vector, from fy = f(y).

    Parameters
    ----------
    code : int
        The activation's code, a value of :data:`CODES`.
    y : ndarray of float64, 1-D
        Total inputs.
    fy : ndarray of float64, 1-D
        f(y).
    a : float
        The activation's parameter (the slope of the twisting term of tanh_twist).
    out : ndarray of float64, 1-D
        Receives f'(y) (at least y.size entries).

    Returns
    -------
    None
        The results are written to ``out``.
    """
    _derivative_into(1, code, y, fy, a, out)


@njit(cache=True, error_model="numpy")
def act_d2f_into(code, y, fy, a, out):
    """out = f''(y) over a vector, from fy = f(y) (as :func:`act_df_into`): for the tanh
    family and the logistic f'' is a polynomial in f, so the loop needs no exp and
    vectorises (act_d2f unit by unit would recompute a tanh: most of an R-backward pass's
    time on its units)."""
    _derivative_into(2, code, y, fy, a, out)


@njit(cache=True)
def evaluate(which, code, x, a, out):
    """out = f(x) (which=0), f'(x) (1) or f''(x) (2), elementwise."""
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
    when d2 is not empty, d2 = f''(y).

    Parameters
    ----------
    code : int
        The activation's code, a value of :data:`CODES`.
    y : ndarray of float64
        Total inputs.
    fy : ndarray of float64
        f(y), of y's shape.
    a : float
        The activation's parameter (the slope of the twisting term of tanh_twist).
    d1 : ndarray of float64
        Receives f'(y), of y's shape.
    d2 : ndarray of float64
        Receives f''(y) when it has y's size; pass an empty array to skip f''.

    Returns
    -------
    None
        The results are written to ``d1`` and ``d2``.
    """
    yf, ff, g1 = y.ravel(), fy.ravel(), d1.ravel()
    g2 = d2.ravel()
    want2 = g2.size == yf.size
    for i in range(yf.size):
        g1[i] = act_df_from(code, yf[i], ff[i], a)
        if want2:
            g2[i] = act_d2f_from(code, yf[i], ff[i], a)


@njit(cache=True)
def apply_f(code, y, a, out):
    """out = f(y) elementwise over equal-shaped C-contiguous arrays.

    Parameters
    ----------
    code : int
        The activation's code, a value of :data:`CODES`.
    y : ndarray of float64
        Total inputs.
    a : float
        The activation's parameter (the slope of the twisting term of tanh_twist).
    out : ndarray of float64
        Receives f(y), of y's shape.

    Returns
    -------
    None
        The results are written to ``out``.
    """
    yf, of = y.ravel(), out.ravel()
    act_f_into(code, yf, a, of, np.empty(yf.size), np.empty(yf.size, dtype=np.int64))
