"""measure.sums_and_gradients (page book/initialisation, §4.6): the weighted sums agree
with the network's own forward pass, and dE_p/dS agrees with central finite differences
of E_p = <g, net.forward(x)> in each unit's bias (dS/db = 1) and with net.gradient."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks.activations import Activation
from ebtricks.measure import sums_and_gradients


@pytest.mark.parametrize("activation", ["lecun_tanh", "tanh", "logistic"])
def test_sums_match_layer_outputs(activation):
    net = eb.mlp([5, 7, 6, 3], activation=activation, seed=1)
    X = np.random.default_rng(0).standard_normal((9, 5))
    sums, _ = sums_and_gradients(net, X, np.zeros((9, 3)))
    outs = net.layer_outputs(X)
    f = Activation(activation)
    for s, o in zip(sums, outs):
        np.testing.assert_allclose(f(s), o, rtol=1e-12, atol=1e-12)


def test_gradients_match_finite_differences_in_the_biases():
    net = eb.mlp([4, 6, 5, 2], seed=3, init_scale=1.5)
    rng = np.random.default_rng(1)
    x, g = rng.standard_normal((1, 4)), rng.standard_normal((1, 2))
    _, grads = sums_and_gradients(net, x, g)
    h = 1e-6
    for n in range(len(net.layers)):
        for j in range(net.layers[n].n_out):
            b = net.bias(n)
            b[j] += h
            up = float(g[0] @ net.forward(x)[0])
            b[j] -= 2 * h
            down = float(g[0] @ net.forward(x)[0])
            b[j] += h
            assert grads[n][0, j] == pytest.approx((up - down) / (2 * h), abs=1e-8)


def test_gradients_match_backprop_of_the_mse_cost():
    """With dE_p/dX_N = y_p - d_p the bias gradient of the average cost is the mean of
    dE_p/dS over the samples, and the weight gradient their products with the inputs."""
    net = eb.mlp([3, 8, 2], seed=2)
    rng = np.random.default_rng(5)
    X, D = rng.standard_normal((11, 3)), rng.standard_normal((11, 2))
    _, grads = sums_and_gradients(net, X, net.forward(X) - D)
    _, dW = net.gradient(X, D)
    ins = [X] + net.layer_outputs(X)[:-1]
    for n, (w0, b0, n_out, n_in) in enumerate(net.offsets()):
        np.testing.assert_allclose(dW[b0:b0 + n_out], grads[n].mean(axis=0), atol=1e-12)
        np.testing.assert_allclose(dW[w0:w0 + n_out * n_in].reshape(n_out, n_in),
                                   grads[n].T @ ins[n] / len(X), atol=1e-12)


def test_bad_inputs_name_the_argument():
    net = eb.mlp([3, 2], seed=0)
    with pytest.raises(ValueError, match="output_gradient"):
        sums_and_gradients(net, np.ones((4, 3)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="output_gradient"):
        sums_and_gradients(net, np.ones((4, 3)), np.full((4, 2), np.nan))
    conv = eb.Network([eb.Conv2D(1, 4, 1, kernel=3), eb.Dense(4, 1)])
    with pytest.raises(ValueError, match="Dense layers only"):
        sums_and_gradients(conv, np.ones((2, 16)), np.ones((2, 1)))
