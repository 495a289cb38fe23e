"""The first cell of every notebook: install ebtricks when the notebook runs elsewhere.

A notebook downloaded from the book, opened on Colab or launched on Binder has no
``ebtricks``; its first cell (tagged ``remove-cell``, so the book does not show it)
installs it from the repository that ``_config.yml`` names under ``repository.url``,
which is the only place the address is written by hand. ``EBTRICKS_SOURCE`` overrides the
address (the tests point it at the local checkout).

    python _ext/bootstrap.py          # check that every notebook's first cell is current
    python _ext/bootstrap.py --write  # rewrite it from _config.yml (after changing the URL)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "remove-cell"
MARKER = "# ebtricks bootstrap"

TEMPLATE = '''{marker}: installs the package when this notebook runs outside the course's
# environment (a download, Colab, Binder). EBTRICKS_SOURCE overrides where it comes from.
import importlib, importlib.util, os, subprocess, sys
if importlib.util.find_spec("ebtricks") is None:
    _source = os.environ.get("EBTRICKS_SOURCE", "git+{url}")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    f"ebtricks[figures,data] @ {{_source}}"], check=True)
    importlib.invalidate_caches()'''


def repository_url(root: Path = ROOT) -> str:
    config = yaml.safe_load((root / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


def source(root: Path = ROOT) -> str:
    return TEMPLATE.format(marker=MARKER, url=repository_url(root))


def cell(root: Path = ROOT) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": "ebtricks-bootstrap",
            "metadata": {"tags": [TAG]}, "outputs": [], "source": source(root)}


def is_current(nb: dict, root: Path = ROOT) -> bool:
    first = next((c for c in nb["cells"] if c["cell_type"] == "code"), None)
    if first is None:
        return False
    text = first["source"] if isinstance(first["source"], str) else "".join(first["source"])
    return text == source(root) and TAG in first.get("metadata", {}).get("tags", [])


def write(path: Path, root: Path = ROOT) -> bool:
    """Put the current bootstrap cell first in ``path``; True when the file changed."""
    nb = json.loads(path.read_text())
    if is_current(nb, root):
        return False
    cells = [c for c in nb["cells"]
             if not (c["cell_type"] == "code" and MARKER in "".join(c["source"]))]
    # after the title cell, so the page still opens with its heading
    at = 1 if cells and cells[0]["cell_type"] == "markdown" else 0
    nb["cells"] = cells[:at] + [cell(root)] + cells[at:]
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return True


def main(argv: list[str]) -> int:
    notebooks = sorted((ROOT / "book").glob("*.ipynb"))
    if "--write" in argv:
        for nb in notebooks:
            if write(nb):
                print(f"updated {nb.relative_to(ROOT)}")
        return 0
    stale = [nb for nb in notebooks if not is_current(json.loads(nb.read_text()))]
    for nb in stale:
        print(f"{nb.relative_to(ROOT)}: first code cell is not the current bootstrap; "
              f"run `python _ext/bootstrap.py --write`")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
