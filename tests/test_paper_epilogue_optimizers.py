"""The measured claims of book/epilogue_optimizers, computed as the page computes them,
with the tolerances its tables print: the race of SDLM, Adam and SDLM with a Hutchinson
diagonal on 1,000 8x8 MNIST digits, their diagonals against the exact one, and the edge
of stability under full-batch gradient descent on 200 digits. No time is asserted."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv

EPOCHS, TARGET, P = 10, 0.20, 1000
GRIDS = {"SDLM": 0.0005 * 2.0 ** np.arange(7),
         "Adam": 0.00125 * 2.0 ** np.arange(7),
         "Hutchinson": 0.001 * 2.0 ** np.arange(7)}
ETAS = (0.07, 0.1, 0.2)


@pytest.fixture(scope="module")
def race():
    images, labels = eb.data.mnist_5k()
    train, _ = eb.data.stratified_split(labels, 1000, 0, seed=0)
    X = eb.data.downsample(images[train], 8).reshape(1000, 64) / 127.5 - 1
    y = labels[train]
    D = eb.data.targets_pm1(y, 10)

    def run(name, eta):
        net = eb.mlp([64, 10, 10], seed=0)
        try:
            if name == "Hutchinson":
                h = eb.measure.epiopt_hutchinson_sgd(net, X, D, eta, EPOCHS)
            else:
                method = (eb.SDLM(eta=eta, mu=0.1) if name == "SDLM"
                          else eb.Adam(eta=eta, batch_size=20))
                h = eb.train(net, X, D, method, EPOCHS, record_weights=True)
        except eb.TrainingDiverged:
            return net, None
        return net, h

    def work(name, h):
        e = np.arange(EPOCHS + 1)
        if name == "SDLM":
            return e * P + 500 * np.ceil(e / 2)
        if name == "Hutchinson":
            return np.array(h.gradient_equivalents, dtype=float)
        return e * P

    reach, best, spent = {}, {}, {}
    for name, etas in GRIDS.items():
        runs = [run(name, eta) for eta in etas]
        errors = [None if h is None else eb.measure.epiopt_error_curve(net, h.weights, X, y)
                  for net, h in runs]
        reach[name] = np.array([np.inf if e is None else
                                eb.measure.epiopt_first_below(e, TARGET) for e in errors])
        k = min(range(len(etas)), key=lambda i: (reach[name][i], errors[i][-1]
                                                 if errors[i] is not None else 1))
        best[name] = (k, runs[k][0], errors[k][-1])
        spent[name] = (work(name, runs[k][1])[int(reach[name][k])] / P
                       if np.isfinite(reach[name][k]) else np.inf)
    net = best["SDLM"][1]
    Xs, Ds = X[::5], D[::5]
    exact = cv.diag_hessian(net, Xs, Ds, method="exact")
    diagonals = {"SDLM": cv.diag_hessian(net, Xs, Ds),
                 "Hutchinson": cv.hutchinson_diagonal(net, Xs, Ds, samples=20),
                 "Adam": eb.measure.epiopt_adam_diagonal(net, Xs, Ds, batch_size=20)}
    agree = {n: eb.measure.epiopt_layer_agreement(net, d, exact) for n, d in diagonals.items()}
    return dict(reach=reach, best=best, spent=spent, agree=agree)


@pytest.fixture(scope="module")
def edge():
    digits, dlabels = eb.data.digits_8x8()
    pick, _ = eb.data.stratified_split(dlabels, 200, 0, seed=0)
    Xd = digits[pick].reshape(200, 64) / 8 - 1
    Dd = eb.data.targets_pm1(dlabels[pick], 10)
    sharp = {}
    for eta in ETAS:
        net = eb.mlp([64, 10, 10], seed=0)
        net.params = 0.2 * net.params
        sharp[eta] = eb.measure.epiopt_sharpness(net, Xd, Dd, eta, epochs=600, every=24)
        # the true lambda_max at the end, by Lanczos, to check the warm-started power method
        sharp[eta]["true_last"] = cv.top_eigenvalues(net, Xd, Dd, k=1, method="lanczos")[0]
    net.params = 0.2 * eb.mlp([64, 10, 10], seed=0).params
    sharp["true_start"] = cv.top_eigenvalues(net, Xd, Dd, k=1, method="lanczos")[0]
    return sharp


def test_every_method_is_tuned_inside_its_grid(race):
    # the best rate is not at an end of its grid: the grid brackets the optimum
    for name, (k, _, _) in race["best"].items():
        assert 0 < k < len(GRIDS[name]) - 1, name
        assert np.isfinite(race["reach"][name][k]), name


def test_sdlm_reaches_the_target_with_least_work(race):
    # Rerun with two other seeds (start and order), SDLM and Adam once needed the same
    # work, so the page claims (and the test asserts) "no more work", not "less".
    s = race["spent"]
    assert s["SDLM"] / s["Adam"] <= 1                # page: "≤ 1"
    assert s["Hutchinson"] / s["SDLM"] > 1           # page: "> 1"
    assert s["Hutchinson"] > s["Adam"]               # the page's "slowest"
    final = {name: b[2] for name, b in race["best"].items()}
    assert final["Adam"] < min(final["SDLM"], final["Hutchinson"])   # "ends lowest"
    r = race["reach"]
    assert r["SDLM"].min() < r["Adam"].min() <= r["Hutchinson"].min()   # "fewest epochs"
    # "widest for SDLM, narrowest for the Hutchinson variant": rates reaching the target
    n = {name: np.isfinite(x).sum() for name, x in r.items()}
    assert n["SDLM"] > n["Hutchinson"] and n["SDLM"] >= n["Adam"] >= n["Hutchinson"]
    assert n["Hutchinson"] == 1                      # "at a single rate of its grid"


def test_diagonals_against_the_exact_one(race):
    a = race["agree"]
    corr = {n: x["correlation"] for n, x in a.items()}
    rel = {n: x["relative_error"] for n, x in a.items()}
    assert corr["SDLM"].min() >= 0.9                             # "≥ 0.9, above the others"
    assert np.all(corr["SDLM"] > corr["Adam"]) and np.all(corr["SDLM"] > corr["Hutchinson"])
    assert rel["SDLM"].max() <= 0.2
    assert rel["Hutchinson"].min() >= 0.5
    assert corr["Adam"].min() >= 0.4


def test_the_power_method_measures_lambda_max_within_1_percent(edge):
    # "a Rayleigh quotient, never above the true lambda_max; at the start and at the end
    # of each run it is within 1 % of it" (measured: 0.9993 and above; 30 first products
    # stopped 1.9 % short at the start, where the top two eigenvalues are 2 % apart, and
    # 8 products per measurement lagged by up to 3 % at the chaotic edge of stability)
    for eta in ETAS:
        lam = edge[eta]["lambda_max"]
        for got, true in ((lam[0], edge["true_start"]), (lam[-1], edge[eta]["true_last"])):
            assert 0.99 * true <= got <= true * (1 + 1e-9), eta


def test_lambda_max_settles_at_the_edge_of_stability(edge):
    for eta in ETAS:
        s = edge[eta]
        late = s["lambda_max"][s["epoch"] >= 300]
        assert 0.85 <= np.median(eta * late / 2) <= 1.3, eta     # page: "0.85 to 1.3"


def test_progressive_sharpening(edge):
    for eta in ETAS[:2]:
        lam = edge[eta]["lambda_max"]
        assert lam[-1] / lam[1:].min() >= 1.3, eta                # page: "≥ 1.3"
    # "the eta = 0.1 run gets there within the first 200 epochs ... the eta = 0.07 run
    # only after epoch 400, and at epoch 600 it is just above its line, still creeping up"
    first = {eta: edge[eta]["epoch"][np.argmax(edge[eta]["lambda_max"] >= 2 / eta)]
             for eta in (0.07, 0.1)}
    assert first[0.1] <= 200 and first[0.07] > 400
    lam = edge[0.07]["lambda_max"]
    assert 1 < 0.07 * lam[-1] / 2 < 1.1 and lam[-1] > lam[-2]
    # with eta = 0.2 the start is already above 2/eta (about twice): lambda_max falls to
    # just above the line and stays there
    s = edge[0.2]
    lam = s["lambda_max"]
    assert 1.7 < lam[0] / (2 / 0.2) < 2.3 and lam[-1] < lam[0]
    assert np.all(lam[s["epoch"] >= 300] >= 2 / 0.2)
    # "for eta = 0.1, lambda_max wanders about its line, climbing a fifth or more above it
    # and falling back to less than a tenth above it (sometimes below it), more than once".
    # The run is chaotic: from starts moved by 1e-15 it took one of two paths after epoch
    # 264, with highest values 1.28 or 1.43 (CI once measured 1.39), and climbed above 1.2
    # and back below 1.1 two or three times on either path
    ratio = 0.1 * edge[0.1]["lambda_max"] / 2
    episodes, high = 0, False
    for r in ratio[1:]:
        if r >= 1.2:
            high = True
        elif high and r <= 1.1:
            episodes, high = episodes + 1, False
    assert episodes >= 2, np.round(ratio, 2)
    # "for eta = 0.2 it stays in a band roughly 10 to 30 % above its line for the whole
    # second half" (measured 1.11 to 1.27; the runs are chaotic, so a little slack)
    late = 0.2 * s["lambda_max"][s["epoch"] >= 300] / 2
    assert 1.05 <= late.min() and late.max() <= 1.35


def test_the_start_is_flatter_than_at_lecun_weights(edge):
    # "started at 0.2 times its LeCun weights so that the start is flatter (less than
    # half the lambda_max of the LeCun weights)"
    digits, dlabels = eb.data.digits_8x8()
    pick, _ = eb.data.stratified_split(dlabels, 200, 0, seed=0)
    Xd = digits[pick].reshape(200, 64) / 8 - 1
    Dd = eb.data.targets_pm1(dlabels[pick], 10)
    net = eb.mlp([64, 10, 10], seed=0)
    lecun = cv.top_eigenvalues(net, Xd, Dd, k=1, method="lanczos")[0]
    assert edge[0.2]["lambda_max"][0] < 0.5 * lecun


def test_cost_falls_but_not_monotonically_at_the_edge(edge):
    for eta in ETAS:
        s = edge[eta]
        assert s["cost"][-1] < 0.5 * s["cost"][0], eta
    for eta in (0.1, 0.2):
        assert np.sum(np.diff(edge[eta]["cost"]) > 0) >= 1, eta   # page: "≥ 1"
