"""The book build (the very commands `python3 run.py book` runs) executes each notebook
once, renders the executed copies, and fails, with a non-zero exit code, on a notebook
cell error and on a Sphinx warning."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, load_run_py

JB = Path(sys.executable).parent / "jupyter-book"


def _notebook(code: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# A page\n"]},
                  {"cell_type": "code", "execution_count": None, "metadata": {},
                   "outputs": [], "source": [code]}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5})


def _mini_book(tmp_path: Path, code: str, extra_md: str = "") -> Path:
    book = tmp_path / "mini"
    (book / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copytree(ROOT / "_ext", book / "_ext")
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                   "  - file: book/page\n")
    (book / "book" / "intro.md").write_text("# Intro\n\nHello.\n" + extra_md)
    (book / "book" / "page.ipynb").write_text(_notebook(code))
    return book


def _build(book: Path) -> subprocess.CompletedProcess:
    """Run the build's commands in turn, as run.py does; stop at the first that fails."""
    out = ""
    # the first command only warms Numba's cache (tested in test_cache.py); skip it here
    for cmd in load_run_py().book_commands(book, book, sys.executable, JB)[1:]:
        res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600)
        out += res.stdout + res.stderr
        if res.returncode:
            break
    return subprocess.CompletedProcess(cmd, res.returncode, out, "")


@pytest.fixture(scope="module")
def jb_available():
    if not JB.exists():
        pytest.fail(f"jupyter-book is not installed next to {sys.executable}")


def test_clean_mini_book_builds_from_one_execution(tmp_path, jb_available):
    code = ("import pathlib, os\n"
            "marker = pathlib.Path('runs.txt')\n"
            "marker.write_text(marker.read_text() + 'x' if marker.exists() else 'x')\n"
            "print('executed', len(marker.read_text()), 'time(s)')")
    book = _mini_book(tmp_path, code)
    res = _build(book)
    assert res.returncode == 0, res.stdout[-3000:]
    assert (book / "book" / "runs.txt").read_text() == "x"          # executed exactly once
    html = (book / "_build" / "html" / "book" / "page.html").read_text()
    assert "executed 1 time(s)" in html                             # the build shows that run
    report = json.loads((book / "_build" / "src" / "timings.json").read_text())
    assert [r["notebook"] for r in report["notebooks"]] == ["book/page"]
    # the download offers the notebook as committed, without outputs
    download = json.loads((book / "_build" / "html" / "_sources" / "book" / "page.ipynb").read_text())
    assert all(not c.get("outputs") for c in download["cells"] if c["cell_type"] == "code")


def test_cell_error_fails_the_build(tmp_path, jb_available):
    res = _build(_mini_book(tmp_path, "raise RuntimeError('boom in a cell')"))
    assert res.returncode != 0
    assert "boom in a cell" in res.stdout + res.stderr


def test_sphinx_warning_fails_the_build(tmp_path, jb_available):
    res = _build(_mini_book(tmp_path, "print(1)", extra_md="\nSee {ref}`no-such-label`.\n"))
    assert res.returncode != 0
    assert "no-such-label" in res.stdout + res.stderr


def test_figures_leave_the_page_as_image_files(tmp_path, jb_available):
    """Every image of an ebtricks figure, and every frame of its slider, becomes a file of
    its own: the page carries no data URI, and loads only the frame it shows."""
    code = (
        "import matplotlib\n"
        "matplotlib.use('Agg')\n"
        "from ebtricks.figures import Slider, interactive, show, subplots\n"
        "def draw(a):\n"
        "    fig, ax = subplots(height=2)\n"
        "    ax.plot([0, 1], [0, a])\n"
        "    return fig\n"
        "show(draw(1.0), caption='Not in the paper: a line.', alt='A straight rising line.')\n"
        "interactive(draw, {'a': Slider('slope', default=1.0, start=0.0, stop=2.4, step=0.1)},\n"
        "            caption='Not in the paper: lines.', alt='A line whose slope follows the slider.')\n")
    book = _mini_book(tmp_path, code)
    res = _build(book)
    assert res.returncode == 0, res.stdout[-3000:]
    html_dir = book / "_build" / "html"
    page = (html_dir / "book" / "page.html").read_text()
    assert "data:image" not in page
    files = {p.name for p in (html_dir / "_images" / "ebt").glob("*.png")}
    frames = json.loads(re.search(r'class="ebt-frames">(.*?)</script>', page, re.S).group(1))
    assert len(set(frames)) == 25 and all((html_dir / "book" / f).resolve().exists()
                                          for f in frames)
    # the static figure is its own file, or (content-addressed) the default frame's
    assert len(files) in (25, 26)
    assert '<strong>Figure 1.</strong>' in page and '<strong>Figure 2.</strong>' in page


def test_only_keeps_the_other_pages_outputs(tmp_path):
    """``execute_book.py --only A`` re-runs A and keeps B's executed copy and time from the
    previous run: writing pages one after another must not strip the earlier ones."""
    book = _mini_book(tmp_path, "print('page one ran')")
    (book / "book" / "two.ipynb").write_text(_notebook("print('page two ran')"))
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                   "  - file: book/page\n  - file: book/two\n")
    stage = book / "_build" / "src"
    run = [sys.executable, str(ROOT / "_ext" / "execute_book.py"), str(book), str(stage)]
    assert subprocess.run(run, capture_output=True, timeout=300).returncode == 0
    (book / "book" / "two.ipynb").write_text(_notebook("print('page two again')"))
    res = subprocess.run(run + ["--only", "two"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    one = (stage / "book" / "page.ipynb").read_text()
    two = (stage / "book" / "two.ipynb").read_text()
    assert "page one ran" in one and "page two again" in two
    report = json.loads((stage / "timings.json").read_text())
    assert [r["notebook"] for r in report["notebooks"]] == ["book/page", "book/two"]
    bad = subprocess.run(run + ["--only", "nosuchpage"], capture_output=True, text=True)
    assert bad.returncode != 0 and "nosuchpage" in bad.stderr
