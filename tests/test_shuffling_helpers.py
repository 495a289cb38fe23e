"""Unit tests of the helpers the page ``book/shuffling`` (§4.2) added: label noise
(data.flip_labels), the measured online run in a given order
(measure.order_learning_curve) and the two figure helpers."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import data, measure

matplotlib.use("Agg")


# --- data.flip_labels ------------------------------------------------------------------

def test_flip_labels_changes_exactly_the_fraction_and_every_chosen_label():
    y = np.repeat(np.arange(10), 50)
    for fraction in (0.0, 0.1, 0.37, 1.0):
        noisy = data.flip_labels(y, fraction, 10, seed=3)
        assert noisy.dtype == np.int64 and noisy.shape == y.shape
        assert (noisy != y).sum() == round(fraction * y.size)
        assert noisy.min() >= 0 and noisy.max() < 10
    np.testing.assert_array_equal(y, np.repeat(np.arange(10), 50))   # input untouched


def test_flip_labels_new_classes_are_uniform_over_the_others():
    y = np.zeros(90_000, dtype=int)
    noisy = data.flip_labels(y, 1.0, 10, seed=0)
    counts = np.bincount(noisy, minlength=10)
    assert counts[0] == 0
    np.testing.assert_allclose(counts[1:] / 90_000, 1 / 9, rtol=0.05)


def test_flip_labels_is_seeded():
    y = np.arange(100) % 7
    a, b = data.flip_labels(y, 0.3, seed=1), data.flip_labels(y, 0.3, seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, data.flip_labels(y, 0.3, seed=2))


@pytest.mark.parametrize("kwargs, match", [
    (dict(labels=[0.5, 1.0], fraction=0.1), "integer"),
    (dict(labels=[0, 1], fraction=1.5), "fraction"),
    (dict(labels=[0, 3], fraction=0.1, n_classes=3), "labels"),
    (dict(labels=[0, 0], fraction=0.1), "n_classes"),
])
def test_flip_labels_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.flip_labels(**kwargs)


# --- measure.order_learning_curve ------------------------------------------------------

@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 20)
    X = rng.normal(size=(60, 4)) + labels[:, None]
    return X, eb.data.targets_pm1(labels, 3), labels


@pytest.mark.parametrize("order", ["sequential", "shuffle", "alternate", "emphasize"])
def test_curve_matches_one_train_sgd_run(problem, order):
    """Training in pieces between checkpoints gives the weights of one train_sgd run with
    the same order and seed, to rounding."""
    X, D, _ = problem
    ref = eb.mlp([4, 5, 3], seed=1)
    h = eb.train_sgd(ref, X, D, epochs=4, eta=0.05, order=order, seed=7, emphasis=3,
                     track_cost=True)
    net = eb.mlp([4, 5, 3], seed=1)
    seen, cost, err = measure.order_learning_curve(
        net, X, D, order=order, presentations=h.presentations, eta=0.05, checkpoints=7,
        emphasis=3, seed=7)
    np.testing.assert_allclose(net.params, ref.params, rtol=0, atol=1e-10)
    assert seen[0] == 0 and seen[-1] == h.presentations and len(seen) == 8
    assert cost[0] == pytest.approx(h.cost[0]) and cost[-1] == pytest.approx(h.cost[-1])
    assert np.all(np.isnan(err))


def test_sorted_order_presents_the_classes_in_blocks(problem):
    """'sorted' trains on the class-sorted set in order: the same weights as train_sgd
    with order='sequential' on that sorted set."""
    X, D, labels = problem
    mix = np.random.default_rng(1).permutation(len(X))
    X, D, labels = X[mix], D[mix], labels[mix]
    by_class = np.argsort(labels, kind="stable")
    ref = eb.mlp([4, 5, 3], seed=2)
    eb.train_sgd(ref, X[by_class], D[by_class], epochs=2, eta=0.05, order="sequential")
    net = eb.mlp([4, 5, 3], seed=2)
    measure.order_learning_curve(net, X, D, order="sorted", presentations=120, eta=0.05,
                                 checkpoints=5)
    np.testing.assert_allclose(net.params, ref.params, rtol=0, atol=1e-10)


def test_emphasis_one_is_the_shuffled_order(problem):
    X, D, _ = problem
    a, b = eb.mlp([4, 5, 3], seed=0), eb.mlp([4, 5, 3], seed=0)
    measure.order_learning_curve(a, X, D, order="shuffle", presentations=200, eta=0.05,
                                 seed=4)
    measure.order_learning_curve(b, X, D, order="emphasize", presentations=200, eta=0.05,
                                 emphasis=1, seed=4)
    np.testing.assert_allclose(a.params, b.params, rtol=0, atol=1e-12)


def test_curve_stops_mid_epoch_and_measures_test_error(problem):
    X, D, labels = problem
    net = eb.mlp([4, 5, 3], seed=0)
    seen, cost, err = measure.order_learning_curve(
        net, X, D, order="shuffle", presentations=130, eta=0.05, X_test=X,
        labels_test=labels, checkpoints=3)
    assert seen.tolist() == [0, 43, 87, 130]
    assert err[-1] == pytest.approx(net.error_rate(X, labels))
    assert cost[-1] == pytest.approx(net.cost(X, D)) and cost[-1] < cost[0]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(order="random"), ValueError, "order"),
    (dict(presentations=0), ValueError, "presentations"),
    (dict(eta=-1.0), ValueError, "eta"),
    (dict(checkpoints=0), ValueError, "checkpoints"),
    (dict(emphasis=0.0), ValueError, "emphasis"),
    (dict(labels_test=np.zeros(60, dtype=int)), ValueError, "X_test"),
])
def test_curve_rejects_bad_input(problem, kwargs, error, match):
    X, D, _ = problem
    args = dict(order="shuffle", presentations=10, eta=0.05) | kwargs
    with pytest.raises(error, match=match):
        measure.order_learning_curve(eb.mlp([4, 5, 3]), X, D, **args)


def test_curve_needs_a_network(problem):
    X, D, _ = problem
    with pytest.raises(TypeError, match="net"):
        measure.order_learning_curve(None, X, D, order="shuffle", presentations=5, eta=0.1)


# --- figure helpers ---------------------------------------------------------------------

def test_seed_band_and_class_bars_draw():
    from ebtricks.figures import plots, subplots

    fig, (a, b) = subplots(1, 2)
    plots.seed_band(a, [0, 1, 2], [[1, 2, 3], [3, 2, 1]], "runs", "C2")
    line = a.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), [2, 2, 2])
    plots.class_bars(b, [1, 0, 3], highlight=2)
    heights = [p.get_height() for p in b.patches]
    np.testing.assert_allclose(heights, [25, 0, 75])
    assert b.patches[2].get_facecolor() != b.patches[0].get_facecolor()
