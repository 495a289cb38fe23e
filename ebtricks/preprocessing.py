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
        X = self._check(X, "X")
        Z = X - self.mean_
        if self.rotation_ is not None:
            Z = Z @ self.rotation_
        return Z / self.scale_

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        Z = self._check(Z, "Z") * self.scale_
        if self.rotation_ is not None:
            Z = Z @ self.rotation_.T
        return Z + self.mean_

    def __repr__(self):
        return f"InputTransform({list(self.steps)})"


def whiten(floor: float = 0.1, eps: float = 1e-12) -> InputTransform:
    """Centre, decorrelate and scale: the training covariance becomes the identity on the
    principal directions whose standard deviation is at least ``floor`` times the
    root-mean-square one (a regularised PCA whitening; see the module docstring)."""
    return InputTransform(_ORDER, floor=floor, eps=eps)
