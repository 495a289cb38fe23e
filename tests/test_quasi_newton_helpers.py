"""Unit tests of the quasi-Newton page's helpers: eb.measure.qn_decay_fit and
qn_iterations_to, the drawing helpers plots.qn_inverse_ellipses and plots.qn_lm_steps,
and the self-checks eb.checks.qn_*."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb

matplotlib.use("Agg")


@pytest.mark.parametrize("noise", [0.0, 0.3, 1.0])
def test_decay_fit_derivatives_match_finite_differences(noise):
    obj = eb.measure.qn_decay_fit(noise)
    w, h = np.array([1.3, 0.7]), 1e-6
    e = np.eye(2)
    g = obj.value_and_grad(w)[1]
    g_fd = [(obj.value(w + h * v) - obj.value(w - h * v)) / (2 * h) for v in e]
    H_fd = np.array([(obj.value_and_grad(w + h * v)[1] - obj.value_and_grad(w - h * v)[1])
                     / (2 * h) for v in e])
    np.testing.assert_allclose(g, g_fd, atol=1e-8)
    np.testing.assert_allclose(obj.hessian(w), H_fd, atol=1e-7)
    J = np.array([(obj.residuals(w + h * v) - obj.residuals(w - h * v)) / (2 * h)
                  for v in e]).T
    np.testing.assert_allclose(obj.gauss_newton(w), J.T @ J / len(obj.x), atol=1e-8)


def test_decay_fit_zero_noise_is_a_perfect_fit_and_noise_is_fixed():
    obj = eb.measure.qn_decay_fit(0.0, w_true=(3.0, 0.5))
    w = np.array([3.0, 0.5])
    assert obj.value(w) == 0.0
    np.testing.assert_allclose(obj.hessian(w), obj.gauss_newton(w), atol=1e-15)
    a, b = eb.measure.qn_decay_fit(0.2), eb.measure.qn_decay_fit(0.4)
    clean = eb.measure.qn_decay_fit(0.0).d
    np.testing.assert_allclose(b.d - clean, 2 * (a.d - clean), atol=1e-14)
    assert not np.allclose(eb.measure.qn_decay_fit(0.2, seed=1).d, a.d)
    assert len(eb.measure.qn_decay_fit(n=7).x) == 7


@pytest.mark.parametrize("kw,name", [({"noise": -1.0}, "noise"), ({"n": 2}, "n"),
                                     ({"w_true": (1.0,)}, "w_true"),
                                     ({"x_max": 0.0}, "x_max")])
def test_decay_fit_rejects_bad_arguments(kw, name):
    with pytest.raises((TypeError, ValueError), match=name):
        eb.measure.qn_decay_fit(**kw)


def test_iterations_to():
    q = eb.Quadratic(np.diag([1.0, 10.0]))
    obj = eb.FunctionObjective(q.cost, q.gradient, n=2)
    assert eb.measure.qn_iterations_to(obj, np.ones(2), eb.BFGS(), 100.0, 5) == 0
    k = eb.measure.qn_iterations_to(obj, np.ones(2), eb.BFGS(), 1e-12, 50)
    _, h = eb.minimize(eb.FunctionObjective(q.cost, q.gradient, n=2), np.ones(2),
                       eb.BFGS(), k)
    assert h.cost[-1] <= 1e-12 and h.cost[-2] > 1e-12
    assert eb.measure.qn_iterations_to(obj, np.ones(2), eb.GradientDescent(eta=1e-3),
                                       1e-12, 5) is None
    assert eb.measure.qn_iterations_to(obj, np.ones(2), eb.BFGS(), -1.0, 100) is None
    with pytest.raises(ValueError, match="iterations"):
        eb.measure.qn_iterations_to(obj, np.ones(2), eb.BFGS(), 0.0, -1)
    with pytest.raises((TypeError, ValueError), match="level"):
        eb.measure.qn_iterations_to(obj, np.ones(2), eb.BFGS(), float("nan"), 3)
    with pytest.raises(ValueError, match="w0"):
        eb.measure.qn_iterations_to(obj, np.ones(3), eb.BFGS(), 0.0, 3)


def test_inverse_ellipses_coincide_when_m_is_the_inverse():
    from ebtricks.figures import plots, subplots
    H = np.array([[2.0, 0.5], [0.5, 1.0]])
    fig, ax = subplots()
    plots.qn_inverse_ellipses(ax, H, np.linalg.inv(H), steps=[(1.0, 0.0)], scale=0.5)
    grey, blue = ax.lines[0].get_xydata(), ax.lines[1].get_xydata()
    np.testing.assert_allclose(grey, blue, atol=1e-12)
    np.testing.assert_allclose(np.einsum("ni,ij,nj->n", grey, H, grey), 0.25, rtol=1e-9)
    fig, ax = subplots()
    plots.qn_inverse_ellipses(ax, H, np.eye(2))
    ring = ax.lines[1].get_xydata()
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 1.0, rtol=1e-9)   # M = I


def test_lm_steps_draws_the_steps_from_the_start():
    from ebtricks.figures import plots, subplots
    w1 = w2 = np.linspace(-1, 1, 11)
    surface = np.add.outer(w2 ** 2, w1 ** 2)
    fig, ax = subplots()
    plots.qn_lm_steps(ax, w1, w2, surface, (0.5, 0.5), gn_step=(-0.5, -0.5),
                      gradient=(1.0, 0.2), lm_curve=[(-0.5, -0.5), (0.0, 0.0)],
                      lm_step=(-0.2, -0.1), minimum=(0, 0))
    arrows = [t for t in ax.texts if hasattr(t, "arrow_patch")]
    assert len(arrows) == 3
    assert all(tuple(a.xyann) == (0.5, 0.5) for a in arrows)
    assert tuple(arrows[-1].xy) == pytest.approx((0.3, 0.4))
    labels = ax.get_legend_handles_labels()[1]
    assert "LM step at this λ" in labels and "Gauss-Newton step (λ → 0)" in labels
    # the LM step's direction, drawn as long as the Gauss-Newton step from the start
    line = next(l for l in ax.lines if l.get_label() == "direction of the LM step")
    (x0, y0), (x1, y1) = line.get_xydata()
    assert (x0, y0) == (0.5, 0.5)
    np.testing.assert_allclose(np.hypot(x1 - x0, y1 - y0), np.hypot(0.5, 0.5))
    np.testing.assert_allclose((x1 - x0) * -0.1 - (y1 - y0) * -0.2, 0.0, atol=1e-12)


def _nw(M, d, p):
    rho = 1 / (d @ p)
    L = np.eye(len(d)) - rho * np.outer(d, p)
    return L @ M @ L.T + rho * np.outer(d, d)


@pytest.mark.parametrize("fn,args,kwargs,right", [
    (eb.checks.qn_bfgs_update, ([[0.75, -0.5], [-0.5, 1.0]],), {}, True),
    (eb.checks.qn_bfgs_update, (np.eye(2),), {}, False),
    (eb.checks.qn_bfgs_update, ([[-0.25, -0.5], [-0.5, 0.0]],), {}, False),  # eq 44, no "+"
    (eb.checks.qn_bfgs_update, (_nw(np.diag([2.0, 1.0]), np.array([1.0, 1.0]),
                                    np.array([1.0, 3.0])),),
     {"M": np.diag([2.0, 1.0]), "delta": (1.0, 1.0), "phi": (1.0, 3.0)}, True),
    (eb.checks.qn_lbfgs_floats, (23860 ** 2, 10 * 23860), {}, True),
    (eb.checks.qn_lbfgs_floats, (23860 ** 2, 5 * 23860), {}, False),
    (eb.checks.qn_lbfgs_floats, (23860, 10 * 23860), {}, False),
    (eb.checks.qn_lbfgs_floats, (23860 ** 2, 10 * 23860 + 5), {}, True),     # rho counted
    (eb.checks.qn_lbfgs_floats, (23820 ** 2, 10 * 23860), {}, False),        # no biases
    (eb.checks.qn_lbfgs_floats, (23860 ** 2, 10 * 23820), {}, False),        # no biases
    (eb.checks.qn_lbfgs_floats, (310 ** 2, 2 * 3 * 310), {"sizes": (64, 4, 10),
                                                        "memory": 3}, True),
    (eb.checks.qn_lm_half_length, (-1.0,), {}, False),
    (eb.checks.qn_lm_half_length, (0.16,), {}, False),       # lambda itself, not its log
])
def test_self_checks(fn, args, kwargs, right, capsys):
    assert fn(*args, **kwargs) is right
    out = capsys.readouterr().out
    assert ("✘" not in out) == right and ("✔" in out or not right)


def test_lm_half_length_check_accepts_its_own_answer(capsys):
    fit = eb.measure.qn_decay_fit(0.3)
    w0 = np.array([0.1, -1.0])
    G, g = fit.gauss_newton(w0), fit.value_and_grad(w0)[1]
    half = 0.5 * np.linalg.norm(np.linalg.solve(G, g))
    xs = np.linspace(-4, 6, 100001)
    lengths = [np.linalg.norm(np.linalg.solve(G + 10 ** x * np.eye(2), g)) for x in xs[::100]]
    x = xs[::100][int(np.argmin(np.abs(np.array(lengths) - half)))]
    assert eb.checks.qn_lm_half_length(x)
    assert not eb.checks.qn_lm_half_length(x + 0.2)


@pytest.mark.parametrize("call,name", [
    (lambda: eb.checks.qn_bfgs_update(np.eye(3)), "M_new"),
    (lambda: eb.checks.qn_bfgs_update("x"), "M_new"),
    (lambda: eb.checks.qn_lbfgs_floats(None, 3), "bfgs"),
    (lambda: eb.checks.qn_lbfgs_floats(3, float("nan")), "lbfgs"),
    (lambda: eb.checks.qn_lm_half_length("a"), "log10_lam"),
])
def test_self_checks_name_a_bad_argument(call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call()


def test_bfgs_step_docstring_cites_the_update_eq_44():
    """The update of M is eq 44; eq 45 only defines delta and phi (the docstring of
    BFGS.step said eq 45)."""
    assert "update of M (eq 44" in eb.BFGS.step.__doc__
