"""The claims of §6.1 (Newton's method, the paper's Fig. 15), computed as the page
book/newton computes them, with the tolerances its table prints."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure

matplotlib.use("Agg")

P = np.array([-1.6, 1.1])
KAPPAS = [float(f"{10 ** (k / 8):.3g}") for k in range(25)]      # the page's slider


def bowl(kappa):
    return eb.Quadratic.from_eigen([1.0, 1.0 / kappa], angle=np.radians(30))


def newton_path(q, w0, eta, steps):
    path = [np.asarray(w0, dtype=float)]
    for _ in range(steps):
        w = path[-1]
        path.append(w - eta * np.linalg.solve(q.H, q.gradient(w)))
    return np.array(path)


def whitened_descent(q, w0, eta, steps):
    """Gradient descent on E(w* + H^-1/2 u) over u, by the chain rule only."""
    lam, V = np.linalg.eigh(q.H)
    root = V @ np.diag(np.sqrt(lam)) @ V.T
    root_inv = V @ np.diag(1 / np.sqrt(lam)) @ V.T
    u = [root @ (w0 - q.minimum)]
    for _ in range(steps):
        w = q.minimum + root_inv @ u[-1]
        u.append(u[-1] - eta * (root_inv @ q.gradient(w)))
    return q.minimum + np.array(u) @ root_inv


# --- Figure 1 and eq 40: one step on a quadratic --------------------------------------

def test_newton_lands_on_the_minimum_in_one_step_at_every_kappa():
    """Table row 1: 'exactly 1 (distance < 1e-12)'."""
    for kappa in KAPPAS:
        q = bowl(kappa)
        d = np.linalg.norm(newton_path(q, P, 1.0, 1) - q.minimum, axis=1)
        assert d[1] / d[0] < 1e-12, kappa


def test_gradient_descent_is_still_far_after_40_steps_at_kappa_50():
    """The opening figure: at its best single rate, gradient descent is still far away."""
    q = bowl(50)
    path = eb.gradient_descent(q, P, q.eta_minimax, 40)
    d = np.linalg.norm(path - q.minimum, axis=1)
    assert d[-1] > 0.1 * d[0]


# --- Figure 2 (the paper's Fig. 15): Newton = gradient descent in whitened coordinates --

def test_whitened_descent_mapped_back_is_newtons_path():
    """Table row 2: largest gap over the slider's 25 values of kappa, three rates and 30
    steps below 1e-12."""
    gaps = [np.abs(whitened_descent(bowl(k), P, eta, 30) - newton_path(bowl(k), P, eta, 30)).max()
            for k in KAPPAS for eta in (1.0, 0.5, 0.1)]
    assert max(gaps) < 1e-12


def test_whitened_coordinates_have_kappa_one():
    """In u = H^1/2 (w - w*) the cost is 1/2 u^T u: the Hessian there is the identity."""
    q = bowl(1000)
    lam, V = np.linalg.eigh(q.H)
    root_inv = V @ np.diag(1 / np.sqrt(lam)) @ V.T
    assert np.allclose(root_inv @ q.H @ root_inv, np.eye(2), atol=1e-12)


def test_the_papers_printed_whitening_order_does_not_whiten_and_the_other_does():
    """The page: the paper prints u = Theta Lambda^1/2 w (Lambda = Theta H Theta^T, eq 34);
    in that order the Hessian over u is not the identity, in the order Lambda^1/2 Theta it is."""
    q = bowl(50)
    lam, V = np.linalg.eigh(q.H)
    theta = V.T                                           # Lambda = Theta H Theta^T
    assert np.allclose(theta @ q.H @ theta.T, np.diag(lam), atol=1e-14)
    for M, whitens in ((theta @ np.diag(np.sqrt(lam)), False),
                       (np.diag(np.sqrt(lam)) @ theta, True)):
        M_inv = np.linalg.inv(M)                          # w = M^-1 u
        H_u = M_inv.T @ q.H @ M_inv
        assert np.allclose(H_u, np.eye(2), atol=1e-12) == whitens


def test_damped_newton_halves_the_distance_whatever_kappa():
    """The page: at eta = 1/2 the distance halves at every step (the green line)."""
    for kappa in (1.0, 31.6, 1000.0):
        q = bowl(kappa)
        d = np.linalg.norm(newton_path(q, P, 0.5, 20) - q.minimum, axis=1)
        assert np.allclose(d[1:] / d[:-1], 0.5, rtol=1e-9)
    assert eb.checks.newton_damped_steps(20) and not eb.checks.newton_damped_steps(19)


# --- Figure 3: invariance to x -> Ax + c --------------------------------------------------

X, D = eb.data.two_gaussians(n=100, seed=0)
TURN = np.radians(35)
A = np.array([[np.cos(TURN), -np.sin(TURN)], [np.sin(TURN), np.cos(TURN)]]) @ np.diag([1.0, 20.0])
C = np.array([3.0, -2.0])
INPUTS = {"x": X, "Ax + c": X @ A.T + C}


@pytest.fixture(scope="module", params=["identity", "lecun_tanh"])
def invariance_runs(request):
    net = eb.mlp([2, 1], activation=request.param)
    out = {}
    for name, Xs in INPUTS.items():
        obj = eb.NetworkObjective(net, Xs, D)
        lam = np.linalg.eigvalsh(obj.hessian(np.zeros(3)))
        _, newton = eb.minimize(obj, np.zeros(3), eb.Newton(), iterations=6,
                                record_weights=True)
        _, gd = eb.minimize(obj, np.zeros(3), eb.GradientDescent(1 / lam[-1]),
                            iterations=200, progress=False)
        out[name] = dict(newton=newton, gd=gd, kappa=lam[-1] / lam[0],
                         outputs=[net.forward(Xs, w) for w in newton.weights])
    return request.param, out


def test_newton_makes_the_same_predictions_on_x_and_on_Ax_plus_c(invariance_runs):
    """Table row 3: largest cost difference < 1e-12 (and the outputs, < 1e-12)."""
    unit, r = invariance_runs
    k = min(len(r[name]["outputs"]) for name in INPUTS)
    assert k >= (2 if unit == "identity" else 5)          # several steps for tanh
    costs = [np.array(r[name]["newton"].cost[:k]) for name in INPUTS]
    outs = [np.array(r[name]["outputs"][:k]) for name in INPUTS]
    assert np.abs(costs[0] - costs[1]).max() < 1e-12
    assert np.abs(outs[0] - outs[1]).max() < 1e-12


@pytest.mark.parametrize("activation", ["identity", "lecun_tanh"])
def test_eb_newton_takes_full_steps_with_a_positive_definite_hessian_here(activation):
    """The page: on these runs eb.Newton's safeguards never act, so it is eq 40 itself."""
    net = eb.mlp([2, 1], activation=activation)
    for Xs in INPUTS.values():
        obj = eb.NetworkObjective(net, Xs, D)
        _, h = eb.minimize(obj, np.zeros(3), eb.Newton(), iterations=6, record_weights=True)
        for w, w_next in zip(h.weights[:-1], h.weights[1:]):
            H, g = obj.hessian(w), obj.value_and_grad(w)[1]
            assert np.linalg.eigvalsh(H)[0] > 0
            assert np.abs(w_next - (w - np.linalg.solve(H, g))).max() < 1e-9


def test_gradient_descent_is_not_invariant(invariance_runs):
    """Table row 4: after 200 steps (E - E_min) on Ax + c over that on x > 100; the
    condition numbers the page quotes (about 28 and about 19 000)."""
    _, r = invariance_runs
    e_min = min(r["x"]["newton"].cost)
    excess = {name: r[name]["gd"].cost[-1] - e_min for name in INPUTS}
    assert excess["Ax + c"] / max(excess["x"], 1e-300) > 100
    assert 27 < r["x"]["kappa"] < 29 and 18_000 < r["Ax + c"]["kappa"] < 20_000


def test_rotating_the_inputs_leaves_kappa_alone():
    """Exercise 2: its self-check accepts the unrotated inputs' kappa (computed here, and
    as the page rounds it, 28) and rejects kappa without the bias and the stretched one."""
    Xt = np.c_[X, np.ones(len(X))]
    lam = np.linalg.eigvalsh(Xt.T @ Xt / len(X))
    assert eb.checks.newton_rotated_kappa(lam[-1] / lam[0])
    assert eb.checks.newton_rotated_kappa(28)
    cov = np.linalg.eigvalsh(np.cov(X.T, bias=True))
    assert not eb.checks.newton_rotated_kappa(cov[-1] / cov[0])       # no bias: 23.2
    assert not eb.checks.newton_rotated_kappa(18_750)
    assert not eb.checks.newton_rotated_kappa(1.0)
    R = np.array([[np.cos(TURN), -np.sin(TURN)], [np.sin(TURN), np.cos(TURN)]])
    for shift in (np.zeros(2), C):                  # the spectrum is kept with a mean too
        Xs = np.c_[X + shift, np.ones(len(X))]
        Xr = np.c_[(X + shift) @ R.T, np.ones(len(X))]
        assert np.allclose(np.linalg.eigvalsh(Xr.T @ Xr), np.linalg.eigvalsh(Xs.T @ Xs))


# --- Figure 4: the 1-1-1 network's saddle ----------------------------------------------

X1, D1 = eb.data.one_one_one(n_per_class=10, seed=0)
NET111 = eb.mlp([1, 1, 1], activation="lecun_tanh")
PLATEAU = 0.5 * (1.7159 - 1) ** 2


def _obj111():
    return measure.newton_subset_objective(NET111, X1, D1, [0, 2], params=np.zeros(4))


def test_the_origin_is_a_saddle_with_eigenvalues_plus_minus_c():
    obj = _obj111()
    H = obj.hessian(np.zeros(2))
    assert abs(H[0, 0]) < 1e-12 and abs(H[1, 1]) < 1e-12 and H[0, 1] < 0
    lam = np.linalg.eigvalsh(H)
    assert lam[0] == pytest.approx(-lam[1], rel=1e-12)
    assert np.abs(obj.value_and_grad(np.zeros(2))[1]).max() < 1e-15
    assert obj.value(np.zeros(2)) == pytest.approx(0.5, abs=1e-12)


@pytest.fixture(scope="module")
def saddle_runs():
    obj = _obj111()
    angles = np.radians(np.arange(0, 360, 15))
    starts = 0.5 * np.c_[np.cos(angles), np.sin(angles)]
    pure, free = [], []
    for w0 in starts:
        path = [w0]
        for _ in range(15):
            g, H = obj.value_and_grad(path[-1])[1], obj.hessian(path[-1])
            path.append(path[-1] - np.linalg.solve(H, g))
        pure.append(np.array(path))
        _, h = eb.minimize(obj, w0, eb.Newton(non_convex="saddle_free"), iterations=15,
                           record_weights=True)
        free.append(h.weights)
    cost = lambda paths: [np.array([obj.value(w) for w in p]) for p in paths]  # noqa: E731
    return pure, free, cost(pure), cost(free)


def test_pure_newton_heads_for_the_saddle_or_runs_off(saddle_runs):
    """Table row 5: at least 80 % of the 24 runs end on the saddle or on the plateau."""
    pure, _, E_pure, _ = saddle_runs
    at_saddle = np.array([np.linalg.norm(p[-1]) < 1e-6 for p in pure])
    ran_off = np.array([np.linalg.norm(p[-1]) > 5 and abs(e[-1] - PLATEAU) < 1e-3
                        for p, e in zip(pure, E_pure)])
    assert (at_saddle | ran_off).sum() >= 0.8 * len(pure)
    assert at_saddle.sum() > ran_off.sum() > 0          # "mostly the saddle, a few off"
    rose = [k for k, e in enumerate(E_pure) if e[-1] > e[0] + 1e-12]
    assert rose                                          # the cost rises for some ...
    assert all(np.linalg.norm(pure[k][-1]) < 1e-6 and E_pure[k][0] < 0.5 for k in rose)
    # ... those that start on the valleys' side (E below 0.5) and end on the saddle


def test_the_valleys_side_starts_rise_to_the_saddle_or_drift_off_on_the_plateau(saddle_runs):
    """The page: of the ten starts on the valleys' side (E < 0.5), the cost of six rises to
    the saddle's 0.5; the other four are thrown out to |w| of 15 to 17, onto the plateau
    (gradient and Hessian almost 0), and keep drifting out by about half a unit per step;
    the other 20 runs end on the saddle."""
    pure, _, E_pure, _ = saddle_runs
    obj = _obj111()
    valley = [k for k, e in enumerate(E_pure) if e[0] < 0.5 - 1e-12]
    rose = [k for k, e in enumerate(E_pure) if e[-1] > e[0] + 1e-12]
    off = [k for k, p in enumerate(pure) if np.linalg.norm(p[-1]) > 5]
    assert len(valley) == 10 and len(rose) == 6 and len(off) == 4
    assert set(rose) | set(off) == set(valley) and not set(rose) & set(off)
    assert sum(np.linalg.norm(p[-1]) < 1e-6 for p in pure) == 20
    for k in off:
        r = np.linalg.norm(pure[k], axis=1)
        jump = np.argmax(r > 5)                              # the step that throws it out
        assert 14 < r[jump] < 18 and r[jump - 1] < 1
        assert np.all((np.diff(r[jump:]) > 0.4) & (np.diff(r[jump:]) < 0.55))
        assert abs(E_pure[k][-1] - PLATEAU) < 1e-3 and E_pure[k][-1] < E_pure[k][0]
        w = pure[k][-1]
        assert np.abs(obj.value_and_grad(w)[1]).max() < 1e-10
        assert np.abs(np.linalg.eigvalsh(obj.hessian(w))).max() < 1e-10


def test_every_start_has_a_negative_eigenvalue():
    obj = _obj111()
    for a in np.radians(np.arange(0, 360, 15)):
        assert np.linalg.eigvalsh(obj.hessian(0.5 * np.array([np.cos(a), np.sin(a)])))[0] < 0


def test_saddle_free_newton_descends_from_every_start(saddle_runs):
    """Table row 6: the cost falls at every step of every run, and ends below 0.01."""
    _, free, _, E_free = saddle_runs
    assert all(np.all(np.diff(e) < 0) for e in E_free)
    assert all(e[-1] < 0.01 for e in E_free)


def test_one_newton_step_on_a_pure_saddle_lands_on_it():
    """Exercise 3's claim, and its self-check."""
    H = np.array([[0.0, -1.3], [-1.3, 0.0]])
    for w in ([0.3, 0.1], [-2.0, 0.7]):
        assert np.allclose(w - np.linalg.solve(H, H @ w), 0, atol=1e-15)
    assert eb.checks.newton_saddle_free_step(0.4, 0.4)
    assert not eb.checks.newton_saddle_free_step(0.0, 0.0)


# --- The price ------------------------------------------------------------------------

def test_the_mnist_hessian_needs_gigabytes_and_trillions():
    N = eb.mlp([784, 30, 10]).n_params
    assert N == 23_860
    assert 8 * N ** 2 / 2 ** 30 > 1 and N ** 3 / 3 > 1e12
