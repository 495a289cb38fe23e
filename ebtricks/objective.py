"""What a batch optimizer sees: a cost of a flat weight vector with its derivatives, counting
every evaluation so that methods can be compared by work done, not only by iterations."""
from __future__ import annotations

from collections import Counter

import numpy as np

from . import curvature as cv
from ._validate import check_array
from .network import Network

__all__ = ["NetworkObjective", "FunctionObjective"]


class NetworkObjective:
    """The average training cost E(w) of ``net`` on (X, D), with gradient (backprop),
    Hessian-vector products, full Hessian, Gauss-Newton matrix and the mse residuals with
    their Jacobian (for Gauss-Newton and Levenberg-Marquardt, eqs 46-47)."""

    def __init__(self, net: Network, X, D):
        if not isinstance(net, Network):
            raise TypeError(f"net must be a Network, got {type(net).__name__}")
        self.net = net
        self.X, self.D = net.check_data(X, D)
        self.n = net.n_params
        self.counts = Counter()

    def value(self, w):
        self.counts["values"] += 1
        return self.net.cost(self.X, self.D, w)

    def value_and_grad(self, w):
        self.counts["gradients"] += 1
        return self.net.gradient(self.X, self.D, w)

    def hvp(self, w, v):
        self.counts["hessian_vector_products"] += 1
        return cv.hessian_vector_product(self.net, self.X, self.D, v, w)

    def hessian(self, w):
        self.counts["hessians"] += 1
        return cv.hessian(self.net, self.X, self.D, w)

    def gauss_newton(self, w):
        self.counts["gauss_newton_matrices"] += 1
        return cv.gauss_newton(self.net, self.X, self.D, w)


class FunctionObjective:
    """Any smooth function given by callables: ``f(w)``, ``grad(w)`` and optionally
    ``hess(w)`` (for Newton) or ``gauss_newton(w)``."""

    def __init__(self, f, grad, n: int, hess=None, gauss_newton=None):
        self._f, self._g, self._h, self._gn = f, grad, hess, gauss_newton
        self.n = int(n)
        self.counts = Counter()

    def value(self, w):
        self.counts["values"] += 1
        return float(self._f(w))

    def value_and_grad(self, w):
        self.counts["gradients"] += 1
        return float(self._f(w)), check_array("grad(w)", self._g(w), shape=(self.n,), finite=False)

    def hvp(self, w, v):
        self.counts["hessian_vector_products"] += 1
        return self.hessian(w) @ v

    def hessian(self, w):
        if self._h is None:
            raise ValueError("this objective has no hess(w); give one for Newton's method")
        self.counts["hessians"] += 1
        return np.asarray(self._h(w), dtype=float)

    def gauss_newton(self, w):
        if self._gn is None:
            raise ValueError("this objective has no gauss_newton(w); give one for "
                             "Gauss-Newton and Levenberg-Marquardt")
        self.counts["gauss_newton_matrices"] += 1
        return np.asarray(self._gn(w), dtype=float)
