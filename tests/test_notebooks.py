"""The notebooks, as committed and as executed by the build (book/CONVENTIONS.md).

The book build executes each notebook once (``_ext/execute_book.py``) and leaves the
executed copies in ``_build/src``; these tests read those copies, so no notebook runs
twice. Run ``python3 run.py book`` (or ``run.py test``, which does it) first.
"""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT

import ebtricks as eb

sys.path.insert(0, str(ROOT / "_ext"))
import bootstrap  # noqa: E402
import execute_book  # noqa: E402

STAGE = ROOT / "_build" / "src"
NOT_CONTENT = {"intro", "build_info"}        # pages without the teaching frame
MAX_VISIBLE_LINES = 15


def _source(cell) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _notebooks():
    return [p.relative_to(ROOT).with_suffix("").as_posix()
            for p in execute_book.notebooks(ROOT)]


def _content_notebooks():
    return [n for n in _notebooks() if n.split("/")[-1] not in NOT_CONTENT]


def _committed(name):
    return json.loads((ROOT / f"{name}.ipynb").read_text())


def _executed(name):
    path = STAGE / f"{name}.ipynb"
    if not path.exists():
        pytest.fail(f"{path} missing: run `python3 run.py book` first")
    return json.loads(path.read_text())


def _html_outputs(cell) -> str:
    return "".join("".join(o.get("data", {}).get("text/html", ""))
                   for o in cell.get("outputs", []))


@pytest.mark.parametrize("name", _notebooks())
def test_committed_without_outputs(name):
    nb = _committed(name)
    dirty = [i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{name}: cells {dirty} carry outputs; clear them before committing"


@pytest.mark.parametrize("name", _notebooks())
def test_every_cell_has_a_unique_id(name):
    """nbformat 4.5 cells carry ids (a missing one is a warning now, an error in future
    nbformat versions); reviewers' edits and merges find cells by them."""
    ids = [c.get("id") for c in _committed(name)["cells"]]
    missing = [i for i, cid in enumerate(ids) if not cid]
    assert not missing, f"{name}: cells {missing} have no id"
    assert len(set(ids)) == len(ids), f"{name}: cell ids repeat"


@pytest.mark.parametrize("name", _notebooks())
def test_bootstrap_cell_is_current(name):
    assert bootstrap.is_current(_committed(name)), (
        f"{name}: the first code cell is not the bootstrap made from _config.yml; "
        f"run `python _ext/bootstrap.py --write`")


def test_timings_report_every_notebook():
    report = json.loads((STAGE / execute_book.TIMINGS).read_text())
    names = [r["notebook"] for r in report["notebooks"]]
    assert sorted(names) == sorted(_notebooks())
    assert all(r["status"] == "ok" for r in report["notebooks"])
    assert report["total_seconds"] > 0 and report["commit"]


@pytest.mark.parametrize("name", _notebooks())
def test_executed_without_errors_or_warnings(name):
    problems = []
    for i, cell in enumerate(_executed(name)["cells"]):
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                problems.append(f"cell {i}: {out['ename']}: {out['evalue']}")
            if out["output_type"] == "stream" and out["name"] == "stderr":
                problems.append(f"cell {i} wrote to stderr: {''.join(out['text'])[:300]}")
            for line in "".join(out.get("text", "")).splitlines():
                if len(line) > 80:
                    problems.append(f"cell {i} printed a line of {len(line)} characters "
                                    f"(the column fits 80): {line[:60]}...")
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", _content_notebooks())
def test_page_opens_with_a_picture_and_a_question(name):
    cells = _executed(name)["cells"]
    first_output = next((c for c in cells if c["cell_type"] == "code" and c.get("outputs")),
                        None)
    assert first_output is not None and "ebt-figure" in _html_outputs(first_output), (
        f"{name}: the page's first output must be a figure")
    opening = []
    for c in cells:
        if c is first_output:
            break
        if c["cell_type"] == "markdown":
            opening.append(_source(c))
    text = "\n".join(opening)
    assert "**Question.**" in text, f"{name}: no **Question.** before the first figure"
    assert "$$" not in text, f"{name}: a displayed equation comes before the opening picture"


def _section(cells, heading: str) -> str:
    md = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
    match = re.search(rf"^## {heading}\s*$(.*?)(?=^## |\Z)", md, re.M | re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize("name", _content_notebooks())
def test_page_ends_with_summary_and_exercises(name):
    cells = _committed(name)["cells"]
    summary = _section(cells, "Summary")
    assert len(re.findall(r"^\s*[-*] ", summary, re.M)) >= 3, f"{name}: ## Summary needs 3+ bullets"
    exercises = _section(cells, "Exercises")
    items = re.split(r"^\d+\. ", exercises, flags=re.M)[1:]
    assert 2 <= len(items) <= 4, f"{name}: ## Exercises needs 2-4 numbered items, has {len(items)}"
    for k, item in enumerate(items, 1):
        checks = re.findall(r"eb\.checks\.(\w+)\(", item)
        assert checks, f"{name}: exercise {k} names no self-check eb.checks.<name>(...)"
        for c in checks:
            assert callable(getattr(eb.checks, c, None)), f"{name}: eb.checks.{c} does not exist"
    assert any("Predict" in it and "slider" in it for it in items), (
        f"{name}: no exercise asks the reader to predict before moving a slider")


@pytest.mark.parametrize("name", _content_notebooks())
def test_drawing_cells_hidden_and_visible_cells_short(name):
    problems = []
    for i, cell in enumerate(_executed(name)["cells"]):
        if cell["cell_type"] != "code":
            continue
        tags, src = _tags(cell), _source(cell)
        hidden = {"hide-input", "remove-input", "remove-cell"} & set(tags)
        if "plt.show(" in src:
            problems.append(f"cell {i}: plt.show(); use ebtricks.figures.show")
        if hidden:
            continue
        if "ebt-figure" in _html_outputs(cell):
            problems.append(f"cell {i} draws a figure but its code is not hidden (hide-input)")
        lines = [ln for ln in src.splitlines() if ln.strip()]
        if len(lines) > MAX_VISIBLE_LINES:
            problems.append(f"cell {i}: {len(lines)} visible lines (at most {MAX_VISIBLE_LINES})")
    assert not problems, f"{name}:\n" + "\n".join(problems)


MAX_VISIBLE_WIDTH = 80


@pytest.mark.parametrize("name", _content_notebooks())
def test_visible_code_lines_fit_the_column(name):
    """A visible code line longer than 80 characters makes its box scroll sideways."""
    problems = []
    for i, cell in enumerate(_committed(name)["cells"]):
        if cell["cell_type"] != "code" or {"hide-input", "remove-input",
                                            "remove-cell"} & set(_tags(cell)):
            continue
        problems += [f"cell {i}: a line of {len(ln)} characters: {ln[:50]}..."
                     for ln in _source(cell).splitlines() if len(ln) > MAX_VISIBLE_WIDTH]
    assert not problems, f"{name}:\n" + "\n".join(problems)
