"""The helpers and self-checks added for the page book/normalising_inputs (§4.3)."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import checks, measure


@pytest.mark.parametrize("rho", [0.0, 0.37, 0.9, 1.0])
def test_correlated_inputs_moments_are_exact(rho):
    Z, D = eb.data.correlated_inputs(rho, n=100, seed=3)
    assert Z.shape == (100, 2) and D.shape == (100, 1)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.T @ Z / 100, [[1, 2 * rho], [2 * rho, 4]], atol=1e-12)
    if rho < 1:                                   # the least-squares weights are the teacher
        w = np.linalg.lstsq(Z, D[:, 0], rcond=None)[0]
        np.testing.assert_allclose(w, [1.0, 0.5], atol=1e-10)
        r = D[:, 0] - Z @ w
        assert 0.5 * np.mean(r ** 2) == pytest.approx(0.5 * 0.3 ** 2, rel=1e-10)


def test_correlated_inputs_same_columns_for_every_rho():
    Z0, _ = eb.data.correlated_inputs(0.2)
    Z1, _ = eb.data.correlated_inputs(0.8)
    np.testing.assert_array_equal(Z0[:, 0], Z1[:, 0])


@pytest.mark.parametrize("kwargs", [dict(rho=1.5), dict(rho=-0.1), dict(rho=0.5, n=3),
                                    dict(rho=0.5, ratio=0), dict(rho=0.5, noise=-1),
                                    dict(rho=0.5, teacher=(1, 2, 3))])
def test_correlated_inputs_rejects_bad_arguments(kwargs):
    name = [k for k in kwargs if k != "rho"] or ["rho"]
    with pytest.raises(ValueError, match=name[-1]):
        eb.data.correlated_inputs(**kwargs)


def test_single_sign_fraction_against_a_direct_count():
    rng = np.random.default_rng(1)
    net = eb.mlp([6, 5, 3], seed=2)
    X = rng.normal(size=(40, 6))
    X[:10] = np.abs(X[:10])                       # 10 all-positive samples
    X[10:15] = -np.abs(X[10:15])                  # 5 all-negative samples
    D = rng.choice([-1.0, 1.0], size=(40, 3))
    # a direct count from finite differences of each sample's cost
    count = 0
    for p in range(40):
        g = measure.finite_difference_gradient(net, X[p:p + 1], D[p:p + 1])
        G = g[:30].reshape(5, 6)                  # the first layer's weights come first
        count += int(np.sum(np.all(G >= -1e-9, axis=1) | np.all(G <= 1e-9, axis=1)))
    assert measure.single_sign_fraction(net, X, D) == pytest.approx(count / 200)
    assert count >= 15 * 5


def test_single_sign_fraction_needs_mse():
    net = eb.mlp([3, 2, 2], loss="softmax_ce")
    with pytest.raises(ValueError, match="mse"):
        measure.single_sign_fraction(net, np.ones((2, 3)), np.full((2, 2), 0.5))


def test_whitening_matrix_methods():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)) @ rng.normal(size=(4, 4)) + 5
    mean, W = measure.whitening_matrix(X)
    Z = (X - mean) @ W
    np.testing.assert_allclose(np.cov(Z, rowvar=False, bias=True), np.eye(4), atol=1e-9)
    np.testing.assert_allclose(W, W.T, atol=1e-12)           # ZCA is symmetric
    mean, W = measure.whitening_matrix(X, "pca", k=2)
    Z = (X - mean) @ W
    assert W.shape == (4, 2)
    np.testing.assert_allclose(np.cov(Z, rowvar=False, bias=True), np.eye(2), atol=1e-9)
    # with a floor, the whitened variance along eigenvector k is lambda_k / (lambda_k + eps)
    lam = np.linalg.eigvalsh(np.cov(X, rowvar=False, bias=True))
    mean, W = measure.whitening_matrix(X, epsilon=0.5)
    ev = np.linalg.eigvalsh(np.cov((X - mean) @ W, rowvar=False, bias=True))
    np.testing.assert_allclose(ev, np.sort(lam / (lam + 0.5)), atol=1e-9)


def test_whitening_matrix_refuses_rank_deficiency():
    X = np.random.default_rng(0).normal(size=(5, 8))       # n < d: rank 4
    with pytest.raises(ValueError, match="epsilon"):
        measure.whitening_matrix(X)
    with pytest.raises(ValueError, match="k=5"):
        measure.whitening_matrix(X, "pca", k=5)
    assert measure.whitening_matrix(X, "pca")[1].shape == (8, 4)
    assert measure.whitening_matrix(X, epsilon=1e-3)[1].shape == (8, 8)
    with pytest.raises(ValueError, match="method"):
        measure.whitening_matrix(X, "svd")
    with pytest.raises(ValueError, match="epsilon"):
        measure.whitening_matrix(X, epsilon=-1)


def test_correlation_for_kappa_check(capsys):
    # kappa = 100: (5 + s) / (5 - s) = 100 with s = sqrt(9 + 16 rho^2)
    s = 5 * 99 / 101
    rho = np.sqrt((s * s - 9) / 16)
    assert checks.correlation_for_kappa(rho, kappa=100)
    assert not checks.correlation_for_kappa(rho + 0.01, kappa=100)
    assert checks.correlation_for_kappa(round(rho, 3), kappa=100)     # "to 10^-3": 0.969
    # plausible wrong answers: the slider's nearest position, and forgetting that the
    # off-diagonal entry is 2 rho (then rho' = 2 rho: solving with [[1, r], [r, 4]])
    assert not checks.correlation_for_kappa(0.96, kappa=100)
    assert not checks.correlation_for_kappa(min(2 * rho, 1.0), kappa=100)
    with pytest.raises(ValueError, match="kappa"):
        checks.correlation_for_kappa(0.5, kappa=3)


def test_raw_cloud_kappa_check(capsys):
    m, s = np.array([2.0, 0.0]), np.array([1.0, 1.0])
    lam = np.linalg.eigvalsh(np.diag(s ** 2) + np.outer(m, m))
    assert checks.raw_cloud_kappa(lam[1] / lam[0])                     # 5
    assert not checks.raw_cloud_kappa(1.0)
    assert not checks.raw_cloud_kappa(4.0)            # |m|^2 alone, without the spread
    assert checks.raw_cloud_kappa(10.0, mean=(3, 0), stds=(1, 1))
    with pytest.raises(ValueError, match="stds"):
        checks.raw_cloud_kappa(1.0, stds=(1, 0))


def test_covariance_zero_eigenvalues_check(capsys):
    images, _ = eb.data.digits_8x8()
    X = images[:40].reshape(40, 64)
    lam = np.linalg.eigvalsh(np.cov(X, rowvar=False, bias=True))
    zeros = int((lam < 1e-10 * lam[-1]).sum())
    assert zeros == 64 - 39                       # n - 1 < the 51 varying pixels
    assert checks.covariance_zero_eigenvalues(zeros, n=40)
    assert not checks.covariance_zero_eigenvalues(zeros - 1, n=40)    # 64 - 40
    never = int((X.std(axis=0) == 0).sum())
    assert not checks.covariance_zero_eigenvalues(never, n=40)        # the blank pixels only
    # many samples: the pixels that never vary decide
    X = images.reshape(-1, 64)
    assert checks.covariance_zero_eigenvalues(int((X.std(axis=0) == 0).sum()), n=len(X))
    with pytest.raises(ValueError, match="n"):
        checks.covariance_zero_eigenvalues(0, n=1)
