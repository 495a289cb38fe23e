"""Cold-cache compile time of each ebtricks feature, as a student meets it once per install.

    .venv/bin/python benchmarks/bench_compile.py

Copies the package to a temporary directory (so its Numba disk cache is empty, and the
working tree's cache is left alone) and runs ``python -m ebtricks._warmup`` there twice:
the first run compiles, the second loads the cached code. The load average is printed with
them: on a busy machine wall times grow, CPU times much less.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

with tempfile.TemporaryDirectory() as tmp:
    shutil.copytree(ROOT / "ebtricks", Path(tmp) / "ebtricks",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, PYTHONPATH=tmp)
    for what in ("cold cache (compiling)", "warm cache (loading)"):
        print(f"== {what}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
              flush=True)
        subprocess.run([sys.executable, "-m", "ebtricks._warmup"], cwd=tmp, env=env, check=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
