"""Unit tests of what the page book/epilogue_optimizers added: eb.Adam,
eb.curvature.hutchinson_diagonal, the epiopt_ measurement and drawing helpers and the
page's self-checks."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv
from ebtricks.figures import plots, subplots


def _adam_reference(net, X, D, eta, beta1, beta2, eps, batch, epochs):
    """Kingma & Ba (2015), Algorithm 1, written out step by step over the batches in
    order: t counts steps from 1; m and v start at zero."""
    w = net.params.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    t = 0
    for _ in range(epochs):
        for start in range(0, len(X), batch):
            g = net.gradient(X[start:start + batch], D[start:start + batch], params=w)[1]
            t += 1
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * (g * g)
            mhat = m / (1 - beta1 ** t)
            vhat = v / (1 - beta2 ** t)
            w = w - eta * mhat / (np.sqrt(vhat) + eps)
    return w, vhat


@pytest.mark.parametrize("beta1, beta2, batch", [(0.9, 0.999, 7), (0.5, 0.9, 100),
                                                 (0.0, 0.99, 1)])
def test_adam_matches_the_published_update(beta1, beta2, batch):
    X, D = eb.data.two_gaussians(seed=2)
    net = eb.mlp([2, 3, 1], seed=1)
    want, vhat = _adam_reference(net.copy(), X, D, 0.01, beta1, beta2, 1e-8, batch, 3)
    h = eb.train(net, X, D, eb.Adam(eta=0.01, beta1=beta1, beta2=beta2, batch_size=batch,
                                    order="sequential"), epochs=3, track_cost=True)
    np.testing.assert_allclose(net.params, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.second_moment, vhat, rtol=1e-12)
    assert h.updates == 3 * -(-100 // batch)
    assert h.counts["gradients"] == 300 and len(h.cost) == 4


def test_adam_first_step_has_size_eta():
    # bias correction: after one step m_hat = g, v_hat = g^2, so |step| = eta (eps aside)
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity")
    before = net.params.copy()
    g = net.gradient(X, D)[1]
    eb.train(net, X, D, eb.Adam(eta=0.003, batch_size=100), epochs=1)
    big = np.abs(g) > 1e-4                  # eps = 1e-8 matters only for tiny gradients
    assert big.sum() == 2
    np.testing.assert_allclose(np.abs(net.params - before)[big], 0.003, rtol=1e-4)


def test_adam_records_weights_and_shuffles_by_seed():
    X, D = eb.data.two_gaussians(seed=0)
    runs = []
    for seed in (0, 0, 1):
        net = eb.mlp([2, 2, 1], seed=0)
        h = eb.train(net, X, D, eb.Adam(eta=0.01, batch_size=10), epochs=2,
                     record_weights=True, seed=seed)
        assert h.weights.shape == (3, net.n_params)
        np.testing.assert_array_equal(h.weights[-1], net.params)
        runs.append(net.params.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


@pytest.mark.parametrize("kw, name", [({"eta": 0.0}, "eta"), ({"beta1": 1.0}, "beta1"),
                                      ({"beta2": -0.1}, "beta2"), ({"eps": 0.0}, "eps"),
                                      ({"batch_size": 0}, "batch_size"),
                                      ({"order": "emphasize"}, "order")])
def test_adam_validation_names_the_argument(kw, name):
    with pytest.raises(ValueError, match=name):
        eb.Adam(**kw)


def test_adam_run_validation_and_divergence():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity")
    with pytest.raises(ValueError, match="epochs"):
        eb.train(net, X, D, eb.Adam(), epochs=-1)
    with pytest.raises(ValueError, match="record_weights"):
        eb.train(net, X, D, eb.Adam(), epochs=1, record_weights="update")
    start = net.params.copy()
    with pytest.raises(eb.TrainingDiverged):
        eb.train(net, X, D, eb.Adam(eta=10.0, batch_size=1), epochs=1, diverge_factor=1.5)
    np.testing.assert_array_equal(net.params, start)    # the start of the failed epoch
    with pytest.raises(TypeError):
        eb.minimize(eb.NetworkObjective(net, X, D), net.params, eb.Adam(), 3)


def test_hutchinson_mean_converges_to_the_exact_diagonal():
    # z_i (Hz)_i = H_ii + sum_{j != i} H_ij z_i z_j: mean H_ii, variance sum_{j!=i} H_ij^2.
    # The mean of S samples is off by at most 5 standard deviations sqrt(var / S) in every
    # entry (a 5-sigma event has probability ~6e-7 per entry; the seed makes it fixed).
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 3, 1], seed=0)
    H = cv.hessian(net, X, D)
    S = 4000
    est = cv.hutchinson_diagonal(net, X, D, samples=S, seed=3)
    sigma = np.sqrt(((H ** 2).sum(1) - np.diag(H) ** 2) / S)
    assert np.all(np.abs(est - np.diag(H)) <= 5 * sigma + 1e-12)
    # and it is not exact with few samples (off-diagonal terms are present)
    few = cv.hutchinson_diagonal(net, X, D, samples=1, seed=3)
    assert not np.allclose(few, np.diag(H), atol=1e-6)


def test_hutchinson_is_exact_for_a_diagonal_hessian():
    # a linear unit on zero-mean, uncorrelated inputs: H = diag(<x1^2>, <x2^2>, 1)
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    D = np.array([[0.3], [-0.2], [1.0], [0.5]])
    net = eb.mlp([2, 1], activation="identity", seed=0)
    np.testing.assert_allclose(cv.hessian(net, X, D), np.diag([0.5, 2.0, 1.0]), atol=1e-15)
    for seed in range(3):
        np.testing.assert_allclose(cv.hutchinson_diagonal(net, X, D, samples=1, seed=seed),
                                   [0.5, 2.0, 1.0], rtol=1e-14)


def test_hutchinson_validation():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity")
    with pytest.raises(ValueError, match="samples"):
        cv.hutchinson_diagonal(net, X, D, samples=0)
    with pytest.raises(TypeError, match="net"):
        cv.hutchinson_diagonal("net", X, D)
    with pytest.raises(ValueError, match="params"):
        cv.hutchinson_diagonal(net, X, D, params=np.zeros(5))


def test_hutchinson_sgd_counts_and_rates():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity")
    h = eb.measure.epiopt_hutchinson_sgd(net, X, D, eta=0.1, epochs=2, batch_size=10,
                                         every=2)
    # 10 updates per epoch, an H.v on 10 samples every 2nd: 50 samples per epoch
    assert h.counts == {"gradients": 200, "hessian_vector_products": 100}
    assert h.gradient_equivalents == [0, 200, 400]
    assert h.weights.shape == (3, 3) and h.cost[-1] < h.cost[0]
    # where H is diagonal (and the batch is everything) every z*(Hz) is the diagonal, so
    # the running average is too, and the rates are eta / (h_ii + mu) exactly
    Xd = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    Dd = np.array([[0.3], [-0.2], [1.0], [0.5]])
    lin = eb.mlp([2, 1], activation="identity", seed=0)
    w0 = lin.params.copy()
    g = lin.gradient(Xd, Dd)[1]
    hd = eb.measure.epiopt_hutchinson_sgd(lin, Xd, Dd, eta=0.2, epochs=1, batch_size=4,
                                          mu=0.1)
    np.testing.assert_allclose(hd.second_derivatives, [0.5, 2.0, 1.0], rtol=1e-14)
    np.testing.assert_allclose(lin.params, w0 - 0.2 * g / (np.array([0.5, 2.0, 1.0]) + 0.1),
                               rtol=1e-13)
    for kw, name in [({"eta": 0}, "eta"), ({"mu": 0}, "mu"), ({"gamma": 0}, "gamma"),
                     ({"every": 0}, "every"), ({"batch_size": 0}, "batch_size")]:
        args = dict(eta=0.1, epochs=1) | kw
        with pytest.raises(ValueError, match=name):
            eb.measure.epiopt_hutchinson_sgd(net, X, D, **args)


def test_error_curve_first_below_and_agreement():
    X, y = np.array([[1.0], [-1.0]]), np.array([0, 1])
    net = eb.mlp([1, 2], activation="identity")
    W = np.array([[1.0, -1.0, 0, 0], [-1.0, 1.0, 0, 0], [1.0, 1.0, 0.0, 1.0]])
    assert eb.measure.epiopt_error_curve(net, W, X, y).tolist() == [0.0, 1.0, 0.5]
    with pytest.raises(ValueError, match="weights"):
        eb.measure.epiopt_error_curve(net, np.zeros((2, 3)), X, y)
    assert eb.measure.epiopt_first_below([0.5, 0.2, 0.3, 0.1], 0.2) == 1.0
    assert eb.measure.epiopt_first_below([0.5], 0.2) == np.inf
    net2 = eb.mlp([2, 2, 1], seed=0)
    exact = np.arange(1.0, net2.n_params + 1)
    a = eb.measure.epiopt_layer_agreement(net2, 2 * exact, exact)
    np.testing.assert_allclose(a["correlation"], 1.0)
    np.testing.assert_allclose(a["relative_error"], 1.0)
    with pytest.raises(ValueError, match="estimate"):
        eb.measure.epiopt_layer_agreement(net2, np.ones(3), exact)


def test_adam_diagonal_is_the_rms_of_batch_gradients():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 2, 1], seed=0)
    got = eb.measure.epiopt_adam_diagonal(net, X, D, batch_size=25)
    g = [net.gradient(X[k:k + 25], D[k:k + 25])[1] for k in range(0, 100, 25)]
    np.testing.assert_allclose(got, np.sqrt(np.mean(np.square(g), axis=0)), rtol=1e-13)
    with pytest.raises(ValueError, match="batch_size"):
        eb.measure.epiopt_adam_diagonal(net, X, D, batch_size=0)


def test_sharpness_tracks_a_known_eigenvalue():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity")
    lam = np.linalg.eigvalsh(cv.hessian(net, X, D))[-1]
    s = eb.measure.epiopt_sharpness(net, X, D, eta=0.5, epochs=30, every=7, iters=3)
    assert s["epoch"].tolist() == [0, 7, 14, 21, 28, 30]
    np.testing.assert_allclose(s["lambda_max"], lam, rtol=1e-6)
    assert len(s["cost"]) == 31 and s["cost"][-1] < s["cost"][0]
    with pytest.raises(ValueError, match="every"):
        eb.measure.epiopt_sharpness(net, X, D, eta=0.5, epochs=3, every=0)


def test_drawing_helpers_draw():
    fig, axes = subplots(2, 3)
    plots.epiopt_race(axes[0, 0], {"SDLM": ([0, 1], [0.9, 0.1], "SDLM")}, 0.2)
    plots.epiopt_grid(axes[0, 1], {"Adam": ([0.1, 0.2], [3, np.inf])}, 10)
    plots.epiopt_diag_scatter(axes[0, 2], np.array([1.0, 2.0]), np.array([1.1, 2.2]),
                              "Hutchinson", 0.99)
    plots.epiopt_sharpness(axes[1, 0], {0.1: (np.array([0, 10]), np.array([5.0, 20.0]))},
                           upto=10)
    plots.epiopt_ratio_bars(axes[1, 1], {0.1: 1.0, 0.2: 1.1})
    assert len(axes[0, 0].lines) == 2 and len(axes[1, 1].patches) == 2


def test_self_checks(capsys):
    assert eb.checks.epiopt_hutchinson_variance(5.0)
    assert not eb.checks.epiopt_hutchinson_variance(4.0)
    assert eb.checks.epiopt_adam_first_step(1.0)
    assert not eb.checks.epiopt_adam_first_step(0.1)
    with pytest.raises(ValueError, match="eta"):
        eb.checks.epiopt_edge_level(0.05, 40.0)
    with pytest.raises(ValueError, match="answer"):
        eb.checks.epiopt_hutchinson_variance(float("nan"))
