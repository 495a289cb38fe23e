"""Say so when ebtricks compiles kernels, so that a first call does not look hung.

The first use of a feature compiles its Numba kernels (seconds, up to a quarter of a
minute for a convolutional net); later runs load them from the disk cache. When a compile
of ebtricks' own kernels has lasted :data:`AFTER` seconds, one line goes to stderr, once
per process (short enough for a notebook's output column)::

    compiling ebtricks kernels, once per install (later runs load them) ...

Numba reports every compile that is not a cache load (the event ``numba:compile``); the
layer passes that ``_engine/indirect.py`` compiles as C callables go through
:func:`compiling` directly. ``EBTRICKS_COMPILE_NOTE=0`` turns the line off (the book
build does: the warm-up compiles before the pages run, and a page that still compiles,
such as one defining a unit, should not show it).
"""
from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager

from numba.core import event

AFTER = 1.0          # seconds a compile must last before the line appears
MESSAGE = "compiling ebtricks kernels, once per install (later runs load them) ..."

_state = {"depth": 0, "said": False, "timer": None}
_lock = threading.Lock()


def _say():
    with _lock:
        if _state["said"] or _state["depth"] == 0:
            return
        _state["said"] = True
    print(MESSAGE, file=sys.stderr, flush=True)


def _start():
    with _lock:
        _state["depth"] += 1
        if _state["depth"] > 1 or _state["said"]:
            return
        if os.environ.get("EBTRICKS_COMPILE_NOTE", "").strip() in ("0", "false", "no"):
            return
        timer = threading.Timer(AFTER, _say)
        timer.daemon = True
        _state["timer"] = timer
    timer.start()


def _end():
    with _lock:
        _state["depth"] -= 1
        timer = _state["timer"] if _state["depth"] == 0 else None
        if timer is not None:
            _state["timer"] = None
    if timer is not None:
        timer.cancel()


@contextmanager
def compiling():
    """Around a compile of ebtricks code: the line appears if it lasts AFTER seconds."""
    _start()
    try:
        yield
    finally:
        _end()


def _ours(data) -> bool:
    func = getattr(data.get("dispatcher"), "py_func", None)
    return (getattr(func, "__module__", None) or "").startswith("ebtricks")


class _Listener(event.Listener):
    """Counts ebtricks' compiles (a compile may start others inside it)."""

    def on_start(self, ev):
        if _ours(ev.data):
            _start()

    def on_end(self, ev):
        if _ours(ev.data):
            _end()


event.register("numba:compile", _Listener())
