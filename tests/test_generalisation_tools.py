"""The package's tools for the generalisation page (§2): the noisy-sine generator and
the bias-variance decomposition over resampled training sets."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import data, measure


def test_noisy_sine_targets_are_the_sine_plus_noise_of_the_stated_size():
    X, D = data.noisy_sine(n=20000, noise=0.3, seed=1)
    assert X.shape == D.shape == (20000, 1)
    assert X.min() >= -1 and X.max() <= 1
    residual = D - np.sin(np.pi * X)
    assert residual.mean() == pytest.approx(0.0, abs=0.01)
    assert residual.std() == pytest.approx(0.3, rel=0.02)
    assert abs(np.corrcoef(X[:, 0], residual[:, 0])[0, 1]) < 0.03     # noise independent of x


def test_noisy_sine_seeds_and_given_inputs():
    a, b = data.noisy_sine(seed=3), data.noisy_sine(seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], data.noisy_sine(seed=4)[0])
    x = np.linspace(-1, 1, 7)
    Xg, Dg = data.noisy_sine(x=x, noise=0.0)
    np.testing.assert_array_equal(Xg[:, 0], x)
    np.testing.assert_allclose(Dg[:, 0], np.sin(np.pi * x), atol=1e-15)
    # the same seed draws the same epsilon whatever the noise level: targets scale with it
    _, d1 = data.noisy_sine(x=x, noise=0.1, seed=5)
    _, d2 = data.noisy_sine(x=x, noise=0.2, seed=5)
    np.testing.assert_allclose(d2 - Dg, 2 * (d1 - Dg), atol=1e-14)


@pytest.mark.parametrize("kw, err", [(dict(n=0), ValueError), (dict(noise=-0.1), ValueError),
                                     (dict(x=np.zeros((3, 2))), ValueError),
                                     (dict(x=[0.0, np.nan]), ValueError),
                                     (dict(n=2.5), TypeError)])
def test_noisy_sine_rejects_bad_input(kw, err):
    with pytest.raises(err, match=next(iter(kw))):
        data.noisy_sine(**kw)


def test_bias_variance_identity_holds_exactly_for_the_empirical_quantities():
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(4, 30, 50)) * rng.uniform(0.1, 2, size=(4, 1, 50)) + 0.3
    f = np.sin(np.linspace(-3, 3, 50))
    bv = measure.bias_variance(Y, f)
    assert bv.bias2.shape == bv.variance.shape == (4,)
    np.testing.assert_allclose(bv.squared_error_at, bv.bias2_at + bv.variance_at, rtol=1e-12)
    np.testing.assert_allclose(bv.squared_error, bv.bias2 + bv.variance, rtol=1e-12)
    # against brute force, one point at a time
    k, g = 2, 17
    ybar = Y[k, :, g].mean()
    assert bv.bias2_at[k, g] == pytest.approx((ybar - f[g]) ** 2, rel=1e-12)
    assert bv.variance_at[k, g] == pytest.approx(np.mean((Y[k, :, g] - ybar) ** 2), rel=1e-12)


def test_bias_variance_of_a_constant_and_of_the_truth():
    f = np.linspace(0, 1, 11)
    constant = measure.bias_variance(np.full((5, 11), 0.5), f)
    assert np.all(constant.variance_at == 0)
    assert constant.bias2 == pytest.approx(np.mean((0.5 - f) ** 2), rel=1e-12)
    same = measure.bias_variance(np.tile(f, (3, 1)), f)
    assert same.bias2 == pytest.approx(0.0, abs=1e-30) and same.variance == pytest.approx(0.0, abs=1e-30)
    # unbiased but scattered: only variance
    spread = measure.bias_variance(np.stack([f - 0.2, f + 0.2]), f)
    assert spread.bias2 == pytest.approx(0.0, abs=1e-30) and spread.variance == pytest.approx(0.04)


def test_bias_variance_plus_noise_is_the_expected_error_against_noisy_targets():
    """The decomposition the page verifies: mean (y_r - d)^2 over resamples and fresh
    noisy targets d = f + noise is bias² + variance + noise², up to sampling error."""
    rng = np.random.default_rng(1)
    f = np.sin(np.linspace(-3, 3, 40))
    Y = f + 0.2 + 0.3 * rng.normal(size=(4000, 40))
    bv = measure.bias_variance(Y, f)
    d = f + 0.5 * rng.normal(size=(4000, 40))
    assert np.mean((Y - d) ** 2) == pytest.approx(bv.bias2 + bv.variance + 0.25, rel=0.02)


@pytest.mark.parametrize("args, err, name", [
    ((np.zeros(5), np.zeros(5)), ValueError, "predictions"),
    ((np.zeros((3, 5)), np.zeros(4)), ValueError, "truth"),
    ((np.full((3, 5), np.nan), np.zeros(5)), ValueError, "predictions"),
    (("abc", np.zeros(5)), TypeError, "predictions")])
def test_bias_variance_rejects_bad_input(args, err, name):
    with pytest.raises(err, match=name):
        measure.bias_variance(*args)
