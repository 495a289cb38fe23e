"""The claims of §8 (the paper's Figs. 19 and 20), computed as the page book/spectrum
computes them, with the tolerances its tables print.

The page forms two full 906 x 906 Hessians; to stay short this test forms only the
trained one, and holds the initial one's "more than 100 negative eigenvalues" by Cauchy
interlacing instead: Lanczos' j-th smallest Ritz value is never below the j-th smallest
eigenvalue, so 101 negative Ritz values prove 101 negative eigenvalues."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv
from ebtricks import measure

EPOCHS, ETA = measure.SPECTRUM_RECIPE["epochs"], measure.SPECTRUM_RECIPE["eta"]
SEEDS = (0, 1, 2)
PAPER, FACTOR = 8.0, 1.5
CONDITIONS = [(inputs, loss, epochs) for inputs in ("raw", "centred")
              for loss in ("mse", "softmax_ce") for epochs in (0, EPOCHS)]


def ratio_11(inputs, loss, epochs, seed, steps=50):
    X, D, _ = measure.spectrum_digits(inputs, loss)
    net = eb.lenet.net_fig19(loss=loss, seed=seed)
    if epochs:
        eb.train_sgd(net, X, D, epochs=epochs, eta=ETA, seed=seed)
    top = measure.spectrum_top(net, X, D, k=11, steps=steps)
    return top[0] / top[10]


@pytest.fixture(scope="module")
def page():
    X, D, labels = measure.spectrum_digits("centred", "mse")
    net = eb.lenet.net_fig19(seed=0)
    init = net.copy()
    eb.train_sgd(net, X, D, epochs=EPOCHS, eta=ETA, seed=0)
    return dict(X=X, D=D, labels=labels, net=net, init=init,
                trained=cv.hessian_spectrum(net, X, D))


def _lanczos_ratio(net, X, D):
    top = measure.spectrum_top(net, X, D, k=11)
    return top[0] / top[10]


@pytest.fixture(scope="module")
def ratios(page):
    """The page's table of conditions: lambda_1/lambda_11, three seeds each (the page
    uses 50 Lanczos products). Seed 0 of centred/mse is the page fixture's network, not
    trained a second time."""
    out = {}
    for c in CONDITIONS:
        r = []
        for s in SEEDS:
            if c[:2] == ("centred", "mse") and s == 0:
                r.append(_lanczos_ratio(page["net" if c[2] else "init"], page["X"],
                                        page["D"]))
            else:
                r.append(ratio_11(*c, s))
        out[c] = np.array(r)
    return out


def test_network_and_data(page):
    """Table: 906 free parameters, 5,892 connections, 256-128-64-10; 32 digits per class."""
    s = page["net"].summary()
    assert s["units"] == [256, 128, 64, 10]
    assert s["free_parameters"] == page["net"].n_params == 906
    assert s["connections"] == 5892
    assert np.array_equal(np.bincount(page["labels"]), np.full(10, 32))
    assert page["trained"].shape == (906,)
    # page: 175 pixels get variance 1; 81 keep less, 50 of them blank in every digit
    var = page["X"].var(axis=0)
    raw = measure.spectrum_digits("raw")[0]
    assert np.allclose(page["X"].mean(axis=0), 0, atol=1e-12)
    assert np.sum(np.isclose(var, 1)) == 175 and np.sum(var < 1 - 1e-9) == 81
    assert np.sum(raw.std(axis=0) == 0) == 50
    border = np.ones((16, 16), bool)
    border[4:12, 4:12] = False                  # the 81 lie outside the middle 8x8
    assert not np.any((var < 1 - 1e-9).reshape(16, 16)[~border])
    # "raw ... variance about 0.05 on average"
    assert 0.045 <= raw.var(axis=0).mean() <= 0.055


def test_trained_net_learnt(page):
    """The trained net is a trained net: training error below 10 %."""
    assert page["net"].error_rate(page["X"], page["labels"]) < 0.10


def test_lanczos_matches_full_hessian(page):
    """Page: Lanczos' top eleven match the full Hessian's to about nine digits; table:
    lambda_1/lambda_11 of seed 0 by Lanczos within 1e-8 of the full H's."""
    lam = page["trained"]
    top = measure.spectrum_top(page["net"], page["X"], page["D"], k=11)
    assert np.allclose(top, lam[:11], rtol=1e-8, atol=0)
    assert abs(top[0] / top[10] - lam[0] / lam[10]) <= 1e-8 * lam[0] / lam[10]


def test_negative_eigenvalues(page):
    """Table: more than 100 negative eigenvalues after training and at initialisation,
    so lambda_max/lambda_min < 0. At initialisation by interlacing: each negative Ritz
    value of 260 Lanczos steps proves one negative eigenvalue."""
    lam = page["trained"]
    assert np.sum(lam < 0) > 100
    assert lam[-1] < 0 and lam[0] / lam[-1] < 0
    init = page["init"]
    ritz = cv.lanczos(lambda v: cv.hessian_vector_product(init, page["X"], page["D"], v),
                      906, k=260, steps=260, which="smallest").values
    assert np.sum(ritz < 0) > 100
    # page: the most negative eigenvalue shrinks with the errors (init: -20, trained: -1.1;
    # the smallest Ritz value is never below lambda_min, so it bounds it from above)
    assert np.min(ritz) < 10 * lam[-1]


def test_long_tail(page):
    """Figs 1-3: lambda_1 stands alone (more than twice lambda_2); after training it is
    more than 200 times the median |lambda|, and only 7 eigenvalues exceed lambda_1/4;
    90 % of log|lambda| (5th to 95th percentile) lie within about three decades."""
    lam = page["trained"]
    assert lam[0] > 2 * lam[1]
    assert lam[0] > 200 * np.median(np.abs(lam))
    assert np.sum(lam > lam[0] / 4) == 7
    lo, hi = np.percentile(np.log10(np.abs(lam)), [5, 95])
    assert 2.5 <= hi - lo <= 3.5


def test_exercise_k_past_eight(page, capsys):
    """Exercise 1's self-check (Lanczos, retrained) agrees with the full spectrum, and the
    answer is on the page's slider (k = 11 .. 35)."""
    ratio = page["trained"][0] / page["trained"][:40]
    k = int(np.flatnonzero(ratio > 8)[0]) + 1
    assert 11 <= k <= 35
    assert eb.checks.spectrum_k_past_eight(k)
    assert not eb.checks.spectrum_k_past_eight(k - 1)


def test_centred_mse_ratio_below_eight(ratios):
    """Table: after training, mean over 3 seeds in [3, 8/1.5]; each seed below 8; at
    initialisation the mean is below 8/1.5 too. Summary: between 3 and 6 over seeds."""
    trained, init = ratios["centred", "mse", EPOCHS], ratios["centred", "mse", 0]
    assert 3 <= trained.mean() <= PAPER / FACTOR
    assert np.all(trained < PAPER)
    assert init.mean() < PAPER / FACTOR
    assert np.all((3 <= np.r_[trained, init]) & (np.r_[trained, init] <= 6))


def test_raw_inputs_raise_the_ratio(ratios):
    """Page: in every pairing of cost and training time, raw > centred (means), and the
    gap is largest at the initial weights (for each cost)."""
    def gap(loss, epochs):
        return ratios["raw", loss, epochs].mean() - ratios["centred", loss, epochs].mean()
    for loss in ("mse", "softmax_ce"):
        assert gap(loss, 0) > gap(loss, EPOCHS) > 0


def test_what_moves_the_ratio(ratios):
    """Page: no mean reaches 8, and only one of the 24 runs passes it (raw, mse, at
    initialisation); after training raw gives about 5.6 with either cost (0.7 of 8),
    centred 3.9 to 4.8; seeds differ by up to a factor 1.6 (1.4 to 1.7); after training
    with mse the seeds of raw and centred overlap."""
    assert all(r.mean() < PAPER for r in ratios.values())
    above = [c for c, r in ratios.items() for x in r if x > PAPER]
    assert above == [("raw", "mse", 0)]
    for loss in ("mse", "softmax_ce"):
        raw = ratios["raw", loss, EPOCHS].mean()
        assert abs(raw - 5.6) < 0.15 and round(raw / PAPER, 1) == 0.7
        assert 3.85 <= ratios["centred", loss, EPOCHS].mean() <= 4.85
    spread = max(r.max() / r.min() for r in ratios.values())
    assert 1.4 <= spread <= 1.7
    assert ratios["raw", "mse", EPOCHS].min() < ratios["centred", "mse", EPOCHS].max()
