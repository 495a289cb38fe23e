"""§2 of the paper (learning and generalisation), measured the way the page
``book/generalisation`` measures it, on a 20-set version of its experiment (the page uses
30), with the tolerances the page prints beside each claim: squared bias falls and
variance rises with epochs (after a transient bump), "the sum of bias and variance" is bias² + variance (plus the
noise variance for the test error), and early stopping lands before the end, where the
validation error rises. Also the page's self-checks, each with a right and a wrong
answer."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure

EPOCHS, EVERY, ETA, MU = 300, 5, 0.15, 0.9
GRID = np.linspace(-1, 1, 101)[:, None]
TRUTH = eb.data.noisy_sine(x=GRID, noise=0.0)[1][:, 0]
X_TRAIN = eb.data.noisy_sine(n=12, seed=7)[0]


def resampled_runs(noise=0.3, width=24, n_sets=20, every=EVERY, init_seed=0):
    """The page's experiment: one 1-width-1 net per resampled training set (the 12 inputs
    fixed, fresh noise), all from the same start, batch descent with momentum. Returns
    the outputs on the grid (records, sets, points), the validation mse (sets, records)
    and each set's per-epoch validation cost from the package."""
    net0 = eb.mlp([1, width, 1], output_activation="identity", seed=init_seed)
    outs, val = [], []
    for r in range(n_sets):
        _, D = eb.data.noisy_sine(x=X_TRAIN, noise=noise, seed=100 + r)
        Xv, Dv = eb.data.noisy_sine(n=100, noise=noise, seed=1000 + r)
        net = net0.copy()
        h = eb.train_sgd(net, X_TRAIN, D, epochs=EPOCHS, eta=ETA, momentum=MU,
                         batch_size=len(X_TRAIN), record_weights=True, track_cost=False)
        W = h.weights[::every]
        outs.append([net.forward(GRID, w)[:, 0] for w in W])
        val.append([2 * net.cost(Xv, Dv, w) for w in W])     # cost is ½ mse
    return np.array(outs).transpose(1, 0, 2), np.array(val)


@pytest.fixture(scope="module")
def runs():
    return resampled_runs()


def _epochs(every=EVERY):
    return np.arange(0, EPOCHS + 1, every)


def test_variance_is_zero_before_training(runs):
    outputs, _ = runs
    bv = measure.bias_variance(outputs, TRUTH)
    assert bv.variance[0] < 1e-20 and bv.bias2[0] > 0.1     # zero up to rounding


def test_bias_falls_and_variance_rises(runs):
    outputs, _ = runs
    bv = measure.bias_variance(outputs, TRUTH)
    e = _epochs()
    early, late = e <= 50, e >= 200
    assert bv.bias2[early].mean() / bv.bias2[late].mean() > 10
    assert bv.variance[late].mean() / bv.variance[early].mean() > 1.3
    # smoothed over 50 epochs, the late bias² never climbs back to its early level
    smooth_b2 = np.convolve(bv.bias2, np.ones(10) / 10, mode="valid")
    assert smooth_b2[-1] < 0.1 * smooth_b2[0]
    # the page: "more than two orders of magnitude" within the first 100 epochs
    assert bv.bias2[0] > 100 * bv.bias2[e == 100][0]


def test_variance_transient_then_steady_growth(runs):
    """The page's account of the variance: a bump while momentum carries the weights
    past each fit (it is larger in the first 50 epochs than where the nets settle), a low
    near the early stop once the nets have settled, and from there a steady rise to the
    end as they fit their own noise."""
    outputs, val = runs
    bv = measure.bias_variance(outputs, TRUTH)
    e = _epochs()
    settled = e >= 60
    k_low = np.flatnonzero(settled)[0] + int(np.argmin(bv.variance[settled]))
    assert bv.variance[e <= 50].max() > 1.3 * bv.variance[k_low]
    assert abs(e[k_low] - e[np.argmin(val.mean(axis=0))]) <= 30
    assert np.all(np.diff(bv.variance[k_low:]) > 0)


def test_decomposition_exact_and_against_noisy_targets(runs):
    outputs, val = runs
    bv = measure.bias_variance(outputs, TRUTH)
    np.testing.assert_allclose(bv.squared_error, bv.bias2 + bv.variance, rtol=1e-12,
                               atol=1e-15)
    rng = np.random.default_rng(5)
    k_stop = int(np.argmin(val.mean(axis=0)))
    for k in (0, k_stop, len(bv.bias2) - 1):     # the page's three epochs
        d = TRUTH + 0.3 * rng.standard_normal((200, *outputs[k].shape))
        lhs = np.mean((outputs[k] - d) ** 2)
        # the sampling error of 20 x 101 x 200 noisy targets is about 0.2 %
        assert lhs == pytest.approx(bv.bias2[k] + bv.variance[k] + 0.09, rel=0.01)


def test_early_stopping_lands_before_the_end_where_validation_rises(runs):
    outputs, val = runs
    bv = measure.bias_variance(outputs, TRUTH)
    e = _epochs()
    v = val.mean(axis=0)
    k_stop = int(np.argmin(v))
    assert e[k_stop] < 250
    assert v[-1] > 1.03 * v[k_stop]
    assert abs(e[k_stop] - e[np.argmin(bv.bias2 + bv.variance)]) <= 30
    assert bv.variance[-1] > 1.1 * bv.variance[k_stop]       # the variance keeps growing


def test_trend_holds_from_another_start():
    """Robust to the seed of the shared initial weights (10 sets, a second start, which
    ends at a larger bias²: the trend, not the page's factor, is asserted)."""
    outputs, val = resampled_runs(n_sets=10, every=10, init_seed=1)
    bv = measure.bias_variance(outputs, TRUTH)
    e = _epochs(10)
    early, late = e <= 50, e >= 200
    assert bv.bias2[early].mean() > 5 * bv.bias2[late].mean()
    assert bv.variance[late].mean() > 1.3 * bv.variance[early].mean()
    assert e[np.argmin(val.mean(axis=0))] < EPOCHS


@pytest.mark.parametrize("fn, args, expected", [
    (eb.checks.bias_variance_at_point, (0.04, 0.05), True),
    (eb.checks.bias_variance_at_point, (0.2, 0.05), False),        # the bias, not squared
    (eb.checks.bias_variance_at_point, (0.04, 0.2 / 3), False),    # divided by R - 1
    (eb.checks.bias_variance_at_point, (0.09, 0.05), False),       # mean of (y - f)²
    (eb.checks.bias_variance_at_point, (0.05, 0.04), False),
    (eb.checks.zero_predictor_test_error, (0.59,), True),
    (eb.checks.zero_predictor_test_error, (0.5,), False),          # forgot the noise
    (eb.checks.variance_growth_when_noise_doubles, (4.0,), True),      # σ² reasoning
    (eb.checks.variance_growth_when_noise_doubles, (4.5,), True),      # as measured
    (eb.checks.variance_growth_when_noise_doubles, (2.0,), False),     # like σ
    (eb.checks.variance_growth_when_noise_doubles, (1.0,), False),
])
def test_self_checks(fn, args, expected, capsys):
    assert fn(*args) is expected
    assert ("correct" if expected else "not yet") in capsys.readouterr().out


def test_self_checks_reject_malformed_answers():
    with pytest.raises(TypeError, match="answer"):
        eb.checks.variance_growth_when_noise_doubles("4")
    with pytest.raises(ValueError, match="noise"):
        eb.checks.variance_growth_when_noise_doubles(4.0, noise=0.0)
    with pytest.raises(TypeError, match="bias2"):
        eb.checks.bias_variance_at_point("0", 0.05)
    with pytest.raises(ValueError, match="noise"):
        eb.checks.zero_predictor_test_error(0.59, noise=-1)


def test_more_noise_stops_earlier():
    """The page's Figure 2 and its last table row: 8 sets per noise level, validation
    error every 10 epochs; early stopping at σ = 0.6 comes before that at σ = 0.05."""
    stops = {}
    for noise in (0.05, 0.6):
        _, val = resampled_runs(noise=noise, n_sets=8, every=10)
        stops[noise] = int(np.argmin(val.mean(axis=0))) * 10
    assert stops[0.6] < stops[0.05]
    assert stops[0.05] >= 250                      # almost no noise: nothing to stop for
