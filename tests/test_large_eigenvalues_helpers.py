"""Unit tests of the helpers added for the page book/large_eigenvalues."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import ebtricks as eb
from ebtricks.figures import plots, subplots


def _cov(Z):
    return np.cov(Z, rowvar=False, bias=True)


@pytest.fixture
def X():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((5, 5))
    return rng.standard_normal((400, 5)) @ A + 2.0


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.7, 1.0])
def test_partial_whiten_eigenvalues(X, alpha):
    lam = np.linalg.eigvalsh(_cov(X))
    want = lam ** (1 - alpha)
    want *= lam.sum() / want.sum()
    Z = eb.measure.largeeig_partial_whiten(X, alpha)
    assert np.allclose(Z.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(np.linalg.eigvalsh(_cov(Z)), want, rtol=1e-8)


def test_partial_whiten_ends(X):
    assert np.allclose(eb.measure.largeeig_partial_whiten(X, 0.0), X - X.mean(axis=0))
    C = _cov(eb.measure.largeeig_partial_whiten(X, 1.0))
    assert np.allclose(C, np.trace(_cov(X)) / 5 * np.eye(5), atol=1e-10)


def test_partial_whiten_keeps_dead_directions_dead(X):
    Xd = np.column_stack([X, np.full(len(X), 7.0)])     # a constant input
    Z = eb.measure.largeeig_partial_whiten(Xd, 1.0)
    assert np.allclose(Z[:, -1], 0) and np.all(np.isfinite(Z))
    assert np.isclose(np.trace(_cov(Z)), np.trace(_cov(Xd)))


@pytest.mark.parametrize("kwargs, word", [({"alpha": 1.5}, "alpha"),
                                          ({"alpha": -0.1}, "alpha"),
                                          ({"alpha": 0.5, "rtol": -1}, "rtol")])
def test_partial_whiten_rejects(X, kwargs, word):
    with pytest.raises(ValueError, match=word):
        eb.measure.largeeig_partial_whiten(X, **kwargs)


def test_partial_whiten_rejects_shapes():
    with pytest.raises(ValueError, match="X"):
        eb.measure.largeeig_partial_whiten(np.ones(5), 0.5)
    with pytest.raises(ValueError, match="2 rows"):
        eb.measure.largeeig_partial_whiten(np.ones((1, 3)), 0.5)


def test_state_means_by_hand():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3)) + 1.0
    net = eb.mlp([3, 4, 2, 1], activation="logistic", seed=1)
    W1, b1 = net.weights(0), net.bias(0)
    W2, b2 = net.weights(1), net.bias(1)
    h1 = 1 / (1 + np.exp(-(X @ W1.T + b1)))
    h2 = 1 / (1 + np.exp(-(h1 @ W2.T + b2)))
    got = eb.measure.largeeig_state_means(net, X)
    rms = [np.sqrt(np.mean(Z.mean(axis=0) ** 2)) for Z in (X, h1, h2)]
    assert np.allclose(got, rms)
    # opposite means do not cancel: the size of the mean vector, per unit
    Y = np.column_stack([X[:, 0] + 5.0, X[:, 0] - 5.0])
    m = eb.measure.largeeig_state_means(eb.mlp([2, 1], seed=0), Y)
    assert np.isclose(m[0] ** 2 * 2, np.sum(Y.mean(axis=0) ** 2))


def test_state_means_rejects():
    with pytest.raises(TypeError, match="net"):
        eb.measure.largeeig_state_means("net", np.ones((2, 2)))
    with pytest.raises(ValueError):
        eb.measure.largeeig_state_means(eb.mlp([3, 1]), np.ones((2, 2)))


def test_layer_bars_draws_and_checks():
    fig, ax = subplots()
    plots.largeeig_layer_bars(ax, {"a": [1e-3, 0.1, 1.0], "b": [0.0, 0.2, 2.0]},
                              ["1", "2", "3"], ylim=(1e-4, 10))
    assert len(ax.patches) == 5 and ax.get_yscale() == "log"   # the 0 is left out
    fig2, ax2 = subplots()
    plots.largeeig_layer_bars(ax2, {"m": [0.7, -0.1, 0.5]}, ["x", "h1", "h2"],
                              log=False)
    assert len(ax2.patches) == 3 and ax2.get_yscale() == "linear"
    with pytest.raises(ValueError, match="needs 3 values"):
        plots.largeeig_layer_bars(ax2, {"m": [1.0, 2.0]}, ["x", "h1", "h2"])


def test_check_hidden_mean_top(capsys):
    n, m, v = 12, 0.5, 0.05
    # the mean direction: M u = lam u with u = (a 1_n, c); solve the 2x2 reduced problem
    R = np.array([[v + n * m * m, m], [n * m, 1.0]])
    truth = max(np.linalg.eigvals(R).real)
    assert eb.checks.largeeig_hidden_mean_top(truth)
    assert not eb.checks.largeeig_hidden_mean_top(truth * 1.05)
    assert not eb.checks.largeeig_hidden_mean_top(1 + n * m * m)   # variances left out
    assert not eb.checks.largeeig_hidden_mean_top(n * m * m + v)   # bias left out
    assert eb.checks.largeeig_hidden_mean_top(1.0, mean=0.0)     # the bias alone
    with pytest.raises(ValueError, match="answer"):
        eb.checks.largeeig_hidden_mean_top(float("nan"))


def test_check_equicorrelated_top():
    assert eb.checks.largeeig_equicorrelated_top(1 + 63 * 0.2)
    assert eb.checks.largeeig_equicorrelated_top(1 + 9 * 0.5, n=10, rho=0.5)
    assert not eb.checks.largeeig_equicorrelated_top(12.0)


def test_check_sklearn_digits_ratio():
    images, _ = eb.data.digits_8x8()
    X = images.reshape(len(images), -1)
    Z = eb.measure.largeeig_partial_whiten(X, 0.5)
    ratio = np.linalg.eigvalsh(_cov(X))[-1] / np.linalg.eigvalsh(_cov(Z))[-1]
    assert ratio > 1.5
    assert eb.checks.largeeig_sklearn_digits_ratio(ratio)
    assert not eb.checks.largeeig_sklearn_digits_ratio(ratio * 1.1)
