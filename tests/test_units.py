"""Units a student defines from f, f', f'' in Python (ebtricks.activations.define): every
pass of every layer type uses them, checked against independent references."""
import numpy as np
import pytest
from autograd import elementwise_grad

import ebtricks as eb
from ebtricks import curvature as cv
import reference as ref
from test_network import central_difference_gradient, rel_err


@pytest.mark.small
@pytest.mark.filterwarnings("ignore:Output seems independent of input")  # relu's f'' is 0
@pytest.mark.parametrize("name", ["relu", "softplus", "softsign", "symmetric_logistic",
                                  "student_swish"])
def test_defined_units_match_autograd(name):
    x = np.linspace(-5, 5, 201) + 1e-3
    f = eb.Activation(name)
    ref_f = lambda t: ref.activation(name, t)  # noqa: E731
    np.testing.assert_allclose(f(x), ref_f(x), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(f.derivative(x), elementwise_grad(ref_f)(x), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(f.second_derivative(x),
                               elementwise_grad(elementwise_grad(ref_f))(x), rtol=1e-9,
                               atol=1e-11)


def conv_net(act):
    conv = eb.Conv2D(1, 6, 2, kernel=3, activation=act)
    layers = [conv, eb.Subsample(2, 4, 2, activation=act), eb.Dense(8, 3, act),
              eb.Dense(3, 2, "identity")]
    return eb.Network(layers, seed=1)


@pytest.mark.parametrize("act", ["student_swish", "softplus"])
def test_defined_unit_in_every_layer_type_and_every_pass(act):
    """Gradient against central differences, H v and the exact diagonal against finite
    differences of gradients, in convolution, subsampling, dense and RBF layers."""
    rng = np.random.default_rng(0)
    net = conv_net(act)
    net.params += 0.3 * rng.normal(size=net.n_params)
    X, D = rng.normal(size=(3, 36)), rng.normal(size=(3, 2))
    assert rel_err(net.gradient(X, D)[1], central_difference_gradient(net, X, D)) <= 1e-6
    H = cv.hessian_fd(net, X, D)
    v = rng.normal(size=net.n_params)
    assert rel_err(cv.hessian_vector_product(net, X, D, v), H @ v) <= 1e-5
    assert rel_err(cv.diag_hessian(net, X, D, method="exact"), np.diag(H)) <= 1e-5
    G = cv.gauss_newton(net, X, D)
    assert rel_err(cv.gauss_newton_vector_product(net, X, D, v), G @ v) <= 1e-10
    rbf = eb.Network([eb.RBF(4, 3), eb.Dense(3, 2, act)], seed=2)
    Xr = rng.normal(size=(4, 4))
    Dr = rng.normal(size=(4, 2))
    assert rel_err(rbf.gradient(Xr, Dr)[1], central_difference_gradient(rbf, Xr, Dr)) <= 1e-6


def test_defined_unit_trains_by_sgd_and_sdlm_on_batched_and_per_sample_paths():
    X, D = eb.data.two_gaussians(seed=0)
    for method in (None, eb.SDLM(eta=0.05)):
        net = eb.mlp([2, 4, 1], activation="student_swish", output_activation="identity")
        start = net.cost(X, D)
        if method is None:
            h = eb.train_sgd(net, X, D, epochs=3, eta=0.02, track_cost=True)
        else:
            h = eb.train(net, X, D, method, epochs=3, track_cost=True)
        assert h.cost[-1] < start
    # the batched driver (8 rows or more) and the per-sample one agree
    net = eb.mlp([2, 4, 1], activation="student_swish")
    g_batch = net.gradient(X[:16], D[:16])[1]
    g_loop = sum(net.gradient(X[p], D[p])[1] for p in range(16)) / 16
    np.testing.assert_allclose(g_batch, g_loop, rtol=1e-12, atol=1e-14)


@pytest.mark.small
def test_define_refuses_what_it_cannot_use():
    ok = ("x", "1.0", "0.0")
    with pytest.raises(ValueError, match="already"):
        eb.activations.define("tanh", *ok)
    with pytest.raises(TypeError, match="df"):
        eb.activations.define("t_bad_type", "x", 3, "0.0")
    with pytest.raises(ValueError, match="f is not a valid"):
        eb.activations.define("t_bad_syntax", "x +", "1.0", "0.0")
    with pytest.raises(ValueError, match="df is not the derivative"):
        eb.activations.define("t_bad_df", "x * x", "x", "2.0")
    with pytest.raises(ValueError, match="d2f is not the derivative"):
        eb.activations.define("t_bad_d2f", "x * x", "2 * x", "0.0")
    with pytest.raises(ValueError, match="failed"):
        eb.activations.define("t_unknown_name", "y", "1.0", "0.0")
    assert not any(n.startswith("t_") for n in eb.activations.CODES)
    with pytest.raises(TypeError, match="CODES"):
        eb.activations.CODES["mine"] = 7


@pytest.mark.small
def test_define_takes_functions_of_x_or_of_x_and_a():
    f = eb.activations.define("cubic_fn_test", lambda x: x ** 3 / 3, lambda x: x * x,
                              lambda x, a: 2 * x + 0 * a)
    assert f(3.0) == pytest.approx(9.0)
    assert f.second_derivative(2.0) == pytest.approx(4.0)
    net = eb.mlp([2, 1], activation="cubic_fn_test")
    X = np.array([[0.5, -0.25]])
    assert net.forward(X)[0, 0] == pytest.approx(f(float(net.params[:2] @ X[0] + net.params[2])))
