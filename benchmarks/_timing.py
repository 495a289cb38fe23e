"""Shared timing helper of the benchmark scripts."""
from __future__ import annotations

import time

import numpy as np


def best_seconds(fn, repeats: int = 3) -> float:
    """Wall time of the fastest of ``repeats`` calls, after one warm-up call (JIT, caches)."""
    fn()
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
