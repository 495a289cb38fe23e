"""Unit tests of the helpers added for the page ``book/rbf_vs_sigmoid`` (§4.8):
``eb.data.checkerboard``, ``measure.rbf_centres_on_samples``, ``measure.units_to_reach``
and ``plots.decision_regions``."""
import math

import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure


def test_checkerboard_labels_are_the_colours_of_the_squares():
    X, D, labels = eb.data.checkerboard(2000, cells=4, seed=3)
    assert X.shape == (2000, 2) and D.shape == (2000, 1) and labels.dtype == np.int64
    assert np.all(np.abs(X) <= 2.0)
    col, row = np.floor(X[:, 0] + 2), np.floor(X[:, 1] + 2)
    assert np.array_equal(labels, ((col + row) % 2).astype(int))
    assert np.array_equal(D[:, 0], np.where(labels == 1, 1.0, -1.0))
    assert 0.45 < labels.mean() < 0.55          # an even board: half of each colour


def test_checkerboard_is_seeded():
    a, b = eb.data.checkerboard(50, seed=1), eb.data.checkerboard(50, seed=1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], eb.data.checkerboard(50, seed=2)[0])


@pytest.mark.parametrize("kw,name", [({"n": 0}, "n"), ({"cells": 0}, "cells")])
def test_checkerboard_rejects_bad_sizes(kw, name):
    with pytest.raises(ValueError, match=name):
        eb.data.checkerboard(**kw)


def test_centres_on_samples_are_distinct_rows_and_widths_nearest_distances():
    X = np.random.default_rng(0).standard_normal((50, 3))
    net = eb.Network([eb.RBF(3, 6), eb.Dense(6, 1, "identity")])
    measure.rbf_centres_on_samples(net, 0, X, seed=4)
    C = net.weights(0)
    rows = [int(np.flatnonzero(np.all(X == c, axis=1))[0]) for c in C]
    assert len(set(rows)) == 6
    d = np.linalg.norm(C[:, None] - C[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    assert np.allclose(net.bias(0), d.min(axis=1))


def test_centres_on_samples_of_an_upper_layer_sit_on_hidden_outputs():
    X = np.random.default_rng(1).standard_normal((30, 4))
    net = eb.Network([eb.Dense(4, 5), eb.RBF(5, 3), eb.Dense(3, 2, "identity")])
    measure.rbf_centres_on_samples(net, -2, X)
    H = net.layer_outputs(X)[0]
    for c in net.weights(1):
        assert np.min(np.linalg.norm(H - c, axis=1)) < 1e-12


def test_a_single_centre_gets_the_mean_distance_as_width():
    X = np.array([[0.0, 0.0], [3.0, 4.0]])
    net = measure.rbf_centres_on_samples(eb.Network([eb.RBF(2, 1)]), 0, X)
    assert net.bias(0)[0] == pytest.approx(2.5)


def test_centres_on_samples_rejects_bad_layers_and_too_few_rows():
    net = eb.Network([eb.Dense(2, 3), eb.RBF(3, 4)])
    with pytest.raises(ValueError, match="layer"):
        measure.rbf_centres_on_samples(net, 0, np.zeros((10, 2)))
    with pytest.raises(ValueError, match="X"):
        measure.rbf_centres_on_samples(net, 1, np.zeros((3, 2)))


def test_units_to_reach():
    assert measure.units_to_reach([1, 2, 4], [0.3, 0.1, 0.2], 0.15) == 2.0
    assert measure.units_to_reach([1, 2, 4], [0.3, 0.1, 0.2], 0.3) == 1.0
    assert measure.units_to_reach([1, 2, 4], [0.3, 0.2, 0.2], 0.1) == math.inf
    with pytest.raises(ValueError, match="errors"):
        measure.units_to_reach([1, 2], [0.1], 0.1)
    with pytest.raises(ValueError, match="increasing"):
        measure.units_to_reach([2, 1], [0.1, 0.2], 0.1)
    with pytest.raises((TypeError, ValueError), match="level"):
        measure.units_to_reach([1, 2], [0.1, 0.2], float("nan"))


def test_decision_regions_draws_both_classes_and_the_centres():
    pytest.importorskip("matplotlib")
    from ebtricks.figures import plots, subplots
    g = np.linspace(-1, 1, 21)
    out = np.subtract.outer(g, g)             # positive below the diagonal
    fig, ax = subplots(1, 1)
    plots.decision_regions(ax, out, (-1, 1, -1, 1), title="t", centres=[[0, 0]], cells=2)
    image = ax.get_images()[0].get_array()
    assert set(np.unique(image)) == {0.0, 1.0}
    assert ax.get_title() == "t" and ax.get_lines()[-1].get_marker() == "x"


def test_decision_regions_marks_each_squares_true_class():
    pytest.importorskip("matplotlib")
    from ebtricks.figures import plots, subplots
    g = np.linspace(-1.5, 1.5, 31)
    out = np.subtract.outer(g, g)
    truth = np.indices((3, 3)).sum(axis=0) % 2
    fig, ax = subplots(1, 1)
    plots.decision_regions(ax, out, (-1.5, 1.5, -1.5, 1.5), cells=3, truth=truth)
    marks = ax.patches
    assert len(marks) == 9
    colours = {tuple(np.round(m.get_facecolor(), 3)) for m in marks}
    assert len(colours) == 2                  # one colour per class
    corner = marks[0].get_xy()                # lower-left square, upper-left corner
    assert np.isclose(corner[:, 0].min(), -1.5) and np.isclose(corner[:, 1].max(), -0.5)


@pytest.mark.parametrize("place", [eb.init_rbf_from_data, measure.rbf_centres_on_samples])
def test_both_ways_of_placing_centres_name_the_wrong_argument(place):
    net = eb.Network([eb.RBF(2, 3), eb.Dense(3, 1, "identity")])
    X = np.random.default_rng(0).normal(size=(5, 2))
    with pytest.raises(ValueError, match=r"^layer: layers\[1\] is Dense, not RBF"):
        place(net, 1, X)
    with pytest.raises(ValueError, match=r"^X: need at least 3 rows to place 3 centres, got 2"):
        place(net, 0, X[:2])
