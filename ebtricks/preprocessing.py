"""Input transformations of §4.3 (Figure 3), fitted on training data, applied to any data.

``InputTransform(steps)`` chains, in this order, any of:

* ``"center"``: subtract the training mean of each input (mean cancellation);
* ``"decorrelate"``: rotate onto the principal axes of the training covariance
  (Karhunen-Loève expansion / PCA), so the inputs are uncorrelated;
* ``"scale"``: divide each (possibly rotated) input by its training standard deviation
  (covariance equalisation: every input gets variance 1).

``whiten`` is center + decorrelate + scale: the training covariance becomes the identity.

Inputs that barely vary in the training set (a pixel near the border that is almost always
blank, a principal direction of almost no variance) would be divided by a tiny standard
deviation, and on new data their values would explode: MNIST test pixels reach 1e3 that
way, and a net trained on such inputs does worse than on raw pixels. So no input is
divided by less than ``floor`` times the root-mean-square standard deviation of all
inputs (default 0.1): those inputs keep a small variance instead of variance 1. The rule
is continuous in the data (a maximum, not a threshold), and inputs that vary normally
are scaled exactly to variance 1.
"""
from __future__ import annotations

import numpy as np

from ._validate import check_array, check_nonnegative, check_positive

__all__ = ["InputTransform", "whiten"]

_ORDER = ("center", "decorrelate", "scale")


class InputTransform:
    """Fit with ``fit(X_train)``, then ``transform(X)``; ``inverse_transform`` undoes it.

    Parameters
    ----------
    steps : str or sequence of str, default ("center", "scale")
        Any of "center", "decorrelate", "scale" (see the module docstring), without
        repeats. They are always applied in that order, whatever the order given.
    floor : float, default 0.1
        No input is divided by less than ``floor`` times the root-mean-square standard
        deviation of all inputs, >= 0; 0 divides every input by its own standard
        deviation (but never by less than ``eps``).
    eps : float, default 1e-12
        The smallest divisor in any case, > 0.

    Attributes
    ----------
    mean_ : ndarray, shape (n,)
        The training mean subtracted (zeros without "center").
    rotation_ : ndarray of shape (n, n), or None
        The principal axes as columns, by decreasing variance ("decorrelate" only).
    eigenvalues_ : ndarray, shape (n,)
        The training covariance's eigenvalues, decreasing ("decorrelate" only).
    scale_ : ndarray, shape (n,)
        The divisors (ones without "scale").
    n_features_ : int
        Inputs per row seen by :meth:`fit`.

    Raises
    ------
    ValueError
        When a step is unknown or repeated, floor < 0 or eps <= 0.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal([3, -1], [2, 0.5], size=(500, 2))
    >>> Z = InputTransform(["center", "scale"]).fit(X).transform(X)
    >>> np.allclose(Z.mean(0), 0) and np.allclose(Z.std(0), 1)
    True
    """

    def __init__(self, steps=("center", "scale"), floor: float = 0.1, eps: float = 1e-12):
        steps = [steps] if isinstance(steps, str) else list(steps)
        for s in steps:
            if s not in _ORDER:
                raise ValueError(f"unknown step {s!r}; choose from {list(_ORDER)}")
        if len(set(steps)) != len(steps):
            raise ValueError(f"steps must not repeat, got {steps}")
        self.steps = tuple(s for s in _ORDER if s in steps)
        self.floor = check_nonnegative("floor", floor)
        self.eps = check_positive("eps", eps)
        self.mean_ = self.rotation_ = self.scale_ = None

    def fit(self, X) -> "InputTransform":
        """Learn the mean, principal axes and scales of the training inputs.

        Parameters
        ----------
        X : array_like, shape (P, n)
            Training inputs, one row per sample, P >= 2.

        Returns
        -------
        InputTransform
            This transform, fitted (so that calls chain).

        Raises
        ------
        ValueError
            When X is not 2-D, not finite, or has fewer than 2 rows.
        """
        X = check_array("X", X, ndim=2)
        if X.shape[0] < 2:
            raise ValueError(f"X needs at least 2 rows to fit a transform, got {X.shape[0]}")
        n = X.shape[1]
        self.mean_ = X.mean(axis=0) if "center" in self.steps else np.zeros(n)
        Z = X - self.mean_
        if "decorrelate" in self.steps:
            # covariance about the mean (whether or not we subtract it from the data)
            C = np.cov(X, rowvar=False, bias=True).reshape(n, n)
            evals, evecs = np.linalg.eigh(C)
            order = np.argsort(evals)[::-1]
            self.rotation_ = evecs[:, order]
            self.eigenvalues_ = evals[order]
            Z = Z @ self.rotation_
        else:
            self.rotation_ = None
        if "scale" in self.steps:
            std = Z.std(axis=0)
            ref = float(np.sqrt(np.mean(std ** 2)))
            self.scale_ = np.maximum(std, max(self.floor * ref, self.eps)) if ref > 0 else np.ones(n)
        else:
            self.scale_ = np.ones(n)
        self.n_features_ = n
        return self

    def _check(self, X, name):
        if self.mean_ is None:
            raise RuntimeError("call fit(X_train) before transforming")
        X = check_array(name, X, ndim=2)
        if X.shape[1] != self.n_features_:
            raise ValueError(f"{name} must have {self.n_features_} columns like the training "
                             f"data, got shape {X.shape}")
        return X

    def transform(self, X) -> np.ndarray:
        """Apply the fitted steps: (X - mean) rotated onto the principal axes, divided by
        the scales.

        Parameters
        ----------
        X : array_like, shape (N, n)
            Inputs with as many columns as the training data.

        Returns
        -------
        ndarray, shape (N, n)
            The transformed inputs.

        Raises
        ------
        RuntimeError
            When the transform has not been fitted.
        ValueError
            When X has the wrong number of columns.
        """
        X = self._check(X, "X")
        Z = X - self.mean_
        if self.rotation_ is not None:
            Z = Z @ self.rotation_
        return Z / self.scale_

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``.

        Parameters
        ----------
        X : array_like, shape (P, n)
            Training inputs, P >= 2.

        Returns
        -------
        ndarray, shape (P, n)
            The transformed training inputs.
        """
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        """Undo :meth:`transform`: Z times the scales, rotated back, plus the mean.

        Parameters
        ----------
        Z : array_like, shape (N, n)
            Transformed inputs.

        Returns
        -------
        ndarray, shape (N, n)
            The inputs in their original coordinates.

        Raises
        ------
        RuntimeError
            When the transform has not been fitted.
        ValueError
            When Z has the wrong number of columns.
        """
        Z = self._check(Z, "Z") * self.scale_
        if self.rotation_ is not None:
            Z = Z @ self.rotation_.T
        return Z + self.mean_

    def __repr__(self):
        return f"InputTransform({list(self.steps)})"


def whiten(floor: float = 0.1, eps: float = 1e-12) -> InputTransform:
    """Centre, decorrelate and scale: the training covariance becomes the identity on the
    principal directions whose standard deviation is at least ``floor`` times the
    root-mean-square one (a regularised PCA whitening; see the module docstring).

    Parameters
    ----------
    floor : float, default 0.1
        As in :class:`InputTransform`: the smallest divisor relative to the
        root-mean-square standard deviation, >= 0.
    eps : float, default 1e-12
        The smallest divisor in any case, > 0.

    Returns
    -------
    InputTransform
        An unfitted transform with the steps "center", "decorrelate", "scale".

    Examples
    --------
    >>> X = np.random.default_rng(0).multivariate_normal([0, 0], [[2, 1], [1, 2]], 1000)
    >>> Z = whiten().fit_transform(X)
    >>> (np.round(np.cov(Z.T, bias=True), 6) + 0.0).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return InputTransform(_ORDER, floor=floor, eps=eps)
