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

While ebtricks compiles, Numba's ``TargetConfig.__eq__`` and ``__hash__`` are replaced by
equivalent, faster ones (:class:`_FastFlags`): Numba looks up a typing cache keyed on the
compile flags once for every call it types, about twenty thousand times for a
convolutional net's first training run, and its own comparison builds a dict of every
option on both sides each time. That was a tenth of the compile time. Same results, and
Numba's own methods are back as soon as ebtricks' compile ends.
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


class _FastFlags:
    """``__eq__`` and ``__hash__`` for Numba's ``TargetConfig`` (compile flags) that give
    what Numba's give, without building the dict of all options (``values()``) they build.

    Numba's: two configs are equal when ``values()``, every option's value or else its
    default, are equal; the hash is that of the sorted option names (the same for every
    config of a class). Here, for two configs of one class, only the options set on either
    side are compared (the others are the default on both), and the hash is computed once
    per class. Configs of different classes go to Numba's own ``__eq__``."""

    def __init__(self, config_class):
        self.cls = config_class
        self.orig_eq, self.orig_hash = config_class.__eq__, config_class.__hash__
        self.hashes = {}
        self.usable = self._check()

    def eq(self, a, other):
        if type(a) is not type(other):
            return self.orig_eq(a, other)
        x, y = a._values, other._values
        if x == y:
            return True
        opts = a.options
        for k in x.keys() | y.keys():
            option = opts.get(k)
            if option is None:   # not an option of this class: Numba's values() ignores it
                continue
            d = option.default
            u, v = x.get(k, d), y.get(k, d)
            if u is not v and u != v:
                return False
        return True

    def hash(self, a):
        cls = type(a)
        h = self.hashes.get(cls)
        if h is None:
            h = self.hashes[cls] = hash(tuple(sorted(cls.options)))
        return h

    def _check(self) -> bool:
        """Whether this Numba's configs look as described above (a dict ``_values`` of the
        options set, the defaults in ``options``, Numba's methods not overridden for the
        compile flags), and the two agree on examples."""
        try:
            from numba.core.compiler import Flags
            if Flags.__eq__ is not self.orig_eq or Flags.__hash__ is not self.orig_hash:
                return False
            a, b, c, d = Flags(), Flags(), Flags(), Flags()
            if not all(getattr(a, k) == o.default for k, o in Flags.options.items()
                       if not callable(o.default)):
                return False
            b.nrt = not a.nrt
            c.nrt = a.nrt                    # set, to the default value
            d.fastmath = {"reassoc", "contract"}
            e = d.copy()
            configs = (a, b, c, d, e)
            return all(isinstance(f._values, dict) for f in configs) and all(
                self.eq(x, y) == self.orig_eq(x, y) and self.hash(x) == self.orig_hash(x)
                for x in configs for y in configs)
        except Exception:
            return False

    def install(self):
        if self.usable:
            fast = self
            self.cls.__eq__ = lambda a, other: fast.eq(a, other)
            self.cls.__hash__ = lambda a: fast.hash(a)

    def remove(self):
        if self.usable:
            self.cls.__eq__, self.cls.__hash__ = self.orig_eq, self.orig_hash


def _fast_flags():
    try:
        from numba.core.targetconfig import TargetConfig
    except ImportError:
        return None
    return _FastFlags(TargetConfig)


_FLAGS = _fast_flags()


def _say():
    with _lock:
        if _state["said"] or _state["depth"] == 0:
            return
        _state["said"] = True
    print(MESSAGE, file=sys.stderr, flush=True)


def _start():
    with _lock:
        _state["depth"] += 1
        if _state["depth"] == 1 and _FLAGS is not None:
            _FLAGS.install()
        if _state["depth"] > 1 or _state["said"]:
            return
        if os.environ.get("EBTRICKS_COMPILE_NOTE", "").strip() in ("0", "false", "no"):
            return
        timer = threading.Timer(AFTER, _say)
        timer.daemon = True
        _state["timer"] = timer
    try:
        timer.start()
    except RuntimeError:   # no thread to be had: no note, the compile goes on
        with _lock:
            _state["timer"] = None


def _end():
    with _lock:
        _state["depth"] -= 1
        if _state["depth"] == 0 and _FLAGS is not None:
            _FLAGS.remove()
        timer = _state["timer"] if _state["depth"] == 0 else None
        if timer is not None:
            _state["timer"] = None
    if timer is not None:
        timer.cancel()


@contextmanager
def compiling():
    """Around a compile of ebtricks code: the line appears if it lasts AFTER seconds."""
    try:
        _start()
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
