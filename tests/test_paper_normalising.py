"""The numbers of §4.3 (the paper's Figs. 2 and 3), computed the way the page
``book/normalising_inputs`` computes them and held to the tolerances it prints beside the
paper's claims."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv, measure


def _second_moment(X):
    return X.T @ X / len(X)


# --- the paper's Fig. 2: z2 = 2 z1 --------------------------------------------------------

def test_dependent_inputs_have_a_zero_eigenvalue_along_slope_minus_half():
    Z, D = eb.data.correlated_inputs(1.0)
    lam, V = np.linalg.eigh(_second_moment(Z))
    assert lam[0] / lam[1] < 1e-12
    assert V[1, 0] / V[0, 0] == pytest.approx(-0.5, abs=1e-9)
    # along (2, -1) the output, hence E, does not change: the gradient there is zero
    w = np.array([0.3, -0.7])
    g = _second_moment(Z) @ w - Z.T @ D[:, 0] / len(Z)
    assert abs(g @ np.array([2.0, -1.0])) < 1e-12


def test_smallest_eigenvalue_falls_to_zero_as_correlation_grows():
    rhos = np.linspace(0, 1, 26)                # the slider's positions
    lam = np.array([np.linalg.eigvalsh(_second_moment(eb.data.correlated_inputs(r)[0]))
                    for r in rhos])
    formula_min = (5 - np.sqrt(9 + 16 * rhos ** 2)) / 2
    np.testing.assert_allclose(lam[:, 0], formula_min, atol=1e-12)
    assert np.all(np.diff(lam[:, 0]) < 0) and np.all(np.diff(lam[:, 1]) > 0)
    kappa = lam[:-1, 1] / lam[:-1, 0]
    assert np.all(np.diff(kappa) > 0)
    # the page's default view, correlation 0.8
    k = int(np.argmin(np.abs(rhos - 0.8)))
    assert lam[k, 0] == pytest.approx(0.307, abs=1e-3)
    assert lam[k, 1] / lam[k, 0] == pytest.approx(15.3, abs=0.05)


def test_weight_block_of_the_package_hessian_is_the_second_moment():
    """The page's H = <z z^T> is the package's exact Hessian of a linear unit (its weights'
    block; the package's units have a bias)."""
    Z, D = eb.data.correlated_inputs(0.6, n=50)
    net = eb.mlp([2, 1], activation="identity")
    np.testing.assert_allclose(cv.hessian(net, Z, D)[:2, :2], _second_moment(Z), atol=1e-12)


# --- the paper's Fig. 3: the three steps ---------------------------------------------------

def _cloud_kappas():
    rng = np.random.default_rng(0)
    tilt = np.radians(30)
    R = np.array([[np.cos(tilt), -np.sin(tilt)], [np.sin(tilt), np.cos(tilt)]])
    X = rng.multivariate_normal([3.0, 2.0], R @ np.diag([2.0, 0.5]) ** 2 @ R.T, 300)
    out = {}
    for name, steps in (("raw", []), ("centred", ["center"]),
                        ("decorrelated", ["center", "decorrelate"]),
                        ("equalised", ["center", "decorrelate", "scale"])):
        Xs = eb.InputTransform(steps).fit_transform(X) if steps else X
        H = _second_moment(Xs)
        lam = np.linalg.eigvalsh(H)
        out[name] = (lam[1] / lam[0], abs(H[0, 1]))
    return out


def test_each_step_of_figure_3():
    k = _cloud_kappas()
    assert k["raw"][0] / k["centred"][0] > 2
    assert k["decorrelated"][1] < 1e-12
    assert k["decorrelated"][0] / k["centred"][0] == pytest.approx(1, abs=1e-9)
    assert k["equalised"][0] == pytest.approx(1, abs=1e-9)
    assert k["raw"][0] == pytest.approx(70.7, abs=0.1)       # the page's summary
    assert k["centred"][0] == pytest.approx(16.5, abs=0.1)


# --- raw MNIST: signs of the updates, the mean's eigenvalue, rank deficiency ---------------

@pytest.fixture(scope="module")
def mnist():
    images, labels = eb.data.mnist_5k()
    return images.reshape(len(images), 784) / 255, labels


def test_all_positive_inputs_give_single_signed_updates(mnist):
    X, labels = mnist
    D = eb.data.targets_pm1(labels)
    net = eb.mlp([784, 30, 10], seed=0)
    assert X.min() >= 0
    assert measure.single_sign_fraction(net, X[:1000], D[:1000]) == 1.0
    # the page's summary: "none after centring"
    assert measure.single_sign_fraction(net, X[:1000] - X.mean(axis=0), D[:1000]) == 0.0


def test_the_mean_makes_one_dominant_eigenvalue(mnist):
    X, _ = mnist
    lam_raw, V = np.linalg.eigh(_second_moment(X))
    lam_cen = np.linalg.eigvalsh(np.cov(X, rowvar=False, bias=True))
    m = X.mean(axis=0)
    assert lam_raw[-1] / lam_raw[-2] > 5
    assert lam_raw[-1] / lam_raw[-2] == pytest.approx(8.6, abs=0.05)    # "nearly 9 times"
    assert lam_cen[-1] / lam_cen[-2] < 2
    assert abs(V[:, -1] @ m) / np.linalg.norm(m) > 0.99       # along the mean image
    assert m @ m < lam_raw[-1] < m @ m + lam_cen[-1]          # |m|^2 plus some spread
    # 5,000 samples: the pixels, not the rank bound, decide the zero eigenvalues: the 121
    # blank pixels and 10 more from pixels lit in only a few images
    blank = int((X.max(axis=0) == 0).sum())
    zeros = int((lam_cen < 1e-10 * lam_cen[-1]).sum())
    assert (blank, zeros) == (121, 131)
    rare = (X > 0).sum(axis=0)
    rare = (rare > 0) & (rare <= 10)
    assert rare.sum() - np.linalg.matrix_rank(X[:, rare]) == zeros - blank


def test_whitening_from_few_samples(mnist):
    X, labels = mnist
    train = eb.data.stratified_split(labels, n_train=500, seed=0)[0]
    held = np.setdiff1d(np.arange(len(labels)), train)
    lam = np.linalg.eigvalsh(np.cov(X[train], rowvar=False, bias=True))
    # exactly the rank bound: more pixels vary than 499 samples' directions
    assert int((lam < 1e-10 * lam[-1]).sum()) == 784 - 499
    assert int((X[train].max(axis=0) > 0).sum()) > 499
    rank_held = np.linalg.matrix_rank(X[held] - X[held].mean(axis=0))
    largest, kappa = {}, {}
    for name, options in (("plain", dict(method="zca", epsilon=1e-12)),
                          ("pca", dict(method="pca", k=50)),
                          ("zca", dict(method="zca", epsilon=0.01))):
        mean, W = measure.whitening_matrix(X[train], **options)
        ev = np.linalg.eigvalsh(np.cov((X[held] - mean) @ W, rowvar=False, bias=True))[::-1]
        r = min(rank_held, len(ev))               # at most rank_held nonzero variances
        if r < len(ev):                           # a clear gap to the rounding errors
            assert ev[r - 1] > 100 * np.abs(ev[r:]).max()
        largest[name], kappa[name] = ev[0], ev[0] / ev[r - 1]
    assert largest["plain"] > 1e9                 # "billions"
    assert largest["pca"] < 3 and kappa["pca"] < 10
    assert largest["zca"] < 10 and kappa["zca"] > 1e4     # "so κ is not 1"
