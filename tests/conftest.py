import importlib.util

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_run_py():
    """run.py holds the book-build command; tests use the very same command."""
    spec = importlib.util.spec_from_file_location("ebt_run", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test leaves open (drawing helpers' tests make many), so that
    they neither pile up in memory nor show in a later test's count of open figures."""
    yield
    import sys
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="module")
def one_blas_thread():
    """One BLAS thread for a whole test module (use it with
    ``pytestmark = pytest.mark.usefixtures("one_blas_thread")``), as the book build runs each
    page: the norms and small products of online SGD and of the online eigenvalue estimate
    gain nothing from more threads, and on a busy 2-core machine the threads' waiting costs
    several times the work (the results are the same bit for bit)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:                              # pragma: no cover
        yield
        return
    with threadpool_limits(1):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


# A unit defined the way a student would (ebtricks.activations.define, no Numba): every
# random architecture of the gradient, Hessian and diagonal tests may draw it, as it may
# draw the built-in ones (reference.activation has its autograd twin).
import ebtricks  # noqa: E402

if "student_swish" not in ebtricks.activations.CODES:
    ebtricks.activations.define(
        "student_swish", "x / (1 + np.exp(-x))",
        "(1 + np.exp(-x) + x * np.exp(-x)) / (1 + np.exp(-x))**2",
        "np.exp(-x) * (x * np.exp(-x) - x + 2 * np.exp(-x) + 2) / (1 + np.exp(-x))**3")
