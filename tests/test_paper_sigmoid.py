"""The numbers of §4.4 (the paper's Fig. 4), computed the way the page ``book/sigmoid``
computes them and held to the tolerances it prints beside the paper's values; the race of
symmetric against logistic hidden units, whose robust claims the page states; and the
page's self-checks."""
import math

import numpy as np
import pytest

import ebtricks as eb
from ebtricks import activations, measure

LECUN = eb.Activation("lecun_tanh")


# --- (a) f(±1) = ±1, (b) |f''| largest at x = ±1 -------------------------------------------

def test_f_of_one_is_one():
    assert LECUN(1.0) == pytest.approx(1.0, abs=1e-3)
    assert LECUN(-1.0) == pytest.approx(-1.0, abs=1e-3)
    assert 1 / math.tanh(2 / 3) == pytest.approx(1.7159, abs=1e-4)


def test_second_derivative_peaks_near_one():
    grid = np.linspace(0.0, 3.0, 300_001)
    x_peak = grid[np.argmax(np.abs(LECUN.second_derivative(grid)))]
    assert x_peak == pytest.approx(0.988, abs=0.005)
    assert x_peak == pytest.approx(1.5 * math.atanh(1 / math.sqrt(3)), abs=1e-5)
    assert abs(x_peak - 1.0) > 0.01          # the paper's 1 is a rounding, not exact
    # odd function: the negative side mirrors it
    assert LECUN.second_derivative(-x_peak) == pytest.approx(-LECUN.second_derivative(x_peak))


# --- (c) the gain ------------------------------------------------------------------------

def _gaussian_moments(name):
    u, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    fz = eb.Activation(name)(u)
    mean = w @ fz
    return mean, math.sqrt(w @ (fz - mean) ** 2)


def test_gain_readings():
    assert LECUN.derivative(0.0) == pytest.approx(1.1439, abs=1e-4)
    mean, std = _gaussian_moments("lecun_tanh")
    assert std == pytest.approx(0.8663, abs=1e-3) and abs(mean) < 1e-12
    # an independent estimate: a million samples
    z = np.random.default_rng(0).standard_normal(1_000_000)
    assert np.std(LECUN(z)) == pytest.approx(0.8663, abs=2e-3)
    # the comparison the page draws: plain tanh and the logistic spread their outputs less
    assert _gaussian_moments("tanh")[1] == pytest.approx(0.6279, abs=1e-3)
    m_log, s_log = _gaussian_moments("logistic")
    assert m_log == pytest.approx(0.5, abs=1e-12) and s_log == pytest.approx(0.2083, abs=1e-3)


# --- the twisting term and the rational approximation -----------------------------------

@pytest.mark.parametrize("a", [0.01, 0.05, 0.24])
def test_twisting_term_floors_the_slope(a):
    x = np.linspace(-40, 40, 8001)
    slope = eb.Activation("tanh_twist", a=a).derivative(x)
    assert slope.min() >= a - 1e-12
    assert slope.min() == pytest.approx(a, abs=1e-12)
    assert eb.Activation("tanh").derivative(x).min() < 1e-30      # without it: flat


def test_rational_and_kernel_tanh_errors():
    x = np.linspace(-6, 6, 2400)
    exact = 1.7159 * np.tanh(2 * x / 3)
    rel = np.abs(eb.Activation("rational_tanh")(x) - exact) / np.abs(exact)
    assert 0.02 < rel.max() < 0.03
    kernel = np.empty_like(x)
    activations.apply_f(activations.CODES["lecun_tanh"], x, 0.0, kernel)
    assert (np.abs(kernel - exact) / np.abs(exact)).max() < 1e-15


# --- the race -------------------------------------------------------------------------
# The page sweeps seven rates, 0.005 to 0.32 a factor 2 apart, for every unit. To keep this
# file quick the test runs, for each unit, the page's best rate, its two neighbours on that
# grid (so the best is checked to be a minimum of its neighbourhood), the shared 0.01 and,
# for the logistic, 0.04, its best rate for the cost after the first epoch.

SEEDS, EPOCHS = range(5), 12
RATES = {"logistic": [0.01, 0.04, 0.08, 0.16, 0.32], "tanh": [0.01, 0.02, 0.04],
         "lecun_tanh": [0.005, 0.01, 0.02, 0.04]}


@pytest.fixture(scope="module")
def race():
    images, labels = eb.data.digits_8x8()
    train = eb.data.stratified_split(labels, n_train=1000, seed=0)[0]
    X = eb.InputTransform(["center", "scale"]).fit_transform(
        images[train].reshape(len(train), 64))
    D = eb.data.targets_pm1(labels[train])
    costs, best = {}, {}
    for unit, rates in RATES.items():
        def make(seed, unit=unit):
            return eb.mlp([64, 16, 10], activation=unit, output_activation="lecun_tanh",
                          seed=seed)
        c = measure.rate_sweep(make, X, D, rates, SEEDS, EPOCHS)
        costs[unit] = {eta: c[k] for k, eta in enumerate(rates)}
        k = int(np.nanargmin(c[:, :, -1].mean(axis=1)))
        assert 0 < k < len(rates) - 1, f"{unit}: best rate {rates[k]} at the edge"
        best[unit] = rates[k]
    return costs, best


def test_race_best_rates_are_the_pages(race):
    costs, best = race
    assert best["logistic"] == 0.16 and best["tanh"] == 0.02
    # 1.7159 tanh(2x/3): 0.02 and 0.01 nearly tie (the page prints 0.245 and 0.246), so the
    # page's verdict must not hang on which of the two wins
    assert best["lecun_tanh"] in (0.01, 0.02)
    assert costs["lecun_tanh"][0.02][:, -1].mean() == pytest.approx(0.245, abs=1e-3)
    assert costs["lecun_tanh"][0.01][:, -1].mean() == pytest.approx(0.246, abs=1e-3)


def test_race_shared_rate_symmetric_wins_every_seed(race):
    costs, _ = race
    worst_symmetric = max(costs["tanh"][0.01][:, -1].max(),
                          costs["lecun_tanh"][0.01][:, -1].max())
    assert worst_symmetric < costs["logistic"][0.01][:, -1].min()


def test_race_best_rates(race):
    costs, best = race
    logi = costs["logistic"][best["logistic"]]
    # plain tanh leads after the first epoch, for every seed
    assert costs["tanh"][best["tanh"]][:, 1].max() < logi[:, 1].min()
    # after 12 epochs plain tanh and the logistic overlap: neither is ahead for every seed
    tanh_end = costs["tanh"][best["tanh"]][:, -1]
    assert tanh_end.min() < logi[:, -1].max() and tanh_end.max() > logi[:, -1].min()
    # and the recommended sigmoid ends above the logistic, for every seed, at either of its
    # two nearly tied best rates
    for eta in (0.01, 0.02):
        assert costs["lecun_tanh"][eta][:, -1].min() > logi[:, -1].max()
    # plain tanh reaches E <= 0.3 sooner on average (the page: speed-up 1.15), the
    # recommended sigmoid later (0.66)
    def reach(c):
        hit = c <= 0.3
        assert hit.any(axis=1).all()                  # every seed gets there
        return hit.argmax(axis=1).mean()
    r_log = reach(logi)
    assert r_log / reach(costs["tanh"][best["tanh"]]) == pytest.approx(1.15, abs=0.01)
    assert r_log / reach(costs["lecun_tanh"][0.02]) == pytest.approx(0.66, abs=0.01)
    # the early lead is not the logistic's large rate: tuned for epoch 1, tanh still leads
    first = {u: min(c[eta][:, 1].mean() for eta in c) for u, c in costs.items()}
    assert first["tanh"] < first["logistic"]
    # the logistic takes a much larger rate
    assert best["logistic"] >= 4 * max(best["tanh"], best["lecun_tanh"])


# --- the page's self-checks ---------------------------------------------------------------

@pytest.mark.parametrize("check, args, expected", [
    (eb.checks.twist_crossover, (math.acosh(1 / math.sqrt(0.001)),), True),
    (eb.checks.twist_crossover, (0.5 * math.log(4 / 0.001) + 0.01,), False),
    (eb.checks.twist_crossover, (math.acosh(10.0), 0.01), True),
    (eb.checks.exact_sigmoid_constants, (math.sqrt(3), math.atanh(1 / math.sqrt(3))), True),
    (eb.checks.exact_sigmoid_constants, (1.7159, 2 / 3), False),
    (eb.checks.unit_output_std_input, (1.288,), True),
    (eb.checks.unit_output_std_input, (1.0,), False),
])
def test_self_checks(check, args, expected, capsys):
    assert check(*args) is expected
    assert ("correct" in capsys.readouterr().out) is expected


def test_self_checks_reject_bad_input():
    with pytest.raises(ValueError, match="a"):
        eb.checks.twist_crossover(1.0, a=1.5)
    with pytest.raises((TypeError, ValueError), match="answer"):
        eb.checks.unit_output_std_input("x")
