"""Curvature against independent dense references in float64 (autograd Hessians, finite
differences), and the properties the methods promise."""
import numpy as np
import pytest
from autograd import hessian as ag_hessian, jacobian as ag_jacobian

import ebtricks as eb
from ebtricks import curvature as cv
import reference as ref
from test_network import random_case, rel_err


def ag_H(net, X, D, sizes, acts, a):
    return ag_hessian(ref.cost)(net.params, X, D, sizes, acts, net.loss, a)


@pytest.mark.small
@pytest.mark.parametrize("seed", range(16))
def test_exact_hvp_and_hessian_match_autograd(seed):
    net, X, D, sizes, acts, a = random_case(seed)
    H_ref = ag_H(net, X, D, sizes, acts, a)
    v = np.random.default_rng(seed).normal(size=net.n_params)
    assert rel_err(cv.hessian_vector_product(net, X, D, v), H_ref @ v) <= 1e-6
    H = cv.hessian(net, X, D)
    assert rel_err(H, H_ref) <= 1e-6
    np.testing.assert_array_equal(H, H.T)


@pytest.mark.parametrize("seed", range(8))
def test_finite_difference_routes_agree(seed):
    net, X, D, sizes, acts, a = random_case(seed)
    H_ref = ag_H(net, X, D, sizes, acts, a)
    assert rel_err(cv.hessian_fd(net, X, D), H_ref) <= 1e-6
    v = np.random.default_rng(1).normal(size=net.n_params)
    assert rel_err(cv.hessian_vector_product(net, X, D, v, method="fd_central"), H_ref @ v) <= 1e-6
    # eq 59's one-sided difference is only first-order accurate in r
    assert rel_err(cv.hessian_vector_product(net, X, D, v, method="fd", r=1e-7), H_ref @ v) <= 1e-4


@pytest.mark.parametrize("seed", range(6))
def test_hvp_is_symmetric(seed):
    net, X, D, *_ = random_case(200 + seed)
    rng = np.random.default_rng(seed)
    u, v = rng.normal(size=(2, net.n_params))
    hu, hv = (cv.hessian_vector_product(net, X, D, z) for z in (u, v))
    assert u @ hv == pytest.approx(v @ hu, rel=1e-10, abs=1e-12)


@pytest.mark.small
@pytest.mark.parametrize("seed", range(10))
def test_gauss_newton_matches_autograd_jacobians(seed):
    net, X, D, sizes, acts, a = random_case(seed)
    G = np.zeros((net.n_params, net.n_params))
    for p in range(X.shape[0]):
        J = ag_jacobian(lambda w: ref.outputs(w, X[p:p + 1], sizes, acts, a)[0])(net.params)
        np.testing.assert_allclose(cv.output_jacobian(net, X[p]), J, rtol=1e-10, atol=1e-12)
        y = ref.outputs(net.params, X[p:p + 1], sizes, acts, a)[0]
        if net.loss == "mse":
            HL = np.eye(len(y))
        else:
            pr = np.exp(y - y.max()) / np.exp(y - y.max()).sum()
            HL = D[p].sum() * (np.diag(pr) - np.outer(pr, pr))
        G += J.T @ HL @ J
    G /= X.shape[0]
    assert rel_err(cv.gauss_newton(net, X, D), G) <= 1e-6
    v = np.random.default_rng(seed).normal(size=net.n_params)
    assert rel_err(cv.gauss_newton_vector_product(net, X, D, v), G @ v) <= 1e-6
    assert rel_err(cv.diag_hessian(net, X, D, method="gauss_newton"), np.diag(G)) <= 1e-6
    assert np.min(np.linalg.eigvalsh(G)) >= -1e-10 * max(1.0, np.abs(G).max())


def test_gauss_newton_equals_hessian_for_lms():
    """Outputs linear in the weights: the dropped term of eq 50 vanishes (and H is the
    input covariance, eq 29, with the bias as an input fixed at 1)."""
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity")
    net.params[:] = [0.3, -0.2, 0.1]
    G, H = cv.gauss_newton(net, X, D), cv.hessian(net, X, D)
    np.testing.assert_allclose(G, H, rtol=1e-12, atol=1e-14)
    Xa = np.column_stack([X, np.ones(len(X))])
    np.testing.assert_allclose(H, Xa.T @ Xa / len(X), rtol=1e-12, atol=1e-14)
    for method in ("backprop", "backprop_f2", "gauss_newton", "exact"):
        np.testing.assert_allclose(cv.diag_hessian(net, X, D, method=method), np.diag(H),
                                   rtol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_backprop_diagonal_is_the_gauss_newton_diagonal_up_to_one_hidden_layer(seed):
    """Eqs 54-56 drop off-diagonal terms of d2E/dx^2 only below the first hidden layer, so
    with at most one hidden layer they give exactly diag(G) for mse."""
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(1, 6, size=3)]
    net = eb.mlp(sizes, activation=str(rng.choice(["tanh", "lecun_tanh", "logistic"])), seed=seed)
    X, D = rng.normal(size=(5, sizes[0])), rng.normal(size=(5, sizes[-1]))
    np.testing.assert_allclose(cv.diag_hessian(net, X, D),
                               cv.diag_hessian(net, X, D, method="gauss_newton"), rtol=1e-10)


@pytest.mark.parametrize("seed", range(6))
def test_backprop_f2_diagonal_is_exact_for_one_layer(seed):
    """A single layer: every weight reaches one output, so keeping f'' gives diag(H) exactly."""
    rng = np.random.default_rng(seed)
    net = eb.mlp([4, 3], activation="tanh", seed=seed)
    X, D = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    np.testing.assert_allclose(cv.diag_hessian(net, X, D, method="backprop_f2"),
                               cv.diag_hessian(net, X, D, method="exact"), rtol=1e-10)
    assert np.all(cv.diag_hessian(net, X, D) >= 0)


@pytest.mark.small
def test_exact_diagonal_matches_autograd():
    net, X, D, sizes, acts, a = random_case(3)
    np.testing.assert_allclose(cv.diag_hessian(net, X, D, method="exact"),
                               np.diag(ag_H(net, X, D, sizes, acts, a)), rtol=1e-8, atol=1e-12)


def planted(n=60, seed=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    lam = np.concatenate([[50.0, 20.0, 10.0], np.linspace(-1.0, 5.0, n - 3)])
    return Q @ np.diag(lam) @ Q.T, np.sort(lam)[::-1]


def test_power_method_and_lanczos_on_planted_spectrum():
    A, lam = planted()
    val, vec, est = cv.power_method(lambda v: A @ v, A.shape[0], iters=500, tol=1e-12)
    assert val == pytest.approx(50.0, rel=1e-8)
    np.testing.assert_allclose(np.abs(vec @ np.linalg.eigh(A)[1][:, -1]), 1.0, rtol=1e-6)
    vals, vecs = cv.lanczos(lambda v: A @ v, A.shape[0], k=5)
    np.testing.assert_allclose(vals, np.linalg.eigvalsh(A)[::-1][:5], rtol=1e-10)
    np.testing.assert_allclose(A @ vecs, vecs * vals, atol=1e-8)
    small, _ = cv.lanczos(lambda v: A @ v, A.shape[0], k=2, which="smallest")
    np.testing.assert_allclose(small, np.sort(lam)[:2], rtol=1e-8, atol=1e-10)


def test_eigen_routes_agree_on_a_network():
    rng = np.random.default_rng(0)
    net = eb.mlp([4, 6, 2], seed=1)
    X = rng.normal(size=(30, 4))
    D = eb.data.targets_pm1(rng.integers(0, 2, 30), 2)
    spec = cv.hessian_spectrum(net, X, D)
    assert np.all(np.diff(spec) <= 0)
    top = spec[np.argmax(np.abs(spec))]
    for method, kw in (("power", {}), ("power", {"hvp": "fd"}), ("taylor", {"alpha": 1e-5})):
        lam, vec, _ = cv.principal_eigen(net, X, D, method=method, iters=2000, tol=1e-10, **kw)
        assert lam == pytest.approx(top, rel=1e-3), method
    np.testing.assert_allclose(cv.top_eigenvalues(net, X, D, k=4, method="lanczos"),
                               spec[:4], rtol=1e-8)
    np.testing.assert_allclose(cv.top_eigenvalues(net, X, D, k=4, method="dense"), spec[:4])


def test_eigenpairs_convention():
    """lanczos and top_eigenvalues(vectors=True) return Eigenpairs(values, vectors):
    values largest first, unit eigenvectors as columns, H v_i = lambda_i v_i."""
    rng = np.random.default_rng(3)
    net = eb.mlp([3, 5, 2], seed=2)
    X = rng.normal(size=(25, 3))
    D = eb.data.targets_pm1(rng.integers(0, 2, 25), 2)
    H = cv.hessian(net, X, D)
    spec = np.linalg.eigvalsh(H)[::-1]
    for method in ("dense", "lanczos"):
        pairs = cv.top_eigenvalues(net, X, D, k=3, method=method, vectors=True)
        assert isinstance(pairs, cv.Eigenpairs)
        assert pairs.vectors.shape == (net.n_params, 3)
        np.testing.assert_allclose(pairs.values, spec[:3], rtol=1e-8)
        np.testing.assert_allclose(np.linalg.norm(pairs.vectors, axis=0), 1.0, rtol=1e-10)
        np.testing.assert_allclose(H @ pairs.vectors, pairs.vectors * pairs.values, atol=1e-7)
    assert isinstance(cv.lanczos(lambda v: H @ v, net.n_params, k=2), cv.Eigenpairs)


def test_online_estimate_reaches_the_power_method_value():
    """Eq 64 on the Fig 10 problem: within 10 % of the power method, order of magnitude in
    under 100 presentations."""
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity")
    lam = cv.principal_eigen(net, X, D, iters=500, tol=1e-12)[0]
    _, vec, est = cv.online_principal_eigenvalue(net, X, D, presentations=1000, gamma=0.02)
    assert abs(np.mean(est[-200:]) - lam) <= 0.10 * lam
    assert lam / 10 < est[99] < lam * 10


def test_layer_means_and_learning_rates():
    rng = np.random.default_rng(0)
    net = eb.mlp([8, 5, 3], seed=0)
    X, D = rng.normal(size=(20, 8)), rng.normal(size=(20, 3))
    means = cv.layer_mean_diag(net, X, D)
    h = cv.diag_hessian(net, X, D)
    owner = net.layer_of_param()
    np.testing.assert_allclose(means, [h[owner == 0].mean(), h[owner == 1].mean()])
    assert cv.optimal_learning_rate(lambda_max=4.0) == 0.25
    np.testing.assert_allclose(cv.optimal_learning_rate(diag=h, mu=0.1), 1 / (h + 0.1))


@pytest.mark.small
@pytest.mark.parametrize("call,err,word", [
    (lambda n, X, D: cv.hessian_vector_product(n, X, D, np.ones(3)), ValueError, "v must have shape"),
    (lambda n, X, D: cv.hessian_vector_product(n, X, D, np.full(n.n_params, np.nan)), ValueError, "v contains NaN"),
    (lambda n, X, D: cv.hessian_vector_product(n, X, D, np.ones(n.n_params), method="x"), ValueError, "method"),
    (lambda n, X, D: cv.top_eigenvalues(n, X, D, k=10 ** 6), ValueError, "k"),
    (lambda n, X, D: cv.lanczos(lambda v: v, 5, k=6), ValueError, "k"),
    (lambda n, X, D: cv.online_principal_eigenvalue(n, X, D, gamma=1.5), ValueError, "gamma"),
    (lambda n, X, D: cv.principal_eigen(n, X, D, method="taylor", alpha=0), ValueError, "alpha"),
    (lambda n, X, D: cv.diag_hessian(n, X[:, :1], D), ValueError, "X must have"),
    (lambda n, X, D: cv.optimal_learning_rate(), ValueError, "exactly one"),
    (lambda n, X, D: cv.hessian(eb.mlp([60, 50, 10]), np.ones((1, 60)), np.ones((1, 10))), ValueError, "refused"),
])
def test_bad_input_is_named(call, err, word):
    net = eb.mlp([3, 2, 1], seed=0)
    X, D = np.ones((4, 3)), np.ones((4, 1))
    with pytest.raises(err, match=word):
        call(net, X, D)


def test_online_estimate_on_a_digit_net():
    """Eq 64 on a digit network (scikit-learn's 8x8 digits, 64-12-10): within 10 % of the
    power method's largest eigenvalue."""
    images, labels = eb.data.digits_8x8()
    idx, _ = eb.data.stratified_split(labels, 300, 0, seed=0)
    X = eb.InputTransform(["center", "scale"]).fit_transform(images[idx].reshape(300, -1))
    D = eb.data.targets_pm1(labels[idx], 10)
    net = eb.mlp([64, 12, 10], seed=0)
    lam = cv.principal_eigen(net, X, D, iters=300, tol=1e-10)[0]
    est = cv.online_principal_eigenvalue(net, X, D, presentations=3000, gamma=0.01,
                                         seed=1).estimates
    assert abs(np.mean(est[-500:]) - lam) <= 0.10 * lam
    assert lam / 10 < est[99] < lam * 10      # right order of magnitude within 100 presentations
