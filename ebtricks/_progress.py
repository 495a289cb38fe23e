"""One line of progress for training runs that take more than a couple of seconds.

The line is rewritten in place (a carriage return), in a terminal and in Jupyter alike,
and ends with a newline when the run does. It appears only once a run has taken more than
``AFTER`` seconds, so quick calls print nothing. ``progress=True`` / ``False`` forces it
on or off; the environment variable ``EBTRICKS_PROGRESS=0`` turns the automatic line off
(the test suite and the book build set it), ``=1`` turns it on for every run.
"""
from __future__ import annotations

import os
import sys
import time

AFTER = 2.0          # seconds before an automatic progress line appears
EVERY = 0.25         # seconds between updates of the line


def wanted(progress) -> bool | None:
    """True (always), False (never) or None (automatic), from the argument and the env."""
    if progress is not None:
        return bool(progress)
    env = os.environ.get("EBTRICKS_PROGRESS", "").strip()
    if env in ("0", "false", "no"):
        return False
    if env in ("1", "true", "yes"):
        return True
    return None


class Progress:
    def __init__(self, what: str, total: int, progress=None, out=None):
        self.what, self.total = what, total
        self.mode = wanted(progress)
        self.out = out or sys.stdout
        self.t0 = time.perf_counter()
        self.last = -1.0
        self.shown = False

    def update(self, done: int, cost: float | None = None) -> None:
        if self.mode is False:
            return
        now = time.perf_counter() - self.t0
        if self.mode is None and now < AFTER:
            return
        if now - self.last < EVERY and done < self.total:
            return
        self.last = now
        rate = done / now if now > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 else float("nan")
        cost_txt = f", cost {cost:.4g}" if cost is not None else ""
        self.out.write(f"\r{self.what} {done}/{self.total}{cost_txt}, {now:.0f} s"
                       f" (about {left:.0f} s left)  ")
        self.out.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.out.write("\n")
            self.out.flush()
