"""How long the book takes: each notebook's execution time, and the two README commands.

    .venv/bin/python benchmarks/bench_book.py          # report the last recorded run
    .venv/bin/python benchmarks/bench_book.py --run    # run both commands now, then report

Each notebook's time comes from ``_build/src/timings.json``, which the executor writes
(``_ext/execute_book.py``: two notebooks at a time on two cores, one BLAS thread each).
The commands' totals are the last ones ``run.py`` recorded in ``_build/commands.json``;
with ``--run`` this script runs ``python3 run.py book`` and ``python3 run.py test`` first
and times them itself. The last lines project the test command to the finished book
(about 30 pages) and give the per-page cost that a 20-minute test command allows.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMINGS = ROOT / "_build" / "src" / "timings.json"
COMMANDS = ROOT / "_build" / "commands.json"
GOAL_PAGES, GOAL_SECONDS = 30, 20 * 60


def run_command(what: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(["python3", "run.py", what],
                   cwd=ROOT, check=True)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", action="store_true", help="run both commands first")
    args = parser.parse_args()
    measured = {}
    if args.run:
        measured["book"] = run_command("book")
        measured["test"] = run_command("test")
    if not TIMINGS.exists():
        print("no timings yet: run `python3 run.py book` (or this script with --run)")
        return 1
    report = json.loads(TIMINGS.read_text())
    totals = json.loads(COMMANDS.read_text()) if COMMANDS.exists() else {}
    totals.update(measured)
    rows = report["notebooks"]
    width = max(len(r["notebook"]) for r in rows)
    print(f"commit {report['commit']}, {report['jobs']} notebooks at a time on "
          f"{report['cpus']} cores\n")
    print(f"{'notebook':<{width}}  {'seconds':>8}  {'of budget':>9}  status")
    for r in sorted(rows, key=lambda r: -r["seconds"]):
        print(f"{r['notebook']:<{width}}  {r['seconds']:8.1f}  "
              f"{r['seconds'] / report['budget_seconds']:8.0%}  {r['status']}")
    executed = sum(r["seconds"] for r in rows)
    print(f"\nsum of notebook times {executed:.0f} s; wall time of the execution step "
          f"{report['total_seconds']:.0f} s")
    for what in ("book", "test"):
        if what in totals:
            print(f"python3 run.py {what:<5} {totals[what]:7.0f} s  ({totals[what] / 60:.1f} min)")
    pages = len(rows)
    if "test" in totals and pages:
        wall_per_page = report["total_seconds"] / pages
        fixed = totals["test"] - report["total_seconds"]
        projected = fixed + wall_per_page * GOAL_PAGES
        allowed = (GOAL_SECONDS - fixed) / GOAL_PAGES
        print(f"\nnow: {pages} notebooks; everything but their execution takes {fixed:.0f} s")
        print(f"at today's {wall_per_page:.0f} s of execution wall time per page, "
              f"{GOAL_PAGES} pages would take {projected / 60:.1f} min "
              f"(goal {GOAL_SECONDS / 60:.0f} min)")
        print(f"the goal allows {allowed:.0f} s of execution wall time per page "
              f"(with {report['jobs']} at a time, {allowed * report['jobs']:.0f} s of "
              f"notebook time each), if the rest stays at {fixed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
