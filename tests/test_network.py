"""Backprop against independent references in float64: autograd and central differences."""
import numpy as np
import pytest
from autograd import elementwise_grad, grad

import ebtricks as eb
from ebtricks.activations import CODES
import reference as ref

ACTS = sorted(CODES)


def random_case(seed, loss=None):
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 4))
    sizes = [int(s) for s in rng.integers(1, 6, size=depth + 1)]
    loss = loss or ["mse", "softmax_ce"][seed % 2]
    acts = [str(rng.choice(ACTS)) for _ in range(depth)]
    if loss == "softmax_ce":
        acts[-1] = "identity"
    a = float(rng.uniform(0.0, 0.3))
    net = eb.Network([eb.Dense(sizes[i], sizes[i + 1], acts[i], a) for i in range(depth)],
                     loss=loss, seed=seed, init_scale=float(rng.uniform(0.5, 2.0)))
    net.bias(0)[...] = rng.normal(size=sizes[1])   # non-zero biases exercise their gradients
    P = int(rng.integers(1, 7))
    X = rng.normal(size=(P, sizes[0]))
    if loss == "mse":
        D = rng.normal(size=(P, sizes[-1]))
    else:
        D = rng.dirichlet(np.ones(sizes[-1]), size=P)
    return net, X, D, sizes, acts, a


def central_difference_gradient(net, X, D, h=1e-6):
    """dE/dw_i = (E(w + h e_i) - E(w - h e_i)) / 2h, one weight at a time."""
    fd = np.empty(net.n_params)
    for i in range(net.n_params):
        p = net.params.copy()
        p[i] += h
        up = net.cost(X, D, p)
        p[i] -= 2 * h
        fd[i] = (up - net.cost(X, D, p)) / (2 * h)
    return fd


def rel_err(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12)


@pytest.mark.small
@pytest.mark.parametrize("seed", range(24))
def test_gradient_matches_autograd(seed):
    net, X, D, sizes, acts, a = random_case(seed)
    E, g = net.gradient(X, D)
    E_ref = ref.cost(net.params, X, D, sizes, acts, net.loss, a)
    g_ref = grad(ref.cost)(net.params, X, D, sizes, acts, net.loss, a)
    assert E == pytest.approx(E_ref, rel=1e-12, abs=1e-14)
    assert rel_err(g, g_ref) <= 1e-6
    np.testing.assert_allclose(net.forward(X), ref.outputs(net.params, X, sizes, acts, a),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", range(100, 112))
def test_gradient_matches_central_differences(seed):
    net, X, D, *_ = random_case(seed)
    assert rel_err(net.gradient(X, D)[1], central_difference_gradient(net, X, D)) <= 1e-6


@pytest.mark.small
@pytest.mark.parametrize("name", ACTS)
@pytest.mark.filterwarnings("ignore:Output seems independent of input")  # identity's f'' is 0
def test_activation_derivatives_match_autograd(name):
    x = np.linspace(-5, 5, 201) + 1e-3       # off the rational clamp's kink at exactly +-4.5
    f = eb.Activation(name, a=0.2)
    ref_f = lambda t: ref.activation(name, t, 0.2)  # noqa: E731
    np.testing.assert_allclose(f(x), ref_f(x), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(f.derivative(x), elementwise_grad(ref_f)(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(f.second_derivative(x),
                               elementwise_grad(elementwise_grad(ref_f))(x), rtol=1e-9, atol=1e-11)


def test_recommended_sigmoid_properties():
    """§4.4: f(+-1) = +-1, |f''| largest at x = +-1 (the paper's rounding), gain about 1."""
    f = eb.Activation("lecun_tanh")
    assert f(1.0) == pytest.approx(1.0, abs=1e-3) and f(-1.0) == pytest.approx(-1.0, abs=1e-3)
    x = np.linspace(0, 3, 30001)
    x_peak = x[np.argmax(np.abs(f.second_derivative(x)))]
    assert x_peak == pytest.approx(0.99, abs=0.01)
    approx = eb.Activation("rational_tanh")
    xs = np.linspace(-8, 8, 4001)
    assert np.max(np.abs(approx(xs) - f(xs))) < 0.05


@pytest.mark.small
def test_weights_and_bias_are_views_into_params():
    net = eb.mlp([3, 4, 2], seed=0)
    W1 = net.weights(1)
    assert W1.shape == (2, 4) and np.shares_memory(W1, net.params)
    before = net.forward(np.ones(3))
    W1[0, 0] += 1.0
    assert not np.allclose(net.forward(np.ones(3)), before)
    net.bias(-1)[...] = 7.0
    assert net.params[-1] == 7.0
    assert [o[:2] for o in net.offsets()] == [(0, 12), (16, 24)]


def test_lecun_init_standard_deviation_and_layer_outputs():
    """eqs 15-16: sigma_w = m^-1/2; with unit-variance inputs and the recommended sigmoid the
    weighted sums keep std about 1 layer after layer (§4.6), while a 10x smaller or larger
    initial scale shrinks the signal or saturates the units."""
    net = eb.mlp([400, 400, 400, 400, 10], seed=3)
    for l, m in enumerate([400, 400, 400, 400]):
        assert net.weights(l).std() == pytest.approx(m ** -0.5, rel=0.02)
    X = np.random.default_rng(0).normal(size=(500, 400))
    stds = [o.std() for o in net.layer_outputs(X)[:-1]]
    assert all(0.7 < s < 1.3 for s in stds), stds
    small = eb.mlp([400, 400, 400, 400, 10], seed=3, init_scale=0.1)
    assert small.layer_outputs(X)[2].std() < 0.01
    big = eb.mlp([400, 400, 400, 400, 10], seed=3, init_scale=10.0)
    assert np.mean(np.abs(big.layer_outputs(X)[2]) > 1.7) > 0.5   # mostly saturated


@pytest.mark.small
@pytest.mark.parametrize("call,err,word", [
    (lambda: eb.Dense(0, 3), ValueError, "n_in"),
    (lambda: eb.Dense(3, -1), ValueError, "n_out"),
    (lambda: eb.Dense(3, 2, "relu6"), ValueError, "activation"),
    (lambda: eb.Dense(3.5, 2), TypeError, "n_in"),
    (lambda: eb.Network([eb.Dense(3, 2), eb.Dense(3, 1)]), ValueError, "layers\\[1\\]"),
    (lambda: eb.Network([]), ValueError, "layers"),
    (lambda: eb.mlp([3, 2], loss="hinge"), ValueError, "loss"),
    (lambda: eb.mlp([3, 2], init_scale=0), ValueError, "init_scale"),
    (lambda: eb.mlp([3, 2]).forward(np.ones((4, 2))), ValueError, "X must have 3 columns"),
    (lambda: eb.mlp([3, 2]).forward([[1, np.nan, 0]]), ValueError, "X contains NaN"),
    (lambda: eb.mlp([3, 2]).forward(np.array([["a", "b", "c"]])), TypeError, "X must hold"),
    (lambda: eb.mlp([3, 2]).forward(np.ones((2, 3)) * 1j), TypeError, "X must be real"),
    (lambda: eb.mlp([3, 2]).gradient(np.ones((4, 3)), np.ones((3, 2))), ValueError, "D must have shape"),
    (lambda: eb.mlp([3, 2]).cost(np.ones((4, 3)), np.ones((4, 2)), params=np.ones(5)), ValueError, "params"),
    (lambda: eb.mlp([3, 2]).weights(5), IndexError, "layer 5"),
    (lambda: eb.mlp([3, 2]).cost(np.ones((0, 3)), np.ones((0, 2))), ValueError, "X holds no"),
    (lambda: eb.train_sgd(eb.mlp([3, 2]), np.ones((0, 3)), np.ones((0, 2)), epochs=1, eta=0.1),
     ValueError, "X holds no samples"),
])
def test_bad_input_raises_a_clear_error(call, err, word):
    with pytest.raises(err, match=word):
        call()


def test_forward_refuses_to_return_nan_from_broken_weights():
    net = eb.mlp([2, 2, 1])
    net.params[0] = np.nan
    with pytest.raises(FloatingPointError, match="not finite"):
        net.forward(np.ones((1, 2)))
