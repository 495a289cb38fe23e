"""The claims of §7.2 (eqs 48-51), computed as book/gauss_newton_matrix computes them, with
the tolerances its table prints: G = (1/P) sum J_p^T J_p, G = H at zero residual and for a
network linear in its weights, H - G proportional to the residual, G positive
semi-definite while H is not, G is N x N, and G v without G."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv

RESIDUALS = np.array([0.0] + [float(f"{s:.3g}") for s in np.logspace(-4, 0, 33)])


@pytest.fixture(scope="module")
def problem():
    return eb.measure.gn_teacher_problem()


@pytest.fixture(scope="module")
def sweep(problem):
    """The page's slider: G once, H, the gap and the negative counts at every residual."""
    net, X = problem.net, problem.X
    G = cv.gauss_newton(net, X, problem.clean)
    Hs = [cv.hessian(net, X, problem.targets(s)) for s in RESIDUALS]
    gaps = np.array([np.linalg.norm(H - G) / np.linalg.norm(G) for H in Hs])
    eig_H = [np.linalg.eigvalsh(H) for H in Hs]
    return G, Hs, gaps, eig_H


def test_the_page_network(problem):
    assert problem.net.n_params == 17 and problem.X.shape == (40, 2)
    assert problem.clean.shape == (40, 2)


def test_eq51_g_is_the_mean_of_jacobian_squares(problem):
    """G by hand from eb.curvature.output_jacobian = eb.curvature.gauss_newton (< 1e-12),
    and it is N x N, not N x O (the paper's slip), from O x N Jacobians."""
    net, X = problem.net, problem.X
    D = problem.targets(0.3)
    jac = [cv.output_jacobian(net, x) for x in X]
    assert jac[0].shape == (2, 17)
    G_by_hand = sum(J.T @ J for J in jac) / len(X)
    G = cv.gauss_newton(net, X, D)
    assert G.shape == (17, 17)
    assert np.abs(G_by_hand - G).max() < 1e-12


def test_eq50_second_term_is_the_residual_weighted_output_hessians(problem):
    """H - G = (1/P) sum_p sum_k r_pk grad^2 M_k(x_p), checked against finite differences
    of each output's Jacobian (an independent route to grad^2 M_k)."""
    net, X = problem.net, problem.X
    s = 0.3
    D = problem.targets(s)
    r = net.forward(X) - D
    w = net.params.copy()
    h = 1e-5
    second = np.zeros((net.n_params, net.n_params))
    for p in range(len(X)):
        for i in range(net.n_params):
            e = np.zeros(net.n_params)
            e[i] = h
            dJ = (cv.output_jacobian(net, X[p], w + e) - cv.output_jacobian(net, X[p], w - e))
            second[:, i] += r[p] @ dJ / (2 * h)
    second /= len(X)
    H, G = cv.hessian(net, X, D), cv.gauss_newton(net, X, D)
    np.testing.assert_allclose(H - G, 0.5 * (second + second.T), atol=1e-8)


def test_g_does_not_depend_on_the_targets(problem):
    net, X = problem.net, problem.X
    G0 = cv.gauss_newton(net, X, problem.clean)
    for s in (1e-3, 0.1, 1.0):
        assert np.abs(cv.gauss_newton(net, X, problem.targets(s)) - G0).max() < 1e-14


def test_zero_residual_g_equals_h(sweep):
    """'‖H − G‖/‖G‖ at residual 0' < 1e-10."""
    G, Hs, gaps, _ = sweep
    assert RESIDUALS[0] == 0.0
    assert gaps[0] < 1e-10


def test_gap_grows_monotonically_and_in_proportion_to_the_residual(sweep):
    """Monotone growth, and the log-log slope is 1 within 1e-6 (the table's tolerance)."""
    _, _, gaps, _ = sweep
    assert np.all(np.diff(gaps) > 0)
    slope = np.polyfit(np.log(RESIDUALS[1:]), np.log(gaps[1:]), 1)[0]
    assert slope == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(gaps[1:] / RESIDUALS[1:], gaps[-1] / RESIDUALS[-1],
                               rtol=1e-8)


def test_linear_network_g_equals_h_at_any_residual(problem):
    """'max |H − G|, linear net' < 1e-12: the dropped term holds grad^2 M = 0. The linear
    net sits at its initial weights, so its own residual is large (rms above 1), not 0."""
    lms = eb.mlp([2, 2], activation="identity")
    D = problem.targets(1.0)
    assert np.sqrt(np.mean((lms.forward(problem.X) - D) ** 2)) > 1
    assert np.abs(cv.hessian(lms, problem.X, D) - cv.gauss_newton(lms, problem.X, D)).max() < 1e-12


def test_g_is_positive_semidefinite_h_is_not(sweep):
    """G: no eigenvalue below -1e-12 lambda_max at any residual; H: none at residual 0,
    at least one at residual 1, and a count that never falls along the slider."""
    G, _, _, eig_H = sweep
    eig_G = np.linalg.eigvalsh(G)
    assert eig_G.min() / eig_G.max() > -1e-12
    assert eb.measure.gn_negative_count(eig_G) == 0
    counts = [eb.measure.gn_negative_count(lam) for lam in eig_H]
    assert counts[0] == 0 and counts[-1] >= 1
    assert np.all(np.diff(counts) >= 0)
    assert counts[-1] == 6                                   # the figure's staircase top


def test_g_is_nearly_singular_so_a_small_residual_tips_h(sweep):
    """The page: G's smallest-to-largest eigenvalue ratio is about 2e-5 (between 1.5e-5 and
    3e-5), and H has a negative eigenvalue already below an rms residual of 1e-3."""
    G, _, _, eig_H = sweep
    eig_G = np.linalg.eigvalsh(G)
    assert 1.5e-5 < eig_G.min() / eig_G.max() < 3e-5
    first = RESIDUALS[[eb.measure.gn_negative_count(lam) > 0 for lam in eig_H].index(True)]
    assert 1e-4 < first < 1e-3


def _slope(net, X, D, M):
    """dE/dt at t = 0 along the direction -M^-1 grad E."""
    g = net.gradient(X, D)[1]
    return g @ np.linalg.solve(M, -g)


def test_gauss_newton_direction_is_downhill_at_every_residual(problem, sweep):
    """'largest slope along −G⁻¹∇E, residual > 0' < 0."""
    G = sweep[0]
    slopes = [_slope(problem.net, problem.X, problem.targets(s), G) for s in RESIDUALS[1:]]
    assert max(slopes) < 0


def test_newton_direction_is_uphill_only_at_three_residuals(problem, sweep):
    """'residuals where −H⁻¹∇E points uphill': exactly 0.178, 0.562 and 0.75 of the 33
    non-zero slider positions. H is indefinite at each of them, but an indefinite H does
    not make the direction uphill: at most residuals where H has negative eigenvalues,
    the Newton direction still points downhill (the page says so)."""
    _, Hs, _, eig_H = sweep
    slopes = np.array([_slope(problem.net, problem.X, problem.targets(s), H)
                       for s, H in zip(RESIDUALS[1:], Hs[1:])])
    uphill = RESIDUALS[1:][slopes > 0]
    np.testing.assert_array_equal(uphill, [0.178, 0.562, 0.75])
    indefinite = np.array([eb.measure.gn_negative_count(lam) > 0 for lam in eig_H[1:]])
    assert indefinite[slopes > 0].all()
    assert np.sum(indefinite & (slopes < 0)) > np.sum(slopes > 0)
    # the signs are not rounding: every slope is far from zero relative to its scale
    scale = np.array([np.sum(net_g ** 2) for net_g in
                      (problem.net.gradient(problem.X, problem.targets(s))[1]
                       for s in RESIDUALS[1:])])
    assert np.all(np.abs(slopes) > 1e-3 * scale)


def test_full_gauss_newton_step_overshoots_at_the_default_residual(problem, sweep):
    """'E after / before the full step −G⁻¹∇E, residual 0.1' > 10: the direction points
    downhill but G's tiny eigenvalues make the step too long. At residual 1e-4 the same
    step does lower E, so the assertion is not true for every residual by default."""
    net, X, G = problem.net, problem.X, sweep[0]
    w = net.params.copy()

    def ratio(s):
        D = problem.targets(s)
        step = -np.linalg.solve(G, net.gradient(X, D)[1])
        cost = [0.5 * np.mean(np.sum((net.forward(X, v) - D) ** 2, axis=1))
                for v in (w + step, w)]
        return cost[0] / cost[1]

    assert ratio(0.1) > 10
    assert ratio(1e-4) < 1


def test_gv_equals_g_times_v(problem):
    """'max |G·v − G @ v|' < 1e-12."""
    net, X = problem.net, problem.X
    D = problem.targets(0.3)
    v = np.random.default_rng(0).standard_normal(net.n_params)
    Gv = cv.gauss_newton_vector_product(net, X, D, v)
    assert np.abs(Gv - cv.gauss_newton(net, X, D) @ v).max() < 1e-12


def test_the_paper_digit_net_is_too_large_for_a_dense_g():
    big = eb.mlp([784, 30, 10])
    assert big.n_params == 23860
    with pytest.raises(ValueError, match="2500|2,500"):
        cv.gauss_newton(big, np.zeros((1, 784)), np.zeros((1, 10)))


# --- the page's self-checks ---------------------------------------------------------------

def _bisect_first_negative(problem):
    net, X = problem.net, problem.X
    lo, hi = 1e-4, 1e-3
    for _ in range(40):
        mid = np.sqrt(lo * hi)
        neg = eb.measure.gn_negative_count(np.linalg.eigvalsh(
            cv.hessian(net, X, problem.targets(mid)))) > 0
        lo, hi = (lo, mid) if neg else (mid, hi)
    return hi


def test_first_negative_check_agrees_with_bisection(problem, capsys):
    s = _bisect_first_negative(problem)
    assert eb.checks.gn_first_negative(s)
    assert not eb.checks.gn_first_negative(1.05 * s)
    assert not eb.checks.gn_first_negative(10 ** -3.5)      # the slider position below
    assert not eb.checks.gn_first_negative(4.22e-4)         # and the one above
    assert eb.checks.gn_first_negative(3.6445e-4)           # an independent value (review)
    capsys.readouterr()


def test_zero_eigenvalues_check(capsys):
    p = eb.measure.gn_teacher_problem((3, 6, 2), samples=5, seed=0)
    G = cv.gauss_newton(p.net, p.X, p.clean)
    lam = np.linalg.eigvalsh(G)
    zeros = int(np.sum(np.abs(lam) < 1e-10 * lam.max()))
    assert zeros == p.net.n_params - 5 * 2 == 28
    assert eb.checks.gn_zero_eigenvalues(28)
    assert not eb.checks.gn_zero_eigenvalues(27)
    assert not eb.checks.gn_zero_eigenvalues(10)
    assert not eb.checks.gn_zero_eigenvalues(33)     # 38 - P, forgetting the O outputs
    assert not eb.checks.gn_zero_eigenvalues(36)     # 38 - O
    capsys.readouterr()
