"""Unit tests of the helpers the page book/predicted_rate added: measure.predicted_rate_*,
the drawing helpers plots.predicted_rate_*, and the self-checks checks.predicted_rate_*."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import ebtricks as eb  # noqa: E402
from ebtricks import curvature, measure  # noqa: E402
from ebtricks.figures import plots  # noqa: E402


pytestmark = pytest.mark.usefixtures("one_blas_thread")   # see conftest.py


@pytest.fixture(scope="module")
def problem():
    X, D = eb.data.two_gaussians(seed=0)
    return X, D


# --- predicted_rate_lambda ---------------------------------------------------------------

def test_lambda_is_the_mean_of_the_last_online_estimates(problem):
    X, D = problem
    net = eb.mlp([2, 3, 1], seed=4)
    est = curvature.online_principal_eigenvalue(net, X, D, presentations=300, gamma=0.05,
                                                seed=7).estimates
    got = measure.predicted_rate_lambda(net, X, D, presentations=300, average=50, seed=7)
    assert got == pytest.approx(est[-50:].mean(), rel=1e-12)


def test_lambda_matches_the_exact_largest_eigenvalue(problem):
    X, D = problem
    net = eb.mlp([2, 1], activation="identity", seed=0)   # quadratic cost: H is constant
    exact = np.linalg.eigvalsh(curvature.hessian(net, X, D))[-1]
    assert measure.predicted_rate_lambda(net, X, D, presentations=2000,
                                         average=1000) == pytest.approx(exact, rel=0.05)


def test_lambda_leaves_the_weights_alone(problem):
    X, D = problem
    net = eb.mlp([2, 3, 1], seed=1)
    before = net.params.copy()
    measure.predicted_rate_lambda(net, X, D, presentations=50, average=10)
    assert np.array_equal(net.params, before)


@pytest.mark.parametrize("kwargs, word", [(dict(average=0), "average"),
                                          (dict(presentations=10, average=11), "average"),
                                          (dict(presentations=0), "presentations"),
                                          (dict(gamma=1.5), "gamma")])
def test_lambda_rejects_bad_arguments(problem, kwargs, word):
    X, D = problem
    with pytest.raises(ValueError, match=word):
        measure.predicted_rate_lambda(eb.mlp([2, 1]), X, D, **kwargs)


# --- predicted_rate_sweep ----------------------------------------------------------------

def test_sweep_runs_are_plain_sgd_at_ratio_over_lambda(problem):
    X, D = problem
    make = lambda s: eb.mlp([2, 3, 1], seed=s)   # noqa: E731
    s = measure.predicted_rate_sweep(make, X, D, ratios=[0.5, 1.0], seeds=[3, 4], epochs=4,
                                     presentations=200, average=100)
    assert s.final.shape == (2, 2) and s.curves.shape == (2, 2, 5)
    for j, seed in enumerate([3, 4]):
        lam = measure.predicted_rate_lambda(make(seed), X, D, 200, 0.05, 100, seed)
        assert s.lambdas[j] == lam
        net = make(seed)
        h = eb.train_sgd(net, X, D, epochs=4, eta=0.5 / lam, seed=seed, track_cost=True)
        assert np.allclose(s.curves[0, j], h.cost, rtol=1e-12)
        assert s.final[0, j] == pytest.approx(h.cost[-1], rel=1e-12)


def test_sweep_without_curves_gives_the_same_final_cost(problem):
    X, D = problem
    make = lambda s: eb.mlp([2, 3, 1], seed=s)   # noqa: E731
    a = measure.predicted_rate_sweep(make, X, D, ratios=[1.0, 2.0], seeds=[0], epochs=3)
    b = measure.predicted_rate_sweep(make, X, D, ratios=[1.0, 2.0], seeds=[0], epochs=3,
                                     curves=False)
    assert b.curves is None
    assert np.allclose(a.final, b.final, rtol=1e-10)


def test_sweep_marks_divergence_with_nan(problem):
    X, D = problem
    make = lambda s: eb.mlp([2, 1], activation="identity", seed=s)   # noqa: E731
    s = measure.predicted_rate_sweep(make, X, D, ratios=[1.0, 50.0], seeds=[0], epochs=5)
    assert np.isfinite(s.final[0, 0]) and np.isnan(s.final[1, 0])
    assert np.all(np.isnan(s.curves[1, 0]))


@pytest.mark.parametrize("kwargs, err, word", [
    (dict(ratios=[0.0, 1.0]), ValueError, "ratios"),
    (dict(ratios=[]), ValueError, "ratios"),
    (dict(seeds=[]), ValueError, "seeds"),
    (dict(epochs=0), ValueError, "epochs")])
def test_sweep_rejects_bad_arguments(problem, kwargs, err, word):
    X, D = problem
    args = dict(ratios=[1.0], seeds=[0], epochs=1, **{})
    args.update(kwargs)
    with pytest.raises(err, match=word):
        measure.predicted_rate_sweep(lambda s: eb.mlp([2, 1], seed=s), X, D, **args)


def test_sweep_rejects_a_maker_that_makes_no_network(problem):
    X, D = problem
    with pytest.raises(TypeError, match="make_net"):
        measure.predicted_rate_sweep("net", X, D, ratios=[1.0], seeds=[0], epochs=1)
    with pytest.raises(TypeError, match="make_net"):
        measure.predicted_rate_sweep(lambda s: None, X, D, ratios=[1.0], seeds=[0], epochs=1)


# --- predicted_rate_margin ---------------------------------------------------------------

def test_margin_on_a_known_grid():
    ratios = [0.5, 1.0, 2.0, 4.0, 8.0]
    final = np.array([[0.40, 0.50], [0.22, 0.26], [0.20, 0.24], [0.30, 0.60],
                      [np.nan, 2.0]])
    m = measure.predicted_rate_margin(ratios, final)
    assert m.best_ratio == 2.0
    assert m.best_cost == pytest.approx(0.22)
    assert m.cost_at_one == pytest.approx(0.24)
    assert m.excess == pytest.approx(0.24 / 0.22 - 1)
    assert m.breakdown.tolist() == [8.0, 4.0]       # seed 0: 0.30 <= 0.40; NaN is bad


def test_margin_factor_and_no_breakdown():
    ratios = [0.5, 1.0, 2.0]
    final = np.array([[0.3], [0.2], [0.25]])
    assert measure.predicted_rate_margin(ratios, final).breakdown.tolist() == [np.inf]
    assert measure.predicted_rate_margin(ratios, final, factor=1.1).breakdown.tolist() == [2.0]


@pytest.mark.parametrize("ratios, final, word", [
    ([0.5, 2.0], [[1.0], [1.0]], "contain 1"),
    ([1.0, 0.5], [[1.0], [1.0]], "increasing"),
    ([0.5, 1.0], [[1.0], [np.nan]], "diverged at ratio 1"),
    ([0.5, 1.0], [[1.0], [1.0], [1.0]], "shape"),
    ([0.5, 1.0], [1.0, 1.0], "dimension")])
def test_margin_rejects_bad_input(ratios, final, word):
    with pytest.raises(ValueError, match=word):
        measure.predicted_rate_margin(ratios, final)


def test_margin_rejects_a_factor_of_one_or_less():
    with pytest.raises(ValueError, match="factor"):
        measure.predicted_rate_margin([1.0, 2.0], [[1.0], [2.0]], factor=1.0)


# --- drawing helpers ---------------------------------------------------------------------

def test_drawing_helpers_draw():
    ratios = np.array([0.1, 1.0, 10.0])
    final = np.array([[0.5, 0.6], [0.1, 0.12], [np.nan, 3.0]])
    fig, (a, b, c) = plt.subplots(1, 3)
    plots.predicted_rate_curve(a, ratios, final, current=1.0, title="t", ylim=(0.05, 5))
    assert a.get_xscale() == "log" and a.get_title() == "t"
    assert any(line.get_marker() == "x" for line in a.lines)       # the diverged run
    plots.predicted_rate_learning_curves(b, [[5.0, 1.0, 0.5]], reference=[[5.0, 2.0, 1.0]],
                                         ratio=2.0)
    assert b.get_yscale() == "log" and len(b.lines) == 2
    plots.predicted_rate_relative(c, {"a": (ratios, final[:, :1].clip(0.1))},
                                  tolerance=0.2)
    assert c.get_ylabel().startswith("mean E")
    plt.close(fig)


# --- self-checks -------------------------------------------------------------------------

def test_step_factor_check(capsys):
    assert eb.checks.predicted_rate_step_factor(1 - 2.61, ratio=2.61)
    assert not eb.checks.predicted_rate_step_factor(0.61, ratio=2.61)
    assert not eb.checks.predicted_rate_step_factor(2.61 - 1, ratio=2.61)   # sign
    assert not eb.checks.predicted_rate_step_factor(-0.61, ratio=2.61)
    assert eb.checks.predicted_rate_step_factor(0.0, ratio=1.0)
    with pytest.raises(ValueError):
        eb.checks.predicted_rate_step_factor(float("nan"))


def test_c3_counts_check(capsys):
    assert eb.checks.predicted_rate_c3_counts(400 * (2 * 25 + 1), 4 * (2 * 25 + 1))
    assert not eb.checks.predicted_rate_c3_counts(20400, 4 * 25 + 4)


def test_early_drop_check(capsys):
    """The check's value is recomputed here by the exercise's recipe; it rejects the
    one-epoch ratio (about 3.3) and "no fall" (1)."""
    images, labels = eb.data.mnist_5k()
    train, _ = eb.data.stratified_split(labels, 300, 0, seed=0)
    X = 1.275 * images[train].reshape(300, 784) / 255 - 0.1
    D = eb.data.targets_pm1(labels[train], 10)
    net = eb.mlp([784, 30, 10], seed=0)
    start = curvature.principal_eigen(net, X, D)[0]
    lam = curvature.online_principal_eigenvalue(net, X, D, presentations=500,
                                                seed=0).estimates[-200:].mean()
    h = eb.train_sgd(net, X, D, epochs=1, eta=1 / lam, seed=0,
                     record_weights="update", record_every=10)
    net.set_params(h.weights[1])
    truth = start / curvature.principal_eigen(net, X, D)[0]
    assert 1.3 < truth < 2.5                # a fall, but far from the one-epoch 3.3
    assert eb.checks.predicted_rate_early_drop(truth)
    assert eb.checks.predicted_rate_early_drop(truth * 1.04)
    assert not eb.checks.predicted_rate_early_drop(3.3)
    assert not eb.checks.predicted_rate_early_drop(1.0)
    assert not eb.checks.predicted_rate_early_drop(1 / truth)
