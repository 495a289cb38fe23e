"""The helpers of the page book/targets (§4.5): the saturated fraction, the two confidence
ratios, and the page's self-checks, each against a computation of its own."""
import math

import numpy as np
import pytest

import ebtricks as eb
from ebtricks import checks, measure


def _lecun_slope(s):
    return 1.7159 * (2 / 3) / np.cosh(2 * s / 3) ** 2


def test_saturated_fraction_matches_a_direct_count():
    rng = np.random.default_rng(3)
    net = eb.mlp([5, 7, 3], seed=1, init_scale=3.0)
    X = rng.standard_normal((40, 5))
    S1 = X @ net.weights(0).T + net.bias(0)
    S2 = 1.7159 * np.tanh(2 * S1 / 3) @ net.weights(1).T + net.bias(1)
    for threshold in (0.05, 0.1, 0.5):
        want = [np.mean(_lecun_slope(S) < threshold * _lecun_slope(0.0)) for S in (S1, S2)]
        got = measure.saturated_fraction(net, X, threshold=threshold)
        assert got.shape == (2,)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    assert 0 < got[0] < 1                      # the case is not trivial


def test_saturated_fraction_edge_at_273():
    # f'(S) = 0.1 f'(0) where cosh(2S/3)^2 = 10, S = 1.5 arccosh(sqrt(10))
    edge = 1.5 * math.acosh(math.sqrt(10))
    net = eb.mlp([1, 1], seed=0)
    net.params = np.array([1.0, 0.0])
    X = np.array([[edge - 1e-6], [edge + 1e-6], [-edge - 1e-6]])
    assert measure.saturated_fraction(net, X).tolist() == [2 / 3]


def test_saturated_fraction_twist_and_other_units():
    net = eb.mlp([1, 1], activation="tanh_twist", a=0.2, seed=0)
    net.params = np.array([1.0, 0.0])
    # slope >= a = 0.2 = 0.1667 (1 + a): never below 0.1 f'(0)
    assert measure.saturated_fraction(net, [[50.0], [-50.0]]).tolist() == [0.0]
    assert measure.saturated_fraction(net, [[50.0]], threshold=0.5).tolist() == [1.0]


def test_saturated_fraction_bad_inputs():
    net = eb.mlp([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match="threshold"):
        measure.saturated_fraction(net, np.zeros((2, 2)), threshold=1.0)
    with pytest.raises(ValueError, match="threshold"):
        measure.saturated_fraction(net, np.zeros((2, 2)), threshold=0.0)
    with pytest.raises(ValueError):
        measure.saturated_fraction(net, np.zeros((2, 3)))
    relu = eb.mlp([2, 3, 1], activation="relu", seed=0)
    with pytest.raises(ValueError, match="f'\\(0\\)"):
        measure.saturated_fraction(relu, np.zeros((2, 2)))


def test_wrong_output_confidence():
    D = eb.data.targets_pm1(np.array([0, 1, 2]))
    Y = np.where(D > 0, 1.5, -1.5)
    assert math.isnan(measure.wrong_output_confidence(Y, D))       # nothing wrong
    Y[0, 1] = 1.5                                                  # a wrong output, as large
    assert measure.wrong_output_confidence(Y, D) == pytest.approx(1.0)
    Y[0, 1] = 0.3                                                  # a hesitant one
    mean_abs = np.abs(Y).mean()
    assert measure.wrong_output_confidence(Y, D) == pytest.approx(0.3 / mean_abs)
    # only the signs of D matter
    assert measure.wrong_output_confidence(Y, 5 * D) == measure.wrong_output_confidence(Y, D)
    with pytest.raises(ValueError, match="D must have shape"):
        measure.wrong_output_confidence(Y, D[:2])
    with pytest.raises(ValueError, match="Y"):
        measure.wrong_output_confidence(np.full((3, 3), np.nan), D)


def test_misclassified_confidence():
    Y = np.array([[1.0, -1.0, -1.0], [-1.0, 0.2, -1.0], [-1.0, -1.0, 1.0]])
    labels = np.array([0, 0, 2])                                  # sample 1 is wrong
    assert measure.misclassified_confidence(Y, labels) == pytest.approx(0.2 / np.abs(Y).mean())
    assert math.isnan(measure.misclassified_confidence(Y, [0, 1, 2]))
    for bad in ([0, 1], [0, 1, 3], [0.0, 1.0, 2.0], [-1, 0, 0]):
        with pytest.raises(ValueError, match="labels"):
            measure.misclassified_confidence(Y, np.array(bad))


def test_target_checks(capsys):
    assert checks.saturating_target(1.7159 * math.sqrt(0.9))
    assert not checks.saturating_target(1.7159 * math.sqrt(0.9) + 0.01)
    assert checks.saturating_target(1.7159 * math.sqrt(0.5), threshold=0.5)
    assert checks.saturating_target(1.7159 * math.sqrt(0.99), threshold=0.01)   # Exercise 1
    assert checks.sum_per_decade(0.75 * math.log(10))
    assert not checks.sum_per_decade(0.5 * math.log(10))
    assert checks.tanh_target(1 / math.sqrt(3))
    assert not checks.tanh_target(math.atanh(1 / math.sqrt(3)))    # the input, not the target
    out = capsys.readouterr().out
    assert "✔" in out and "✘" in out
    with pytest.raises(ValueError, match="threshold"):
        checks.saturating_target(1.6, threshold=1.5)
    with pytest.raises((TypeError, ValueError), match="answer"):
        checks.tanh_target("x")
