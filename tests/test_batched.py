"""The matrix-product path for whole batches agrees with the per-sample Numba kernels."""
import numpy as np
import pytest

from ebtricks._engine import batched as B, drivers as K, indirect, layout
from test_network import random_case


def loop_buffers(net):
    xs, ys, dxs, dys = layout.buffers(net.table)
    return xs, ys, dxs, dys, np.zeros_like(xs), np.zeros_like(xs), np.zeros_like(xs)


@pytest.mark.small
@pytest.mark.parametrize("seed", range(12))
def test_batched_equals_loop(seed):
    net, X, D, *_ = random_case(seed)
    X = np.vstack([X] * 3)          # enough rows to matter
    D = np.vstack([D] * 3)
    w, n = net.params, net.n_params
    v = np.random.default_rng(seed).normal(size=n)
    tab, lf, loss, aux = net.table, net.layer_floats, net.loss_code, net.aux
    fam = indirect.family(tab, indirect.PASSES)

    g_loop = np.empty(n)
    e_loop = K.batch_loss_grad(fam, tab, lf, aux, w, loss, X, D, *layout.buffers(tab), g_loop)
    e_b, g_b = B.gradient(net, w, X, D)
    out_loop = np.empty((X.shape[0], net.n_outputs))
    K.batch_forward(fam, tab, lf, aux, w, X, *layout.buffers(tab)[:2], out_loop)
    np.testing.assert_allclose(B.outputs(net, w, X), out_loop, rtol=1e-12, atol=1e-14)
    losses = np.empty(X.shape[0])
    K.batch_losses(fam, tab, lf, aux, w, loss, X, D, *layout.buffers(tab)[:2], losses)
    np.testing.assert_allclose(B.sample_losses(net, w, X, D), losses, rtol=1e-11, atol=1e-13)
    assert e_b == pytest.approx(e_loop, rel=1e-12)
    np.testing.assert_allclose(g_b, g_loop, rtol=1e-10, atol=1e-12)

    hv = np.empty(n)
    K.batch_hvp(fam, tab, lf, aux, w, loss, v, X, D, *loop_buffers(net), hv)
    np.testing.assert_allclose(B.hvp(net, w, v, X, D), hv, rtol=1e-10, atol=1e-12)

    xs, ys, dxs, _ = layout.buffers(tab)
    gv = np.empty(n)
    K.batch_gnvp(fam, tab, lf, aux, w, loss, v, X, D, xs, ys, dxs, np.zeros_like(xs), np.zeros_like(xs),
                 np.zeros_like(xs), gv)
    np.testing.assert_allclose(B.gnvp(net, w, v, X, D), gv, rtol=1e-10, atol=1e-12)

    for keep in (False, True):
        dg = np.empty(n)
        K.batch_diag_backprop(fam, tab, lf, aux, w, loss, X, D, xs, ys, dxs, np.zeros_like(xs), keep, dg)
        np.testing.assert_allclose(B.diag_backprop(net, w, X, D, keep), dg, rtol=1e-10, atol=1e-12)
