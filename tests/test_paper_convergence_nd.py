"""The numbers of §5.1 (Figures 6, 7 and 8, and steps against the condition number), computed
as the pages book/convergence_1d and book/convergence_nd compute them, with the tolerances
their tables print. Each correction of issue #12 has a test that the old pages would fail."""
import warnings

import matplotlib
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv
from ebtricks.descent import Quadratic1D

matplotlib.use("Agg")

P = np.array([-1.6, 1.1])                       # the point of Figure 7
KAPPAS = np.array([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000])


def _start(q, kappa):
    """The sweep's start: equal coordinates along both eigenvectors, E(w0) = 1."""
    return q.eigenvectors @ np.array([1.0, 1.0]) * np.sqrt(2 / (1 + 1 / kappa))


def _factor_scan(kappa, etas_lmax, steps=400):
    """Per-step shrink factor of |w - w*| late in a run, for many rates at once (the
    N-D page's measurement)."""
    q = eb.Quadratic.from_eigen([1.0, 1.0 / kappa], angle=0.4)
    etas = np.asarray(etas_lmax) / q.lambda_max
    W = np.tile(q.eigenvectors @ [1.0, 1.0], (len(etas), 1))
    for _ in range(steps):
        W_before, W = W, W - etas[:, None] * q.gradient(W)
    return np.linalg.norm(W, axis=1) / np.linalg.norm(W_before, axis=1)


# --- Figure 6: one dimension -------------------------------------------------------------

def test_fig6_regimes():
    q = eb.Quadratic1D(curvature=1.0)
    assert abs(eb.gradient_descent_1d(q, -1.6, 1.0, 1)[-1]) < 1e-15     # eta_opt: one step
    assert abs(eb.gradient_descent_1d(q, -1.6, 1.99, 200)[-1]) < 1.6
    assert abs(eb.gradient_descent_1d(q, -1.6, 2.01, 200)[-1]) > 1.6


def test_fig6_eta_max_by_bisection_is_twice_eta_opt():
    """Eq 26, measured as the 1-D page measures it (tolerance 1e-6)."""
    q = eb.Quadratic1D(curvature=1.0)

    def converges(ratio):
        return abs(eb.gradient_descent_1d(q, -1.6, ratio * q.eta_opt, 200)[-1]) < 1.6

    lo, hi = 1.0, 3.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if converges(mid) else (lo, mid)
    assert lo == pytest.approx(2.0, abs=1e-6)


def test_quadratic1d_eta_opt_cites_eq_24():
    # eq 24 defines eta_opt; eq 25 is the slope formula of Figure 6 (ii)
    assert "eq 24" in Quadratic1D.eta_opt.__doc__ and "eq 25" not in Quadratic1D.eta_opt.__doc__


def test_fig6ii_newton_on_log_cosh_diverges_beyond_1_09():
    """A step with eta = 1/E''(W_c) on log cosh lands farther out than it started once
    |W_c| > 1.0887 (sinh 2W = 4W); repeated, it diverges."""
    bowl = eb.LogCosh1D()

    def newton(w, steps):
        for _ in range(steps):
            w = w - bowl.gradient(w) / bowl.second_derivative(w)
        return w

    assert abs(newton(1.08, 1)) < 1.08 and abs(newton(1.08, 8)) < 1e-6
    assert abs(newton(1.10, 1)) > 1.10 and abs(newton(1.10, 4)) > 5
    assert eb.checks.newton_log_cosh_threshold(1.0887)


def test_fig6ii_step_on_the_gradient_line_lands_on_the_minimum():
    from ebtricks.figures import plots, subplots
    q = eb.Quadratic1D(curvature=2.0, minimum=0.5)
    fig, ax = subplots()
    plots.gradient_step_1d(ax, q, -0.5)
    arrow = [t for t in ax.texts if hasattr(t, "arrow_patch")][-1]
    assert arrow.xy[0] == pytest.approx(q.minimum) and arrow.xyann[0] == pytest.approx(-0.5)


def test_fig6_only_the_parabola_runs_are_straight_lines_on_a_log_scale():
    """'Each run on the parabola is a straight line': a constant factor per step. On log
    cosh the factor changes from step to step (the run bends)."""
    q, bowl = eb.Quadratic1D(curvature=1.0), eb.LogCosh1D(curvature=1.0)
    for ratio in (0.5, 1.5, 2.5):
        d = np.abs(eb.gradient_descent_1d(q, -1.6, ratio, 12))
        np.testing.assert_allclose(d[1:] / d[:-1], abs(1 - ratio), rtol=1e-12)
        d = np.abs(eb.gradient_descent_1d(bowl, -1.6, ratio, 12))
        assert np.ptp(d[1:6] / d[:5]) > 0.05


def test_fig6_log_cosh_at_eta_opt_cubes_the_distance():
    """Near its minimum log cosh is almost quadratic (tanh w = w - w^3/3 + ...), so a step
    at eta_opt leaves w - tanh w ~ w^3/3: once small, the distance is about cubed per step,
    and the run from -1.6 falls to the plot's floor within a few steps."""
    bowl = eb.LogCosh1D(curvature=1.0)
    d = np.abs(eb.gradient_descent_1d(bowl, -1.6, bowl.eta_opt, 6))
    assert d[1] > 0.1                                    # the first step does not land
    small = d[:-1] < 0.1
    assert small.sum() >= 2
    np.testing.assert_allclose(d[1:][small & (d[1:] > 0)], d[:-1][small & (d[1:] > 0)] ** 3 / 3,
                               rtol=0.01)
    assert d[4] < 1e-11 and d[5] < 1e-16


def test_newton_log_cosh_threshold_check_accepts_two_decimals():
    """The exercise asks for two decimals: 1.08 and 1.09 pass, 1.07 and 1.10 do not."""
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        assert eb.checks.newton_log_cosh_threshold(1.08)
        assert eb.checks.newton_log_cosh_threshold(1.09)
        assert not eb.checks.newton_log_cosh_threshold(1.07)
        assert not eb.checks.newton_log_cosh_threshold(1.10)


def test_fig6ii_tangent_of_a_line_is_not_listed_twice_and_far_landings_are_marked():
    """On the quadratic the tangent is the gradient line: one legend entry says so, and no
    dashed line hides under it. On log cosh from w_c = -1.6 the step lands at 4.52, off the
    plot: the arrow stops inside the axes and the landing point is written."""
    from ebtricks.figures import plots, subplots
    fig, (a, b) = subplots(1, 2)
    plots.gradient_step_1d(a, eb.Quadratic1D(curvature=1.0), -1.6)
    labels = a.get_legend_handles_labels()[1]
    assert not any("tangent at" in t for t in labels)
    assert any("own tangent" in t for t in labels)
    plots.gradient_step_1d(b, eb.LogCosh1D(curvature=1.0), -1.6)
    assert any("tangent at" in t for t in b.get_legend_handles_labels()[1])
    arrow = [t for t in b.texts if hasattr(t, "arrow_patch")][-1]
    assert b.get_xlim()[0] < arrow.xy[0] < b.get_xlim()[1]
    landing = -1.6 - np.sinh(-3.2) / 2
    assert landing == pytest.approx(-1.6 - np.tanh(-1.6) * np.cosh(-1.6) ** 2)
    assert any(t.get_text() == f"lands at\nw = {landing:.3g}" for t in b.texts)
    assert f"{landing:.3g}" == "4.52"


# --- Figure 7: coupled and decoupled weights --------------------------------------------

@pytest.mark.parametrize("angle", [0, 15, 30, 45, 60, 90])
def test_fig7_newton_points_at_the_minimum_for_every_rotation(angle):
    q = eb.Quadratic.from_eigen([1.0, 1 / 8], angle=np.radians(angle))
    np.testing.assert_allclose(P + q.newton_step(P), q.minimum, atol=1e-12)


def test_fig7_gradient_does_not_point_at_the_minimum():
    q = eb.Quadratic.from_eigen([1.0, 1 / 8], angle=np.radians(30))
    g = -q.gradient(P)
    assert g @ (-P) / (np.linalg.norm(g) * np.linalg.norm(P)) < 0.95


def test_fig7_per_weight_rates_equal_newton_only_when_decoupled():
    """The arrow of the paper's Fig 7b: -diag(H)^-1 grad E. Decoupled (0 or 90 degrees)
    it is the Newton step; rotated, it is not, and at 45 degrees it is the gradient's
    direction, converging by (kappa-1)/(kappa+1) per step."""
    for angle in (0, 90):
        q = eb.Quadratic.from_eigen([1.0, 1 / 32], angle=np.radians(angle))
        np.testing.assert_allclose(q.per_weight_step(P), q.newton_step(P), atol=1e-12)
    q = eb.Quadratic.from_eigen([1.0, 1 / 32], angle=np.radians(30))
    assert np.linalg.norm(P + q.per_weight_step(P)) > 0.1
    q = eb.Quadratic.from_eigen([1.0, 1 / 32], angle=np.radians(45))
    d, g = q.per_weight_step(P), -q.gradient(P)
    assert abs(d @ g) == pytest.approx(np.linalg.norm(d) * np.linalg.norm(g), rel=1e-12)
    radius = np.abs(np.linalg.eigvals(np.eye(2) - q.H / np.diag(q.H)[:, None])).max()
    assert radius == pytest.approx(31 / 33, rel=1e-12)


def test_fig7_arrow_leaving_the_axes_is_still_drawn():
    """The old Figure 7 lost its gradient arrow at 45 degrees, ratio 32: matplotlib drops
    an annotation whose tip is outside the axes."""
    from ebtricks.figures import plots, subplots
    fig, ax = subplots()
    ax.set(xlim=(-2.2, 2.2), ylim=(-2.2, 2.2))
    plots.direction_arrow(ax, P, (3.0, 2.0), "C3")
    fig.canvas.draw()
    arrow = ax.texts[-1]
    assert arrow.get_annotation_clip() is False
    assert arrow.arrow_patch.get_window_extent().width > 10


def _angle_to_minimum(q, d):
    """Degrees between a direction d at P and the direction from P to the minimum."""
    to_min = q.minimum - P
    return np.degrees(np.arccos(np.clip(d @ to_min / (np.linalg.norm(d)
                                                     * np.linalg.norm(to_min)), -1, 1)))


def _per_weight_factor(q):
    return np.abs(np.linalg.eigvals(np.eye(2) - q.H / np.diag(q.H)[:, None])).max()


def test_fig7_gradient_points_at_the_minimum_only_where_p_lies_on_an_eigenvector():
    """Exactly at the minimum only at the two rotations the caption computes (P's own angle,
    mod 90 degrees); more than 10 degrees off at most rotations (80 % of a 1-degree grid);
    close to it only near the rotation where P lies on the steep eigenvector."""
    special = sorted(np.degrees(np.arctan2(P[1], P[0])) % 180 - k * 90 for k in (0, 1))
    assert special == pytest.approx([55.49, 145.49], abs=0.01)
    for a in special:
        q = eb.Quadratic.from_eigen([1.0, 1 / 32], angle=np.radians(a))
        assert _angle_to_minimum(q, -q.gradient(P)) < 1e-6
    angles = np.arange(0, 180, 1.0)
    off = np.array([_angle_to_minimum(q, -q.gradient(P)) for q in (
        eb.Quadratic.from_eigen([1.0, 1 / 32], angle=np.radians(a)) for a in angles)])
    assert np.mean(off > 10) >= 0.8
    near = off < 10
    assert np.all((np.abs(angles[near] - special[0]) < 2)
                  | (np.abs(angles[near] - special[1]) < 12))


def test_fig7_per_weight_arrow_direction_is_not_its_rate():
    """At 56.25 degrees the per-weight arrow points within 1.2 degrees of the minimum, yet
    converges by 0.93 per step: what rotation costs per-weight rates is the rate."""
    q = eb.Quadratic.from_eigen([1.0, 1 / 32], angle=np.radians(56.25))
    assert _angle_to_minimum(q, q.per_weight_step(P)) < 1.2
    assert _per_weight_factor(q) == pytest.approx(0.93, abs=0.005)


def test_fig7_at_45_degrees_per_weight_rates_are_one_rate():
    """Equal diagonal entries of H at 45 degrees: one rate 1/H_ii = 2/(lambda_max +
    lambda_min) for both weights, the orange arrow parallel to the red one, and the
    slowest factor of all rotations."""
    q = eb.Quadratic.from_eigen([1.0, 1 / 32], angle=np.radians(45))
    assert q.H[0, 0] == pytest.approx(q.H[1, 1], rel=1e-12)
    assert 1 / q.H[0, 0] == pytest.approx(q.eta_minimax, rel=1e-12)
    assert _angle_to_minimum(q, q.per_weight_step(P)) == pytest.approx(
        _angle_to_minimum(q, -q.gradient(P)), abs=1e-9)
    factors = [_per_weight_factor(eb.Quadratic.from_eigen([1.0, 1 / 32], angle=np.radians(a)))
               for a in range(0, 181, 5)]
    assert max(factors) == pytest.approx(_per_weight_factor(q), rel=1e-12)
    assert np.argmax(factors) in (9, 27)                      # 45 or 135 degrees


@pytest.mark.parametrize("angle", [30, 45, 60, 135])
def test_fig7_legend_factors_are_the_measured_late_factors(angle):
    """The legend's factor per step: 1 - 1/kappa for the gradient at 1/lambda_max; for
    per-weight rates the spectral radius rho of I - diag(H)^-1 H, whose eigenvalues are
    +rho and -rho: two steps multiply the distance by exactly rho^2 (one step zig-zags)."""
    q = eb.Quadratic.from_eigen([1.0, 1 / 32], angle=np.radians(angle))
    w_g, w_p = [P.copy()], [P.copy()]
    for _ in range(300):
        w_g.append(w_g[-1] - q.eta_opt * q.gradient(w_g[-1]))
        w_p.append(w_p[-1] + q.per_weight_step(w_p[-1]))
    dist = lambda w: np.linalg.norm(w - q.minimum)
    assert dist(w_g[-1]) / dist(w_g[-2]) == pytest.approx(1 - 1 / 32, rel=1e-6)
    rho = _per_weight_factor(q)
    assert np.sqrt(dist(w_p[-1]) / dist(w_p[-3])) == pytest.approx(rho, rel=1e-6)
    assert np.linalg.eigvals(np.eye(2) - q.H / np.diag(q.H)[:, None]) == pytest.approx(
        [rho, -rho], abs=1e-12) or np.linalg.eigvals(
        np.eye(2) - q.H / np.diag(q.H)[:, None]) == pytest.approx([-rho, rho], abs=1e-12)


def test_larger_condition_number_slower_gradient_descent():
    """The condition-number figure: over its slider's values, the distance left after 60
    steps from P grows with kappa at both rates, and so do the factors in its legend."""
    kappas = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80,
              100, 120, 150, 200, 250, 300, 400, 500, 600, 800, 1000]
    for rate in ("eta_opt", "eta_minimax"):
        left, factors = [], []
        for kappa in kappas:
            q = eb.Quadratic.from_eigen([1.0, 1 / kappa], angle=np.radians(30))
            eta = getattr(q, rate)
            left.append(np.linalg.norm(eb.gradient_descent(q, P, eta, 60)[-1] - q.minimum))
            factors.append(np.abs(1 - eta * q.eigenvalues).max())
        assert left[0] < 1e-12 and factors[0] < 1e-12          # kappa = 1: one step
        assert np.all(np.diff(left[1:]) > 0) and np.all(np.diff(factors) > 0)


def test_single_rate_zig_zags_only_above_one_over_lambda_max():
    """At eta = 1/lambda_max the steep component is gone after one step (no zig-zag);
    above it the steep component changes sign every step."""
    q = eb.Quadratic.from_eigen([1.0, 0.1], angle=np.radians(30))
    for eta_lmax, zigzag in ((0.8, False), (1.0, False), (1.5, True), (1.9, True)):
        c = (eb.gradient_descent(q, P, eta_lmax / q.lambda_max, 6) @ q.eigenvectors)[:, 1]
        big = np.abs(c) > 1e-12
        flips = np.sign(c[1:][big[1:] & big[:-1]]) != np.sign(c[:-1][big[1:] & big[:-1]])
        assert flips.any() == zigzag


# --- eqs 38 and 39: one rate for every weight --------------------------------------------

def test_eq38_largest_stable_rate():
    etas = np.linspace(0.5, 2.1, 1601)
    assert etas[_factor_scan(100, etas) < 1].max() == pytest.approx(2.0, abs=0.01)


def test_eq38_is_strict_at_two_the_steep_component_keeps_its_size():
    """2 is the supremum of the stable rates, not a stable rate: at eta*lambda_max = 2 the
    steep component only changes sign."""
    q = eb.Quadratic.from_eigen([1.0, 0.01], angle=0.4)
    c = (eb.gradient_descent(q, q.eigenvectors @ [1.0, 1.0], 2 / q.lambda_max, 50)
         - q.minimum) @ q.eigenvectors
    np.testing.assert_allclose(np.abs(c[:, 1]), 1.0, rtol=1e-9)
    assert np.all(np.sign(c[1:, 1]) != np.sign(c[:-1, 1]))


def test_eq39_is_loose_the_fastest_single_rate_is_minimax():
    """The paper's eq 39 calls 1/lambda_max the fastest rate; the smallest factor per step
    is at 2/(lambda_max + lambda_min) (tolerance 0.005, as the N-D page prints)."""
    kappa = 100
    etas = np.linspace(0.5, 2.1, 1601)
    factor = _factor_scan(kappa, etas)
    fastest = etas[np.argmin(factor)]
    assert fastest == pytest.approx(2 * kappa / (kappa + 1), abs=0.005)
    assert abs(fastest - 1.0) > 0.5
    assert factor.min() == pytest.approx((kappa - 1) / (kappa + 1), abs=1e-3)
    q = eb.Quadratic.from_eigen([1.0, 1 / kappa])
    assert q.eta_minimax * q.lambda_max == pytest.approx(2 * kappa / (kappa + 1))


def test_minimax_rate_needs_fewer_steps_at_every_condition_number():
    for kappa in KAPPAS[1:]:
        q = eb.Quadratic.from_eigen([1.0, 1.0 / kappa], angle=0.4)
        w0 = _start(q, kappa)
        assert (eb.steps_to_converge(q, w0, q.eta_minimax, tol=1e-12)
                < eb.steps_to_converge(q, w0, q.eta_opt, tol=1e-12))


# --- steps against the condition number ---------------------------------------------------

@pytest.fixture(scope="module")
def sweep():
    rows = []
    for kappa in KAPPAS:
        q = eb.Quadratic.from_eigen([1.0, 1.0 / kappa], angle=0.4)
        w0 = _start(q, kappa)
        row = [kappa]
        for eta in (q.eta_opt, q.eta_minimax):
            with warnings.catch_warnings():
                warnings.simplefilter("error")           # kappa = 1 once took log(0)
                row += [eb.steps_to_converge(q, w0, eta, tol=1e-12),
                        eb.predicted_steps(q, w0, eta, tol=1e-12)]
        rows.append(row)
    return np.array(rows, dtype=float)


def test_predicted_steps_match_the_measured_ones(sweep):
    """The count derived from the start's flat share of the cost, to one step."""
    np.testing.assert_allclose(sweep[:, 1], sweep[:, 2], atol=1)
    np.testing.assert_allclose(sweep[:, 3], sweep[:, 4], atol=1)
    assert sweep[0, 1:].tolist() == [1, 1, 1, 1]       # kappa = 1: one step, no log(0)


def test_steps_per_kappa_fall_so_no_constant_multiple_of_kappa_fits(sweep):
    """The old page claimed about 13.8 kappa steps: steps/kappa falls from 12 to 10.4,
    because the flat direction's share of the start, 1/(kappa+1), shrinks."""
    per_kappa = sweep[3:, 1] / sweep[3:, 0]                 # kappa >= 10
    assert np.all(np.diff(per_kappa[1:]) < 0)
    assert per_kappa[0] == pytest.approx(12.0, abs=0.05)
    assert per_kappa[-1] == pytest.approx(10.36, abs=0.05)
    assert np.all(per_kappa < 13.8 * 0.9)


def test_steps_per_kappa_rise_level_off_then_fall(sweep):
    """At 1/lambda_max steps/kappa rise for small kappa (ln(1 - 1/kappa) is not -1/kappa
    there), are level between kappa = 10 and 20, and fall beyond."""
    per_kappa = dict(zip(sweep[:, 0], sweep[:, 1] / sweep[:, 0]))
    assert per_kappa[2] < per_kappa[5] < per_kappa[10]
    assert per_kappa[20] == pytest.approx(per_kappa[10], abs=0.05)
    later = [per_kappa[k] for k in (20, 50, 100, 200, 500, 1000)]
    assert np.all(np.diff(later) < 0)


def test_slope_one_line_through_kappa_1000_lies_below_the_dots_but_at_kappa_1_2(sweep):
    """The dotted line of the steps-vs-kappa figure is 10.36 kappa, through the last dot:
    below the measured counts for kappa = 5 ... 500, above them at kappa = 1 and 2."""
    line = sweep[-1, 1] * sweep[:, 0] / sweep[-1, 0]
    assert sweep[-1, 1] / sweep[-1, 0] == pytest.approx(10.36, abs=0.01)
    assert sweep[line > sweep[:, 1], 0].tolist() == [1, 2]
    assert sweep[line < sweep[:, 1], 0].tolist() == [5, 10, 20, 50, 100, 200, 500]


def test_condition_number_sets_the_number_of_steps(sweep):
    """'Convergence time is proportional to kappa': log-log slope within 0.05 of 1."""
    slope = np.polyfit(np.log(sweep[3:, 0]), np.log(sweep[3:, 1]), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.05)
    assert slope < 0.99                                       # but not exactly 1


def test_predicted_steps_validates_and_handles_divergence():
    q = eb.Quadratic.from_eigen([1.0, 0.1])
    assert eb.predicted_steps(q, [1.0, 1.0], 2.5, 1e-12) is None
    assert eb.predicted_steps(q, [0.0, 0.0], 1.0, 1e-12) == 0
    with pytest.raises(ValueError, match="eta"):
        eb.predicted_steps(q, [1.0, 1.0], -1.0, 1e-12)
    with pytest.raises(TypeError, match="cost"):
        eb.predicted_steps(eb.Quadratic1D(), 1.0, 1.0, 1e-12)


# --- Figure 8: H for LMS --------------------------------------------------------------------

def test_fig8_lms_hessian_is_the_second_moment_and_the_covariance_at_mean_zero():
    """True by construction: two_gaussians forces the inputs' mean to 0 (tolerance 1e-12)."""
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity", seed=0)
    H = cv.hessian(net, X, D)[:2, :2]
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-15)
    np.testing.assert_allclose(H, X.T @ X / len(X), atol=1e-12)
    np.testing.assert_allclose(H, np.cov(X, rowvar=False, bias=True), atol=1e-12)


@pytest.mark.parametrize("shift", [(1.0, 0.5), (-2.0, 3.0)])
def test_fig8_with_a_mean_h_is_the_second_moment_not_the_covariance(shift):
    """The test that could fail: on inputs with a mean m, H = covariance + m m^T."""
    X, D = eb.data.two_gaussians(seed=0)
    X = X + np.asarray(shift)
    net = eb.mlp([2, 1], activation="identity", seed=0)
    H = cv.hessian(net, X, D)[:2, :2]
    C = np.cov(X, rowvar=False, bias=True)
    m = X.mean(axis=0)
    np.testing.assert_allclose(H, X.T @ X / len(X), atol=1e-12)
    np.testing.assert_allclose(H, C + np.outer(m, m), atol=1e-12)
    assert np.abs(H - C).max() > 0.5


def test_fig8_arrows_have_length_sqrt_lambda():
    """Eigenvalues are mean-square spreads: the arrows and the 1-sigma ellipse use sqrt."""
    from ebtricks.figures import plots, subplots
    M = np.array([[0.5, 0.3], [0.3, 0.4]])
    fig, ax = subplots()
    plots.spread_ellipse(ax, M)
    arrows = [t for t in ax.texts if hasattr(t, "arrow_patch")]
    lengths = sorted(np.linalg.norm(np.subtract(a.xy, a.xyann)) for a in arrows)
    np.testing.assert_allclose(lengths, np.sqrt(np.linalg.eigvalsh(M)), rtol=1e-12)
    ring = ax.lines[0].get_xydata()
    q = np.einsum("ni,ij,nj->n", ring, np.linalg.inv(M), ring)
    np.testing.assert_allclose(q, 1.0, rtol=1e-9)


def test_contour_ellipses_and_spread_ellipses_are_long_along_opposite_eigenvectors():
    """A line of constant E is long along the small-lambda eigenvector (1/sqrt(lambda));
    the spread ellipse of the same matrix is long along the large-lambda one (sqrt)."""
    from ebtricks.figures import plots, subplots
    q = eb.Quadratic.from_eigen([1.0, 0.1], angle=np.radians(30))
    flat, steep = q.eigenvectors[:, 0], q.eigenvectors[:, 1]       # eigh: ascending
    # the points of E = 1 along each eigenvector
    r_flat, r_steep = np.sqrt(2 / q.lambda_min), np.sqrt(2 / q.lambda_max)
    assert q.cost(r_flat * flat) == pytest.approx(1) and q.cost(r_steep * steep) == pytest.approx(1)
    assert r_flat > r_steep
    fig, ax = subplots()
    plots.spread_ellipse(ax, q.H)
    ring = ax.lines[0].get_xydata()
    far = ring[np.argmax(np.linalg.norm(ring, axis=1))]
    assert abs(far @ steep) == pytest.approx(np.linalg.norm(far), rel=1e-3)


def test_fig8_labels_can_be_placed_away_from_the_arrows():
    """label_xy puts each eigenvalue label where the page says, joined to its arrow."""
    from ebtricks.figures import plots, subplots
    M = np.array([[0.5, 0.3], [0.3, 0.4]])
    fig, ax = subplots()
    plots.spread_ellipse(ax, M, label_xy=[(1.0, -1.0), (-1.0, 1.0)])
    labels = [t for t in ax.texts if t.get_text().startswith("λ =")]
    assert [tuple(t.xyann) for t in labels] == [(1.0, -1.0), (-1.0, 1.0)]
    lam = np.linalg.eigvalsh(M)
    assert [t.get_text() for t in labels] == [f"λ = {l:.3g}" for l in lam]


# --- the pages' self-checks -------------------------------------------------------------------

@pytest.mark.parametrize("fn,args,kwargs,right", [
    (eb.checks.same_speed_rate, (1.7,), {"ratio": 0.3}, True),
    (eb.checks.same_speed_rate, (0.3,), {"ratio": 0.3}, False),
    (eb.checks.newton_log_cosh_threshold, (1.09,), {}, True),
    (eb.checks.newton_log_cosh_threshold, (-1.09,), {}, True),
    (eb.checks.newton_log_cosh_threshold, (1.0,), {}, False),
    (eb.checks.newton_log_cosh_threshold, (1.08,), {}, True),
    (eb.checks.per_weight_slowest, (45, 31 / 33), {"kappa": 32}, True),
    (eb.checks.per_weight_slowest, (45, 1 - 1 / 32), {"kappa": 32}, False),
    (eb.checks.per_weight_slowest, (0, 31 / 33), {"kappa": 32}, False),
    (eb.checks.per_weight_slowest, (135, 31 / 33), {"kappa": 32}, True),
    (eb.checks.per_weight_slowest, (45, 99 / 101), {"kappa": 100}, True),
    (eb.checks.per_weight_slowest, (90, 99 / 101), {"kappa": 100}, False),
    (eb.checks.fastest_single_rate, (40 / 21,), {"kappa": 20}, True),
    (eb.checks.fastest_single_rate, (1.0,), {"kappa": 20}, False),
    (eb.checks.one_dimensional_rates, (0.25, 0.5), {"curvature": 4.0}, True),
    (eb.checks.steps_for_condition_number, (1375,), {"kappa": 100}, True),
])
def test_self_checks(fn, args, kwargs, right, capsys):
    assert fn(*args, **kwargs) is right
    out = capsys.readouterr().out
    assert ("✘" not in out) == right and ("✔" in out or not right)


@pytest.mark.parametrize("call,name", [
    (lambda: eb.checks.same_speed_rate(float("nan")), "answer"),
    (lambda: eb.checks.same_speed_rate(1.7, ratio=1.5), "ratio"),
    (lambda: eb.checks.newton_log_cosh_threshold("x"), "answer"),
    (lambda: eb.checks.per_weight_slowest(45, None), "factor"),
    (lambda: eb.checks.fastest_single_rate(1.9, kappa=-2), "kappa"),
])
def test_self_checks_name_a_bad_argument(call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call()
