"""Unit tests of the helpers the page book/backprop_diagonal added: the measurements
diag_scaled_targets and diag_layer_gaps, the self-checks, and the drawing helpers."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb
from ebtricks.figures import diagrams, plots, subplots
from ebtricks.measure import diag_layer_gaps, diag_scaled_targets

matplotlib.use("Agg")


def test_scaled_targets_mse_interpolates_outputs_and_targets():
    X, D = eb.data.two_gaussians(20, seed=0)
    net = eb.mlp([2, 3, 1], seed=1)
    Y = net.forward(X)
    assert np.allclose(diag_scaled_targets(net, X, D, 0.0), Y)
    assert np.allclose(diag_scaled_targets(net, X, D, 1.0), D)
    assert np.allclose(diag_scaled_targets(net, X, D, 2.0), 2 * D - Y)
    # zero residual: the gradient vanishes
    assert np.abs(net.gradient(X, diag_scaled_targets(net, X, D, 0.0))[1]).max() < 1e-12


def test_scaled_targets_softmax_stay_probabilities():
    X, _ = eb.data.two_gaussians(20, seed=0)
    D = np.eye(2)[(X[:, 0] > 0).astype(int)]
    net = eb.mlp([2, 3, 2], loss="softmax_ce", seed=0)
    T0 = diag_scaled_targets(net, X, D, 0.0)
    assert np.allclose(T0.sum(axis=1), 1) and T0.min() > 0
    assert np.abs(net.gradient(X, T0)[1]).max() < 1e-12
    half = diag_scaled_targets(net, X, D, 0.5)
    assert np.allclose(half, (T0 + D) / 2)
    with pytest.raises(ValueError, match="scale"):
        diag_scaled_targets(net, X, D, 1.5)


def test_scaled_targets_bad_inputs():
    X, D = eb.data.two_gaussians(10, seed=0)
    net = eb.mlp([2, 1])
    with pytest.raises(ValueError, match="scale"):
        diag_scaled_targets(net, X, D, -0.1)
    with pytest.raises(TypeError, match="net"):
        diag_scaled_targets("net", X, D, 0.5)
    with pytest.raises(ValueError):
        diag_scaled_targets(net, X, D[:, :0], 0.5)


def test_layer_gaps_by_hand_and_errors():
    net = eb.mlp([1, 1, 1])                         # 2 + 2 parameters
    g = diag_layer_gaps(net, [1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 6.0, 8.0])
    assert np.allclose(g, [1 / np.sqrt(2), 5 / 10])
    with pytest.raises(ValueError, match="zero"):
        diag_layer_gaps(net, np.ones(4), [0.0, 0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="shape"):
        diag_layer_gaps(net, np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match="net"):
        diag_layer_gaps(None, np.ones(4), np.ones(4))


def test_checks_reject_wrong_answers_and_bad_input():
    assert not eb.checks.diag_rbf_centre(1.0)
    assert eb.checks.diag_gap_ratio(2.0, s1=0.5, s2=1.0)
    with pytest.raises(ValueError):
        eb.checks.diag_gap_ratio(2.0, s1=-1.0)
    with pytest.raises((TypeError, ValueError)):
        eb.checks.diag_missing_fraction("a lot")


def test_diagram_and_scatter_draw():
    fig, axes = subplots(1, 3, height=2.5)
    diagrams.diag_backprop_block(axes[0], "sigmoid")
    diagrams.diag_backprop_block(axes[1], "rbf")
    texts = " ".join(t.get_text() for t in axes[1].texts)
    assert "eq 57" in texts and "eq 58" in texts and "eq 54" in texts
    with pytest.raises(ValueError, match="kind"):
        diagrams.diag_backprop_block(axes[0], "conv")
    plots.diag_scatter(axes[2], [0.0, 1.0, -0.1], {"a": [0.0, 1.0, 0.2], "b": [1, 1, 1]},
                       groups=[0, 1, 1], group_labels=["x", "y"], title="t")
    lo, hi = axes[2].get_xlim()
    assert lo < -0.1 and hi >= 1.0 and axes[2].get_ylim() == (lo, hi)
    matplotlib.pyplot.close(fig)
