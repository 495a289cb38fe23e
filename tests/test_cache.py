"""Numba's disk cache never serves stale kernels: a change to a kernel in one file reaches
its callers in other files the next time the package is imported (ebtricks/_cache.py)."""
import shutil
import subprocess
import sys

from conftest import ROOT

PROBE = ("import numpy as np, ebtricks as eb\n"
         "net = eb.mlp([2, 1], activation='logistic', seed=0)\n"
         "net.set_params([0.0, 0.0, 0.0])\n"
         "print(float(net.forward(np.zeros((1, 2)))[0, 0]))\n")


def _run(pkg_parent):
    res = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         cwd=pkg_parent, env={"PYTHONPATH": str(pkg_parent), "PATH": "/usr/bin"})
    assert res.returncode == 0, res.stderr[-2000:]
    return float(res.stdout.split()[-1])


def test_changing_a_callee_in_another_file_recompiles_its_callers(tmp_path):
    shutil.copytree(ROOT / "ebtricks", tmp_path / "ebtricks",
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert _run(tmp_path) == 0.5                      # logistic(0), now cached on disk
    assert list((tmp_path / "ebtricks").rglob("*.nbi")), "nothing was cached"
    act = tmp_path / "ebtricks" / "activations.py"
    src = act.read_text()
    changed = (src.replace("return 1.0 / (1.0 + math.exp(-x))", "return 2.0 / (1.0 + math.exp(-x))")
                  .replace("return e / (1.0 + e)", "return 2.0 * e / (1.0 + e)"))
    assert changed != src
    act.write_text(changed)
    assert _run(tmp_path) == 1.0                      # the callers in other files see it
