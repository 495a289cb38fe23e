"""ebtricks' matrix products run under its BLAS thread limit (default 1), and only them."""
import numpy as np
import pytest
from threadpoolctl import threadpool_info

import ebtricks as eb
from ebtricks import _threads
from ebtricks import curvature as cv
from ebtricks._engine import batched


def _blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


@pytest.fixture
def restore_setting():
    before = _threads._setting
    yield
    _threads._setting = before


@pytest.mark.parametrize("n", [1, 2, None])
def test_batched_passes_run_under_the_limit(monkeypatch, restore_setting, n):
    outside = _blas_threads()
    eb.set_blas_threads(n)
    seen = []
    for name in ("outputs", "gradient", "hvp", "diag_backprop"):
        original = getattr(batched, name)

        def spy(*args, _original=original, **kw):
            seen.append(_blas_threads())
            return _original(*args, **kw)
        monkeypatch.setattr(batched, name, spy)
    rng = np.random.default_rng(0)
    net = eb.mlp([20, 8, 3], seed=0)
    X, D = rng.normal(size=(200, 20)), np.sign(rng.normal(size=(200, 3)))
    net.forward(X)
    net.gradient(X, D)
    cv.hessian_vector_product(net, X, D, rng.normal(size=net.n_params))
    cv.diag_hessian(net, X, D)
    assert len(seen) == 4
    expected = outside if n is None else [n] * len(outside)
    assert all(s == expected for s in seen), seen
    assert _blas_threads() == outside                  # restored after each call


def test_results_do_not_depend_on_the_thread_count(restore_setting):
    rng = np.random.default_rng(1)
    net = eb.mlp([50, 16, 4], seed=1)
    X, D = rng.normal(size=(400, 50)), np.sign(rng.normal(size=(400, 4)))
    eb.set_blas_threads(1)
    one = net.gradient(X, D)[1]
    eb.set_blas_threads(None)
    np.testing.assert_allclose(net.gradient(X, D)[1], one, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "two"])
def test_bad_thread_counts_are_refused(bad, restore_setting):
    with pytest.raises(ValueError, match="n must be"):
        eb.set_blas_threads(bad)


def test_environment_variable_parsing():
    assert _threads._parse("3") == 3
    assert _threads._parse("default") is None and _threads._parse(None) is None
    with pytest.raises(TypeError):
        _threads._parse(True)
