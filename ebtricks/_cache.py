"""Numba's on-disk cache, keyed on every kernel source of the package at once.

Numba keys a cached kernel on its own source file only. A kernel in one file that calls a
kernel in another keeps its cached machine code when the callee's file changes, and runs
the old callee: stale code with no warning. Here every ``@njit(cache=True)`` function of
ebtricks gets one stamp, a hash of all the package's files that define kernels (every
file that mentions numba, and every file of the engine, whose layout constants are
compiled into the kernels), so a
change to any of them recompiles every kernel the next time it is used. This runs when
:mod:`ebtricks` is imported, before any kernel is defined; functions outside ebtricks keep
Numba's usual locators.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from numba.core import caching

PACKAGE = Path(__file__).resolve().parent
ENGINE = PACKAGE / "_engine"   # all of it: layout.py's constants are compiled into kernels


def _kernel_sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if "__pycache__" not in p.parts
                  and (ENGINE in p.parents or b"numba" in p.read_bytes()))


def _stamp() -> bytes:
    h = hashlib.sha256()
    for path in _kernel_sources():
        h.update(path.relative_to(PACKAGE).as_posix().encode())
        h.update(path.read_bytes())
    return h.digest()


STAMP = _stamp()


def _locator(name: str):
    # public since numba 0.58; the underscored names before
    return getattr(caching, name, None) or getattr(caching, "_" + name)


class _PackageStamp:
    """Use the package-wide stamp, for ebtricks' own files only."""

    def get_source_stamp(self):
        return STAMP

    @classmethod
    def from_function(cls, py_func, py_file):
        try:
            Path(py_file).resolve().relative_to(PACKAGE)
        except (ValueError, OSError):
            return None
        return super().from_function(py_func, py_file)


LOCATORS = [type(f"Package{name}", (_PackageStamp, _locator(name)), {})
            for name in ("UserProvidedCacheLocator", "InTreeCacheLocator",
                         "UserWideCacheLocator")]


def install() -> None:
    classes = _locator("CacheImpl")._locator_classes
    if not any(isinstance(c, type) and issubclass(c, _PackageStamp) for c in classes):
        classes[:0] = LOCATORS


install()
