"""The helpers added for book/sdlm: measure.sdlm_race, measure.sdlm_speedup,
measure.sdlm_scaled_kappa, figures.plots.sdlm_paths and the page's self-checks."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv
from ebtricks import measure
from ebtricks.figures import plots, subplots

matplotlib.use("Agg")

X, D = eb.data.two_gaussians(n=100, seed=0)


def _lms(seed=0):
    return eb.mlp([2, 1], activation="identity", seed=seed)


# --- measure.sdlm_race --------------------------------------------------------------------

def test_race_matches_single_runs_and_subtracts_the_floor():
    methods = [eb.SGD(eta=0.05), eb.SDLM(eta=0.05, n_estimate=20)]
    c = measure.sdlm_race(_lms, X, D, methods, [0, 3], 4, floor=0.1)
    assert c.shape == (2, 2, 5)
    for i, m in enumerate(methods):
        for j, seed in enumerate([0, 3]):
            h = eb.train(_lms(seed), X, D, m, epochs=4, seed=seed, track_cost=True)
            assert np.allclose(c[i, j], np.asarray(h.cost) - 0.1, rtol=0, atol=1e-15)


def test_race_marks_a_diverged_run_nan_and_keeps_the_others():
    c = measure.sdlm_race(_lms, X, D, [eb.SGD(eta=50.0), eb.SGD(eta=0.05)], [0], 3)
    assert np.all(np.isnan(c[0])) and np.all(np.isfinite(c[1]))


def test_race_rejects_bad_arguments():
    with pytest.raises(TypeError, match="methods\\[0\\]"):
        measure.sdlm_race(_lms, X, D, [eb.GradientDescent(eta=0.1)], [0], 2)
    with pytest.raises(TypeError, match="make_net"):
        measure.sdlm_race(None, X, D, [eb.SGD(eta=0.1)], [0], 2)
    with pytest.raises(ValueError, match="methods"):
        measure.sdlm_race(_lms, X, D, [], [0], 2)
    with pytest.raises(ValueError, match="seeds"):
        measure.sdlm_race(_lms, X, D, [eb.SGD(eta=0.1)], [], 2)
    with pytest.raises(ValueError, match="epochs"):
        measure.sdlm_race(_lms, X, D, [eb.SGD(eta=0.1)], [0], 0)


# --- measure.sdlm_speedup ------------------------------------------------------------------

def test_speedup_of_two_geometric_curves():
    """SGD halves per epoch, SDLM quarters: to reach SGD's cost after 4 epochs SDLM needs 2."""
    sgd = (0.5 ** np.arange(9))[None, None]
    sdlm = (0.25 ** np.arange(9))[None, None]
    r = measure.sdlm_speedup(sgd, sdlm, epochs=4)
    assert r["level"] == pytest.approx(1 / 16)
    assert r["sgd_epochs"] == pytest.approx(4.0) and r["sdlm_epochs"] == pytest.approx(2.0)
    assert r["factor"] == pytest.approx(2.0)


def test_speedup_credits_each_method_with_its_fastest_rate_and_skips_nan():
    e = np.arange(7)
    sgd = np.stack([0.9 ** e, 0.5 ** e, np.full(7, np.nan)])[:, None]       # rate 1 wins
    sdlm = np.stack([0.8 ** e, 0.125 ** e])[:, None]
    r = measure.sdlm_speedup(sgd, sdlm, epochs=6)
    assert (r["sgd_best"], r["sdlm_best"]) == (1, 1)
    assert r["factor"] == pytest.approx(3.0)


def test_speedup_of_a_plateaued_sgd_counts_its_first_crossing():
    sgd = np.array([[[1.0, 0.1, 0.01, 0.01, 0.01]]])      # levels off after 2 epochs
    sdlm = np.array([[[1.0, 0.01, 0.001, 0.001, 0.001]]])
    r = measure.sdlm_speedup(sgd, sdlm, epochs=4)
    assert r["sgd_epochs"] == pytest.approx(2.0) and r["factor"] == pytest.approx(2.0)


def test_speedup_when_sdlm_never_reaches_the_target():
    r = measure.sdlm_speedup(np.array([[[1.0, 0.1]]]), np.array([[[1.0, 0.5]]]))
    assert r["sdlm_epochs"] == np.inf and r["factor"] == 0.0


def test_speedup_rejects_bad_arguments():
    ok = np.ones((1, 1, 3))
    with pytest.raises(ValueError, match="epochs"):
        measure.sdlm_speedup(ok, ok, epochs=3)
    with pytest.raises(ValueError, match="diverged"):
        measure.sdlm_speedup(np.full((2, 1, 3), np.nan), ok)
    with pytest.raises(ValueError, match="sgd_costs"):
        measure.sdlm_speedup(np.ones((3, 3)), ok)


# --- measure.sdlm_scaled_kappa -------------------------------------------------------------

def test_scaled_kappa_of_the_toy_is_the_correlation_formula():
    H = cv.hessian(_lms(), X, D)
    kappa, scaled = measure.sdlm_scaled_kappa(H)
    lam = np.linalg.eigvalsh(H)
    rho = H[0, 1] / np.sqrt(H[0, 0] * H[1, 1])
    assert kappa == pytest.approx(lam[-1] / lam[0], rel=1e-12)
    assert scaled == pytest.approx((1 + rho) / (1 - rho), rel=1e-10)   # the bias is decoupled


def test_scaled_kappa_is_invariant_to_rescaling_the_weights():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    H = A @ A.T + 0.1 * np.eye(4)
    S = np.diag([0.1, 1.0, 10.0, 3.0])
    assert measure.sdlm_scaled_kappa(S @ H @ S)[1] == pytest.approx(
        measure.sdlm_scaled_kappa(H)[1], rel=1e-9)


def test_scaled_kappa_rejects_bad_matrices():
    with pytest.raises(ValueError, match="symmetric"):
        measure.sdlm_scaled_kappa([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="positive definite"):
        measure.sdlm_scaled_kappa([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="H"):
        measure.sdlm_scaled_kappa(np.ones(3))


# --- figures.plots.sdlm_paths -------------------------------------------------------------

def test_sdlm_paths_draws_one_line_per_path_and_clips_a_diverging_one():
    g = np.linspace(-1, 1, 11)
    surface = np.add.outer(g ** 2, g ** 2)
    fig, ax = subplots(1, 1, height=2.0)
    far = np.array([[0.0, 0.0], [0.5, 0.5], [1e6, 1e6], [0.1, 0.1]])
    plots.sdlm_paths(ax, g, g, surface, {"a": [[0.5, 0.5], [0.0, 0.0]], "b": far},
                     minimum=(0, 0), colors={"a": "C1"})
    lines = {ln.get_label(): ln for ln in ax.lines}
    assert lines["a"].get_color() == "C1"
    assert len(lines["b"].get_xdata()) == 2         # stops before the point far outside


# --- self-checks ------------------------------------------------------------------------------

def test_bias_rate_check(capsys):
    assert eb.checks.sdlm_bias_rate(0.1 / 1.5)
    assert not eb.checks.sdlm_bias_rate(0.1 / (0.5 + 0.196))      # w1's curvature, not 1
    assert not eb.checks.sdlm_bias_rate(0.1)                      # mu forgotten
    assert not eb.checks.sdlm_bias_rate(0.1 / 0.5)                # the cap eta/mu
    assert eb.checks.sdlm_bias_rate(0.2 / 1.0, eta=0.2, mu=0.0)
    with pytest.raises(ValueError, match="eta"):
        eb.checks.sdlm_bias_rate(0.1, eta=0.0)
    with pytest.raises(ValueError, match="mu"):
        eb.checks.sdlm_bias_rate(0.1, mu=-0.5)


def test_kappa_pair_check(capsys):
    assert eb.checks.sdlm_kappa_pair(26.18, 4.0)
    assert not eb.checks.sdlm_kappa_pair(16.0, 4.0)           # the variances' ratio
    assert not eb.checks.sdlm_kappa_pair(26.18, 1.0)
    assert not eb.checks.sdlm_kappa_pair(4.0, 26.18)           # swapped
    assert not eb.checks.sdlm_kappa_pair(26.18, 16.0)          # scaled: the variances' ratio
    assert eb.checks.sdlm_kappa_pair(1.0, 1.0, variances=(1.0, 1.0), rho=0.0)
    with pytest.raises(ValueError, match="rho"):
        eb.checks.sdlm_kappa_pair(1.0, 1.0, rho=1.0)
