"""Unit tests of the helpers the page book/recipe (§10) added: the online eigenvalue
estimate with per-weight rates, the epoch-by-epoch learning curves, the drawing helpers
and the self-checks."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature, measure
from ebtricks.figures import plots, subplots


@pytest.fixture(scope="module")
def small():
    X, D = eb.data.two_gaussians(seed=0)
    return X, D


def test_online_eigenvalue_without_rates_is_the_packages(small):
    X, D = small
    net = eb.mlp([2, 3, 1], seed=1)
    ours = measure.recipe_online_eigenvalue(net, X, D, presentations=200, seed=3)
    theirs = curvature.online_principal_eigenvalue(net, X, D, presentations=200, seed=3)
    assert ours == pytest.approx(abs(theirs.value), rel=1e-9)


def test_online_eigenvalue_with_rates_tracks_the_scaled_hessian(small):
    X, D = small
    net = eb.mlp([2, 3, 1], seed=1)
    r = np.random.default_rng(0).uniform(0.2, 3.0, net.n_params)
    s = np.sqrt(r)
    H = curvature.hessian(net, X, D)
    exact = np.linalg.eigvalsh(s[:, None] * H * s[None, :])[-1]
    est = measure.recipe_online_eigenvalue(net, X, D, rates=r, presentations=2000,
                                           gamma=0.02, seed=0)
    assert est == pytest.approx(exact, rel=0.15)
    fan = measure.recipe_online_eigenvalue(net, X, D, rates="fan_in", presentations=50)
    same = measure.recipe_online_eigenvalue(net, X, D, presentations=50,
                                            rates=1 / np.sqrt(net.fan_in_of_param()))
    assert fan == pytest.approx(same, rel=1e-12)
    assert np.allclose(net.params, eb.mlp([2, 3, 1], seed=1).params)   # weights unchanged


@pytest.mark.parametrize("kwargs", [dict(rates="shared"), dict(rates=np.ones(3)),
                                    dict(rates=-np.ones(13)), dict(gamma=1.0),
                                    dict(presentations=0), dict(alpha=0.0)])
def test_online_eigenvalue_rejects_bad_arguments(small, kwargs):
    X, D = small
    with pytest.raises(ValueError):
        measure.recipe_online_eigenvalue(eb.mlp([2, 3, 1]), X, D, **kwargs)


def test_online_eigenvalue_needs_a_network(small):
    with pytest.raises(TypeError, match="net"):
        measure.recipe_online_eigenvalue("net", *small)


def test_learning_curves_equal_one_long_run(small):
    X, D = small
    labels = (D[:, 0] > 0).astype(int)
    net = eb.mlp([2, 3, 1], seed=0)
    cost, error = measure.recipe_learning_curves(net, X, D, X, labels, epochs=4,
                                                 eta=0.05, order="sequential")
    ref = eb.mlp([2, 3, 1], seed=0)
    h = eb.train_sgd(ref, X, D, epochs=4, eta=0.05, order="sequential", track_cost=True)
    assert np.allclose(cost, h.cost, rtol=1e-10)
    assert np.allclose(net.params, ref.params, rtol=1e-10)
    assert error[-1] == ref.error_rate(X, labels)
    assert cost.shape == error.shape == (5,)


def test_learning_curves_mark_divergence_with_nan(small):
    X, D = small
    labels = (D[:, 0] > 0).astype(int)
    net = eb.mlp([2, 1], activation="identity", seed=0)
    cost, error = measure.recipe_learning_curves(net, 100 * X, D, 100 * X, labels,
                                                 epochs=3, eta=1.0, batch_size=200)
    assert np.isfinite(cost[0]) and np.all(np.isnan(cost[1:])) and np.isnan(error[-1])


@pytest.mark.parametrize("kwargs", [dict(epochs=0, eta=0.1), dict(epochs=2, eta=0.0),
                                    dict(epochs=2, eta=0.1, order="alternate")])
def test_learning_curves_reject_bad_arguments(small, kwargs):
    X, D = small
    with pytest.raises(ValueError):
        measure.recipe_learning_curves(eb.mlp([2, 1]), X, D, X, np.zeros(len(X), int),
                                       **kwargs)


def test_drawing_helpers():
    fig, (a, b) = subplots(1, 2)
    values = {"recipe": [0.1, 0.12], "worse": [0.3, 0.35], "broken": [np.nan, 0.2]}
    plots.recipe_ablation(a, values, "recipe", "test error", title="t")
    assert len(a.get_yticks()) == 3 and a.get_yticklabels()[0].get_text() == "broken"
    assert any(t.get_text() == "diverged" for t in a.texts)
    curves = {"recipe": np.ones((2, 6)), "worse": np.full((2, 6), 0.5)}
    plots.recipe_curves(b, curves, {"worse": "C1"}, upto=3, recipe="recipe")
    assert len(b.lines[0].get_xdata()) == 4 and b.get_xlim() == (0, 5)
    matplotlib.pyplot.close(fig)


def test_self_checks(capsys):
    assert eb.checks.recipe_fan_in_ratio(np.sqrt(784 / 30))
    assert not eb.checks.recipe_fan_in_ratio(np.sqrt(785 / 31))   # biases counted: 1.6 % off
    assert eb.checks.recipe_asymptote_input(1.5 * np.arctanh(0.99))
    assert not eb.checks.recipe_asymptote_input(2.0)
    assert eb.checks.recipe_asymptote_input(1.5 * np.arctanh(0.9), fraction=0.9)
    with pytest.raises(ValueError, match="fraction"):
        eb.checks.recipe_asymptote_input(1.0, fraction=1.0)
    with pytest.raises(ValueError, match="ratio"):
        eb.checks.recipe_fan_in_ratio(np.nan)
    assert "✘" in capsys.readouterr().out


def test_mean_eigenvalue_ratio_check():
    images, labels = eb.data.mnist_5k()
    train = eb.data.stratified_split(labels, n_train=1000, seed=0)[0]
    pix = images[train].reshape(1000, -1) / 255
    Xs = eb.InputTransform(["scale"]).fit_transform(pix)
    Xc = Xs - Xs.mean(axis=0)                    # centring after scaling: the same inputs
    with eb._threads.limited():                  # one BLAS thread (busy machines)
        ratio = (np.linalg.eigvalsh(Xs.T @ Xs)[-1] / np.linalg.eigvalsh(Xc.T @ Xc)[-1])
    assert ratio > 2
    assert eb.checks.recipe_mean_eigenvalue_ratio(ratio)
    assert not eb.checks.recipe_mean_eigenvalue_ratio(1.0)
