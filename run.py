#!/usr/bin/env python3
"""The course's two commands, plus one to open the notebooks.

    python3 run.py book   # create .venv if needed, build the HTML book into _build/html
    python3 run.py test   # create .venv if needed, build the book, run every test
    python3 run.py lab    # open the notebooks in JupyterLab

Only Python 3.11+ is needed to start: everything else is installed into ./.venv
from the package registry, and a headless Chromium for the browser checks is
installed with apt-get when it is missing (as root; otherwise we say what to do).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".ebt-stamp"
HTML = ROOT / "_build" / "html"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def say(msg: str) -> None:
    print(f"[run.py] {msg}", flush=True)


def run(cmd: list[str], **kw) -> None:
    say(" ".join(str(c) for c in cmd))
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def ensure_venv() -> None:
    """Create .venv and install requirements + the editable package, when they changed."""
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 or newer is needed")
    wanted = hashlib.sha256(
        (ROOT / "requirements.txt").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PY.exists():
        return
    if not PY.exists():
        say(f"creating virtual environment {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    run([PY, "-m", "pip", "install", "--quiet", "-r", ROOT / "requirements.txt", "-e", ROOT])
    STAMP.write_text(wanted)


def find_chromium() -> str | None:
    env = os.environ.get("EBT_CHROMIUM")
    if env:
        return env
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure_chromium() -> str:
    path = find_chromium()
    if path:
        return path
    if shutil.which("apt-get") and os.geteuid() == 0:
        say("installing Debian's chromium for the browser checks")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", "chromium"], env=env)
        path = find_chromium()
        if path:
            return path
    sys.exit(
        "No Chromium found for the browser checks. Install it (Debian/Ubuntu: "
        "`sudo apt-get install chromium`) or point EBT_CHROMIUM at a Chrome/Chromium binary."
    )


def book_commands(root: Path, out: Path, python: Path | str = PY,
                  jupyter_book: Path | str = BIN / "jupyter-book") -> list[list]:
    """The build, as three commands run in turn.

    1. ``ebtricks._warmup`` compiles the kernels (or loads them from Numba's disk cache,
       which ebtricks keys on all its kernel sources, so it is never stale), so that no
       page's execution time includes compiling; two processes compile side by side;
    2. ``_ext/execute_book.py`` executes every notebook once and stages the executed
       copies in ``out/_build/src`` (a cell error fails it, with the traceback);
    3. Jupyter Book renders the staged copies into ``out/_build/html`` without executing
       them again (a Sphinx warning fails it).
    The notebook tests read the same executed copies, so nothing runs twice.
    """
    stage = out / "_build" / "src"
    return [[python, "-m", "ebtricks._warmup", "--jobs", "2"],
            [python, root / "_ext" / "execute_book.py", root, stage],
            [jupyter_book, "build", stage, "--path-output", out, "--warningiserror",
             "--keep-going"]]


def build_book() -> None:
    t0 = time.perf_counter()
    # A clean build, so that a warning in an unchanged page is not hidden by Sphinx's cache.
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    for cmd in book_commands(ROOT, ROOT):
        run(cmd)
    say(f"book built into {HTML} in {time.perf_counter() - t0:.0f} s")


def record_total(what: str, seconds: float) -> None:
    """Keep the last total of each command, for benchmarks/bench_book.py."""
    path = ROOT / "_build" / "commands.json"
    try:
        totals = json.loads(path.read_text())
    except (OSError, ValueError):
        totals = {}
    totals[what] = round(seconds, 1)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(totals))


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in ("book", "test", "lab"):
        print(__doc__)
        return 2
    what = argv[1]
    t_start = time.perf_counter()
    ensure_venv()
    try:
        if what == "book":
            build_book()
            record_total("book", time.perf_counter() - t_start)
            say(f"open {HTML / 'index.html'} in a browser")
        elif what == "lab":
            if not (BIN / "jupyter-lab").exists():
                run([PY, "-m", "pip", "install", "--quiet", "jupyterlab>=4,<5"])
            run([BIN / "jupyter-lab", ROOT / "book"])
        else:
            env = dict(os.environ, EBT_CHROMIUM=ensure_chromium())
            t0 = time.perf_counter()
            # Numba-compiled code is invisible to Python tracing: run the small cases once
            # as plain Python so every kernel line is exercised.
            run([PY, "-m", "pytest", "-q", "-m", "small", "-p", "no:cacheprovider"],
                cwd=ROOT, env=dict(env, NUMBA_DISABLE_JIT="1"))
            build_book()
            run([PY, "-m", "pytest", "-p", "no:cacheprovider", "--durations=15",
                 "--doctest-modules", "tests", "ebtricks"],
                cwd=ROOT, env=env)
            record_total("test", time.perf_counter() - t_start)
            say(f"all tests passed in {time.perf_counter() - t0:.0f} s")
    except subprocess.CalledProcessError as err:
        say(f"failed: {' '.join(map(str, err.cmd))} (exit {err.returncode})")
        return err.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
