"""The numbers of §5.2 (Figures 9-14) and §5.3 (input transformations), computed the way
the pages ``book/convergence_examples`` and ``book/input_transforms`` compute them, held to
the paper's values with the tolerances those pages print beside them; and the
corrections of issue #12, each asserted so that the old wrong claim would fail here."""
import json
import math

import numpy as np
import pytest

import ebtricks as eb
from conftest import ROOT
from ebtricks import curvature as cv, measure

START = np.array([-1.2, 2.2, 0.5])           # the start of Figures 11 and 12
F_ONE = 1.7159                               # f(x) = 1.7159 tanh(2x/3), so f(1) = 1


@pytest.fixture(scope="module")
def lms_problem():
    X, D = eb.data.two_gaussians(n=100, seed=0)
    return eb.mlp([2, 1], activation="identity", seed=0), X, D


@pytest.fixture(scope="module")
def raw_inputs():
    """The input_transforms page's inputs: Figure 10's classes moved by (2, -1.5), the
    second input in units three times smaller."""
    X0, D = eb.data.two_gaussians(n=100, seed=0)
    return (X0 + [2.0, -1.5]) * [1.0, 3.0], D


def _lms_hessian(X):
    Xa = np.column_stack([X, np.ones(len(X))])
    return Xa.T @ Xa / len(X)


def _eigen(X):
    return np.linalg.eigvalsh(_lms_hessian(X))          # ascending


# --- §5.2, the linear unit (Figures 10-12) -------------------------------------------------

def test_fig10_covariance_eigenvalues(lms_problem):
    _, X, _ = lms_problem
    lam = np.linalg.eigvalsh(np.cov(X, rowvar=False, bias=True))[::-1]
    assert lam[0] == pytest.approx(0.84, rel=0.10) and lam[1] == pytest.approx(0.036, rel=0.10)



def test_fig10_classes_are_round_and_far_apart(lms_problem):
    """Figure 1's alt text: two round clouds (each class's covariance 0.036 I, spread 0.19
    in every direction) whose centres are 2 sqrt(0.8) = 1.79 apart."""
    _, X, D = lms_problem
    classes = [X[D[:, 0] < 0], X[D[:, 0] > 0]]
    for c in classes:
        lam = np.linalg.eigvalsh(np.cov(c, rowvar=False, bias=True))
        np.testing.assert_allclose(lam, 0.036, rtol=1e-9)
    gap = np.linalg.norm(classes[1].mean(axis=0) - classes[0].mean(axis=0))
    assert gap == pytest.approx(2 * math.sqrt(0.8), rel=1e-9)
    assert gap > 4 * 2 * math.sqrt(0.036)                     # far apart, no overlap


def test_fig11_contours_run_from_upper_left_to_lower_right(lms_problem):
    """The large eigenvalue's direction is (1, 2)/sqrt(5), so the contours of E over
    (w1, w2) are long along (2, -1): from the upper left to the lower right."""
    _, X, _ = lms_problem
    lam, vecs = np.linalg.eigh(np.cov(X, rowvar=False, bias=True))
    assert abs(vecs[:, 1] @ np.array([1.0, 2.0]) / math.sqrt(5)) > 1 - 1e-9
    long_axis = vecs[:, 0] * np.sign(vecs[0, 0])
    assert long_axis[0] > 0 > long_axis[1]


def test_fig11_our_0_836_against_the_papers_0_84(lms_problem):
    """The page: our construction gives lambda_max = 0.8 + 0.036 = 0.836 where the paper
    reports 0.84, so 2/0.836 = 2.392 against 2/0.84 = 2.381."""
    net, X, D = lms_problem
    lam_max = np.linalg.eigvalsh(np.cov(X, rowvar=False, bias=True))[-1]
    assert lam_max == pytest.approx(0.836, abs=1e-9)
    assert f"{2 / lam_max:.3f}" == "2.392" and f"{2 / 0.84:.3f}" == "2.381"
    frozen = measure.largest_stable_rate(net, X, D, rates=np.array([1.0, 1.0, 0.0]),
                                         iters=20, epochs=100)
    assert frozen == pytest.approx(2 / lam_max, rel=2e-3)

def test_fig11_eta_max_and_the_bias(lms_problem):
    net, X, D = lms_problem
    weights_only = measure.largest_stable_rate(net, X, D, rates=np.array([1.0, 1.0, 0.0]))
    with_bias = measure.largest_stable_rate(net, X, D)
    assert weights_only == pytest.approx(2.38, rel=0.01)       # the paper's 2/0.84
    assert with_bias == pytest.approx(2.0, rel=0.01)           # the bias's eigenvalue is 1
    for eta, converges in ((1.5, True), (2.5, False)):
        assert measure.batch_descent_converges(net, X, D, eta) == converges
    # the page bisects faster (20 halvings of 100 epochs): the same limits
    fast = measure.largest_stable_rate(net, X, D, iters=20, epochs=100)
    assert fast == pytest.approx(with_bias, abs=1e-4)


def test_fig11_the_bias_eigenvalue_is_one_because_the_inputs_are_centred(lms_problem):
    net, X, D = lms_problem
    H = cv.hessian(net, X, D)
    np.testing.assert_allclose(H[:2, 2], 0.0, atol=1e-12)        # <x> = 0: decoupled
    assert np.min(np.abs(np.linalg.eigvalsh(H) - 1.0)) < 1e-12
    shifted = _eigen(X + 3.0)                                    # a mean couples the bias
    assert np.min(np.abs(shifted - 1.0)) > 0.05


def test_fig11_between_the_limits_the_weights_converge_and_the_bias_grows(lms_problem):
    net, X, D = lms_problem
    W_opt, b_opt, _ = measure.lms_solution(X, D)
    h = eb.train_sgd(net.copy().set_params(START), X, D, epochs=30, eta=2.2,
                     batch_size=len(X), order="sequential", record_weights=True,
                     diverge_factor=1e300, track_cost=False)
    dw = np.linalg.norm(h.weights[:, :2] - W_opt[0], axis=1)
    db = np.abs(h.weights[:, 2] - b_opt[0])
    assert dw[-1] < dw[0] and db[-1] > 100 * db[0]
    assert db[-1] / db[-2] == pytest.approx(1.2, rel=1e-6)      # |1 - eta * 1|


def test_fig12_stochastic_lms_at_0_2_gets_close(lms_problem):
    net, X, D = lms_problem
    _, _, e_min = measure.lms_solution(X, D)
    trial = net.copy().set_params(START)
    h = eb.train_sgd(trial, X, D, epochs=6, eta=0.2, seed=0, track_cost=True)
    assert h.cost[-1] - e_min < 0.05 * (h.cost[0] - e_min)



def _mean_costs(net, X, D, eta, epochs, orders=range(20)):
    _, _, e_min = measure.lms_solution(X, D)
    return np.mean([eb.train_sgd(net.copy().set_params(START), X, D, epochs=epochs, eta=eta,
                                 order="shuffle", seed=s, diverge_factor=1e300,
                                 track_cost=True).cost
                    for s in orders], axis=0) - e_min


def test_fig12_the_mean_over_orders_levels_off_later_for_a_smaller_rate(lms_problem):
    """The page: the mean over 20 shuffling orders levels off after about two epochs at
    eta = 0.2, about five at 0.1, and not within ten at 0.02 (levelled off: within twice the
    mean over epochs 10-30)."""
    net, X, D = lms_problem
    settle = {}
    for eta in (0.02, 0.1, 0.2):
        m = _mean_costs(net, X, D, eta, 30)
        settle[eta] = int(np.flatnonzero(m <= 2 * m[10:].mean())[0])
    assert 1 <= settle[0.2] <= 3 and 4 <= settle[0.1] <= 7 and settle[0.02] > 10

# --- §5.2, the 1-1-1 network (Figures 13, 14): issue #12, point 1 --------------------------

@pytest.fixture(scope="module")
def one_one_one():
    X, D = eb.data.one_one_one(n_per_class=10, seed=0)
    return eb.mlp([1, 1, 1], activation="lecun_tanh"), X, D


FROZEN = np.array([1.0, 0.0, 1.0, 0.0])


def _cost(net, X, D, w1, w2):
    return net.cost(X, D, np.array([w1, 0.0, w2, 0.0]))


def test_fig14_data_match_the_paper_by_construction(one_one_one):
    _, X, D = one_one_one
    neg, pos = X[D[:, 0] < 0, 0], X[D[:, 0] > 0, 0]
    assert X.shape == (20, 1)
    assert neg.mean() == pytest.approx(-1.0, abs=1e-12) and pos.mean() == pytest.approx(1.0, abs=1e-12)
    assert neg.std() == pytest.approx(0.4, abs=1e-12) and pos.std() == pytest.approx(0.4, abs=1e-12)


def test_111_data_are_separable_at_zero(one_one_one):
    _, X, D = one_one_one
    neg, pos = X[D[:, 0] < 0, 0], X[D[:, 0] > 0, 0]
    assert neg.max() == pytest.approx(-0.342, abs=1e-3) and pos.min() == pytest.approx(0.137, abs=1e-3)
    assert neg.max() < 0 < pos.min()


def test_111_surface_symmetric_with_a_saddle_at_the_origin(one_one_one):
    net, X, D = one_one_one
    for w1, w2 in ((1.2, -2.0), (0.3, 0.7), (-2.5, 1.1)):
        assert _cost(net, X, D, w1, w2) == pytest.approx(_cost(net, X, D, -w1, -w2), rel=1e-12)
    assert np.allclose(net.gradient(X, D, np.zeros(4))[1][[0, 2]], 0.0, atol=1e-14)
    lam = np.linalg.eigvalsh(cv.hessian(net, X, D, np.zeros(4))[np.ix_([0, 2], [0, 2])])
    assert lam[0] < 0 < lam[1]



def test_111_each_weights_gradient_vanishes_with_the_other_weight(one_one_one):
    """dE/dw1 carries the factor w2, dE/dw2 the factor f(w1 x): each is zero when the
    other weight is."""
    net, X, D = one_one_one
    for v in (-2.0, 0.7, 3.0):
        assert abs(net.gradient(X, D, np.array([v, 0.0, 0.0, 0.0]))[1][0]) < 1e-14
        assert abs(net.gradient(X, D, np.array([0.0, 0.0, v, 0.0]))[1][1]) < 1e-14
    assert abs(net.gradient(X, D, np.array([0.5, 0.0, 0.7, 0.0]))[1][1]) > 1e-3


def _train_111(net0, X, D, eta, start=(1.2, -2.0)):
    net = net0.copy().set_params([start[0], 0.0, start[1], 0.0])
    h = eb.train_sgd(net, X, D, epochs=30, eta=eta, rates=FROZEN, order="shuffle", seed=0,
                     record_weights="update", diverge_factor=1e300)
    return net, np.array([net.cost(X, D, p) for p in h.weights])


def test_111_a_larger_rate_goes_farther_down_the_valley(one_one_one):
    """The page's prose on the eta slider of the paper's Fig. 13, and the table beside it."""
    net0, X, D = one_one_one
    rows = {}
    for eta in (0.02, 0.1, 0.5):
        net, costs = _train_111(net0, X, D, eta)
        rows[eta] = (int(np.flatnonzero(costs < 0.1)[0]), abs(net.params[0]), costs[-1],
                     costs)
    assert rows[0.02][1] < rows[0.1][1] < rows[0.5][1]           # |w1| after 30 epochs
    assert rows[0.02][2] > rows[0.1][2] > rows[0.5][2]           # and the final cost
    assert 8 <= rows[0.1][0] <= 15                                # "about a dozen"
    costs = rows[0.02][3]                                         # the starting plateau:
    assert costs[20] > 0.8 * costs[0] and rows[0.02][0] > 2 * 20  # > 2 epochs to E < 0.1

def test_111_cost_has_no_finite_minimum(one_one_one):
    """The old page said "two minima" and "near a minimum it is close to quadratic": along
    the valley floor the cost falls for ever and w2 tends to 1/1.7159."""
    net, X, D = one_one_one
    floor = []
    for w1 in (-2.0, -4.0, -8.0, -16.0, -32.0):
        w2 = np.linspace(-1.2, -0.3, 9001)
        costs = [_cost(net, X, D, w1, v) for v in w2]
        k = int(np.argmin(costs))
        floor.append((costs[k], w2[k]))
    costs, w2s = np.array(floor).T
    assert np.all(np.diff(costs) < 0) and costs[-1] < 1e-5
    assert w2s[-1] == pytest.approx(-1 / F_ONE, abs=2e-3)


def test_111_training_never_stops_and_kappa_grows(one_one_one):
    """The page's batch run down the valley: the gradient does not vanish and the Hessian's
    condition number grows with training (the old "after training" Hessian described where
    training stopped)."""
    net0, X, D = one_one_one
    net = net0.copy().set_params([1.2, 0.0, -2.0, 0.0])
    rows, done = [], 0
    for epochs in (100, 1000, 10000):
        eb.train_sgd(net, X, D, epochs=epochs - done, eta=0.5, rates=FROZEN,
                     batch_size=len(X), order="sequential", track_cost=False)
        done = epochs
        lam = np.linalg.eigvalsh(cv.hessian(net, X, D)[np.ix_([0, 2], [0, 2])])
        rows.append((net.cost(X, D), abs(net.gradient(X, D)[1][0]), lam[1] / lam[0],
                     net.params[0]))
    cost, grad, kappa, w1 = np.array(rows).T
    assert np.all(np.diff(cost) < 0) and np.all(np.diff(np.abs(w1)) > 0)
    assert grad[-1] > 1e-4                                   # not a stationary point
    assert kappa[1] > 5 * kappa[0] and kappa[2] > 5 * kappa[1]



def test_111_kappa_is_undefined_before_100_epochs(one_one_one):
    """Figure 6 starts its kappa at 100 epochs: at the checkpoints 10 and 30 the Hessian of
    (w1, w2) has a negative eigenvalue."""
    net0, X, D = one_one_one
    net = net0.copy().set_params([1.2, 0.0, -2.0, 0.0])
    smallest, done = [], 0
    for epochs in (10, 30, 100):
        eb.train_sgd(net, X, D, epochs=epochs - done, eta=0.5, rates=FROZEN,
                     batch_size=len(X), order="sequential", track_cost=False)
        done = epochs
        smallest.append(np.linalg.eigvalsh(cv.hessian(net, X, D)[np.ix_([0, 2], [0, 2])])[0])
    assert smallest[0] < 0 and smallest[1] < 0 < smallest[2]

def test_111_all_four_parameters_trained_also_fall_for_ever(one_one_one):
    net0, X, D = one_one_one
    net = net0.copy().set_params([1.2, 0.0, -2.0, 0.0])
    costs, w1 = [], []
    for epochs in (300, 2700):
        eb.train_sgd(net, X, D, epochs=epochs, eta=0.5, batch_size=len(X),
                     order="sequential", track_cost=False)
        costs.append(net.cost(X, D))
        w1.append(abs(net.params[0]))
    assert costs[1] < 0.7 * costs[0] and w1[1] > w1[0]


def test_111_the_papers_recipe_is_usually_separable():
    """The page draws the paper's data set 100 000 times; separation at 0 has the exact
    probability Phi(2.5)^20."""
    rng = np.random.default_rng(0)
    neg = rng.normal(-1.0, 0.4, size=(100_000, 10))
    pos = rng.normal(+1.0, 0.4, size=(100_000, 10))
    at_zero = np.mean((neg.max(axis=1) < 0) & (pos.min(axis=1) > 0))
    exact = (0.5 * (1 + math.erf(2.5 / math.sqrt(2)))) ** 20
    assert at_zero == pytest.approx(exact, abs=0.005)
    assert np.mean(neg.max(axis=1) < pos.min(axis=1)) > 0.95


# --- §5.3, input transformations: issue #12, points 4 and 7 --------------------------------

def test_det_H_equals_det_sigma_whatever_the_mean(raw_inputs):
    X, _ = raw_inputs
    Xc = X - X.mean(axis=0)
    det_sigma = np.linalg.det(np.cov(X, rowvar=False, bias=True))
    for s in (0.0, 0.5, 1.0, 2.0, 4.0):
        assert np.prod(_eigen(Xc + s * X.mean(axis=0))) == pytest.approx(det_sigma, rel=1e-9)


def test_the_mean_moves_lambda_min_more_than_lambda_max(raw_inputs):
    X, _ = raw_inputs
    raw, centred = _eigen(X), _eigen(X - X.mean(axis=0))
    up, down = raw[-1] / centred[-1], centred[0] / raw[0]
    assert up == pytest.approx(4.77, abs=0.01) and down == pytest.approx(8.33, abs=0.01)
    assert down == pytest.approx(up * raw[1] / centred[1], rel=1e-9)   # det H is fixed



def test_schur_complement_of_a_unit_entry():
    """The page's one line: det [[A, m], [m^T, 1]] = det(A - m m^T)."""
    rng = np.random.default_rng(3)
    for _ in range(5):
        A, m = rng.normal(size=(3, 3)), rng.normal(size=3)
        block = np.block([[A, m[:, None]], [m[None, :], np.ones((1, 1))]])
        assert np.linalg.det(block) == pytest.approx(np.linalg.det(A - np.outer(m, m)),
                                                     rel=1e-9, abs=1e-12)


def test_the_mean_lowers_the_product_of_the_other_two(raw_inputs):
    """With det H fixed, the mean lifts lambda_max, so lambda_middle * lambda_min falls,
    although lambda_middle itself rises (1 -> 1.745)."""
    X, _ = raw_inputs
    raw, centred = _eigen(X), _eigen(X - X.mean(axis=0))
    assert centred[1] == pytest.approx(1.0, abs=1e-12) and raw[1] == pytest.approx(1.745, abs=1e-3)
    assert raw[0] * raw[1] < centred[0] * centred[1]

def test_kappa_grows_about_as_the_mean_to_the_fourth(raw_inputs):
    X, _ = raw_inputs
    m, Xc = X.mean(axis=0), X - X.mean(axis=0)
    shifts = np.array([4.0, 8.0, 16.0])
    kappa = [(lambda lam: lam[-1] / lam[0])(_eigen(Xc + s * m)) for s in shifts]
    slope = np.polyfit(np.log(shifts), np.log(kappa), 1)[0]
    assert slope == pytest.approx(4.0, abs=0.1)


def test_lambda_max_needs_the_variance_term(raw_inputs):
    X, _ = raw_inputs
    m = X.mean(axis=0)
    var_m = m @ np.cov(X, rowvar=False, bias=True) @ m / (m @ m)
    lam_max = _eigen(X)[-1]
    assert lam_max == pytest.approx(29.78, abs=0.01)
    assert 1 + m @ m == pytest.approx(25.25, abs=0.01)                  # the old estimate
    assert abs(1 + m @ m - lam_max) / lam_max > 0.1
    assert 1 + m @ m + var_m == pytest.approx(lam_max, rel=0.01)


def test_the_second_input_varies_5_6_times_more(raw_inputs):
    X, _ = raw_inputs
    std = X.std(axis=0)
    assert std[1] / std[0] == pytest.approx(5.57, abs=0.01)          # not "three times"


def test_the_bias_eigenvalue_is_one_only_for_centred_inputs(raw_inputs):
    X, _ = raw_inputs
    assert np.min(np.abs(_eigen(X - X.mean(axis=0)) - 1.0)) < 1e-12
    assert np.min(np.abs(_eigen(X) - 1.0)) > 0.5


@pytest.mark.parametrize("variance", [0.25, 1.0, 4.0])
def test_whitening_gives_kappa_one_because_unit_variance_matches_the_bias(raw_inputs,
                                                                         variance):
    X, _ = raw_inputs
    lam = _eigen(eb.whiten().fit_transform(X) * np.sqrt(variance))
    assert lam[-1] / lam[0] == pytest.approx(max(variance, 1 / variance), rel=1e-9)


def test_section_5_3_transformations_improve_conditioning(raw_inputs):
    X_raw, D = raw_inputs
    net = eb.mlp([2, 1], activation="identity")
    kappa = {}
    for name, t in (("raw", None), ("centred", eb.InputTransform(["center"])),
                    ("scaled", eb.InputTransform(["center", "scale"])), ("white", eb.whiten())):
        Xs = X_raw if t is None else t.fit_transform(X_raw)
        lam = np.linalg.eigvalsh(cv.hessian(net, Xs, D))
        kappa[name] = lam[-1] / lam[0]
    assert kappa["raw"] / kappa["centred"] > 10
    assert kappa["centred"] / kappa["scaled"] > 1
    assert kappa["white"] == pytest.approx(1.0, abs=1e-9)



STAGES = {"raw": None, "centred": ["center"], "centred + scaled": ["center", "scale"],
          "whitened": "whiten"}


def _stage(X, steps):
    if steps is None:
        return X
    t = eb.whiten() if steps == "whiten" else eb.InputTransform(steps)
    return t.fit_transform(X)


def test_a_slice_at_the_best_bias_hides_kappa(raw_inputs):
    """The page's last table column: the w1-w2 slice at b = b* has the Hessian's weight
    block, whose kappa for the raw inputs (18.3) is far below the full 5714, and below even
    the centred inputs' 144."""
    X, _ = raw_inputs
    full = _eigen(X)
    block_raw = np.linalg.eigvalsh(_lms_hessian(X)[:2, :2])
    block_centred = np.linalg.eigvalsh(_lms_hessian(X - X.mean(axis=0))[:2, :2])
    assert full[-1] / full[0] == pytest.approx(5714, rel=1e-3)
    assert block_raw[-1] / block_raw[0] == pytest.approx(18.27, abs=0.01)
    assert block_centred[-1] / block_centred[0] == pytest.approx(143.6, abs=0.1)


def test_whitened_classes_are_two_parallel_strips(raw_inputs):
    """Figure 1's alt text: after whitening only the pooled covariance is the identity;
    each class is a strip about 0.21 wide and 1.0 long, both strips along one direction."""
    X, D = raw_inputs
    Z = eb.whiten().fit_transform(X)
    np.testing.assert_allclose(np.cov(Z, rowvar=False, bias=True), np.eye(2), atol=1e-9)
    axes = []
    for s in (-1, 1):
        lam, vecs = np.linalg.eigh(np.cov(Z[D[:, 0] * s > 0], rowvar=False, bias=True))
        np.testing.assert_allclose(np.sqrt(lam), [0.2075, 1.0], atol=5e-3)
        axes.append(vecs[:, 1])
    assert abs(axes[0] @ axes[1]) > 1 - 1e-9                       # parallel


def test_closed_form_descent_is_batch_training(raw_inputs):
    """Figure 1 draws batch descent in closed form (each epoch multiplies the component
    along an eigenvector by 1 - eta lambda); it must be what training gives, and end at the
    epochs the table counts by training, from the page's start w = b = 0."""
    X_raw, D = raw_inputs
    net, start, tol = eb.mlp([2, 1], activation="identity"), np.zeros(3), 1e-8
    counts = {}
    for name, steps in STAGES.items():
        Xs = _stage(X_raw, steps)
        lam, V = np.linalg.eigh(cv.hessian(net, Xs, D))
        W_opt, b_opt, e_min = measure.lms_solution(Xs, D)
        k = np.arange(301)[:, None]
        c = ((start - np.r_[W_opt[0], b_opt]) @ V) * (1 - lam / lam[-1]) ** k
        closed = 0.5 * (lam * c ** 2).sum(axis=1)
        h = eb.train_sgd(net.copy().set_params(start), Xs, D, epochs=300, eta=1 / lam[-1],
                         batch_size=len(Xs), order="sequential", track_cost=True)
        trained = np.asarray(h.cost) - e_min
        big = closed > 1e-9
        np.testing.assert_allclose(trained[big], closed[big], rtol=1e-5)
        k = np.arange(50_001)[:, None]
        c = ((start - np.r_[W_opt[0], b_opt]) @ V) * (1 - lam / lam[-1]) ** k
        n_closed = int(np.flatnonzero(0.5 * (lam * c ** 2).sum(axis=1) <= tol)[0])
        counts[name] = measure.epochs_to_converge(net, Xs, D, eta=1 / lam[-1], cost_min=e_min,
                                                  tol=tol, start=start)
        assert n_closed == counts[name], name
    assert counts["raw"] > 10_000 > counts["centred"] > counts["centred + scaled"] > 1
    assert counts["whitened"] == 1

def test_per_weight_rates_are_newton_for_decorrelated_inputs(raw_inputs):
    X_raw, D = raw_inputs
    net = eb.mlp([2, 1], activation="identity")
    Xs = eb.InputTransform(["center", "decorrelate"]).fit_transform(X_raw)
    H = cv.hessian(net, Xs, D)
    assert np.abs(H - np.diag(np.diag(H))).max() < 1e-12
    e_min = measure.lms_solution(Xs, D)[2]
    assert measure.epochs_to_converge(net, Xs, D, eta=1.0, cost_min=e_min, tol=1e-8,
                                      rates=1 / np.diag(H),
                                      start=np.array([0.5, -0.5, 0.5])) == 1


def test_epochs_to_converge_counts_like_the_per_epoch_cost(raw_inputs):
    """measure.epochs_to_converge reads the cost from the batch epochs' own losses: it must
    count the same epochs as the full cost after every epoch does."""
    X_raw, D = raw_inputs
    net = eb.mlp([2, 1], activation="identity")
    Xs = eb.InputTransform(["center"]).fit_transform(X_raw)
    lam_max = np.linalg.eigvalsh(cv.hessian(net, Xs, D))[-1]
    e_min = measure.lms_solution(Xs, D)[2]
    start = np.array([0.5, -0.5, 0.5])
    h = eb.train_sgd(net.copy().set_params(start), Xs, D, epochs=1000, eta=1 / lam_max,
                     batch_size=len(Xs), order="sequential", track_cost=True)
    expected = int(np.flatnonzero(np.asarray(h.cost) - e_min <= 1e-8)[0])
    assert measure.epochs_to_converge(net, Xs, D, eta=1 / lam_max, cost_min=e_min, tol=1e-8,
                                      start=start) == expected


# --- the pages print the tolerances asserted here ------------------------------------------

PRINTED = {
    "convergence_examples": {
        "largest eigenvalue of the input covariance": "±10 %",
        "smallest eigenvalue of the input covariance": "±10 %",
        "η_max, bias frozen": "±1 %",
        "η_max, bias trained": "±1 % of 2",
        "η = 1.5 converges": "exact",
        "η = 2.5 diverges": "exact",
        "class means": "1e-12",
        "class standard deviations": "1e-12",
    },
    "input_transforms": {
        "κ raw / κ centred": "> 10",
        "κ centred / κ scaled": "> 1",
        "κ whitened": "1 ± 1e-9",
        "off-diagonal of H, decorrelated": "< 1e-12",
        "epochs, η_i = 1/h_ii, decorrelated": "1",
    },
}


@pytest.mark.parametrize("page", sorted(PRINTED))
def test_pages_print_the_tolerances_asserted_here(page):
    path = ROOT / "_build" / "src" / "book" / f"{page}.ipynb"
    if not path.exists():
        pytest.skip(f"{path} not executed: run `python3 run.py book` first")
    lines = []
    for cell in json.loads(path.read_text())["cells"]:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/plain", "")
            lines += ("".join(text) if isinstance(text, list) else text).splitlines()
    rows = {ln.split("  ")[0]: ln.split("  ") for ln in lines if "  " in ln}
    for quantity, tolerance in PRINTED[page].items():
        assert quantity in rows, f"{page}: no table row {quantity!r}"
        assert rows[quantity][-1] == tolerance, (
            f"{page}: {quantity!r} prints tolerance {rows[quantity][-1]!r}, the test "
            f"asserts {tolerance!r}")


# --- the exercises' self-checks -------------------------------------------------------------

def _fig10_det_sigma():
    X = eb.data.two_gaussians(seed=0)[0]
    return float(np.linalg.det(np.cov(X, rowvar=False, bias=True)))


@pytest.mark.parametrize("fn,args,kwargs,right", [
    (eb.checks.bias_growth_per_epoch, (1.2,), {}, True),
    (eb.checks.bias_growth_per_epoch, (0.2,), {}, False),
    (eb.checks.bias_growth_per_epoch, (0.5,), {"eta": 1.5}, True),
    (eb.checks.bias_growth_per_epoch, (-1.2,), {}, True),          # with its sign, 1 - eta
    (eb.checks.bias_growth_per_epoch, (-0.5,), {"eta": 1.5}, True),
    (eb.checks.bias_growth_per_epoch, (0.4,), {"eta": 0.6}, True),
    (eb.checks.bias_growth_per_epoch, (-0.4,), {"eta": 0.6}, False),   # no sign change
    (eb.checks.bias_growth_per_epoch, (-0.2,), {}, False),
    (eb.checks.valley_floor_w2, (-1 / F_ONE,), {}, True),
    (eb.checks.valley_floor_w2, (-0.592,), {}, False),
    (eb.checks.valley_floor_w2, (1 / F_ONE,), {}, False),
    (eb.checks.shifted_hessian_determinant, (_fig10_det_sigma(),), {}, True),
    (eb.checks.shifted_hessian_determinant, (_fig10_det_sigma(),), {"shift": (-5, 2)}, True),
    (eb.checks.shifted_hessian_determinant, (1.0,), {}, False),
    (eb.checks.whitened_scaled_kappa, (4.0,), {}, True),
    (eb.checks.whitened_scaled_kappa, (1.0,), {}, False),
    (eb.checks.whitened_scaled_kappa, (3.0,), {"variance": 1 / 3}, True),
])
def test_exercise_self_checks(fn, args, kwargs, right, capsys):
    assert fn(*args, **kwargs) is right
    out = capsys.readouterr().out
    assert ("✔" in out) == right and ("Hint" in out) != right


def test_shifted_inputs_check_accepts_the_true_eigenvalue():
    lam = _eigen(eb.data.two_gaussians(seed=0)[0] + 3.0)[-1]
    assert eb.checks.shifted_inputs_lambda_max(lam)
    assert not eb.checks.shifted_inputs_lambda_max(0.84)


@pytest.mark.parametrize("call,name", [
    (lambda: eb.checks.valley_floor_w2("0.58"), "answer"),
    (lambda: eb.checks.bias_growth_per_epoch(1.2, eta=-1.0), "eta"),
    (lambda: eb.checks.shifted_hessian_determinant(0.03, shift=(1.0, 2.0, 3.0)), "shift"),
    (lambda: eb.checks.whitened_scaled_kappa(4.0, variance=0.0), "variance"),
])
def test_self_checks_name_a_bad_argument(call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call()
