"""How many threads BLAS may use for ebtricks' matrix products.

The batched passes (a dense network over many rows: outputs, costs, gradient, H v, G v,
the backpropagated diagonal) are NumPy matrix products, which OpenBLAS spreads over one
thread per core by default. On a busy machine those threads wait for each other:
``benchmarks/bench_threads.py`` measured, on 2 cores, the default 25 % *faster* than one
thread when the machine was otherwise idle, 1.2-1.9x *slower* beside two busy processes,
and 10-15x slower under a load of 6-10 (several notebooks or a grader running at once).
A student's laptop loses a quarter at worst with one thread, a shared machine can lose an
order of magnitude with more, so ebtricks runs its own products on one thread unless told
otherwise: :func:`set_blas_threads`, or the environment variable
``EBTRICKS_BLAS_THREADS`` (a number, or ``default`` to leave BLAS alone). The limit holds
only inside ebtricks' calls; NumPy elsewhere in the program keeps its own setting.

The limit is set through threadpoolctl (installed with scikit-learn). Without it, BLAS
keeps its default and :func:`blas_threads` says so.
"""
from __future__ import annotations

import os
from contextlib import nullcontext

_DEFAULT = 1
_controller = None
_unavailable = False


def _parse(value):
    if value is None or (isinstance(value, str) and value.strip().lower() in ("default",
                                                                              "none")):
        return None
    if isinstance(value, bool):
        raise TypeError(f"n must be a whole number >= 1 or None, got {value!r}")
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"n must be a whole number >= 1 or None, got {value!r}") from None
    if n < 1 or (not isinstance(value, str) and n != value):
        raise ValueError(f"n must be a whole number >= 1 or None, got {value!r}")
    return n


try:
    _setting = _parse(os.environ.get("EBTRICKS_BLAS_THREADS", _DEFAULT))
except (TypeError, ValueError):
    _setting = _DEFAULT


def set_blas_threads(n) -> None:
    """Set how many BLAS threads ebtricks' matrix products may use.

    Parameters
    ----------
    n : int or None
        Threads, >= 1 (1 is the default: see :mod:`ebtricks._threads` for the
        measurements behind it); None leaves BLAS at its own setting (one thread per
        core), usually faster on an otherwise idle machine with large batches.

    Raises
    ------
    ValueError
        When n is not a whole number >= 1 (or None).

    Examples
    --------
    >>> import ebtricks as eb
    >>> eb.set_blas_threads(None)      # BLAS's own default inside ebtricks too
    >>> eb.set_blas_threads(1)         # back to the default
    """
    global _setting
    _setting = _parse(n)


def blas_threads():
    """The BLAS thread limit of ebtricks' matrix products: an int, or None when BLAS keeps
    its own setting (by request, or because threadpoolctl is not installed).

    Returns
    -------
    int or None
        The limit in force.

    Examples
    --------
    >>> import ebtricks as eb
    >>> eb.blas_threads() in (1, None)
    True
    """
    return None if _setting is None or _get_controller() is None else _setting


def _get_controller():
    global _controller, _unavailable
    if _controller is None and not _unavailable:
        try:
            from threadpoolctl import ThreadpoolController
            _controller = ThreadpoolController()
        except ImportError:
            _unavailable = True
    return _controller


def limited():
    """A context in which BLAS uses at most the configured number of threads."""
    if _setting is None:
        return nullcontext()
    ctl = _get_controller()
    if ctl is None:
        return nullcontext()
    return ctl.limit(limits=_setting, user_api="blas")


def blas_limited(func):
    """Run ``func`` under :func:`limited`: for public routines whose Python loops call small
    NumPy products (norms, dot products, finiteness checks) between kernel calls. Each such
    call would otherwise wake every BLAS thread; under load that costs milliseconds per call
    (a 784-30-10 online eigenvalue estimate took 17 s instead of 0.8 s at a load of 4.5)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with limited():
            return func(*args, **kwargs)
    return wrapper
