"""Shared-weight (convolution, subsampling) and RBF layers: every derivative against an
autograd reference written from the layers' definitions, in float64."""
import numpy as np
import pytest
from autograd import grad, hessian as ag_hessian, hessian_vector_product as ag_hvp

import ebtricks as eb
from ebtricks import curvature as cv
import reference_layers as rl
from test_network import central_difference_gradient, rel_err


def random_conv_net(seed):
    rng = np.random.default_rng(seed)
    in_maps = int(rng.integers(1, 3))
    size = int(rng.integers(4, 7))
    kernel = int(rng.integers(1, 4))
    stride = int(rng.integers(1, 3))
    padding = int(rng.integers(0, 2))
    out_maps = int(rng.integers(1, 4))
    table = None
    if in_maps > 1 and rng.random() < 0.6:     # a LeNet-style partial connection table
        table = [sorted(rng.choice(in_maps, size=int(rng.integers(1, in_maps + 1)),
                                   replace=False).tolist()) for _ in range(out_maps)]
    act = str(rng.choice(["tanh", "lecun_tanh", "logistic", "rational_tanh"]))
    c = eb.Conv2D(in_maps, size, out_maps, kernel=kernel, stride=stride, padding=padding,
                  table=table, activation=act)
    layers = [c]
    oh, ow = c.out_size
    if oh % 2 == 0 and ow % 2 == 0 and rng.random() < 0.7:
        layers.append(eb.Subsample(out_maps, (oh, ow), 2, trainable=bool(rng.random() < 0.7),
                                   activation="tanh"))
    n = layers[-1].n_out
    layers.append(eb.Dense(n, 2, "identity" if seed % 2 else "tanh"))
    loss = "softmax_ce" if seed % 2 else "mse"
    net = eb.Network(layers, loss=loss, seed=seed)
    net.params += 0.1 * rng.normal(size=net.n_params)     # non-zero biases too
    P = 3
    X = rng.normal(size=(P, net.n_inputs))
    D = rng.normal(size=(P, 2)) if loss == "mse" else rng.dirichlet([1, 1], size=P)
    return net, X, D, layers, loss


def random_rbf_net(seed):
    rng = np.random.default_rng(seed)
    n_in, k = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    layers = [eb.RBF(n_in, k, sigma=float(rng.uniform(0.5, 2.0))), eb.Dense(k, 2, "identity")]
    if seed % 3 == 0:
        layers = [eb.Dense(n_in, n_in, "tanh")] + layers
    net = eb.Network(layers, seed=seed)
    X = rng.normal(size=(4, n_in))
    D = rng.normal(size=(4, 2))
    return net, X, D, layers, "mse"


CASES = [("conv", s) for s in range(12)] + [("rbf", s) for s in range(8)]


def make(kind, seed):
    return random_conv_net(seed) if kind == "conv" else random_rbf_net(seed)


@pytest.mark.small
@pytest.mark.parametrize("kind,seed", CASES)
def test_forward_gradient_and_hvp_match_autograd(kind, seed):
    net, X, D, layers, loss = make(kind, seed)
    np.testing.assert_allclose(net.forward(X), rl.outputs(net.params, X, layers), rtol=1e-12,
                               atol=1e-13)
    E, g = net.gradient(X, D)
    assert E == pytest.approx(rl.cost(net.params, X, D, layers, loss), rel=1e-12)
    assert rel_err(g, grad(rl.cost)(net.params, X, D, layers, loss)) <= 1e-6
    v = np.random.default_rng(seed).normal(size=net.n_params)
    hv_ref = ag_hvp(rl.cost)(net.params, X, D, layers, loss, v)
    assert rel_err(cv.hessian_vector_product(net, X, D, v), hv_ref) <= 1e-6


@pytest.mark.parametrize("kind,seed", CASES[::4])
def test_exact_hessian_and_diagonal_match_autograd(kind, seed):
    net, X, D, layers, loss = make(kind, seed)
    H_ref = ag_hessian(rl.cost)(net.params, X, D, layers, loss)
    assert rel_err(cv.hessian(net, X, D), H_ref) <= 1e-6
    assert rel_err(cv.diag_hessian(net, X, D, method="exact"), np.diag(H_ref)) <= 1e-6


@pytest.mark.parametrize("kind,seed", CASES[::2])
def test_gradient_matches_central_differences(kind, seed):
    net, X, D, *_ = make(kind, seed)
    assert rel_err(net.gradient(X, D)[1], central_difference_gradient(net, X, D)) <= 1e-6


@pytest.mark.parametrize("kind,seed", CASES[::3])
def test_gauss_newton_and_jacobian_paths(kind, seed):
    net, X, D, layers, loss = make(kind, seed)
    G = cv.gauss_newton(net, X, D)
    v = np.random.default_rng(1).normal(size=net.n_params)
    assert rel_err(cv.gauss_newton_vector_product(net, X, D, v), G @ v) <= 1e-6
    np.testing.assert_allclose(cv.diag_hessian(net, X, D, method="gauss_newton"), np.diag(G),
                               rtol=1e-10, atol=1e-14)
    assert np.min(np.linalg.eigvalsh(G)) >= -1e-10 * max(1, np.abs(G).max())


def _dense_equivalent(layer, params):
    """The (n_out, n_in) matrix of a shared layer and the weight index of each entry."""
    start, cin, cw, bof = layer.lists
    M = np.zeros((layer.n_out, layer.n_in))
    K = np.full((layer.n_out, layer.n_in), -1)
    for j in range(layer.n_out):
        for c in range(start[j], start[j + 1]):
            M[j, cin[c]] += params[cw[c]] if cw[c] >= 0 else layer.const
            K[j, cin[c]] = cw[c]
    return M, K


@pytest.mark.parametrize("seed", [0, 2, 4, 6, 8, 10])     # even seeds: the mse nets
def test_backprop_diagonal_of_a_conv_net_follows_eqs_54_to_56(seed):
    """Independent check: run eqs 54-56 on the dense matrix each shared layer is equivalent
    to, then add up the entries that share a weight (the recursion ignores the cross terms
    between them, as it ignores off-diagonal terms everywhere)."""
    net, X, D, layers, loss = random_conv_net(seed)
    assert loss == "mse"
    want = np.zeros(net.n_params)
    for x, d in zip(X, D):
        hs, Ys, k = [x], [], 0
        mats = []
        for L in layers:
            p = net.params[k:k + L.n_params]
            if isinstance(L, eb.Dense):
                M, Kidx = p[:L.n_weights].reshape(L.n_out, L.n_in), None
            else:
                M, Kidx = _dense_equivalent(L, p)
            b = np.zeros(L.n_out)
            if L.n_biases:
                b = p[L.n_weights:][np.arange(L.n_out)] if isinstance(L, eb.Dense) else \
                    p[L.n_weights:][L.lists[3]]
            Y = M @ hs[-1] + b
            act = eb.Activation(L.activation, L.a)
            Ys.append(Y)
            hs.append(act(Y))
            mats.append((M, Kidx, act, k, L))
            k += L.n_params
        d2x = np.ones_like(hs[-1])
        for l in range(len(layers) - 1, -1, -1):
            M, Kidx, act, k, L = mats[l]
            hy = act.derivative(Ys[l]) ** 2 * d2x
            Hw = np.outer(hy, hs[l] ** 2)
            if Kidx is None:
                want[k:k + L.n_weights] += Hw.ravel()
                want[k + L.n_weights:k + L.n_params] += hy
            else:
                ok = Kidx >= 0
                np.add.at(want, k + Kidx[ok], Hw[ok])
                bof = L.lists[3]
                np.add.at(want, k + L.n_weights + bof[bof >= 0], hy[bof >= 0])
            d2x = (M ** 2).T @ hy
    np.testing.assert_allclose(cv.diag_hessian(net, X, D), want / len(X), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("seed", range(6))
def test_rbf_backprop_f2_diagonal_is_exact_below_a_linear_output(seed):
    """RBF -> linear output, mse: each centre coordinate and width reaches a single RBF unit,
    and d2E/dphi^2 is exactly diagonal-free at that level, so eqs 57-58 with the f'' term
    give the exact Hessian diagonal for the RBF parameters."""
    rng = np.random.default_rng(seed)
    layers = [eb.RBF(3, 4, sigma=1.3), eb.Dense(4, 1, "identity")]
    net = eb.Network(layers, seed=seed)
    X, D = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    exact = cv.diag_hessian(net, X, D, method="exact")
    f2 = cv.diag_hessian(net, X, D, method="backprop_f2")
    n_rbf = layers[0].n_params
    np.testing.assert_allclose(f2[:n_rbf], exact[:n_rbf], rtol=1e-10)
    assert np.all(cv.diag_hessian(net, X, D) >= 0)


def test_rbf_centres_from_kmeans_and_widths_from_spacing():
    rng = np.random.default_rng(0)
    centres = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    X = np.vstack([c + 0.1 * rng.normal(size=(50, 2)) for c in centres])
    net = eb.Network([eb.RBF(2, 3), eb.Dense(3, 1, "identity")], seed=0)
    eb.init_rbf_from_data(net, 0, X, seed=1)
    got = net.weights(0)[np.argsort(net.weights(0)[:, 0] + 10 * net.weights(0)[:, 1])]
    np.testing.assert_allclose(got, centres[np.argsort(centres[:, 0] + 10 * centres[:, 1])], atol=0.05)
    np.testing.assert_allclose(net.bias(0), [5.0, 5.0, 5.0], atol=0.1)   # nearest other centre


def test_counts_sharing_and_rates():
    c = eb.Conv2D(1, 8, 2, kernel=3, stride=1, padding=1)
    assert c.out_size == (8, 8) and c.n_weights == 18 and c.n_biases == 2
    net = eb.Network([c, eb.Subsample(2, 8, 2), eb.Dense(32, 3)], seed=0)
    share = net.sharing_of_param()
    # an interior kernel tap is used at every position except the padded border row/column
    assert share[4] == 64 and share[0] == 49
    assert share[18] == 64                 # bias of map 0: one per output unit
    s = net.summary()
    assert s["units"] == [64, 128, 32, 3] and s["free_parameters"] == net.n_params


@pytest.mark.small
@pytest.mark.parametrize("make_layer,word", [
    (lambda: eb.Conv2D(1, 4, 1, kernel=7), "kernel 7x7 is larger"),
    (lambda: eb.Conv2D(2, 6, 2, table=[[0], [0, 5]]), "table\\[1\\]"),
    (lambda: eb.Conv2D(2, 6, 3, table=[[0], [1]]), "one entry per output map"),
    (lambda: eb.Subsample(2, 5, 2), "not divisible"),
    (lambda: eb.RBF(2, 3, sigma=0.0), "sigma"),
    (lambda: eb.Network([eb.Conv2D(1, 8, 2, kernel=3), eb.Dense(100, 2)]), "layers\\[1\\] takes n_in=100"),
])
def test_incompatible_shapes_are_named(make_layer, word):
    with pytest.raises(ValueError, match=word):
        make_layer()


def test_shared_weight_rate_rule():
    """§4.7: a shared weight's rate grows as sqrt(connections sharing it); combined with the
    1/sqrt(fan-in) rule under rates="fan_in_shared"."""
    from ebtricks.sgd import _rates
    net = eb.lenet.lenet_like_16()
    share, fan = net.sharing_of_param(), net.fan_in_of_param()
    np.testing.assert_allclose(_rates(net, "shared"), np.sqrt(share))
    np.testing.assert_allclose(_rates(net, "fan_in_shared"), np.sqrt(share / fan))
    # the dense output layer shares nothing: its multipliers are the plain fan-in rule
    dense = slice(net.table[2, 3], net.n_params)
    np.testing.assert_allclose(_rates(net, "fan_in_shared")[dense], 1 / np.sqrt(192))
    X = np.random.default_rng(0).normal(size=(40, 256))
    D = eb.data.targets_pm1(np.arange(40) % 10, 10)
    h = eb.train_sgd(net, X, D, epochs=3, eta=0.005, rates="fan_in_shared", track_cost=True)
    assert h.cost[-1] < h.cost[0]


def test_paper_network_counts():
    s = eb.lenet.net_fig24().summary()
    assert s["units"] == [1024, 1568, 392, 400, 100, 10]
    assert s["connections"] == 64638 and s["free_parameters"] == 1278
    assert eb.lenet.net_fig19().summary()["units"] == [256, 128, 64, 10]


@pytest.mark.small
@pytest.mark.parametrize("in_maps, size, out_maps, kernel, stride, padding, table", [
    (1, 16, 4, 5, 2, 2, None),                         # positions >= taps: "wide" products
    (4, 8, 12, 5, 1, 0, None),                         # fewer positions than taps
    (3, 9, 4, 3, 1, 1, [[0], [0, 2], [1, 2], [0, 1, 2]]),   # LeNet table, wide
    (4, 6, 3, 5, 1, 0, [[0, 1], [2, 3], [0, 3]]),      # LeNet table, narrow
    (2, 7, 2, (3, 2), (2, 1), (1, 0), None),           # rectangular kernel, stride, padding
])
@pytest.mark.parametrize("conv_first", [False, True])
def test_convolution_products_equal_the_connection_list_path(in_maps, size, out_maps, kernel,
                                                             stride, padding, table, conv_first):
    """The im2col + matrix-product kernels against the plain per-connection loops the layer
    also carries: same outputs, gradients, input gradients, H v, G v and diagonals."""
    from ebtricks._engine import drivers as K, indirect, layout
    conv = eb.Conv2D(in_maps, size, out_maps, kernel=kernel, stride=stride, padding=padding,
                     table=table, activation="lecun_tanh")
    layers = [conv, eb.Dense(conv.n_out, 3, "identity")]
    if not conv_first:
        layers.insert(0, eb.Dense(in_maps * size * size, conv.n_in, "tanh"))
    net = eb.Network(layers, seed=1)
    c = 0 if conv_first else 1
    net.params += 0.1 * np.random.default_rng(2).normal(size=net.n_params)
    x, d = np.random.default_rng(3).normal(size=(2, in_maps * size * size))[0], np.ones(3)
    lists = net.table.copy()
    lists[c, layout.TYPE] = layout.SHARED         # the connection-list loops
    out = []
    for table_ in (net.table, lists):
        bufs = layout.buffers(table_)
        g = np.zeros(net.n_params)
        e = K.sample_loss_grad(indirect.family(table_, indirect.PASSES), table_, net.layer_floats, net.aux, net.params, net.loss_code, x,
                               d, *bufs, g)
        out.append((e, bufs[0].copy(), g, bufs[2].copy()))
    (e1, x1, g1, dx1), (e2, x2, g2, dx2) = out
    assert e1 == pytest.approx(e2, rel=1e-13)
    np.testing.assert_allclose(x1, x2, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g1, g2, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(dx1, dx2, rtol=1e-11, atol=1e-13)
    # the curvature passes: H v (R-operator), G v, and the backpropagated diagonal
    v = np.random.default_rng(4).normal(size=net.n_params)
    X, D = x[None, :], d[None, :]
    res = []
    for table_ in (net.table, lists):
        xs, ys, dxs, dys = layout.buffers(table_)
        r = (np.zeros_like(xs), np.zeros_like(ys), np.zeros_like(xs))
        hv, gv = np.zeros(net.n_params), np.empty(net.n_params)
        K.batch_hvp(indirect.family(table_, indirect.PASSES), table_, net.layer_floats, net.aux, net.params, net.loss_code, v, X, D,
                     xs, ys, dxs, dys, *r, hv)
        K.batch_gnvp(indirect.family(table_, indirect.PASSES), table_, net.layer_floats, net.aux, net.params, net.loss_code, v, X, D,
                      xs, ys, dxs, dys, r[0], r[1], gv)
        diags = []
        for keep_f2 in (False, True):
            dg = np.empty(net.n_params)
            K.batch_diag_backprop(indirect.family(table_, indirect.PASSES), table_, net.layer_floats, net.aux, net.params, net.loss_code,
                                   X, D, xs, ys, dxs, np.zeros_like(xs), keep_f2, dg)
            diags.append(dg)
        res.append((hv, gv, *diags))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
