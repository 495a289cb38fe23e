"""The per-sample drivers: whole-network passes, one sample at a time, over any stack of
layers (the reference path, and the only one for shared-weight and RBF layers).

The layer type is looked at in one place, :func:`_dispatchers` below (one dispatcher for
each of the five passes); every layer file (:mod:`.dense`, :mod:`.shared`, :mod:`.conv`,
:mod:`.rbf`) has the five passes with the same arguments. Every driver takes the
network's family marker (:func:`.indirect.family`) first. Buffers follow :mod:`.layout`.
"""
from __future__ import annotations

from numba import njit, types
from numba.extending import overload

from . import dense
from .indirect import LAYER_FILES, PASSES, call_pass
from .layout import N_IN, N_OUT, OUT_OFF, TYPE, DenseOnly
from .loss import loss_and_grad, loss_hessian_diag, loss_hessian_times, loss_only


# --- the dispatch on the layer type: the one place ----------------------------------------
# One function serves all five passes. The drivers take a family marker first (a distinct
# type to Numba for each family): for layout.DenseOnly the dispatcher compiles to the dense
# pass alone, called directly; for layout.AnyLayers it calls the pass of the layer's type
# through its address (indirect.py), so no driver compiles any layer pass into itself. The
# dispatch and the thin drivers below are inline="always" (see README.md, "Compile time").
def _dispatchers(name):
    which = PASSES.index(name)
    d = getattr(dense, name)
    by_type = {t: getattr(m, name) for t, m in LAYER_FILES.items()}

    def dense_only(fam, t, args):
        d(*args)

    def any_layer(fam, t, args):
        call_pass(fam.addr[t, which], args)

    def layer_pass(fam, t, args):
        """Run pass ``name`` of a layer of type t on the tuple of arguments ``args``."""
        by_type[t](*args)      # with NUMBA_DISABLE_JIT; compiled, the overload below

    layer_pass.__name__ = layer_pass.__qualname__ = f"layer_{name}"

    @overload(layer_pass, inline="always")
    def _typed(fam, t, args):
        return dense_only if is_dense_only(fam) else any_layer

    return layer_pass


def is_dense_only(fam):
    """Whether the Numba type ``fam`` is the dense-only family marker."""
    return isinstance(fam, types.BaseNamedTuple) and fam.instance_class is DenseOnly


layer_forward, layer_backward, layer_r_forward, layer_r_backward, layer_diag = (
    _dispatchers(name) for name in ("forward", "backward", "r_forward", "r_backward", "diag"))


# --- whole-network passes ------------------------------------------------------------------
@njit(cache=True, inline="always")
def forward(fam, table, lf, aux, params, x, xs, ys):
    """Eq 3, layer by layer: the outputs of the last layer end in xs."""
    for i in range(table[0, N_IN]):
        xs[i] = x[i]
    for l in range(table.shape[0]):
        layer_forward(fam, table[l, TYPE], (table[l], lf[l], aux, params, xs, ys))


@njit(cache=True, inline="always")
def backward(fam, table, lf, aux, params, xs, ys, dxs, dys, grad):
    """Backpropagate dE/dX of the last layer (already in ``dxs``) down to the input
    (eqs 4-9), adding the gradient into ``grad``."""
    for l in range(table.shape[0] - 1, -1, -1):
        layer_backward(fam, table[l, TYPE],
                       (table[l], lf[l], aux, params, xs, ys, dxs, dys, grad, l > 0))


@njit(cache=True, inline="always")
def r_forward(fam, table, lf, aux, params, v, xs, ys, rxs, rys):
    for l in range(table.shape[0]):
        layer_r_forward(fam, table[l, TYPE],
                        (table[l], lf[l], aux, params, v, xs, ys, rxs, rys, l == 0))


@njit(cache=True, inline="always")
def _out(table):
    last = table.shape[0] - 1
    return table[last, OUT_OFF], table[last, N_OUT]


@njit(cache=True, inline="always")
def sample_loss_grad(fam, table, lf, aux, params, loss, x, d, xs, ys, dxs, dys, grad):
    """E_p for one sample; its gradient is added into ``grad``."""
    forward(fam, table, lf, aux, params, x, xs, ys)
    o0, n = _out(table)
    e = loss_and_grad(loss, xs[o0:o0 + n], d, dxs[o0:o0 + n])
    backward(fam, table, lf, aux, params, xs, ys, dxs, dys, grad)
    return e


@njit(cache=True)
def batch_loss_grad(fam, table, lf, aux, params, loss, X, D, xs, ys, dxs, dys, grad):
    """Sum over samples of E_p, and of its gradient (into ``grad``, zeroed first)."""
    grad[:] = 0.0
    total = 0.0
    for p in range(X.shape[0]):
        total += sample_loss_grad(fam, table, lf, aux, params, loss, X[p], D[p], xs, ys, dxs, dys,
                                  grad)
    return total


@njit(cache=True)
def batch_forward(fam, table, lf, aux, params, X, xs, ys, out):
    o0, n = _out(table)
    for p in range(X.shape[0]):
        forward(fam, table, lf, aux, params, X[p], xs, ys)
        for k in range(n):
            out[p, k] = xs[o0 + k]


@njit(cache=True)
def batch_losses(fam, table, lf, aux, params, loss, X, D, xs, ys, out):
    """E_p of every sample into ``out``; returns their sum."""
    o0, n = _out(table)
    total = 0.0
    for p in range(X.shape[0]):
        forward(fam, table, lf, aux, params, X[p], xs, ys)
        out[p] = loss_only(loss, xs[o0:o0 + n], D[p])
        total += out[p]
    return total


# --- second order (§7) ----------------------------------------------------------------------
@njit(cache=True, inline="always")
def sample_hvp(fam, table, lf, aux, params, loss, v, x, d, xs, ys, dxs, dys, rxs, rys, rdxs, hv):
    """Add H_p v (the Hessian of E_p times v) into ``hv``; return E_p."""
    forward(fam, table, lf, aux, params, x, xs, ys)
    r_forward(fam, table, lf, aux, params, v, xs, ys, rxs, rys)
    o0, n = _out(table)
    e = loss_and_grad(loss, xs[o0:o0 + n], d, dxs[o0:o0 + n])
    # R{dE/dx_out} = (d^2E/dx_out^2) R{x_out}
    loss_hessian_times(loss, xs[o0:o0 + n], d, rxs[o0:o0 + n], rdxs[o0:o0 + n])
    for l in range(table.shape[0] - 1, -1, -1):
        layer_r_backward(fam, table[l, TYPE], (table[l], lf[l], aux, params, v, xs, ys, dxs,
                                               rxs, rys, rdxs, hv, l > 0, l == 0))
    return e


@njit(cache=True)
def batch_hvp(fam, table, lf, aux, params, loss, v, X, D, xs, ys, dxs, dys, rxs, rys, rdxs, hv):
    hv[:] = 0.0
    total = 0.0
    for p in range(X.shape[0]):
        total += sample_hvp(fam, table, lf, aux, params, loss, v, X[p], D[p], xs, ys, dxs, dys, rxs,
                            rys, rdxs, hv)
    return total


@njit(cache=True)
def batch_gnvp(fam, table, lf, aux, params, loss, v, X, D, xs, ys, dxs, dys, rxs, rys, out):
    """sum_p J_p^T (d^2E_p/dy^2) J_p v: the Gauss-Newton matrix (eq 51) times v."""
    out[:] = 0.0
    o0, n = _out(table)
    for p in range(X.shape[0]):
        forward(fam, table, lf, aux, params, X[p], xs, ys)
        r_forward(fam, table, lf, aux, params, v, xs, ys, rxs, rys)
        # R{x_out} = J v; put (d^2E/dy^2) J v at the output and backpropagate it: the
        # ordinary backward pass is linear in what it starts from, so it adds J^T (...) to out
        loss_hessian_times(loss, xs[o0:o0 + n], D[p], rxs[o0:o0 + n], dxs[o0:o0 + n])
        backward(fam, table, lf, aux, params, xs, ys, dxs, dys, out)


@njit(cache=True)
def sample_jacobian(fam, table, lf, aux, params, x, xs, ys, dxs, dys, J):
    """J[k] = d x_out[k] / d w for one sample: backpropagate each unit vector (§7.2)."""
    forward(fam, table, lf, aux, params, x, xs, ys)
    o0, n = _out(table)
    for k in range(n):
        J[k, :] = 0.0
        for q in range(n):
            dxs[o0 + q] = 1.0 if q == k else 0.0
        backward(fam, table, lf, aux, params, xs, ys, dxs, dys, J[k])


@njit(cache=True, inline="always")
def batch_diag_backprop(fam, table, lf, aux, params, loss, X, D, xs, ys, dxs, d2xs, keep_f2, out):
    """Sum over samples of the backpropagated diagonal second derivatives (eqs 54-56):

    d2E/dy_k^2 = f'(y_k)^2 d2E/dx_k^2  (+ f''(y_k) dE/dx_k when keep_f2),
    d2E/dw_ki^2 = d2E/dy_k^2 x_i^2,     d2E/dx_i^2 = sum_k w_ki^2 d2E/dy_k^2.

    Off-diagonal terms of d2E/dx^2 are ignored. Without keep_f2 every term is >= 0 (the
    Gauss-Newton version the paper recommends)."""
    out[:] = 0.0
    o0, n = _out(table)
    for p in range(X.shape[0]):
        forward(fam, table, lf, aux, params, X[p], xs, ys)
        loss_hessian_diag(loss, xs[o0:o0 + n], D[p], d2xs[o0:o0 + n])
        if keep_f2:
            loss_and_grad(loss, xs[o0:o0 + n], D[p], dxs[o0:o0 + n])
        for l in range(table.shape[0] - 1, -1, -1):
            layer_diag(fam, table[l, TYPE], (table[l], lf[l], aux, params, xs, ys, dxs, d2xs,
                                             keep_f2, out, l > 0))


@njit(cache=True)
def running_diag(fam, table, lf, aux, params, loss, X, D, idx, gamma, hbar, xs, ys, dxs, d2xs, tmp):
    """Eq 62: <h> <- (1 - gamma) <h> + gamma h_p, pattern by pattern (SDLM)."""
    for k in range(idx.size):
        p = idx[k]
        batch_diag_backprop(fam, table, lf, aux, params, loss, X[p:p + 1], D[p:p + 1], xs, ys, dxs,
                            d2xs, False, tmp)
        for i in range(hbar.size):
            hbar[i] = (1.0 - gamma) * hbar[i] + gamma * tmp[i]
