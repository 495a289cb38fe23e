"""Cold-cache compile time of each ebtricks feature, as a student meets it once per install.

    .venv/bin/python benchmarks/bench_compile.py

Copies the package to a temporary directory (so its Numba disk cache is empty, and the
working tree's cache is left alone) and runs ``python -m ebtricks._warmup`` there twice:
the first run compiles, feature after feature, as a student meets them; the second loads
the cached code. Then, in a second empty copy, ``--jobs 2``: what the book build does,
compiling the two groups of features side by side on two cores. The load average is
printed with them: on a busy machine wall times grow, CPU times much less.
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


with tempfile.TemporaryDirectory() as tmp:
    fresh_copy(tmp)
    warm_up(tmp, [], "cold cache (compiling), one process, feature after feature")
    warm_up(tmp, [], "warm cache (loading)")
with tempfile.TemporaryDirectory() as tmp:
    fresh_copy(tmp)
    warm_up(tmp, ["--jobs", "2"], "cold cache, two processes side by side (--jobs 2, as the "
            "book build)")
print(f"load average at the end {os.getloadavg()[0]:.1f}")
