"""Unit tests for the epilogue page's additions: the Glorot and He initialisations of
``Network.init_weights`` and the centring helpers ``ebtricks.measure.epilogue_*``."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure as M


# --- init="glorot" and init="he" ------------------------------------------------------
@pytest.mark.parametrize("init", ["glorot", "he"])
def test_dense_init_std_per_layer_matches_formula(init):
    sizes = [300, 200, 100, 50]
    net = eb.mlp(sizes, init=init, seed=0)
    for l in range(3):
        fan_in, fan_out = sizes[l], sizes[l + 1]
        want = (np.sqrt(2 / (fan_in + fan_out)) if init == "glorot"
                else np.sqrt(2 / fan_in))
        W = net.weights(l)
        assert W.std() == pytest.approx(want, rel=0.03)
        assert abs(W.mean()) < 0.03 * want
        assert np.all(net.bias(l) == 0)


def test_glorot_equals_lecun_normal_for_equal_widths_and_he_is_sqrt2_larger():
    normal = eb.mlp([100, 100, 100], init="normal", seed=3)
    glorot = eb.mlp([100, 100, 100], init="glorot", seed=3)
    he = eb.mlp([100, 100, 100], init="he", seed=3)
    np.testing.assert_allclose(glorot.params, normal.params)
    np.testing.assert_allclose(he.params, np.sqrt(2) * normal.params)


def test_init_scale_multiplies_the_new_inits():
    a = eb.mlp([50, 40, 30], init="he", seed=1)
    b = eb.mlp([50, 40, 30], init="he", init_scale=0.5, seed=1)
    np.testing.assert_allclose(b.params, 0.5 * a.params)


@pytest.mark.parametrize("init", ["glorot", "he"])
def test_shared_weight_layers_use_their_fan_in_and_fan_out(init):
    # 6 input maps of 12x12, 20 output maps, 5x5 kernels, stride 1: fan-in 6*25 = 150,
    # fan-out (every output map sees every input map) 20*25 = 500
    conv = eb.Conv2D(6, 12, 20, kernel=5)
    # 400 maps of 2x2 subsampled by 2: fan-in 4, fan-out 1
    sub = eb.Subsample(400, 2, 2)
    net = eb.Network([conv, eb.Dense(conv.n_out, 1600), sub], init=init, seed=0)
    W = net.weights(0)
    assert W.size == 20 * 6 * 25
    want = np.sqrt(2 / (150 + 500)) if init == "glorot" else np.sqrt(2 / 150)
    assert W.std() == pytest.approx(want, rel=0.04)
    want_sub = np.sqrt(2 / (4 + 1)) if init == "glorot" else np.sqrt(2 / 4)
    assert net.weights(2).std() == pytest.approx(want_sub, rel=0.1)


def test_glorot_fan_out_of_a_conv_layer_counts_its_table_and_stride():
    # output maps 0-7 see input maps 0 and 1; maps 8-15 see map 2: the most-seen input
    # map feeds 8 output maps, so fan-out 8 * 25 = 200; fan-in 2 * 25 = 50
    conv = eb.Conv2D(3, 16, 16, kernel=5, table=[[0, 1]] * 8 + [[2]] * 8)
    net = eb.Network([conv], init="glorot", seed=0)
    assert net.weights(0).std() == pytest.approx(np.sqrt(2 / 250), rel=0.04)
    # stride 2 with a 5x5 kernel: an input unit feeds at most 3 x 3 positions per map
    conv2 = eb.Conv2D(2, 16, 40, kernel=5, stride=2)
    net2 = eb.Network([conv2], init="glorot", seed=0)
    assert net2.weights(0).std() == pytest.approx(np.sqrt(2 / (50 + 40 * 9)), rel=0.04)


@pytest.mark.parametrize("bad", ["xavier", "He", ""])
def test_unknown_init_names_the_argument(bad):
    with pytest.raises(ValueError, match="init"):
        eb.mlp([3, 2], init=bad)
    with pytest.raises(ValueError, match="init"):
        eb.mlp([3, 2]).init_weights(bad)


# --- centring ---------------------------------------------------------------------------
def _problem(loss="mse", seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 4))
    net = eb.mlp([4, 5, 3, 2], activation="logistic", output_activation="identity",
                 loss=loss, seed=seed)
    D = (np.eye(2)[rng.integers(0, 2, 30)] if loss == "softmax_ce"
         else rng.standard_normal((30, 2)))
    return net, X, D


def _centred_cost(net, X, D, theta, means):
    """The centred network written out by hand: W (h - m) + b' in layers above the first."""
    h = X
    for l, layer in enumerate(net.layers):
        w0, b0, n_out, n_in = net.offsets()[l]
        W = theta[w0:w0 + n_out * n_in].reshape(n_out, n_in)
        x = h if l == 0 else h - means[l - 1]
        h = eb.Activation(layer.activation)(x @ W.T + theta[b0:b0 + n_out])
    return 0.5 * np.mean(((h - D) ** 2).sum(axis=1))


def test_centre_and_uncentre_are_inverse_and_compute_the_centred_network():
    net, X, D = _problem()
    means = M.epilogue_hidden_means(net, X)
    assert [m.shape for m in means] == [(5,), (3,)]
    np.testing.assert_allclose(means[0], net.layer_outputs(X)[0].mean(axis=0))
    theta = M.epilogue_centre(net, net.params, means)
    np.testing.assert_allclose(M.epilogue_uncentre(net, theta, means), net.params)
    # first layer untouched, the others' biases changed
    w0, b0, n_out, n_in = net.offsets()[0]
    np.testing.assert_array_equal(theta[:b0 + n_out], net.params[:b0 + n_out])
    assert _centred_cost(net, X, D, theta, means) == pytest.approx(net.cost(X, D), rel=1e-12)


def test_pullback_is_the_transpose_of_uncentre():
    net, X, _ = _problem()
    means = M.epilogue_hidden_means(net, X)
    rng = np.random.default_rng(1)
    g, v = rng.standard_normal((2, net.n_params))
    lhs = M.epilogue_pullback(net, g, means) @ v
    rhs = g @ M.epilogue_uncentre(net, v, means)
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_centred_gradient_against_finite_differences():
    net, X, D = _problem()
    means = M.epilogue_hidden_means(net, X)
    theta = M.epilogue_centre(net, net.params, means) + 0.1
    E, g = M.epilogue_centred_gradient(net, X, D, theta, means)
    assert E == pytest.approx(_centred_cost(net, X, D, theta, means), rel=1e-12)
    h = 1e-6
    fd = np.array([(_centred_cost(net, X, D, theta + h * e, means)
                    - _centred_cost(net, X, D, theta - h * e, means)) / (2 * h)
                   for e in np.eye(net.n_params)])
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("loss", ["mse", "softmax_ce"])
def test_centred_hvp_against_finite_differences_of_the_centred_gradient(loss):
    net, X, D = _problem(loss, seed=2)
    means = M.epilogue_hidden_means(net, X)
    theta = M.epilogue_centre(net, net.params, means)
    v = np.random.default_rng(3).standard_normal(net.n_params)
    Hv = M.epilogue_centred_hvp(net, X, D, theta, v, means)
    h = 1e-5
    fd = (M.epilogue_centred_gradient(net, X, D, theta + h * v, means)[1]
          - M.epilogue_centred_gradient(net, X, D, theta - h * v, means)[1]) / (2 * h)
    np.testing.assert_allclose(Hv, fd, rtol=1e-5, atol=1e-7)


def test_top_eigenvalues_of_the_network_and_of_its_centred_version():
    net, X, D = _problem()
    own = M.epilogue_top_eigenvalues(net, X, D, 3, centred=False)
    np.testing.assert_allclose(own, eb.curvature.top_eigenvalues(net, X, D, 3,
                                                                 method="dense"), rtol=1e-7)
    means = M.epilogue_hidden_means(net, X)
    T = np.column_stack([M.epilogue_uncentre(net, e, means) for e in np.eye(net.n_params)])
    H = eb.curvature.hessian(net, X, D)
    want = np.linalg.eigvalsh(T.T @ H @ T)[::-1][:3]
    np.testing.assert_allclose(M.epilogue_top_eigenvalues(net, X, D, 3), want, rtol=1e-7)
    # logistic hidden units have outputs of mean about 0.5: centring shrinks lambda_max
    assert want[0] < 0.6 * own[0]


def test_train_without_centring_is_plain_minibatch_descent():
    net, X, D = _problem()
    ref = net.copy()
    run = M.epilogue_train(net, X, D, epochs=2, eta=0.1, batch_size=7, centred=False,
                           seed=5)
    rng = np.random.default_rng(5)
    for _ in range(2):
        order = rng.permutation(30)
        for s in range(0, 30, 7):
            idx = order[s:s + 7]
            ref.params = ref.params - 0.1 * ref.gradient(X[idx], D[idx])[1]
    np.testing.assert_allclose(net.params, ref.params, rtol=1e-10)
    assert run["cost"][-1] == pytest.approx(ref.cost(X, D), rel=1e-10)
    assert np.all(np.isnan(run["error"]))


def test_centred_batch_step_is_a_step_on_theta():
    net, X, D = _problem()
    start = net.copy()
    labels = np.argmax(D, axis=1)
    run = M.epilogue_train(net, X, D, labels, epochs=1, eta=0.2, batch_size=30)
    means = M.epilogue_hidden_means(start, X)
    theta = M.epilogue_centre(start, start.params, means)
    theta -= 0.2 * M.epilogue_centred_gradient(start, X, D, theta, means)[1]
    np.testing.assert_allclose(net.params, M.epilogue_uncentre(start, theta, means),
                               rtol=1e-10)
    assert run["cost"][0] == pytest.approx(start.cost(X, D))
    assert run["error"][1] == pytest.approx(net.error_rate(X, labels))


def test_train_marks_a_divergence_with_nan_and_keeps_the_last_good_weights():
    net, X, D = _problem()
    run = M.epilogue_train(net, X, D, epochs=5, eta=1e4, batch_size=30, centred=False)
    assert np.isnan(run["cost"][-1])
    assert np.all(np.isfinite(net.params))


def test_epochs_to_and_outlier_count():
    assert M.epilogue_epochs_to([0.5, 0.3, np.nan, 0.1], 0.2) == 3.0
    assert M.epilogue_epochs_to([0.5, 0.3], 0.2) == np.inf
    assert M.epilogue_outlier_count([5, 4.9, 4.8, 1, 0.9]) == (3, 4.8)
    assert M.epilogue_outlier_count([5, 4.9, 4.8, 4.7]) == (0, pytest.approx(4.8 / 4.7))
    assert M.epilogue_outlier_count([9, 2, 1.9, 0.5], gap=5)[0] == 0
    # only the positive eigenvalues take part; order does not matter
    assert M.epilogue_outlier_count([1, -3, 10, 1.1])[0] == 1


@pytest.mark.parametrize("call, match", [
    (lambda n, X, D: M.epilogue_centre(n, n.params, []), "means"),
    (lambda n, X, D: M.epilogue_uncentre(n, np.ones(3), M.epilogue_hidden_means(n, X)),
     "theta"),
    (lambda n, X, D: M.epilogue_train(n, X, D, epochs=0, eta=0.1), "epochs"),
    (lambda n, X, D: M.epilogue_train(n, X, D, epochs=1, eta=-1), "eta"),
    (lambda n, X, D: M.epilogue_train(n, X, D, np.zeros(3), epochs=1, eta=1), "labels"),
    (lambda n, X, D: M.epilogue_top_eigenvalues(n, X, D, 0), "k"),
    (lambda n, X, D: M.epilogue_outlier_count([1.0, 2.0], gap=1.0), "gap"),
    (lambda n, X, D: M.epilogue_epochs_to(np.ones((2, 2)), 0.1), "error"),
])
def test_bad_arguments_are_named(call, match):
    net, X, D = _problem()
    with pytest.raises(ValueError, match=match):
        call(net, X, D)


def test_non_dense_networks_are_refused():
    net = eb.Network([eb.Conv2D(1, 4, 1, kernel=3), eb.Dense(4, 1)])
    with pytest.raises(ValueError, match="Dense"):
        M.epilogue_hidden_means(net, np.zeros((2, 16)))


def test_leaky_gain_check_accepts_the_answer_and_rejects_near_misses(capsys):
    # E[f(Z)^2] = (1 + 0.5^2) / 2 for a leaky ReLU of slope 1/2, Z ~ N(0, 1): by symmetry
    answer = 1 / np.sqrt((1 + 0.25) / 2)
    assert eb.checks.epilogue_leaky_gain(answer)
    for wrong in (np.sqrt(2), 1.0, 1 / np.sqrt(0.75), answer * 1.03):
        assert not eb.checks.epilogue_leaky_gain(wrong), wrong
    with pytest.raises(ValueError, match="gain"):
        eb.checks.epilogue_leaky_gain(float("nan"))
