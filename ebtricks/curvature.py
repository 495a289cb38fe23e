"""Second derivatives of the average cost E(w) = 1/P sum_p E_p (§7 and §9.2).

What is here, with the paper's equations:

==============================================  =====================================
:func:`hessian_fd`                               full Hessian from finite differences of
                                                 gradients, symmetrised (§7.1)
:func:`hessian`                                  exact full Hessian, one exact H-vector
                                                 product per column (small nets)
:func:`gauss_newton`, :func:`output_jacobian`    square-Jacobian approximation (§7.2, eq 51)
:func:`diag_hessian`                             backpropagated diagonal (§7.3-7.4, eqs
                                                 53-56), or the exact / Gauss-Newton diagonal
:func:`hessian_vector_product`                   H v exactly by the R-operator, or from two
                                                 gradients (eq 59)
:func:`gauss_newton_vector_product`              G v
:func:`power_method`, :func:`principal_eigen`    largest eigenvalue: power method (eq 60),
                                                 Taylor expansion (eq 63)
:func:`online_principal_eigenvalue`              running-average estimate (eq 64)
:func:`lanczos`, :func:`top_eigenvalues`,        top-k and the full spectrum (Figs 19-20)
:func:`hessian_spectrum`
:func:`layer_mean_diag`                          mean diagonal second derivative per layer
                                                 (Fig 21)
:func:`optimal_learning_rate`                    eta = 1/lambda_max; per weight 1/(h_ii + mu)
==============================================  =====================================

Every function takes the network, the data (X, D) and optionally a parameter vector; the
Hessian is always that of the *average* cost over the rows of X.

Return conventions: an estimate of the *principal* eigenvalue (:func:`power_method`,
:func:`principal_eigen`, :func:`online_principal_eigenvalue`) returns an
:class:`EigenEstimate` ``(value, vector, estimates)``, the value signed; several
eigenvalues at once come largest first, as an array of values (:func:`hessian_spectrum`,
:func:`top_eigenvalues`), or as :class:`Eigenpairs` ``(values, vectors)`` when the
eigenvectors are wanted too (:func:`lanczos`, ``top_eigenvalues(..., vectors=True)``),
the vectors as columns like ``numpy.linalg.eigh``'s.
"""
from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from . import _engine as engine
from ._threads import blas_limited
from ._validate import check_array, check_choice, check_int, check_positive, make_rng
from .network import Network

__all__ = ["EigenEstimate", "Eigenpairs", "ConvergenceWarning", "hessian_vector_product", "gauss_newton_vector_product", "hessian", "hessian_fd",
           "gauss_newton", "output_jacobian", "diag_hessian", "power_method", "lanczos",
           "principal_eigen", "online_principal_eigenvalue", "top_eigenvalues",
           "hessian_spectrum", "layer_mean_diag", "optimal_learning_rate"]

DENSE_LIMIT = 2500  # above this many weights, dense matrices are refused (n^2 doubles)


def _setup(net, X, D, params):
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    X, D = net.check_data(X, D)
    w = net.params_or(params)
    return X, D, w


def _vector(net, v, name="v"):
    return check_array(name, v, shape=(net.n_params,))


def _dense_ok(net, what):
    if net.n_params > DENSE_LIMIT:
        raise ValueError(f"{what} builds a {net.n_params} x {net.n_params} matrix; that is "
                         f"refused above {DENSE_LIMIT} weights. Use hessian_vector_product, "
                         f"diag_hessian or top_eigenvalues instead.")


# --- products with a vector --------------------------------------------------------------
def hessian_vector_product(net: Network, X, D, v, params=None, method: str = "exact",
                           r: float = 1e-5) -> np.ndarray:
    """H v for the average cost.

    method="exact": the R-operator (Pearlmutter 1994): one forward and one backward pass
    of the directional derivative, exact to rounding. method="fd": eq 59,
    (grad E(w + r v) - grad E(w)) / r, two gradients; "fd_central" uses w +- r v.

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    v : array_like, shape (n_params,)
        The vector to multiply.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.
    method : {"exact", "fd", "fd_central"}, default "exact"
        R-operator, forward differences (eq 59) or central differences.
    r : float, default 1e-5
        The finite-difference step, > 0; ignored by "exact".

    Returns
    -------
    ndarray, shape (n_params,)
        H v, H the Hessian of the average cost at ``params``.

    Raises
    ------
    ValueError
        When X, D, v or params have the wrong shape or an option is unknown.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> v = np.array([1.0, 0.0, 2.0])
    >>> bool(np.allclose(hessian_vector_product(net, X, D, v), hessian(net, X, D) @ v))
    True
    >>> Hv = hessian_vector_product(net, X, D, v, method="fd")
    >>> bool(np.allclose(Hv, hessian(net, X, D) @ v, atol=1e-6))
    True
    """
    X, D, w = _setup(net, X, D, params)
    v = _vector(net, v)
    check_choice("method", method, {"exact", "fd", "fd_central"})
    if method == "exact":
        return engine.hvp(net, w, v, X, D) / X.shape[0]
    r = check_positive("r", r)
    if method == "fd":
        return (net.gradient(X, D, w + r * v)[1] - net.gradient(X, D, w)[1]) / r
    return (net.gradient(X, D, w + r * v)[1] - net.gradient(X, D, w - r * v)[1]) / (2 * r)


def gauss_newton_vector_product(net: Network, X, D, v, params=None) -> np.ndarray:
    """G v, G = 1/P sum_p J_p^T (d^2 E_p / dy^2) J_p (eq 51; for mse the middle factor is I).

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    v : array_like, shape (n_params,)
        The vector to multiply.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.

    Returns
    -------
    ndarray, shape (n_params,)
        G v, without forming G.

    Raises
    ------
    ValueError
        When X, D, v or params have the wrong shape or an option is unknown.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 2, 1])
    >>> v = np.arange(net.n_params, dtype=float)
    >>> Gv = gauss_newton_vector_product(net, X, D, v)
    >>> bool(np.allclose(Gv, gauss_newton(net, X, D) @ v))
    True
    """
    X, D, w = _setup(net, X, D, params)
    v = _vector(net, v)
    return engine.gnvp(net, w, v, X, D) / X.shape[0]


# --- dense matrices (small networks) -------------------------------------------------------
def _hessian_columns(net, X, D, w):
    """Yield (k, sum_p H_p e_k) for every weight k: one exact R-operator pass per column."""
    n = net.n_params
    e = np.zeros(n)
    bufs = engine.r_buffers(net)
    for k in range(n):
        e[k] = 1.0
        hv = engine.hvp(net, w, e, X, D, bufs, batched_ok=False)
        e[k] = 0.0
        yield k, hv


def _jacobians_and_loss_hessians(net, X, D, w):
    """Yield, for every sample, J_p = dy/dw and d^2E_p/dy^2 (the identity for mse)."""
    return engine.jacobians(net, w, X, D)


def hessian(net: Network, X, D, params=None) -> np.ndarray:
    """The exact Hessian, column k = H e_k by the R-operator, then symmetrised: (H + H^T)/2.

    One R-operator pass over the data per weight: for small networks.

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.

    Returns
    -------
    ndarray, shape (n_params, n_params)
        The Hessian of the average cost, exactly symmetric.

    Raises
    ------
    ValueError
        When the network has more than 2,500 weights (the matrix would hold n_params^2
        doubles), or when X, D or params have the wrong shape.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    For a linear network the Hessian is the input second-moment matrix, with the bias as a
    constant input 1 (§5.1). The two classes of §5.2 have mean 0:

    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> (np.round(hessian(net, X, D), 3) + 0.0).tolist()
    [[0.196, 0.32, 0.0], [0.32, 0.676, 0.0], [0.0, 0.0, 1.0]]
    """
    X, D, w = _setup(net, X, D, params)
    _dense_ok(net, "hessian")
    H = np.empty((net.n_params, net.n_params))
    for k, column in _hessian_columns(net, X, D, w):
        H[:, k] = column
    H /= X.shape[0]
    return 0.5 * (H + H.T)


def hessian_fd(net: Network, X, D, params=None, h: float = 1e-5, *,
               scheme: str = "central", symmetrise: bool = True) -> np.ndarray:
    """Hessian by finite differences of backprop gradients, column by column (§7.1),
    then symmetrised: (H + H^T)/2, since rounding and truncation leave the raw columns
    slightly asymmetric.

    Column k is (grad E(w + h e_k) - grad E(w - h e_k)) / (2h) (central, the default:
    2 N gradients, error O(h^2)) or (grad E(w + h e_k) - grad E(w)) / h (forward, the
    paper's recipe: N + 1 gradients, error O(h)).

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.
    h : float, default 1e-5
        The finite-difference step on each weight, > 0.
    scheme : {"central", "forward"}, default "central"
        Keyword only. Central differences (two gradients per weight) or forward
        differences (one gradient per weight plus one at ``params``).
    symmetrise : bool, default True
        Keyword only. Return (H + H^T)/2; False returns the raw columns, whose
        asymmetry measures the estimate's error.

    Returns
    -------
    ndarray, shape (n_params, n_params)
        The Hessian estimate, column k the difference quotient along weight k.

    Raises
    ------
    ValueError
        When the network has more than 2,500 weights (the matrix would hold n_params^2
        doubles), or when X, D or params have the wrong shape.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 2, 1])
    >>> bool(np.allclose(hessian_fd(net, X, D), hessian(net, X, D), atol=1e-6))
    True
    >>> Hf = hessian_fd(net, X, D, h=1e-7, scheme="forward", symmetrise=False)
    >>> bool(np.allclose(Hf, hessian(net, X, D), atol=1e-5)), bool((Hf != Hf.T).any())
    (True, True)
    """
    X, D, w = _setup(net, X, D, params)
    _dense_ok(net, "hessian_fd")
    h = check_positive("h", h)
    check_choice("scheme", scheme, {"central", "forward"})
    if not isinstance(symmetrise, (bool, np.bool_)):
        raise TypeError(f"symmetrise must be True or False, got {symmetrise!r}")
    n = net.n_params
    H = np.empty((n, n))
    wp = w.copy()
    if scheme == "forward":
        g0 = net.gradient(X, D, w)[1]
    for k in range(n):
        wp[k] = w[k] + h
        gp = net.gradient(X, D, wp)[1]
        if scheme == "forward":
            wp[k] = w[k]
            H[:, k] = (gp - g0) / h
            continue
        wp[k] = w[k] - h
        gm = net.gradient(X, D, wp)[1]
        wp[k] = w[k]
        H[:, k] = (gp - gm) / (2 * h)
    return 0.5 * (H + H.T) if symmetrise else H


def output_jacobian(net: Network, x, params=None) -> np.ndarray:
    """d M(x, w) / d w for one input: shape (n_outputs, n_params).

    Parameters
    ----------
    net : Network
        The network M(x, w).
    x : array_like, shape (n_in,) or (1, n_in)
        One input.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.

    Returns
    -------
    ndarray, shape (n_outputs, n_params)
        Row k is the gradient of output k with respect to the weights.

    Raises
    ------
    ValueError
        When x is not a single input of the right length, or params has the wrong shape.

    Examples
    --------
    For a linear unit y = w . x + b the Jacobian is (x, 1):

    >>> import ebtricks as eb
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> output_jacobian(net, [0.5, -1.0]).tolist()
    [[0.5, -1.0, 1.0]]
    """
    x = net.check_inputs(x, "x")
    if x.shape[0] != 1:
        raise ValueError(f"x must be a single input row, got {x.shape[0]} rows")
    w = net.params_or(params)
    J, _ = next(engine.jacobians(net, w, x))
    return J


def gauss_newton(net: Network, X, D, params=None) -> np.ndarray:
    """The square-Jacobian (Gauss-Newton) matrix 1/P sum_p J_p^T (d^2E_p/dy^2) J_p (eq 51).

    Positive semi-definite; equals the Hessian when the outputs are linear in the weights
    (an LMS network), since the dropped term of eq 50 carries the second derivatives of
    the outputs.

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.

    Returns
    -------
    ndarray, shape (n_params, n_params)
        G, symmetrised: (G + G^T)/2.

    Raises
    ------
    ValueError
        When the network has more than 2,500 weights (the matrix would hold n_params^2
        doubles), or when X, D or params have the wrong shape.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 2, 1])
    >>> G = gauss_newton(net, X, D)
    >>> G.shape, bool(np.linalg.eigvalsh(G).min() > -1e-12)
    ((9, 9), True)
    >>> lin = eb.mlp([2, 1], activation="identity")
    >>> bool(np.allclose(gauss_newton(lin, X, D), hessian(lin, X, D)))
    True
    """
    X, D, w = _setup(net, X, D, params)
    _dense_ok(net, "gauss_newton")
    G = np.zeros((net.n_params, net.n_params))
    for J, HL in _jacobians_and_loss_hessians(net, X, D, w):
        G += J.T @ HL @ J
    G /= X.shape[0]
    return 0.5 * (G + G.T)


def diag_hessian(net: Network, X, D, params=None, method: str = "backprop") -> np.ndarray:
    """Diagonal second derivatives d^2E/dw_i^2 of the average cost.

    method:
      * "backprop" (default): eqs 54-56, one backward-like pass with squared weights,
        f'' terms and off-diagonal terms dropped; never negative. The cost of a gradient.
      * "backprop_f2": the same recursion keeping the f''(y) dE/dx term of eq 52 (can be
        negative; still drops off-diagonal terms).
      * "gauss_newton": the exact diagonal of the Gauss-Newton matrix (one Jacobian per
        sample).
      * "exact": the exact diagonal of the Hessian (one H-vector product per weight).

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.
    method : {"backprop", "backprop_f2", "gauss_newton", "exact"}, default "backprop"
        How to compute the diagonal, as listed above.

    Returns
    -------
    ndarray, shape (n_params,)
        d^2E/dw_i^2 for every weight, in the order of ``net.params``.

    Raises
    ------
    ValueError
        When X, D, v or params have the wrong shape or an option is unknown.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    For a linear network every method is exact: the inputs' mean squares, and 1 for the
    bias.

    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> np.round(diag_hessian(net, X, D), 3).tolist()
    [0.196, 0.676, 1.0]
    """
    X, D, w = _setup(net, X, D, params)
    check_choice("method", method, {"backprop", "backprop_f2", "gauss_newton", "exact"})
    n = net.n_params
    if method in ("backprop", "backprop_f2"):
        return engine.diag(net, w, X, D, method == "backprop_f2") / X.shape[0]
    out = np.zeros(n)
    if method == "gauss_newton":
        for J, HL in _jacobians_and_loss_hessians(net, X, D, w):
            out += np.einsum("ki,kl,li->i", J, HL, J)
    else:
        for k, column in _hessian_columns(net, X, D, w):
            out[k] = column[k]
    return out / X.shape[0]


def layer_mean_diag(net: Network, X, D, params=None, method: str = "backprop") -> np.ndarray:
    """Mean diagonal second derivative of each layer's weights and biases (Figure 21).

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.
    method : {"backprop", "backprop_f2", "gauss_newton", "exact"}, default "backprop"
        How to compute the diagonal (see :func:`diag_hessian`).

    Returns
    -------
    ndarray, shape (n_layers,)
        For each layer, the mean of d^2E/dw_i^2 over the parameters it owns.

    Raises
    ------
    ValueError
        When X, D, v or params have the wrong shape or an option is unknown.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> np.round(layer_mean_diag(net, X, D), 3).tolist()
    [0.624]
    """
    h = diag_hessian(net, X, D, params, method)
    owner = net.layer_of_param()
    return np.array([h[owner == l].mean() for l in range(len(net.layers))])


# --- eigenvalues ---------------------------------------------------------------------------
def _matvec_of(net, X, D, w, hvp):
    check_choice("hvp", hvp, {"exact", "fd", "gauss_newton"})
    if hvp == "gauss_newton":
        return lambda v: gauss_newton_vector_product(net, X, D, v, w)
    return lambda v: hessian_vector_product(net, X, D, v, w, method=hvp)


class EigenEstimate(NamedTuple):
    """What every estimate of the principal eigenvalue returns (a tuple, so
    ``value, vector, estimates = ...`` unpacks it).

    Parameters
    ----------
    value : float
        The estimated eigenvalue, with its sign.
    vector : ndarray, shape (n,)
        Its unit eigenvector (estimate).
    estimates : ndarray
        The estimate after every iteration (or presentation), with its sign.
    """

    value: float
    vector: np.ndarray
    estimates: np.ndarray


class Eigenpairs(NamedTuple):
    """Several eigenvalues with their eigenvectors (a tuple, so ``values, vectors = ...``
    unpacks it), as :func:`lanczos` and ``top_eigenvalues(..., vectors=True)`` return them.

    Parameters
    ----------
    values : ndarray, shape (k,)
        The eigenvalues, largest first (smallest first for ``lanczos(which="smallest")``).
    vectors : ndarray, shape (n, k)
        The unit eigenvectors as columns, in the same order (``vectors[:, i]`` belongs to
        ``values[i]``).
    """

    values: np.ndarray
    vectors: np.ndarray


class ConvergenceWarning(UserWarning):
    """An iterative eigenvalue estimate stopped at its iteration limit before its tolerance.

    :func:`power_method` and :func:`principal_eigen` issue it (with ``warnings.warn``)
    and still return their last estimate.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     lam, _, _ = power_method(lambda x: np.diag([1.0, 0.5]) @ x, 2, iters=2, tol=1e-15)
    >>> caught[0].category.__name__
    'ConvergenceWarning'
    """


@blas_limited
def power_method(matvec, n: int, iters: int = 100, tol: float = 1e-8, seed: int | None = 0):
    """Eq 60: psi <- H psi / ||psi||; ||psi|| converges to the eigenvalue of largest
    *magnitude* (for a Hessian with a large negative eigenvalue that is not the largest
    one). Returns (eigenvalue, unit eigenvector, estimates per iteration); the sign of the
    eigenvalue is that of the Rayleigh quotient psi^T H psi.

    It stops when two successive estimates agree to ``tol`` (relative). If ``iters``
    iterations pass first, a :class:`ConvergenceWarning` says so and gives the residual
    ``||H psi - lambda psi|| / |lambda|``: the two largest eigenvalues are then close in
    magnitude, and more iterations (or Lanczos, :func:`top_eigenvalues`) are needed.

    Parameters
    ----------
    matvec : callable
        ``matvec(v)`` returns H v for a vector v of length n.
    n : int
        The dimension of H, >= 1.
    iters : int, default 100
        Most iterations, >= 1.
    tol : float, default 1e-8
        Stop when two successive estimates differ by at most ``tol`` times the latest.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the random starting vector.

    Returns
    -------
    EigenEstimate
        ``value``: the eigenvalue of largest magnitude, with its sign (0.0 if H psi is 0);
        ``vector``: the unit eigenvector estimate psi; ``estimates``: the estimate after
        each iteration. It unpacks as ``value, vector, estimates``.

    Raises
    ------
    ValueError
        When ``matvec`` returns a vector of another length, or n or iters is below 1.

    Warns
    -----
    ConvergenceWarning
        When ``iters`` iterations pass before the tolerance is met.

    Examples
    --------
    >>> import numpy as np
    >>> lam, v, _ = power_method(lambda x: np.diag([3.0, -1.0, 0.5]) @ x, 3)
    >>> round(lam, 6), bool(abs(v[0]) > 0.999999)
    (3.0, True)
    """
    n = check_int("n", n, minimum=1)
    iters = check_int("iters", iters, minimum=1)
    rng = make_rng(seed)
    psi = rng.standard_normal(n)
    psi /= np.linalg.norm(psi)
    estimates = []
    lam = 0.0
    for _ in range(iters):
        hp = np.asarray(matvec(psi), dtype=float)
        if hp.shape != (n,):
            raise ValueError(f"matvec must map a vector of length n={n} to one of the same "
                             f"length, got shape {hp.shape}")
        norm = np.linalg.norm(hp)
        if norm == 0:
            return EigenEstimate(0.0, psi, np.array(estimates + [0.0]))
        lam_new = float(np.sign(psi @ hp) or 1.0) * float(norm)
        estimates.append(lam_new)
        psi = hp / norm
        if abs(lam_new - lam) <= tol * abs(lam_new):
            return EigenEstimate(lam_new, psi, np.array(estimates))
        lam = lam_new
    residual = np.linalg.norm(np.asarray(matvec(psi), dtype=float) - lam * psi) / abs(lam)
    warnings.warn(f"power_method did not converge in {iters} iterations (last change "
                  f"{abs(estimates[-1] - estimates[-2]) / abs(lam) if len(estimates) > 1 else 1:.2g}"
                  f" relative, tol {tol:g}); residual ||H psi - lambda psi|| / |lambda| = "
                  f"{residual:.2g}. Give more iters, or use top_eigenvalues (Lanczos).",
                  ConvergenceWarning, stacklevel=2)
    return EigenEstimate(lam, psi, np.array(estimates))


def principal_eigen(net: Network, X, D, params=None, method: str = "power",
                    iters: int = 100, tol: float = 1e-6, alpha: float = 1e-4,
                    hvp: str = "exact", seed: int | None = 0):
    """The eigenvalue of largest magnitude of the Hessian of the average cost, with its
    eigenvector (§9.2); near a minimum that is the largest eigenvalue, the one that sets
    eta_max = 2/lambda. The sign comes from the Rayleigh quotient.

    method="power": eq 60 with H-vector products (``hvp`` = "exact", "fd" (eq 59) or
    "gauss_newton"). method="taylor": eq 63, psi <- (grad E(w + alpha psi/||psi||) - grad E(w))
    / alpha, two gradients per iteration over the whole training set; its estimate is
    ``||psi||``, which has no sign.

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.
    method : {"power", "taylor"}, default "power"
        The power method on H-vector products (eq 60) or the Taylor expansion (eq 63).
    iters : int, default 100
        Most iterations, >= 1.
    tol : float, default 1e-6
        Stop when two successive estimates differ by at most ``tol`` times the latest.
    alpha : float, default 1e-4
        method="taylor": the step alpha of eq 63, > 0; ignored by "power".
    hvp : {"exact", "fd", "gauss_newton"}, default "exact"
        method="power": how to multiply by H (R-operator, eq 59, or G instead of H);
        ignored by "taylor".
    seed : int, numpy.random.Generator or None, default 0
        Seed of the random starting vector.

    Returns
    -------
    EigenEstimate
        ``value``: the eigenvalue estimate (for "power" signed by the Rayleigh quotient,
        for "taylor" ``||psi||`` >= 0); ``vector``: the unit eigenvector estimate;
        ``estimates``: the estimate after each iteration. It unpacks as
        ``value, vector, estimates``, like every principal-eigenvalue estimate here.

    Raises
    ------
    ValueError
        When X, D, v or params have the wrong shape or an option is unknown.
    TypeError
        When ``net`` is not a Network.

    Warns
    -----
    ConvergenceWarning
        When ``iters`` iterations pass before the tolerance is met.

    Examples
    --------
    The largest eigenvalue of the linear network's Hessian is the bias's, 1:

    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> lam, v, est = principal_eigen(net, X, D)
    >>> round(lam, 4), round(principal_eigen(net, X, D, method="taylor")[0], 4)
    (1.0, 1.0)
    """
    X, D, w = _setup(net, X, D, params)
    check_choice("method", method, {"power", "taylor"})
    if method == "power":
        return power_method(_matvec_of(net, X, D, w, hvp), net.n_params, iters, tol, seed)
    alpha = check_positive("alpha", alpha)
    g0 = net.gradient(X, D, w)[1]
    rng = make_rng(seed)
    psi = rng.standard_normal(net.n_params)
    estimates, lam = [], 0.0
    for _ in range(check_int("iters", iters, minimum=1)):
        psi = (net.gradient(X, D, w + alpha * psi / np.linalg.norm(psi))[1] - g0) / alpha
        lam_new = float(np.linalg.norm(psi))
        estimates.append(lam_new)
        if abs(lam_new - lam) <= tol * lam_new:
            break
        lam = lam_new
    else:
        warnings.warn(f"principal_eigen(method='taylor') did not converge in {iters} "
                      f"iterations (tol {tol:g}); give more iters", ConvergenceWarning,
                      stacklevel=2)
    return EigenEstimate(estimates[-1], psi / np.linalg.norm(psi), np.array(estimates))


@blas_limited
def online_principal_eigenvalue(net: Network, X, D, params=None, presentations: int = 500,
                                gamma: float = 0.05, alpha: float = 1e-3,
                                order: str = "shuffle", seed: int | None = 0):
    """The running-average estimate of eq 64, one training pattern at a time:

    psi <- (1 - gamma) psi + gamma/alpha [G_p(w + alpha psi/||psi||) - G_p(w)],

    with G_p the gradient of pattern p. ||psi|| estimates the largest eigenvalue of the
    average Hessian, and eta_opt = 1/||psi||. The weights do not change.

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.
    presentations : int, default 500
        Patterns presented, >= 1 (the data are cycled through as often as needed).
    gamma : float, default 0.05
        The leak gamma of the running average, in (0, 1): the fraction of the average
        each new pattern replaces (the paper's word; a larger gamma remembers less).
    alpha : float, default 1e-3
        The step alpha along psi, > 0.
    order : {"shuffle", "sequential"}, default "shuffle"
        A fresh permutation per pass over the data, or 0..P-1 repeated.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the starting vector and the permutations.

    Returns
    -------
    EigenEstimate
        ``value``: the final estimate; ``vector``: the final unit vector
        psi/``||psi||``; ``estimates``: the estimate after every presentation. Each
        estimate is ``||psi||`` with the sign of a running average (leak gamma) of the
        Rayleigh quotient psi^T H_p psi / ``||psi||^2``.

    Notes
    -----
    Unlike the power method, the running average usually settles on the largest
    *positive* eigenvalue lambda_max, the one that bounds stable learning rates, rather
    than on the one of largest magnitude: along a direction of negative curvature mu the
    average shrinks psi instead of growing it. Without sampling noise this holds when
    gamma (lambda_max + abs(mu)) < 2 lambda_max for every negative eigenvalue mu, so for any
    gamma when no negative eigenvalue is larger in size than lambda_max; with a larger
    gamma, psi ends up flipping sign along the most negative eigenvector with
    ``||psi|| = gamma abs(mu) / (2 - gamma)``, which is not an eigenvalue. The noise of
    single patterns lowers the safe gamma further: keep gamma small (the default 0.05).
    Where every eigenvalue is negative, psi likewise flips with that norm, and the
    estimate's sign (negative) says so.

    Raises
    ------
    ValueError
        When X, D, v or params have the wrong shape or an option is unknown.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> lam, v, est = online_principal_eigenvalue(net, X, D, presentations=500)
    >>> est.shape, bool(abs(lam - 1.0) < 0.2)
    ((500,), True)
    """
    X, D, w = _setup(net, X, D, params)
    presentations = check_int("presentations", presentations, minimum=1)
    gamma = check_positive("gamma", gamma)
    if gamma >= 1:
        raise ValueError(f"gamma must be in (0, 1), got {gamma}")
    alpha = check_positive("alpha", alpha)
    check_choice("order", order, {"shuffle", "sequential"})
    rng = make_rng(seed)
    psi = rng.standard_normal(net.n_params)
    n = X.shape[0]
    if order == "shuffle":
        idx = np.concatenate([rng.permutation(n) for _ in range(-(-presentations // n))])
    else:
        idx = np.arange(presentations) % n
    bufs = engine.buffers(net)
    est = np.empty(presentations)
    rayleigh = 0.0       # running average of psi^T H_p psi / ||psi||^2: the sign
    for t in range(presentations):
        p = idx[t]
        xp, dp = X[p:p + 1], D[p:p + 1]
        g0 = engine.gradient(net, w, xp, dp, bufs)[1]
        g1 = engine.gradient(net, w + alpha * psi / np.linalg.norm(psi), xp, dp, bufs)[1]
        h_psi = (g1 - g0) / alpha                 # H_p psi / ||psi||
        rayleigh = (1 - gamma) * rayleigh + gamma * float(psi @ h_psi) / np.linalg.norm(psi)
        psi = (1 - gamma) * psi + gamma * h_psi
        est[t] = np.copysign(np.linalg.norm(psi), rayleigh)
    return EigenEstimate(float(est[-1]), psi / np.linalg.norm(psi), est)


@blas_limited
def lanczos(matvec, n: int, k: int = 1, steps: int | None = None, seed: int | None = 0,
            which: str = "largest"):
    """k extreme eigenvalues (and vectors) of a symmetric operator by Lanczos iteration with
    full reorthogonalisation. Returns :class:`Eigenpairs` ``(values, vectors)``: largest
    first for which="largest" (algebraically), smallest first for "smallest".

    Parameters
    ----------
    matvec : callable
        ``matvec(v)`` returns H v for a vector v of length n (H symmetric).
    n : int
        The dimension of H, >= 1.
    k : int, default 1
        Eigenvalues wanted, 1 <= k <= n.
    steps : int or None, default None
        Lanczos steps (matvec calls), capped at n; None takes max(2 k + 40, 80).
        The iteration stops early when it finds an invariant subspace.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the random starting vector.
    which : {"largest", "smallest"}, default "largest"
        Which end of the spectrum.

    Returns
    -------
    Eigenpairs
        ``values``, shape (k,): the k extreme eigenvalues (fewer if the iteration stopped
        with fewer steps); ``vectors``, shape (n, k): the unit eigenvectors as columns, in
        the same order. It unpacks as ``values, vectors``.

    Raises
    ------
    ValueError
        When k > n or an argument is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([3.0, 2.0, 1.0, -1.0])
    >>> vals, vecs = lanczos(lambda v: H @ v, 4, k=2)
    >>> np.round(vals, 6).tolist(), vecs.shape
    ([3.0, 2.0], (4, 2))
    """
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=1)
    if k > n:
        raise ValueError(f"k ({k}) must not exceed the number of weights ({n})")
    check_choice("which", which, {"largest", "smallest"})
    m = min(n, steps if steps is not None else max(2 * k + 40, 80))
    rng = make_rng(seed)
    Q = np.zeros((n, m))
    alphas, betas = np.zeros(m), np.zeros(m)
    q = rng.standard_normal(n)
    Q[:, 0] = q / np.linalg.norm(q)
    used = m
    for j in range(m):
        z = matvec(Q[:, j])
        alphas[j] = Q[:, j] @ z
        # full reorthogonalisation (twice is enough) keeps ghost eigenvalues away
        for _ in range(2):
            z -= Q[:, :j + 1] @ (Q[:, :j + 1].T @ z)
        if j + 1 == m:
            break
        betas[j] = np.linalg.norm(z)
        if betas[j] < 1e-12 * max(1.0, abs(alphas[j])):
            used = j + 1            # an invariant subspace: the spectrum found is exact
            break
        Q[:, j + 1] = z / betas[j]
    T = np.diag(alphas[:used]) + np.diag(betas[:used - 1], 1) + np.diag(betas[:used - 1], -1)
    evals, evecs = np.linalg.eigh(T)
    order = np.argsort(evals)[::-1] if which == "largest" else np.argsort(evals)
    order = order[:min(k, used)]
    return Eigenpairs(evals[order], Q[:, :used] @ evecs[:, order])


def hessian_spectrum(net: Network, X, D, params=None, matrix: str = "hessian") -> np.ndarray:
    """All eigenvalues, largest first, of the exact Hessian or ("gauss_newton") of G.

    A linear network with several outputs has a block-diagonal Hessian, one identical
    block (the input second moments) per output, so each eigenvalue appears once per
    output: count distinct values with that in mind.

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.
    matrix : {"hessian", "gauss_newton"}, default "hessian"
        The exact Hessian (:func:`hessian`) or the Gauss-Newton matrix
        (:func:`gauss_newton`).

    Returns
    -------
    ndarray, shape (n_params,)
        All eigenvalues, largest first.

    Raises
    ------
    ValueError
        When the network has more than 2,500 weights (the matrix would hold n_params^2
        doubles), or when X, D or params have the wrong shape.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    The input covariance of §5.2 has eigenvalues 0.836 and 0.036; the bias adds 1:

    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> np.round(hessian_spectrum(net, X, D), 3).tolist()
    [1.0, 0.836, 0.036]
    """
    check_choice("matrix", matrix, {"hessian", "gauss_newton"})
    M = hessian(net, X, D, params) if matrix == "hessian" else gauss_newton(net, X, D, params)
    return np.linalg.eigvalsh(M)[::-1]


def top_eigenvalues(net: Network, X, D, k: int = 10, params=None, method: str = "auto",
                    hvp: str = "exact", seed: int | None = 0, vectors: bool = False):
    """The k largest eigenvalues of the Hessian: dense eigh for small nets ("dense"), Lanczos
    over H-vector products otherwise ("lanczos"); "auto" picks by size. (For a linear net
    with several outputs each eigenvalue repeats once per output; see
    :func:`hessian_spectrum`.)

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    k : int, default 10
        Eigenvalues wanted, 1 <= k <= n_params.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.
    method : {"auto", "dense", "lanczos"}, default "auto"
        "auto" takes "dense" up to 600 weights and "lanczos" above.
    hvp : {"exact", "fd", "gauss_newton"}, default "exact"
        method="lanczos": how to multiply by H (R-operator, eq 59, or G instead of H);
        ignored by "dense".
    seed : int, numpy.random.Generator or None, default 0
        Seed of Lanczos' starting vector.
    vectors : bool, default False
        Also return the eigenvectors.

    Returns
    -------
    ndarray, shape (k,), or Eigenpairs
        The k largest eigenvalues, largest first; with ``vectors=True`` an
        :class:`Eigenpairs` ``(values, vectors)``, the unit eigenvectors as the columns of
        ``vectors`` (shape (n_params, k)).

    Raises
    ------
    ValueError
        When X, D, v or params have the wrong shape or an option is unknown.
    TypeError
        When ``net`` is not a Network.

    Examples
    --------
    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> np.round(top_eigenvalues(net, X, D, k=2), 3).tolist()
    [1.0, 0.836]
    >>> np.round(top_eigenvalues(net, X, D, k=2, method="lanczos"), 3).tolist()
    [1.0, 0.836]
    >>> values, vecs = top_eigenvalues(net, X, D, k=1, vectors=True)
    >>> np.round(np.abs(vecs[:, 0]), 3).tolist()       # the bias direction
    [0.0, 0.0, 1.0]
    """
    X, D, w = _setup(net, X, D, params)
    k = check_int("k", k, minimum=1)
    if k > net.n_params:
        raise ValueError(f"k ({k}) must not exceed the number of weights ({net.n_params})")
    check_choice("method", method, {"auto", "dense", "lanczos"})
    if method == "auto":
        method = "dense" if net.n_params <= 600 else "lanczos"
    if not isinstance(vectors, (bool, np.bool_)):
        raise TypeError(f"vectors must be True or False, got {vectors!r}")
    if method == "dense":
        if not vectors:
            return hessian_spectrum(net, X, D, w)[:k]
        values, vecs = np.linalg.eigh(hessian(net, X, D, w))
        return Eigenpairs(values[::-1][:k], vecs[:, ::-1][:, :k])
    pairs = lanczos(_matvec_of(net, X, D, w, hvp), net.n_params, k, seed=seed)
    return pairs if vectors else pairs.values


def optimal_learning_rate(lambda_max=None, diag=None, mu: float = 0.0):
    """eta_opt = 1/lambda_max for one global rate (§5.1, eq 39's multi-dimensional form), or
    per weight eta_i = 1/(h_ii + mu) from the diagonal second derivatives (§5.1, eq 61).

    Parameters
    ----------
    lambda_max : float, optional
        The largest eigenvalue of the Hessian, > 0.
    diag : array_like of shape (n_params,), optional
        Diagonal second derivatives h_ii (e.g. from :func:`diag_hessian`).
    mu : float, default 0.0
        Added to every h_ii, >= 0; ignored with ``lambda_max``.

    Returns
    -------
    float or ndarray
        1/lambda_max, or the array 1/(h_ii + mu).

    Raises
    ------
    ValueError
        When neither or both of ``lambda_max`` and ``diag`` are given, lambda_max <= 0,
        mu < 0, or some h_ii + mu <= 0.

    Examples
    --------
    >>> optimal_learning_rate(lambda_max=2.0)
    0.5
    >>> optimal_learning_rate(diag=[1.0, 3.0], mu=1.0).tolist()
    [0.5, 0.25]
    """
    if (lambda_max is None) == (diag is None):
        raise ValueError("give exactly one of lambda_max or diag")
    if lambda_max is not None:
        return 1.0 / check_positive("lambda_max", lambda_max)
    diag = check_array("diag", diag, ndim=1)
    mu = check_positive("mu", mu) if mu != 0 else 0.0
    if np.any(diag + mu <= 0):
        raise ValueError("diag + mu must be > 0 for every weight (raise mu)")
    return 1.0 / (diag + mu)


# --- Hutchinson's estimate of the diagonal (page epilogue_optimizers) ------------------------
def hutchinson_diagonal(net: Network, X, D, samples: int = 100, params=None,
                        seed: int | None = 0) -> np.ndarray:
    """An unbiased estimate of the Hessian's diagonal: the mean of z * (H z) over
    ``samples`` random vectors z with independent entries +-1 (Rademacher), each H z one
    exact H-vector product (:func:`hessian_vector_product`). It is Hutchinson's (1990)
    estimator of the trace, z^T H z, taken entry by entry (Bekas, Kokiopoulou & Saad 2007).

    Entry i of z * (H z) is sum_j H_ij z_i z_j; its mean over z is H_ii, because
    z_i**2 = 1 and E[z_i z_j] = 0 for j != i. One sample is therefore exact when H is
    diagonal; otherwise entry i has variance sum_{j != i} H_ij**2 per sample, which
    averaging over ``samples`` vectors divides by ``samples``. AdaHessian (Yao et al. 2021)
    uses this estimate, one vector at a time, in a running average; Sophia-H (Liu et al.
    2023) does the same with Gaussian vectors z.

    Parameters
    ----------
    net : Network
        The network; with its cost (mse or softmax_ce) it defines E.
    X : array_like, shape (P, n_in)
        Inputs, one row per sample.
    D : array_like, shape (P, n_out)
        Targets, one row per sample.
    samples : int, default 100
        Random vectors z to average over, >= 1; each costs one H-vector product.
    params : array_like of shape (n_params,), optional
        The weights at which to evaluate; None (the default) uses ``net.params``.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the vectors z; None draws fresh entropy.

    Returns
    -------
    ndarray, shape (n_params,)
        The estimate of d^2E/dw_i^2 for every weight, in the order of ``net.params``; it
        can be negative where the Hessian is not positive definite, or by chance.

    Raises
    ------
    ValueError
        When X, D or params have the wrong shape or ``samples`` < 1.
    TypeError
        When ``net`` is not a Network, or ``samples`` is not an integer.

    Examples
    --------
    For a linear network with one output the Hessian is the inputs' second-moment
    matrix (with a 1 for the bias); the estimate approaches its diagonal:

    >>> import numpy as np, ebtricks as eb
    >>> X, D = eb.data.two_gaussians(seed=0)
    >>> net = eb.mlp([2, 1], activation="identity")
    >>> est = hutchinson_diagonal(net, X, D, samples=2000, seed=1)
    >>> exact = diag_hessian(net, X, D, method="exact")
    >>> bool(np.allclose(est, exact, atol=0.05)), round(float(est[-1]), 6)
    (True, 1.0)
    """
    X, D, w = _setup(net, X, D, params)
    samples = check_int("samples", samples, minimum=1)
    rng = make_rng(seed)
    total = np.zeros(net.n_params)
    for _ in range(samples):
        z = rng.choice(np.array([-1.0, 1.0]), size=net.n_params)
        total += z * (engine.hvp(net, w, z, X, D) / X.shape[0])
    return total / samples


__all__ += ["hutchinson_diagonal"]
