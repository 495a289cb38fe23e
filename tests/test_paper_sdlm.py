"""The claims of §9.1 (stochastic diagonal Levenberg-Marquardt, the paper's Figs. 22 and 23),
computed as the page book/sdlm computes them, with the tolerances its table prints."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv
from ebtricks import measure

matplotlib.use("Agg")

X, D = eb.data.two_gaussians(n=100, seed=0)
LMS = eb.mlp([2, 1], activation="identity", seed=0)
W_OPT, B_OPT, E_MIN = measure.lms_solution(X, D)
START = np.array([-1.2, 2.2, 0.5])
TOY_SDLM = dict(mu=0.01, gamma=0.05, n_estimate=20, refresh_every=1)
DIGIT_SDLM = dict(mu=0.1, gamma=0.05, n_estimate=100, refresh_every=2)


def grid(lo, hi, n):
    return np.array([float(f"{e:.2g}") for e in np.geomspace(lo, hi, n)])


@pytest.fixture(scope="module")
def toy_speed():
    net = lambda seed: LMS.copy().set_params(START)
    sgd = measure.sdlm_race(net, X, D, [eb.SGD(eta=e) for e in grid(0.01, 1, 15)],
                            range(5), 20, floor=E_MIN)
    sdlm = measure.sdlm_race(net, X, D, [eb.SDLM(eta=e, **TOY_SDLM)
                                         for e in grid(0.005, 0.5, 11)],
                             range(5), 20, floor=E_MIN)
    return {N: measure.sdlm_speedup(sgd, sdlm, N) for N in (5, 20)}


@pytest.fixture(scope="module")
def digits():
    images, labels = eb.data.mnist_5k()
    pick = eb.data.stratified_split(labels, n_train=600, seed=0)[0]
    Xm = eb.InputTransform(["center", "scale"]).fit_transform(
        eb.data.downsample(images[pick], 16).reshape(len(pick), 256))
    return Xm, eb.data.targets_pm1(labels[pick])


@pytest.fixture(scope="module")
def digit_speed(digits):
    Xm, Dm = digits
    net = lambda seed: eb.mlp([256, 30, 10], seed=seed)
    sgd = measure.sdlm_race(net, Xm, Dm, [eb.SGD(eta=e) for e in grid(2e-3, 0.05, 15)],
                            [0, 1], 12)
    sdlm = measure.sdlm_race(net, Xm, Dm, [eb.SDLM(eta=e, **DIGIT_SDLM)
                                           for e in grid(1e-3, 0.03, 9)], [0, 1], 12)
    return {N: measure.sdlm_speedup(sgd, sdlm, N) for N in (6, 12)}


def _ratios():
    H = cv.hessian(LMS, X, D)
    s = 1 / np.sqrt(np.diag(H))
    lam, lam_s = np.linalg.eigvalsh(H), np.linalg.eigvalsh(H * np.outer(s, s))
    return H, lam[-1] / lam[0] / (lam_s[-1] / lam_s[0]), \
        (lam.sum() / lam[0]) / (lam_s.sum() / lam_s[0])


# --- what a diagonal can fix ---------------------------------------------------------------

def test_kappa_before_and_after_the_diagonal_scaling():
    """Table rows 3-4: 27.8 and 15.5, each within 0.5 %."""
    H = cv.hessian(LMS, X, D)
    kappa, scaled = measure.sdlm_scaled_kappa(H)
    assert kappa == pytest.approx(27.8, rel=0.005)
    assert scaled == pytest.approx(15.5, rel=0.005)


def test_running_estimate_tracks_the_diagonal_of_H():
    """The page's first table: the bias's estimate is exactly 1, the weights' near h_kk."""
    H = cv.hessian(LMS, X, D)
    sdlm = eb.SDLM(eta=0.04, **TOY_SDLM)
    rng = np.random.default_rng(0)
    hbar = sdlm.estimate(LMS, X, D, None, rng)
    for _ in range(5):
        hbar = sdlm.estimate(LMS, X, D, hbar, rng)
    assert hbar[2] == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(hbar[:2], np.diag(H)[:2], rtol=0.15)


def test_a_large_mu_evens_out_the_rates():
    """Figure 2: as mu grows every rate approaches eta/mu (SDLM turns into SGD)."""
    h = np.diag(cv.hessian(LMS, X, D))
    spread = lambda mu: (h.max() + mu) / (h.min() + mu)        # largest / smallest rate
    assert spread(1.2) < 0.4 * spread(0.05)


# --- the speed-up ----------------------------------------------------------------------------

def test_sdlm_beats_tuned_sgd_on_the_linear_unit_by_less_than_two(toy_speed):
    """Table row 1: at both budgets the factor is > 1 and < 2 (the paper: about 3)."""
    for N, r in toy_speed.items():
        assert 1 < r["factor"] < 2, (N, r)
        assert r["sgd_epochs"] <= N + 1e-9


def test_the_linear_units_bounds(toy_speed):
    """The page's printed ratios, kappa 1.79 and trace/lambda_min 2.10, and table row 1: at
    the 20-epoch budget the factor lies between them."""
    _, kappa_ratio, noise_ratio = _ratios()
    assert kappa_ratio == pytest.approx(1.79, abs=0.01)
    assert noise_ratio == pytest.approx(2.10, abs=0.01)
    assert kappa_ratio < toy_speed[20]["factor"] < noise_ratio


def test_sdlm_beats_tuned_sgd_on_digits_by_less_than_three(digit_speed):
    """Table row 2: > 1 and < 3 at both budgets."""
    for N, r in digit_speed.items():
        assert 1 < r["factor"] < 3, (N, r)


def test_second_derivative_passes_are_under_a_tenth_of_the_presentations(digits):
    """Table row 5: < 0.1 extra diagonal passes per gradient presentation."""
    Xm, Dm = digits
    h = eb.train(eb.mlp([256, 30, 10], seed=0), Xm, Dm, eb.SDLM(eta=0.005, **DIGIT_SDLM),
                 epochs=12)
    extra = h.counts["diagonal_second_derivative_patterns"] / h.counts["gradients"]
    assert extra == pytest.approx(100 / (2 * 600))
    assert extra < 0.1


def test_the_digit_nets_layers_have_curvatures_of_similar_size(digits):
    """The page: the two layers' mean second derivatives differ by a small factor (< 5)."""
    Xm, Dm = digits
    layer_h = cv.layer_mean_diag(eb.mlp([256, 30, 10], seed=0), Xm, Dm)
    assert 1 < layer_h[-1] / layer_h[0] < 5
