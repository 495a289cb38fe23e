"""What a batch optimizer sees: a cost of a flat weight vector with its derivatives, counting
every evaluation so that methods can be compared by work done, not only by iterations."""
from __future__ import annotations

from collections import Counter

import numpy as np

from . import curvature as cv
from ._validate import check_array, check_int
from .network import Network

__all__ = ["NetworkObjective", "FunctionObjective"]


class NetworkObjective:
    """The average training cost E(w) of ``net`` on (X, D), with its gradient (backprop),
    Hessian-vector products, full Hessian, and Gauss-Newton matrix G = <J^T J> (eq 51, for
    Gauss-Newton and Levenberg-Marquardt, eqs 46-47). Every call is counted in ``counts``.

    Parameters
    ----------
    net : Network
        The network; its ``params`` are not used or changed (each method takes w).
    X : array_like, shape (P, n_inputs)
        Training inputs.
    D : array_like, shape (P, n_outputs)
        Training targets.

    Attributes
    ----------
    n : int
        The number of weights, ``net.n_params``.
    counts : collections.Counter
        Calls by kind: "values", "gradients", "hessian_vector_products", "hessians",
        "gauss_newton_matrices" (and "line_search_evaluations", which the methods add).

    Raises
    ------
    TypeError
        When net is not a Network.
    ValueError
        When X and D do not fit the network.

    Examples
    --------
    >>> import ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> obj = eb.NetworkObjective(net, X, D)
    >>> obj.hessian(net.params).shape, dict(obj.counts)
    ((3, 3), {'hessians': 1})
    """

    def __init__(self, net: Network, X, D):
        if not isinstance(net, Network):
            raise TypeError(f"net must be a Network, got {type(net).__name__}")
        self.net = net
        self.X, self.D = net.check_data(X, D)
        self.n = net.n_params
        self.counts = Counter()

    def value(self, w):
        """E(w), the average cost.

        Parameters
        ----------
        w : ndarray, shape (n,)
            The weights.

        Returns
        -------
        float
            E(w).
        """
        self.counts["values"] += 1
        return self.net.cost(self.X, self.D, w)

    def value_and_grad(self, w):
        """E(w) and its gradient by backpropagation (eqs 4-9).

        Parameters
        ----------
        w : ndarray, shape (n,)
            The weights.

        Returns
        -------
        E : float
            The cost.
        grad : ndarray, shape (n,)
            Its gradient.
        """
        self.counts["gradients"] += 1
        return self.net.gradient(self.X, self.D, w)

    def hvp(self, w, v):
        """H(w) v by the R-operator.

        Parameters
        ----------
        w : ndarray, shape (n,)
            The weights.
        v : ndarray, shape (n,)
            The vector to multiply.

        Returns
        -------
        ndarray, shape (n,)
            H v.
        """
        self.counts["hessian_vector_products"] += 1
        return cv.hessian_vector_product(self.net, self.X, self.D, v, w)

    def hessian(self, w):
        """The full Hessian H(w) (:func:`ebtricks.curvature.hessian`).

        Parameters
        ----------
        w : ndarray, shape (n,)
            The weights.

        Returns
        -------
        ndarray, shape (n, n)
            H.

        Raises
        ------
        ValueError
            When the network has more than 2,500 weights.
        """
        self.counts["hessians"] += 1
        return cv.hessian(self.net, self.X, self.D, w)

    def gauss_newton(self, w):
        """The Gauss-Newton matrix G(w) (eq 51, :func:`ebtricks.curvature.gauss_newton`).

        Parameters
        ----------
        w : ndarray, shape (n,)
            The weights.

        Returns
        -------
        ndarray, shape (n, n)
            G.

        Raises
        ------
        ValueError
            When the network has more than 2,500 weights.
        """
        self.counts["gauss_newton_matrices"] += 1
        return cv.gauss_newton(self.net, self.X, self.D, w)


class FunctionObjective:
    """Any smooth function given by callables, for :func:`~ebtricks.optimizers.minimize`.

    f(w) -> float and grad(w) -> array of shape (n,) are needed by every method;
    hess(w) -> (n, n) array only by Newton; gauss_newton(w) -> (n, n) array only by
    GaussNewton and LevenbergMarquardt. For a least-squares cost f(w) = 1/(2P) sum r(w)^2
    with residuals r and their Jacobian J = dr/dw, that is G(w) = J^T J / P, and then
    grad(w) = J^T r / P.

    Parameters
    ----------
    f : callable
        ``f(w)``: the cost, a real number.
    grad : callable
        ``grad(w)``: its gradient, shape (n,).
    n : int
        The number of weights, >= 1.
    hess : callable, optional
        ``hess(w)``: the Hessian, shape (n, n); needed by Newton only.
    gauss_newton : callable, optional
        ``gauss_newton(w)``: the Gauss-Newton matrix, shape (n, n); needed by GaussNewton
        and LevenbergMarquardt only.

    Attributes
    ----------
    n : int
        The number of weights.
    counts : collections.Counter
        Calls by kind: "values", "gradients", "hessian_vector_products", "hessians",
        "gauss_newton_matrices" (and "line_search_evaluations", which the methods add).

    Raises
    ------
    TypeError
        When f or grad, or a given hess or gauss_newton, is not callable.
    ValueError
        When n < 1.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> obj = eb.FunctionObjective(lambda w: float(w @ w), lambda w: 2 * w, n=2)
    >>> obj.value_and_grad(np.ones(2))[0], dict(obj.counts)
    (2.0, {'gradients': 1})
    """

    def __init__(self, f, grad, n: int, hess=None, gauss_newton=None):
        for name, fn in (("f", f), ("grad", grad), ("hess", hess), ("gauss_newton", gauss_newton)):
            if (fn is not None or name in ("f", "grad")) and not callable(fn):
                raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
        self._f, self._g, self._h, self._gn = f, grad, hess, gauss_newton
        self.n = check_int("n", n, minimum=1)
        self.counts = Counter()

    def value(self, w):
        """f(w).

        Parameters
        ----------
        w : ndarray, shape (n,)
            The weights.

        Returns
        -------
        float
            f(w).
        """
        self.counts["values"] += 1
        return float(self._f(w))

    def value_and_grad(self, w):
        """f(w) and grad(w).

        Parameters
        ----------
        w : ndarray, shape (n,)
            The weights.

        Returns
        -------
        value : float
            f(w).
        grad : ndarray, shape (n,)
            grad(w) (it may hold NaN or infinities; the methods check).

        Raises
        ------
        ValueError
            When grad(w) does not have shape (n,).
        """
        self.counts["gradients"] += 1
        return float(self._f(w)), check_array("grad(w)", self._g(w), shape=(self.n,), finite=False)

    def hvp(self, w, v):
        """H(w) v, from the full ``hess(w)`` (also counted as a Hessian).

        Parameters
        ----------
        w : ndarray, shape (n,)
            The weights.
        v : ndarray, shape (n,)
            The vector to multiply.

        Returns
        -------
        ndarray, shape (n,)
            H v.

        Raises
        ------
        ValueError
            When no ``hess`` was given.
        """
        self.counts["hessian_vector_products"] += 1
        return self.hessian(w) @ v

    def hessian(self, w):
        """hess(w).

        Parameters
        ----------
        w : ndarray, shape (n,)
            The weights.

        Returns
        -------
        ndarray, shape (n, n)
            The Hessian.

        Raises
        ------
        ValueError
            When no ``hess`` was given.
        """
        if self._h is None:
            raise ValueError("this objective has no hess(w); give one for Newton's method")
        self.counts["hessians"] += 1
        return np.asarray(self._h(w), dtype=float)

    def gauss_newton(self, w):
        """gauss_newton(w).

        Parameters
        ----------
        w : ndarray, shape (n,)
            The weights.

        Returns
        -------
        ndarray, shape (n, n)
            The Gauss-Newton matrix.

        Raises
        ------
        ValueError
            When no ``gauss_newton`` was given.
        """
        if self._gn is None:
            raise ValueError("this objective has no gauss_newton(w); give one for "
                             "Gauss-Newton and Levenberg-Marquardt")
        self.counts["gauss_newton_matrices"] += 1
        return np.asarray(self._gn(w), dtype=float)
