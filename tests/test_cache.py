"""Numba's disk cache never serves stale kernels: a change to a kernel in one file reaches
its callers in other files the next time the package is imported (ebtricks/_cache.py).

Numba alone keys each cached kernel on its own file only, so ``caller`` below would keep
the old ``callee``; the test adds two tiny kernel modules to a copy of the package so that
it compiles in seconds."""
import shutil
import subprocess
import sys

from conftest import ROOT

CALLEE = ("from numba import njit\n\n\n@njit(cache=True)\ndef callee(x):\n"
          "    return x + {k}.0\n")
CALLER = ("from numba import njit\n\nfrom ._probe_callee import callee\n\n\n"
          "@njit(cache=True)\ndef caller(x):\n    return 2.0 * callee(x)\n")
PROBE = "import ebtricks\nfrom ebtricks._probe_caller import caller\nprint(caller(1.0))\n"


def _run(parent):
    res = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         cwd=parent, env={"PYTHONPATH": str(parent), "PATH": "/usr/bin"})
    assert res.returncode == 0, res.stderr[-2000:]
    return float(res.stdout.split()[-1])


def test_changing_a_callee_in_another_file_recompiles_its_callers(tmp_path):
    pkg = tmp_path / "ebtricks"
    shutil.copytree(ROOT / "ebtricks", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / "_probe_callee.py").write_text(CALLEE.format(k=1))
    (pkg / "_probe_caller.py").write_text(CALLER)
    assert _run(tmp_path) == 4.0                      # 2 * (1 + 1), now cached on disk
    assert list(pkg.rglob("_probe_caller*.nbi")), "the caller was not cached"
    assert _run(tmp_path) == 4.0                      # loaded from the cache
    (pkg / "_probe_callee.py").write_text(CALLEE.format(k=2))
    assert _run(tmp_path) == 6.0                      # 2 * (1 + 2): the caller saw the change


def test_the_stamp_covers_every_engine_file():
    """layout.py has no kernel, but its column numbers are compiled into every kernel."""
    from ebtricks import _cache
    sources = {p.relative_to(_cache.PACKAGE).as_posix() for p in _cache._kernel_sources()}
    engine = {p.relative_to(_cache.PACKAGE).as_posix()
              for p in (_cache.PACKAGE / "_engine").glob("*.py")}
    assert "_engine/layout.py" in engine
    assert engine <= sources


DENSE_ONLY_PROBE = """
import numpy as np
from numba.core.registry import CPUDispatcher
import ebtricks as eb
from ebtricks._engine import conv, dense, rbf, shared
net = eb.mlp([3, 4, 2], seed=0)
X, D = np.ones((3, 3)), np.ones((3, 2))   # fewer rows than BATCH_MIN: the per-sample driver
net.gradient(X, D)
other = [f"{m.__name__}.{k}" for m in (conv, rbf, shared) for k, f in vars(m).items()
         if isinstance(f, CPUDispatcher) and f.py_func.__module__ == m.__name__
         and f.signatures]   # the module's own kernels (not the units it imports)
print(len(dense.forward.signatures), len(dense.backward.signatures), other)
"""


def test_a_dense_only_net_compiles_no_other_layer_type(tmp_path):
    """Issue #21: the first gradient of a dense-only net, from an empty cache, compiles the
    dense passes and no convolution, shared-weight or RBF pass (the family marker of
    drivers.py). A fresh process with its own empty cache, so that nothing is loaded."""
    res = subprocess.run([sys.executable, "-c", DENSE_ONLY_PROBE], capture_output=True,
                         text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin",
                              "NUMBA_CACHE_DIR": str(tmp_path / "cache")})
    assert res.returncode == 0, res.stderr[-2000:]
    n_forward, n_backward, other = res.stdout.split(maxsplit=2)
    assert (n_forward, n_backward) == ("1", "1")      # compiled here, not loaded
    assert other.strip() == "[]", other
