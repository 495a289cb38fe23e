"""A notebook runs as downloaded: in a fresh virtual environment without ebtricks, its
first cell installs the package (here from the local checkout instead of the repository
address in _config.yml) and every cell then runs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import bootstrap  # noqa: E402

# A small page: it runs in seconds once ebtricks is installed.
NOTEBOOK = ROOT / "book" / "build_info.ipynb"
PACKAGE_FILES = ["pyproject.toml", "README.md", "ebtricks"]


def test_bootstrap_source_uses_the_configured_address():
    src = bootstrap.source()
    assert f"git+{bootstrap.repository_url()}" in src
    assert "EBTRICKS_SOURCE" in src


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    """A venv that sees the course's dependencies (numpy, numba, matplotlib, the kernel)
    through a .pth line, but not ebtricks: the main venv installs ebtricks as an editable
    finder from a .pth file, and .pth files of a path added that way are not processed."""
    tmp = tmp_path_factory.mktemp("fresh")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "course_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = subprocess.run([py, "-c", "import importlib.util as u, numpy, numba;"
                            "print(u.find_spec('ebtricks'))"],
                           capture_output=True, text=True, cwd=tmp)
    assert probe.returncode == 0 and probe.stdout.strip() == "None", probe.stdout + probe.stderr
    # the package as a user would get it: its own files, nothing else of the checkout
    pkg = tmp / "ebtricks-src"
    pkg.mkdir()
    for name in PACKAGE_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, pkg / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.nbi", "*.nbc"))
        else:
            shutil.copy(src, pkg / name)
    return py, pkg, tmp


def test_downloaded_notebook_installs_ebtricks_and_runs(fresh_env):
    py, pkg, tmp = fresh_env
    nb_path = tmp / "downloaded.ipynb"
    shutil.copy(NOTEBOOK, nb_path)
    code = (
        "import nbformat, sys\n"
        "from nbclient import NotebookClient\n"
        f"nb = nbformat.read({str(nb_path)!r}, as_version=4)\n"
        f"NotebookClient(nb, timeout=600, kernel_name='python3',\n"
        f"               resources={{'metadata': {{'path': {str(tmp)!r}}}}}).execute()\n"
        f"nbformat.write(nb, {str(nb_path)!r})\n")
    env = dict(os.environ, EBTRICKS_SOURCE=pkg.as_uri(), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    # the kernel is the fresh venv's own python: the default kernelspec uses sys.executable
    res = subprocess.run([py, "-c", code], capture_output=True, text=True, cwd=tmp, env=env,
                         timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    installed = subprocess.run([py, "-c", "import ebtricks; print(ebtricks.__file__)"],
                               capture_output=True, text=True, cwd=tmp)
    assert str(Path(str(py)).parents[1]) in installed.stdout, installed.stdout + installed.stderr
    nb = json.loads(nb_path.read_text())
    outputs = "".join(json.dumps(c.get("outputs", [])) for c in nb["cells"])
    assert "ebtricks 0." in outputs and '"output_type": "error"' not in outputs
