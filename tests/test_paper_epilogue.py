"""The epilogue page's measured claims (book/epilogue.ipynb), with the page's tolerances:
initialisation rules through 20 layers, centring the hidden units, and the outlier
eigenvalues of a trained classifier. The same sizes and seeds as the page.

Each experiment runs once (the stacks are memoised by their arguments, the centring runs
are a module fixture), and BLAS runs on one thread, as the book build runs the page (several threads on these small products only add overhead, and
under a load of 10 they made this file take minutes instead of seconds)."""
import functools

import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure

WIDTH, DEPTH, P = 100, 20, 100


pytestmark = pytest.mark.usefixtures("one_blas_thread")   # see conftest.py


def _profiles(unit, init="normal", gain=1.0, seed=0):
    """(std X_20 / std X_1, std dE/dS_1 / std dE/dS_20) of the page's stack."""
    return _stack(unit, init, float(gain), seed)


@functools.lru_cache(maxsize=None)
def _stack(unit, init, gain, seed):
    """Each stack is built once, however many tests ask for it."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((P, WIDTH))
    G = rng.standard_normal((P, WIDTH))
    net = eb.mlp([WIDTH] * (DEPTH + 1), activation=unit, init=init, init_scale=gain,
                 seed=seed)
    sums, grads = measure.sums_and_gradients(net, X, G)
    f = eb.Activation(unit)
    up = np.array([f(s).std() for s in sums])
    down = np.array([g.std() for g in grads])
    return up[-1] / up[0], down[0] / down[-1]


def _steady(r):
    return all(0.5 <= x <= 2 for x in r)


def test_lecun_keeps_the_papers_sigmoid_steady_and_he_keeps_relu_steady():
    assert _steady(_profiles("lecun_tanh", "normal"))
    assert _steady(_profiles("relu", "he"))
    up, down = _profiles("relu", "normal")
    # ReLU with LeCun: both vanish, "about 1000 over 20 layers"
    assert 1 / 3000 < up < 1 / 300 and 1 / 3000 < down < 1 / 300
    # and the page's other words: He makes the sigmoid's derivatives grow on the way
    # down, plain tanh's outputs fade with LeCun's rule
    assert _profiles("lecun_tanh", "he")[1] > 2
    assert _profiles("tanh", "normal")[0] < 0.5
    # plain tanh with He: outputs held, derivatives grow "by a factor 2.0 here"
    up, down = _profiles("tanh", "he")
    assert 0.5 <= up <= 2 and 1.95 <= down <= 2.05


def test_the_ratios_over_20_draws_of_the_weights():
    """The page's ranges over 20 seeds: ReLU under He "about 0.3 to 1.7", tanh under He
    "1.7 to 2.0", the paper's sigmoid under LeCun "within 0.65 to 0.95"."""
    relu = np.array([_profiles("relu", "he", seed=s) for s in range(20)])
    assert 0.25 <= relu.min() < 0.4 and 1.6 < relu.max() <= 1.8
    tanh = np.array([_profiles("tanh", "he", seed=s)[1] for s in range(20)])
    assert 1.65 <= tanh.min() and tanh.max() <= 2.05
    lc = np.array([_profiles("lecun_tanh", "normal", seed=s) for s in range(20)])
    assert 0.65 <= lc.min() and lc.max() <= 0.95


def test_glorot_equals_lecun_in_the_equal_width_stack():
    for unit in ("lecun_tanh", "tanh", "relu"):
        assert _profiles(unit, "glorot") == pytest.approx(_profiles(unit, "normal"))
    # and the slider's g = sqrt(2) is He's rule
    assert _profiles("relu", "normal", 2 ** 0.5) == pytest.approx(_profiles("relu", "he"))


@pytest.fixture(scope="module")
def digits():
    images, labels = eb.data.digits_8x8()
    return images, labels


@pytest.fixture(scope="module")
def centring(digits):
    images, labels = digits
    train, _ = eb.data.stratified_split(labels, 500, seed=0)
    X = eb.InputTransform().fit_transform(images[train].reshape(-1, 64))
    D, y = eb.data.targets_pm1(labels[train]), labels[train]
    start = eb.mlp([64, 20, 10], activation="logistic", output_activation="identity",
                   seed=0)
    top = {c: measure.epilogue_top_eigenvalues(start, X, D, k=12, centred=c)
           for c in (False, True)}
    rates = (0.1, 0.2, 0.4, 0.8, 1.6)
    runs, nets = {}, {}
    for c in (False, True):
        for eta in rates:
            nets[c, eta] = start.copy()
            runs[c, eta] = measure.epilogue_train(nets[c, eta], X, D, y, epochs=150,
                                                  eta=eta, batch_size=len(X), centred=c)
    return top, rates, runs, nets, X, D


def test_centring_lowers_the_largest_eigenvalues(centring):
    top = centring[0]
    assert 4 <= top[False][0] / top[True][0] <= 6          # "about five"
    # ten large eigenvalues, one per output, without centring; none with it
    assert top[False][9] > 3 * top[False][10]
    assert top[True][9] < 1.2 * top[True][10]


def test_centring_allows_larger_rates_and_reaches_the_target_sooner(centring):
    top, rates, runs, nets, X, D = centring

    def largest_stable(c):
        return max(eta for eta in rates if np.isfinite(runs[c, eta]["cost"][-1]))

    def best(c):
        return min(measure.epilogue_epochs_to(runs[c, eta]["error"], 0.05) for eta in rates)

    assert largest_stable(True) >= 2 * largest_stable(False)
    # the page's words: plain converges at 0.4 (above its initial 2/lambda_1) and
    # diverges at 0.8; centred converges at 1.6
    assert largest_stable(False) == 0.4 and 0.4 > 2 / top[False][0]
    assert np.isnan(runs[False, 0.8]["cost"][-1])
    assert np.isfinite(runs[True, 1.6]["cost"][-1])
    # "after a few epochs in which the cost rises, lambda_1 falls below 2/0.4 = 5"
    cost = runs[False, 0.4]["cost"]
    assert cost[1:5].max() > cost[0]
    lam = measure.epilogue_top_eigenvalues(nets[False, 0.4], X, D, k=1, centred=False)
    assert lam[0] < 2 / 0.4
    assert np.isfinite(best(False))
    assert best(True) < best(False) / 3                  # "more than three times sooner"


@pytest.mark.parametrize("C", [5, 10])
def test_a_trained_classifier_has_C_outlier_eigenvalues(digits, C):
    images, labels = digits
    keep = np.flatnonzero(labels < C)
    idx, _ = eb.data.stratified_split(labels[keep], 100 * C, seed=0)
    X = eb.InputTransform().fit_transform(images[keep][idx].reshape(-1, 64))
    D = eb.data.targets_pm1(labels[keep][idx])
    net = eb.mlp([64, 20, C], output_activation="identity", seed=0)
    eb.train_sgd(net, X, D, epochs=10, eta=0.02, seed=0, track_cost=False)
    lam = eb.curvature.top_eigenvalues(net, X, D, k=2 * C + 5, method="lanczos")
    count, gap = measure.epilogue_outlier_count(lam)
    assert count == C and gap >= 1.2
    # within the outliers and the top of the bulk, neighbours differ by less than 10 %
    ratios = lam[:-1] / lam[1:]
    assert np.all(np.delete(ratios, C - 1) < 1.1)
    h = np.c_[net.layer_outputs(X)[0], np.ones(len(X))]
    moment = np.linalg.eigvalsh(h.T @ h / len(h))[-1]
    assert lam[:C].mean() == pytest.approx(moment, rel=0.15)
    # never below it (interlacing), and the covariance gives over 95 % of that moment
    assert lam[C - 1] >= moment * (1 - 1e-6)
    cov = np.linalg.eigvalsh(np.cov(h[:, :-1].T, bias=True))[-1]
    assert cov > 0.95 * moment


def test_logistic_hidden_outputs_have_mean_near_a_half(digits):
    """The page's reason for the ten large eigenvalues of the plain network."""
    images, labels = digits
    train, _ = eb.data.stratified_split(labels, 500, seed=0)
    X = eb.InputTransform().fit_transform(images[train].reshape(-1, 64))
    start = eb.mlp([64, 20, 10], activation="logistic", output_activation="identity",
                   seed=0)
    m = measure.epilogue_hidden_means(start, X)[0]
    assert 0.4 < m.mean() < 0.6
