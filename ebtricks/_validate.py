"""Checks at the Python boundary, so that bad input raises an error that names the argument
instead of a Numba typing traceback or a silent wrong number."""
from __future__ import annotations

import math
import numbers

import numpy as np


def check_finite_scalar(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_positive(name: str, value) -> float:
    value = check_finite_scalar(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def check_nonnegative(name: str, value) -> float:
    value = check_finite_scalar(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_unit_interval(name: str, value, *, closed_low=False, closed_high=False) -> float:
    value = check_finite_scalar(name, value)
    lo_ok = value >= 0 if closed_low else value > 0
    hi_ok = value <= 1 if closed_high else value < 1
    if not (lo_ok and hi_ok):
        lo, hi = "[" if closed_low else "(", "]" if closed_high else ")"
        raise ValueError(f"{name} must be in {lo}0, 1{hi}, got {value}")
    return value


def check_int(name: str, value, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_array(name: str, value, ndim: int | tuple[int, ...] | None = None,
                shape: tuple | None = None, finite: bool = True) -> np.ndarray:
    """Return ``value`` as a C-contiguous float64 array, or raise naming ``name``.

    ``shape`` may hold ``None`` for any size along an axis.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimension(s), "
                             f"got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    arr = np.asarray(arr, dtype=np.float64, order="C")  # (ascontiguousarray would make 0-d 1-d)
    if finite and not _all_finite(arr):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _all_finite(arr: np.ndarray) -> bool:
    """True when no entry is NaN or infinite. A NaN or an infinity makes v.v non-finite, so a
    finite dot product (one BLAS call, several times faster than np.isfinite on a training
    set) settles it; only when it is not finite (perhaps a finite overflow) look closer."""
    v = arr.reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):
        quick = np.isfinite(np.dot(v, v))
    return bool(quick) or bool(np.all(np.isfinite(v)))


def check_choice(name: str, value, choices) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {sorted(choices)} (a string), got "
                        f"{type(value).__name__} {value!r}")
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {sorted(choices)}")
    return value


def make_rng(seed, name: str = "seed") -> np.random.Generator:
    """A NumPy generator from ``seed``: None (fresh entropy), an integer >= 0, or a
    Generator (used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        seed = check_int(name, seed, minimum=0)
    return np.random.default_rng(seed)
