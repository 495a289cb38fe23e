"""The book build (the very command `python3 run.py book` runs) fails, with a non-zero exit
code, on a notebook cell error and on a Sphinx warning."""
import json
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
    cmd = [str(c) for c in load_run_py().book_command(book, JB)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def jb_available():
    if not JB.exists():
        pytest.fail(f"jupyter-book is not installed next to {sys.executable}")


def test_clean_mini_book_builds(tmp_path, jb_available):
    res = _build(_mini_book(tmp_path, "print(1 + 1)"))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]


def test_cell_error_fails_the_build(tmp_path, jb_available):
    res = _build(_mini_book(tmp_path, "raise RuntimeError('boom in a cell')"))
    assert res.returncode != 0
    assert "boom in a cell" in res.stdout + res.stderr


def test_sphinx_warning_fails_the_build(tmp_path, jb_available):
    res = _build(_mini_book(tmp_path, "print(1)", extra_md="\nSee {ref}`no-such-label`.\n"))
    assert res.returncode != 0
    assert "no-such-label" in res.stdout + res.stderr
