"""The helpers of the page "Choosing learning rates" (§4.7): measure.sgd_grid and
measure.best_on_grid, the two drawing helpers, and the page's self-checks."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import ebtricks as eb
from ebtricks import checks, measure
from ebtricks.figures import plots, subplots


@pytest.fixture(scope="module")
def data():
    return eb.data.two_gaussians(n=40, seed=0)


def test_sgd_grid_matches_train_sgd(data):
    X, D = data
    rates = np.array([2.0, 0.5])                     # one multiplier per layer
    c = measure.sgd_grid(lambda s: eb.mlp([2, 2, 1], seed=s), X, D, etas=[0.01, 0.05],
                         seeds=[3, 4], epochs=2, momenta=[0.0, 0.6], rates=rates)
    assert c.shape == (2, 2, 2, 3)
    net = eb.mlp([2, 2, 1], seed=4)
    h = eb.train_sgd(net, X, D, epochs=2, eta=0.05, momentum=0.6, rates=rates, seed=4,
                     track_cost=True)
    np.testing.assert_allclose(c[1, 1, 1], h.cost)
    # batch mode: one update per epoch
    b = measure.sgd_grid(lambda s: eb.mlp([2, 1], seed=s), X, D, etas=[0.1], seeds=[0],
                         epochs=3, batch_size=len(X))
    net = eb.mlp([2, 1], seed=0)
    h = eb.train_sgd(net, X, D, epochs=3, eta=0.1, batch_size=len(X), seed=0, track_cost=True)
    np.testing.assert_allclose(b[0, 0, 0], h.cost)
    assert h.updates == 3


def test_sgd_grid_diverged_runs_are_nan(data):
    X, D = data
    c = measure.sgd_grid(lambda s: eb.mlp([2, 1], activation="identity", seed=s),
                         X * 100, D, etas=[1e-4, 50.0], seeds=[0], epochs=5)
    assert np.all(np.isfinite(c[0, 0])) and np.all(np.isnan(c[0, 1]))


def test_sgd_grid_bad_inputs(data):
    X, D = data
    make = lambda s: eb.mlp([2, 1], seed=s)           # noqa: E731
    with pytest.raises(ValueError, match="etas"):
        measure.sgd_grid(make, X, D, etas=[0.1, 0.0], seeds=[0], epochs=1)
    with pytest.raises(ValueError, match="momenta"):
        measure.sgd_grid(make, X, D, etas=[0.1], seeds=[0], epochs=1, momenta=[1.0])
    with pytest.raises(ValueError, match="seeds"):
        measure.sgd_grid(make, X, D, etas=[0.1], seeds=[], epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        measure.sgd_grid(make, X, D, etas=[0.1], seeds=[0], epochs=0)
    with pytest.raises(TypeError, match="make_net"):
        measure.sgd_grid(None, X, D, etas=[0.1], seeds=[0], epochs=1)
    with pytest.raises(TypeError, match="Network"):
        measure.sgd_grid(lambda s: 3, X, D, etas=[0.1], seeds=[0], epochs=1)


def test_best_on_grid():
    c = np.full((2, 3, 2, 4), 1.0)                   # (μ, η, seed, epoch)
    c[1, 2, :, -1] = [0.2, 0.3]
    c[0, 1, :, -1] = [0.1, np.nan]                   # lowest, but one seed diverged
    assert measure.best_on_grid(c) == (1, 2)
    c[0, 0, :, 1] = 0.01
    assert measure.best_on_grid(c, epoch=1) == (0, 0)
    with pytest.raises(ValueError, match="every setting"):
        measure.best_on_grid(np.full((2, 2, 3), np.nan))
    with pytest.raises(ValueError, match="shape"):
        measure.best_on_grid(np.ones((2, 3)))
    with pytest.raises(ValueError, match="epoch"):
        measure.best_on_grid(np.ones((2, 2, 3)), epoch=3)


def test_drawing_helpers():
    etas = {"a": np.array([0.1, 0.2]), "b": np.array([0.2, 0.4])}
    costs = {"a": np.array([[[1.0, 0.5], [1.0, 0.4]], [[1.0, 0.3], [1.0, 0.2]]]),
             "b": np.array([[[1.0, 0.6], [1.0, 0.5]], [[1.0, np.nan], [np.nan, np.nan]]])}
    fig, (ax_r, ax_e) = subplots(1, 2)
    plots.tuned_race(ax_r, ax_e, etas, costs, {"a": 1, "b": 0}, {"a": "C0", "b": "C1"})
    assert len(ax_e.get_lines()) == 2
    fig, ax = subplots(1, 1)
    img = plots.grid_heatmap(ax, np.array([[0.2, np.nan], [1.0, 3.0]]), [0.1, 0.2], [0, 0.5],
                             "η", "μ", vmin=0.1, vmax=10, best=(0, 0))
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["0.20", "div.", "1.00", "3.00"] and img is not None
    colours = [t.get_color() for t in ax.texts]     # light cell (low cost): black text;
    assert colours[0] == "k" and colours[3] == "w"  # dark cell (high cost): white text


def test_checks(capsys):
    assert checks.fan_in_rate_ratio(np.sqrt(784 / 30))
    assert not checks.fan_in_rate_ratio(np.sqrt(30 / 784))
    assert checks.shared_curvature_factor(25)
    assert not checks.shared_curvature_factor(5)          # sqrt(n) is the gradient's growth
    assert checks.momentum_step_factor(10)
    assert not checks.momentum_step_factor(1.9)           # 1 + mu: one step of memory only
    assert checks.momentum_step_factor(4, mu=0.75)
    with pytest.raises(ValueError, match="mu"):
        checks.momentum_step_factor(10, mu=1.0)
    with pytest.raises(ValueError, match="sizes"):
        checks.fan_in_rate_ratio(2.0, sizes=[4, 2])
    with pytest.raises(ValueError, match="n"):
        checks.shared_curvature_factor(1, n=0)
