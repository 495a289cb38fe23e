"""The claims of §4.8 (RBF units versus sigmoid units) computed the way the page
``book/rbf_vs_sigmoid`` computes them, on smaller versions of its runs, held to the
tolerances the page prints: a 3 x 3 checkerboard in 2-D (the page's recipe, three seeds),
8x8 digits in 64-D and MNIST in 784-D (fewer numbers of units, and RBF nets with the output
layer solved by least squares), the paper's Fig. 10 data, and a sigmoid-below, RBF-above
hybrid on the digits."""
import math

import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure

RECIPE = eb.checks.RBF_PAGE_2D


def make_net(kind, units, X, n_out, seed=0):
    if kind == "sigmoid":
        return eb.mlp([X.shape[1], units, n_out], output_activation="identity", seed=seed)
    net = eb.Network([eb.RBF(X.shape[1], units), eb.Dense(units, n_out, "identity")],
                     seed=seed)
    return measure.rbf_centres_on_samples(net, 0, X, seed=seed)


def train(kind, units, X, D, epochs, eta, seed=0):
    net = make_net(kind, units, X, D.shape[1], seed)
    eb.train_sgd(net, X, D, epochs=epochs, eta=eta, seed=seed, track_cost=False,
                 progress=False)
    return net


def prepared(images, labels, n_train, n_test):
    train_i, test_i = eb.data.stratified_split(labels, n_train, n_test, seed=0)
    flat = images.reshape(len(images), -1)
    transform = eb.InputTransform().fit(flat[train_i])
    return (transform.transform(flat[train_i]), eb.data.targets_pm1(labels[train_i]),
            transform.transform(flat[test_i]), labels[test_i])


def board_errors(kind, units, seeds=(0, 1, 2)):
    Xt, _, yt = eb.data.checkerboard(4000, seed=1)
    out = []
    for s in seeds:
        X, D, _ = eb.data.checkerboard(RECIPE["n"], seed=s)
        out.append([train(kind, k, X, D, RECIPE["epochs"], RECIPE["eta"][kind], s)
                    .error_rate(Xt, yt) for k in units])
    return np.array(out).mean(axis=0)


def test_2d_rbf_units_learn_faster_than_sigmoid_units():
    Xt, _, yt = eb.data.checkerboard(4000, seed=1)
    reach = {}
    for kind in ("rbf", "sigmoid"):
        runs = []
        for s in (0, 1, 2):
            X, D, _ = eb.data.checkerboard(RECIPE["n"], seed=s)
            net = make_net(kind, 16, X, 1, s)
            history = eb.train_sgd(net, X, D, epochs=RECIPE["epochs"],
                                   eta=RECIPE["eta"][kind], seed=s, track_cost=False,
                                   progress=False, record_weights="epoch")
            runs.append([net.error_rate(Xt, yt, params=w) for w in history.weights])
        reach[kind] = measure.epochs_to_reach(np.mean(runs, axis=0), 0.25)
    assert reach["rbf"] <= 5
    assert reach["sigmoid"] >= 30                     # the page: "more than thirty"


@pytest.fixture(scope="module")
def digits():
    return prepared(*eb.data.digits_8x8(), 1000, 797)


def test_fig10_data_are_too_easy_to_tell_the_units_apart():
    X, D = eb.data.two_gaussians(100, seed=0)
    Xt, Dt = eb.data.two_gaussians(2000, seed=1)
    yt = (Dt[:, 0] > 0).astype(int)
    for kind in ("rbf", "sigmoid"):
        assert train(kind, 1, X, D, 20, 0.02, 0).error_rate(Xt, yt) <= 0.01


def test_2d_rbf_units_beat_sigmoid_units_and_match_16_with_at_most_8():
    units = [2, 4, 8, 16, 24]
    rbf, sig = board_errors("rbf", units), board_errors("sigmoid", units)
    assert np.all(rbf < sig)                         # the page: "at every size we tried"
    assert measure.units_to_reach(units, rbf, sig[units.index(16)]) <= 8


def test_64d_rbf_units_need_at_least_40_to_match_10_sigmoid_units(digits):
    X, D, Xt, yt = digits
    level = np.mean([train("sigmoid", 10, X, D, 10, 0.01, s).error_rate(Xt, yt)
                     for s in (0, 1)])
    units = [2, 5, 10, 20]
    rbf = np.mean([[train("rbf", k, X, D, 10, 0.1, s).error_rate(Xt, yt) for k in units]
                   for s in (0, 1)], axis=0)
    assert measure.units_to_reach(units, rbf, level) == math.inf   # so >= 40


def test_784d_rbf_units_need_at_least_40_to_match_10_sigmoid_units():
    images, labels = eb.data.mnist_5k()
    X, D, Xt, yt = prepared(images / 255, labels, 500, 1000)
    level = train("sigmoid", 10, X, D, 6, 0.01).error_rate(Xt, yt)
    rbf = [train("rbf", k, X, D, 6, 0.03).error_rate(Xt, yt) for k in (5, 10, 20)]
    assert min(rbf) > level


def exact_outputs(k, data, seed):
    """Test error of k RBF units left where they start, output layer by least squares."""
    X, D, Xt, yt = data
    net = make_net("rbf", k, X, D.shape[1], seed)
    Phi = np.c_[net.layer_outputs(X)[0], np.ones(len(X))]
    W = np.linalg.lstsq(Phi, D, rcond=None)[0]
    net.weights(1)[...], net.bias(1)[...] = W[:-1].T, W[-1]
    return net.error_rate(Xt, yt)


def test_rbf_units_with_solved_outputs_need_about_80_to_match_10_sigmoid_units(digits):
    """The page's milder form of the claim: with the output layer solved exactly, 40 RBF
    units are behind 10 trained sigmoid units and 80 come within 0.02 of them."""
    images, labels = eb.data.mnist_5k()
    mnist = prepared(images / 255, labels, 500, 1000)
    for data, epochs, eta, seeds in ((digits, 10, 0.01, (0, 1)), (mnist, 6, 0.01, (0,))):
        X, D, Xt, yt = data
        level = np.mean([train("sigmoid", 10, X, D, epochs, eta, s).error_rate(Xt, yt)
                         for s in seeds])
        exact = {k: np.mean([exact_outputs(k, data, s) for s in seeds]) for k in (40, 80)}
        assert exact[40] > level
        assert exact[80] - level <= 0.02


def test_hybrid_with_an_rbf_top_layer_works_on_digits(digits):
    X, D, Xt, yt = digits
    hybrid, plain = [], []
    for s in (0, 1, 2):
        net = eb.Network([eb.Dense(64, 20), eb.RBF(20, 20), eb.Dense(20, 10, "identity")],
                         seed=s)
        measure.rbf_centres_on_samples(net, 1, X, seed=s)
        eb.train_sgd(net, X, D, epochs=10, eta=0.03, seed=s, track_cost=False,
                     progress=False)
        hybrid.append(net.error_rate(Xt, yt))
        plain.append(train("sigmoid", 20, X, D, 10, 0.01, s).error_rate(Xt, yt))
    assert np.mean(hybrid) - np.mean(plain) <= 0.01


# --- the exercises' self-checks ----------------------------------------------------------

def _cells_right(kind, units, seed=0):
    """Squares of the board coloured right, from the page's recipe, by sampling each
    square at random points (the check uses a regular grid)."""
    X, D, _ = eb.data.checkerboard(RECIPE["n"], seed=seed)
    net = train(kind, units, X, D, RECIPE["epochs"], RECIPE["eta"][kind], seed)
    rng = np.random.default_rng(5)
    right = 0
    for row in range(3):
        for col in range(3):
            P = rng.uniform(0, 1, (4000, 2)) + [col - 1.5, row - 1.5]
            share = np.mean(np.sign(net.forward(P)[:, 0]) == (1 if (row + col) % 2 else -1))
            assert abs(share - 0.5) > 0.03, "a square too close to half to count reliably"
            right += share > 0.5
    return right


@pytest.mark.parametrize("kind,units", [("rbf", 16), ("sigmoid", 16), ("rbf", 4)])
def test_cells_right_check_agrees_with_the_page_recipe(kind, units, capsys):
    truth = _cells_right(kind, units)
    assert eb.checks.rbf_cells_right(truth, kind=kind, units=units) is True
    assert eb.checks.rbf_cells_right(truth + 1, kind=kind, units=units) is False
    out = capsys.readouterr().out
    assert "✔" in out and "Hint" in out


def test_grid_units_check():
    assert eb.checks.rbf_grid_units(64 * math.log10(3)) is True
    assert eb.checks.rbf_grid_units(math.log10(3 * 64)) is False
    assert eb.checks.rbf_grid_units(3.0, per_axis=10, dim=3) is True
    assert eb.checks.rbf_grid_units(30.5) is True                  # rounded to one decimal
    assert eb.checks.rbf_grid_units(64 * math.log10(2)) is False   # two per axis


def test_ball_fraction_check_against_the_volume_recursion():
    # V_d = V_{d-2} 2 pi / d (unit ball), V_0 = 1, V_1 = 2: a different route to the volume
    V = [1.0, 2.0]
    for d in range(2, 65):
        V.append(V[d - 2] * 2 * math.pi / d)
    for d in (2, 3, 64):
        assert eb.checks.rbf_ball_fraction(math.log10(V[d] / 2 ** d), dim=d) is True
    assert eb.checks.rbf_ball_fraction(math.log10(math.pi / 4), dim=64) is False
    assert eb.checks.rbf_ball_fraction(-38.8, dim=64) is True      # rounded to one decimal
    assert eb.checks.rbf_ball_fraction(math.log10(V[64]), dim=64) is False   # no 2^64
    half = 0.5 ** 10 * V[10] / 2 ** 10
    assert eb.checks.rbf_ball_fraction(math.log10(half), dim=10, radius=0.5) is True


@pytest.mark.parametrize("call,name", [
    (lambda: eb.checks.rbf_grid_units("3"), "log10_units"),
    (lambda: eb.checks.rbf_grid_units(3.0, dim=0), "dim"),
    (lambda: eb.checks.rbf_ball_fraction(-1.0, radius=2.0), "radius"),
    (lambda: eb.checks.rbf_cells_right(3, kind="relu"), "kind"),
    (lambda: eb.checks.rbf_cells_right(3, units=0), "units"),
])
def test_self_checks_name_a_bad_argument(call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call()
