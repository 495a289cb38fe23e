"""measure.rate_sweep: the race helper of the sigmoid page."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure


@pytest.fixture(scope="module")
def data():
    return eb.data.two_gaussians(n=40, seed=0)


def test_shape_and_agreement_with_train_sgd(data):
    X, D = data
    costs = measure.rate_sweep(lambda s: eb.mlp([2, 2, 1], seed=s), X, D, [0.01, 0.05],
                               [3, 4], 2)
    assert costs.shape == (2, 2, 3)
    net = eb.mlp([2, 2, 1], seed=4)
    h = eb.train_sgd(net, X, D, epochs=2, eta=0.05, seed=4, track_cost=True)
    np.testing.assert_allclose(costs[1, 1], h.cost)


def test_diverged_runs_are_nan(data):
    X, D = data
    costs = measure.rate_sweep(lambda s: eb.mlp([2, 1], activation="identity", seed=s),
                               X * 100, D, [1e-4, 50.0], [0], 5)
    assert np.all(np.isfinite(costs[0])) and np.all(np.isnan(costs[1]))


def test_bad_inputs(data):
    X, D = data
    make = lambda s: eb.mlp([2, 1], seed=s)           # noqa: E731
    with pytest.raises(ValueError, match="etas"):
        measure.rate_sweep(make, X, D, [0.1, -1.0], [0], 1)
    with pytest.raises(ValueError, match="seeds"):
        measure.rate_sweep(make, X, D, [0.1], [], 1)
    with pytest.raises(ValueError, match="epochs"):
        measure.rate_sweep(make, X, D, [0.1], [0], 0)
    with pytest.raises(TypeError, match="make_net"):
        measure.rate_sweep(None, X, D, [0.1], [0], 1)
    with pytest.raises(TypeError, match="Network"):
        measure.rate_sweep(lambda s: "net", X, D, [0.1], [0], 1)
