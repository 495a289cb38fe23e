"""Cold-cache compile time of each ebtricks feature, as a student meets it once per install.

    .venv/bin/python benchmarks/bench_compile.py

Copies the package to a temporary directory (so its Numba disk cache is empty, and the
working tree's cache is left alone) and runs ``python -m ebtricks._warmup`` there twice:
the first run compiles, feature after feature, as a student meets them; the second loads
the cached code. Then, in a second empty copy, ``--jobs 2``: what the book build does,
compiling the two groups of features side by side on two cores. The load average is
printed with them: on a busy machine wall times grow, CPU times much less.

First, the longest first calls a student meets, each from its own empty cache: a
convolutional net's gradient, its H v, its SGD and its SDLM, in wall seconds, with the helper
process that compiles the convolution's passes on the second core
(``_engine/indirect.py``) and without it (``EBTRICKS_PARALLEL_COMPILE=0``). The
one-process warm-up below uses the helper too: its CPU times count the main process only.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]



def warm_up(tmp, args, what):
    print(f"== {what}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
          flush=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ebtricks._warmup", *args], cwd=tmp,
                   env=dict(os.environ, PYTHONPATH=tmp), check=True)
    print(f"   wall time of the whole run, with the interpreter's start: "
          f"{time.perf_counter() - t0:.1f} s", flush=True)


def fresh_copy(tmp):
    """The package without its __pycache__ folders: an empty Numba cache."""
    shutil.copytree(ROOT / "ebtricks", Path(tmp) / "ebtricks",
                    ignore=shutil.ignore_patterns("__pycache__"))


FIRST_CALL = """
import sys, time
import numpy as np
import ebtricks as eb
from ebtricks import curvature as cv
net = eb.Network([eb.Conv2D(1, 6, 2, kernel=3), eb.Subsample(2, 4, 2), eb.Dense(8, 2)], seed=0)
rng = np.random.default_rng(0)
X, D = rng.standard_normal((10, 36)), np.sign(rng.standard_normal((10, 2)))
t = time.perf_counter()
if sys.argv[1] == "gradient":
    net.gradient(X, D)
elif sys.argv[1] == "hvp":
    cv.hessian_vector_product(net, X, D, np.ones(net.n_params))
elif sys.argv[1] == "sdlm":   # two phases: the diagonal estimate, then the epoch
    eb.train(net, X, D, eb.SDLM(eta=0.01), epochs=1, progress=False)
else:   # sgd
    eb.train_sgd(net, X, D, epochs=1, eta=0.01, progress=False)
print(f"{time.perf_counter() - t:.1f}")
"""


def first_calls():
    """A student's very first call, from an empty cache (nothing compiled yet), on the
    convolutional net: the longest first calls there are. With the helper process that
    compiles part of the layer passes on the second core (the default) and without it."""
    print(f"== first call from an empty cache, conv net; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    for what, arg in (("gradient", "gradient"), ("H v", "hvp"), ("train_sgd", "sgd"),
                      ("SDLM", "sdlm")):
        line = f"   {what:<10}"
        for parallel in ("1", "0"):
            with tempfile.TemporaryDirectory() as tmp:
                fresh_copy(tmp)
                out = subprocess.run(
                    [sys.executable, "-c", FIRST_CALL, arg], cwd=tmp,
                    capture_output=True, text=True, check=True,
                    env=dict(os.environ, PYTHONPATH=tmp, EBTRICKS_COMPILE_NOTE="0",
                             EBTRICKS_PARALLEL_COMPILE=parallel)).stdout.split()[-1]
            line += (f"  {out:>5} s wall " + ("with the helper process" if parallel == "1"
                                               else "in one process"))
        print(line, flush=True)


first_calls()
with tempfile.TemporaryDirectory() as tmp:
    fresh_copy(tmp)
    warm_up(tmp, [], "cold cache (compiling), one process (and its compile helpers), feature "
            "after feature")
    warm_up(tmp, [], "warm cache (loading)")
with tempfile.TemporaryDirectory() as tmp:
    fresh_copy(tmp)
    warm_up(tmp, ["--jobs", "2"], "cold cache, two processes side by side (--jobs 2, as the "
            "book build)")
print(f"load average at the end {os.getloadavg()[0]:.1f}")
