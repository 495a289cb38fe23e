"""The claims of §7.3-7.4 (eqs 52-58, the paper's Fig. 18), computed on the networks of
book/backprop_diagonal and held to the tolerances its table prints. The paper prints no
numbers there: these are its statements (the backpropagated diagonal is a Gauss-Newton
approximation, never negative, exact where the dropped terms vanish), what they imply on
these nets (with one hidden layer and the squared error it is the Gauss-Newton diagonal
itself), and the sizes of the gaps where the dropped terms do not vanish."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks.measure import DIAG_METHODS, diag_layer_gaps, diag_scaled_targets

DIAG = eb.curvature.diag_hessian
X, D, LABELS = eb.data.checkerboard(200, seed=0)
ETA = {"tanh": 0.02, "rbf": 0.03}
A = 1.7159


def board_net(kind, n_out=1, loss="mse", hidden=(5,)):
    """As on the page: a tanh or RBF net after 20 epochs on the board."""
    if kind == "tanh":
        net = eb.mlp([2, *hidden, n_out], loss=loss, seed=0)
    else:
        net = eb.Network([eb.RBF(2, hidden[0]), eb.Dense(hidden[0], n_out, "identity")],
                         loss=loss)
        eb.init_rbf_from_data(net, 0, X)
    low = -1.0 if loss == "mse" else 0.0
    T = D if n_out == 1 else eb.data.targets_pm1(LABELS, 2, low=low)
    eb.train_sgd(net, X, T, epochs=20, eta=ETA[kind], seed=0, track_cost=False,
                 progress=False)
    return net, T


PAIRS = (("backprop", "gauss_newton"), ("gauss_newton", "exact"),
         ("gauss_newton", "exact0"), ("backprop_f2", "exact"))
ONE_HIDDEN = ["tanh 2-5-1", "RBF 2-5-1", "tanh 2-5-2", "RBF 2-5-2"]
SOFTMAX = ["tanh 2-5-2, softmax", "RBF 2-5-2, softmax"]


@pytest.fixture(scope="module")
def cases():
    nets = {"linear 2-1": (eb.mlp([2, 1], activation="identity"), D),
            "tanh 2-5-1": board_net("tanh"), "RBF 2-5-1": board_net("rbf"),
            "tanh 2-5-2": board_net("tanh", 2), "RBF 2-5-2": board_net("rbf", 2),
            "tanh 2-5-2, softmax": board_net("tanh", 2, "softmax_ce"),
            "RBF 2-5-2, softmax": board_net("rbf", 2, "softmax_ce"),
            "tanh 2-5-5-1": board_net("tanh", hidden=(5, 5))}
    out = {}
    for name, (net, T) in nets.items():
        h = {m: DIAG(net, X, T, method=m) for m in DIAG_METHODS}
        h["exact0"] = DIAG(net, X, diag_scaled_targets(net, X, T, 0.0), method="exact")
        gaps = np.array([diag_layer_gaps(net, h[a], h[b]) for a, b in PAIRS])
        out[name] = (net, T, h, gaps)
    return out


def _gap(cases, name, pair, layer=slice(None)):
    return cases[name][3][PAIRS.index(pair), layer]


def test_backprop_diagonal_never_negative(cases):
    """Eq 53 keeps only squares: >= 0; the exact diagonal has negative entries here."""
    assert min(h["backprop"].min() for _, _, h, _ in cases.values()) >= 0
    assert cases["tanh 2-5-1"][2]["exact"].min() < 0


def test_linear_unit_all_four_equal(cases):
    assert _gap(cases, "linear 2-1", PAIRS[0]).max() <= 1e-10
    for pair in PAIRS:
        assert _gap(cases, "linear 2-1", pair).max() <= 1e-10


def test_by_hand_recursion_eqs_54_56_matches_diag_hessian(cases):
    net, T, h, _ = cases["tanh 2-5-1"]
    (W1, b1), (W2, b2) = [(net.weights(l), net.bias(l)) for l in (0, 1)]
    df = lambda f: 2 / 3 * (A - f ** 2 / A)
    x1 = A * np.tanh(2 / 3 * (X @ W1.T + b1))
    o = A * np.tanh(2 / 3 * (x1 @ W2.T + b2))
    dy2 = df(o) ** 2
    dy1 = (dy2 @ W2 ** 2) * df(x1) ** 2
    mine = np.concatenate([(dy1.T @ X ** 2).ravel(), dy1.sum(0), (dy2.T @ x1 ** 2).ravel(),
                           dy2.sum(0)]) / len(X)
    assert np.abs(mine - h["backprop"]).max() / h["backprop"].max() <= 1e-10


def test_rbf_recursion_by_hand_eqs_54_57_matches_diag_hessian(cases):
    """Eqs 54 and 57 for ebtricks' RBF unit phi = exp(-||x - nu||^2 / 2 sigma^2), with
    y = ||x - nu||^2 / 2 sigma^2 and f(y) = exp(-y): f'^2 = phi^2, the centre's factor
    (x_i - nu_ki)^2 / sigma^4, the width's (||x - nu||^2 / sigma^3)^2. With the page's
    y = ||w - x||^2 instead, f'^2 = phi^2 / 4 sigma^4 and the factor 4 (x_i - w_ki)^2 give
    the same centre entries (the paper's printed form, without the 4, a quarter of them)."""
    net, T, h, _ = cases["RBF 2-5-1"]
    nu, sig, W2 = net.weights(0), net.bias(0), net.weights(1)
    diff = X[:, None, :] - nu[None]                       # (P, units, inputs)
    r2 = (diff ** 2).sum(-1)
    phi = np.exp(-r2 / (2 * sig ** 2))
    d2E_dphi2 = np.ones((len(X), 1)) @ W2 ** 2            # linear output, d2E/do^2 = 1
    d2E_dy2 = d2E_dphi2 * phi ** 2                        # eq 54
    centre = (d2E_dy2[:, :, None] * diff ** 2 / sig[:, None] ** 4).sum(0)
    width = (d2E_dy2 * (r2 / sig ** 3) ** 2).sum(0)
    mine = np.concatenate([centre.ravel(), width, (phi ** 2).sum(0),
                           [len(X)]]) / len(X)
    assert np.abs(mine - h["backprop"]).max() / h["backprop"].max() <= 1e-10
    d2E_dy2_full = d2E_dphi2 * phi ** 2 / (4 * sig ** 4)   # y = ||w - x||^2
    centre4 = (d2E_dy2_full[:, :, None] * 4 * diff ** 2).sum(0).ravel() / len(X)
    assert np.allclose(centre4, h["backprop"][:centre.size], rtol=1e-12, atol=0)


def test_one_hidden_layer_squared_error_backprop_is_gauss_newton(cases):
    """One output or two, sigmoid or RBF (eqs 54-58): no cross-output terms under mse."""
    assert max(_gap(cases, n, PAIRS[0]).max() for n in ONE_HIDDEN) <= 1e-10
    # and keeping f'' (eq 52's second term) makes it the exact diagonal
    assert max(_gap(cases, n, PAIRS[3]).max() for n in ONE_HIDDEN) <= 1e-10


def test_gauss_newton_is_exact_at_zero_residual(cases):
    assert max(_gap(cases, n, PAIRS[2]).max() for n in cases) <= 1e-10


def test_gauss_newton_differs_from_exact_at_the_targets(cases):
    """Off by tens of percent in the hidden layers; exact where the output is linear in
    the layer's weights (RBF and softmax output layers)."""
    for name in cases:
        if name == "linear 2-1":
            continue
        assert 0.05 < _gap(cases, name, PAIRS[1], 0) < 0.6
    for name in ["RBF 2-5-1", "RBF 2-5-2", *SOFTMAX]:
        assert _gap(cases, name, PAIRS[1], -1) <= 1e-10


def test_softmax_drops_cross_output_terms_in_the_hidden_layer_only(cases):
    for name in SOFTMAX:
        assert _gap(cases, name, PAIRS[0], -1) <= 1e-10
        assert 0.3 <= _gap(cases, name, PAIRS[0], 0) <= 0.7


def test_three_layers_first_layer_misses_cross_terms(cases):
    g = _gap(cases, "tanh 2-5-5-1", PAIRS[0])
    assert 0.3 <= g[0] <= 0.7 and g[1:].max() <= 1e-10
    # the f'' term does not repair it: backprop_f2 is still off in the first layer only
    g2 = _gap(cases, "tanh 2-5-5-1", PAIRS[3])
    assert g2[0] > 0.3 and g2[1:].max() <= 1e-10


@pytest.mark.parametrize("name", ["tanh 2-5-1", "RBF 2-5-1"])
def test_gap_grows_in_proportion_to_the_residual(cases, name):
    """Figure 4: ||exact(s) - backprop|| / ||backprop|| = s x its value at s = 1."""
    net, T, h, _ = cases[name]

    def gap(s):
        exact = DIAG(net, X, diag_scaled_targets(net, X, T, s), method="exact")
        return diag_layer_gaps(net, exact, h["backprop"])

    g1 = gap(1.0)
    for s in (0.0, 0.3, 2.0):
        assert np.allclose(gap(s), s * g1, rtol=1e-6, atol=1e-12)
    assert (g1[0] > 0.05) and (name != "RBF 2-5-1" or g1[-1] <= 1e-10)
    moving = g1 > 1e-9
    assert np.all(np.abs(gap(2.0)[moving] / g1[moving] - 2) <= 1e-6)


def test_exercise_checks_accept_their_answers():
    assert eb.checks.diag_gap_ratio(3.0) and not eb.checks.diag_gap_ratio(9.0)
    assert eb.checks.diag_rbf_centre(4 * np.exp(-1.25))
    assert not eb.checks.diag_rbf_centre(2 * np.exp(-0.625))
    assert eb.checks.diag_missing_fraction(-0.605)
    assert not eb.checks.diag_missing_fraction(0.0)
    assert not eb.checks.diag_missing_fraction(0.605)          # the sign
    assert not eb.checks.diag_gap_ratio(1.0)
    # the paper's printed eq 57 (no factor 4) with y = ||w - x||^2: a quarter
    assert not eb.checks.diag_rbf_centre(np.exp(-1.25))
