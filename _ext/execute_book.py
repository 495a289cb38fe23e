"""Execute every notebook of the book once, and stage the executed copies for the build.

    python _ext/execute_book.py ROOT STAGE [--jobs N] [--only NAME ...]

Both commands of the README go through here: the notebooks run once, each in its own
kernel with its own directory (``ROOT/book``) as working directory, and the executed
copies are written into ``STAGE``, a copy of the book's sources whose ``_config.yml``
turns execution off. Jupyter Book then builds ``STAGE`` without executing anything, so
the build and the notebook checks in ``tests/`` share one execution.

``STAGE/timings.json`` records each notebook's wall time and status, the commit and the
total; the page "How this book was built" (``book/build_info.ipynb``, executed last,
after the others) shows them. The committed notebooks (without outputs) are kept in
``STAGE/../originals`` so that the book's download button offers the notebook as committed.

Exit status 1 when a cell raised, with the cell's traceback printed: a failing notebook
fails the build and the test command.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

LAST = "build_info"          # runs after the others and reports their timings
BUDGET_S = 60                # the per-page execution budget of book/CONVENTIONS.md
TIMINGS = "timings.json"


def toc_files(root: Path) -> list[str]:
    """Every file the table of contents names, in reading order ("book/intro", ...)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))
    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return found


def notebooks(root: Path) -> list[Path]:
    paths = [root / f"{f}.ipynb" for f in toc_files(root)]
    return [p for p in paths if p.exists()]


def stage_sources(root: Path, stage: Path) -> None:
    """A fresh copy of the book's sources with execution turned off."""
    for d in (stage, stage.parent / "originals"):
        if d.exists():
            shutil.rmtree(d)
    stage.mkdir(parents=True)
    shutil.copy(root / "_toc.yml", stage / "_toc.yml")
    config = yaml.safe_load((root / "_config.yml").read_text())
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["ebt_download_sources"] = "../originals"
    (stage / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    shutil.copytree(root / "_ext", stage / "_ext",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for f in toc_files(root):
        for suffix in (".md", ".ipynb"):
            src = root / f"{f}{suffix}"
            if src.exists():
                for dest in (stage / f"{f}{suffix}", stage.parent / "originals" / f"{f}{suffix}"):
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(src, dest)


def execute(path: Path, root: Path, stage: Path, env: dict[str, str]) -> dict:
    """Run one notebook top to bottom; write the executed copy into the stage."""
    nb = nbformat.read(path, as_version=4)
    rel = path.relative_to(root)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=False)
    t0 = time.perf_counter()
    error = None
    try:
        client.execute(env=dict(os.environ, **env))    # the kernel process's environment
    except (CellExecutionError, CellTimeoutError) as exc:
        error = str(exc)
    seconds = time.perf_counter() - t0
    nbformat.write(nb, stage / rel)
    return {"notebook": str(rel.with_suffix("")), "seconds": round(seconds, 2),
            "status": "error" if error else "ok", "error": error}


def commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root,
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
        return out + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("stage", type=Path)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="execute only these notebooks (by stem), e.g. while writing a page")
    args = parser.parse_args(argv)
    root, stage = args.root.resolve(), args.stage.resolve()
    todo = notebooks(root)
    kept, kept_results = {}, []
    if args.only:
        unknown = set(args.only) - {p.stem for p in todo}
        if unknown:
            parser.error(f"--only: no notebook named {', '.join(sorted(unknown))} in the toc")
        # Pages not asked for keep the executed copies (and times) of the previous run, so
        # running one page after another does not leave the earlier ones without outputs.
        old = json.loads((stage / TIMINGS).read_text()) if (stage / TIMINGS).exists() else {}
        for p in todo:
            rel = p.relative_to(root)
            if p.stem not in args.only and (stage / rel).exists():
                kept[rel] = (stage / rel).read_bytes()
        kept_results = [r for r in old.get("notebooks", [])
                        if Path(r["notebook"]).name not in args.only and r["notebook"] != LAST
                        and Path(r["notebook"] + ".ipynb") in kept]
        todo = [p for p in todo if p.stem in args.only]
    stage_sources(root, stage)
    for rel, data in kept.items():
        (stage / rel).write_bytes(data)
    if kept:
        print(f"[execute] kept the previous run's outputs of {len(kept)} other notebooks",
              flush=True)
    first = [p for p in todo if p.stem != LAST]
    last = [p for p in todo if p.stem == LAST]
    # With several notebooks at once, one BLAS thread each keeps them from fighting over cores.
    env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"} if args.jobs > 1 else {}
    env["EBTRICKS_PROGRESS"] = "0"      # no progress lines in the pages
    env["EBTRICKS_COMPILE_NOTE"] = "0"  # nor the note that a first use is compiling
    t0 = time.perf_counter()
    results = []
    print(f"[execute] {len(todo)} notebooks, {args.jobs} at a time", flush=True)
    with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(execute, p, root, stage, env): p for p in first}
        for fut in cf.as_completed(futures):
            res = fut.result()
            results.append(res)
            print(f"[execute] {res['notebook']:<40} {res['seconds']:7.1f} s  {res['status']}",
                  flush=True)
    results += kept_results
    order = {str(p.relative_to(root).with_suffix("")): i for i, p in enumerate(notebooks(root))}
    results.sort(key=lambda r: order.get(r["notebook"], len(order)))
    report = {
        "commit": commit(root),
        "jobs": args.jobs,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "budget_seconds": BUDGET_S,
        "notebooks": results,
        "total_seconds": round(time.perf_counter() - t0, 2),
    }
    (stage / TIMINGS).write_text(json.dumps(report, indent=1))
    for p in last:   # the build-info page reads the report just written
        res = execute(p, root, stage, dict(env, EBT_BUILD_TIMINGS=str(stage / TIMINGS)))
        print(f"[execute] {res['notebook']:<40} {res['seconds']:7.1f} s  {res['status']}",
              flush=True)
        report["notebooks"].append(res)
    report["total_seconds"] = round(time.perf_counter() - t0, 2)
    (stage / TIMINGS).write_text(json.dumps(report, indent=1))
    failed = [r for r in report["notebooks"] if r["status"] != "ok"]
    for r in failed:
        print(f"\n[execute] {r['notebook']} failed:\n{r['error']}", file=sys.stderr, flush=True)
    print(f"[execute] {len(todo)} notebooks in {report['total_seconds']:.0f} s; "
          f"{len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
