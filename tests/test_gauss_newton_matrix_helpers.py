"""Unit tests of the helpers book/gauss_newton_matrix added: the teacher problem, the
negative-eigenvalue count, its drawing helpers and its self-checks' argument checks."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb

matplotlib.use("Agg")


def test_teacher_problem_shapes_and_unit_rms_noise():
    p = eb.measure.gn_teacher_problem((1, 4, 3), samples=7, seed=2)
    assert p.X.shape == (7, 1) and p.clean.shape == (7, 3) and p.noise.shape == (7, 3)
    assert np.sqrt(np.mean(p.noise ** 2)) == pytest.approx(1.0, rel=1e-12)
    assert np.all(np.abs(p.X) <= 2)
    np.testing.assert_array_equal(p.net.forward(p.X), p.clean)


def test_teacher_problem_residual_has_the_requested_rms():
    p = eb.measure.gn_teacher_problem()
    for s in (0.0, 0.01, 0.5):
        r = p.net.forward(p.X) - p.targets(s)
        assert np.sqrt(np.mean(r ** 2)) == pytest.approx(s, abs=1e-14)


def test_teacher_problem_is_reproducible_and_seeded():
    a, b = eb.measure.gn_teacher_problem(seed=3), eb.measure.gn_teacher_problem(seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.noise, b.noise)
    assert not np.array_equal(a.X, eb.measure.gn_teacher_problem(seed=4).X)


@pytest.mark.parametrize("call,name", [
    (lambda: eb.measure.gn_teacher_problem(samples=0), "samples"),
    (lambda: eb.measure.gn_teacher_problem(samples=2.5), "samples"),
    (lambda: eb.measure.gn_teacher_problem(seed="a"), "seed"),
    (lambda: eb.measure.gn_teacher_problem().targets(-1.0), "residual"),
    (lambda: eb.measure.gn_negative_count([]), "eigenvalues"),
    (lambda: eb.measure.gn_negative_count([[1.0]]), "eigenvalues"),
    (lambda: eb.measure.gn_negative_count([1.0], rtol=0), "rtol"),
    (lambda: eb.checks.gn_first_negative(-1.0), "answer"),
    (lambda: eb.checks.gn_zero_eigenvalues(2.5), "count"),
    (lambda: eb.checks.gn_zero_eigenvalues("x"), "count"),
])
def test_bad_arguments_are_named(call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call()


def test_negative_count_ignores_rounding():
    assert eb.measure.gn_negative_count([1.0, -1e-16, 0.0]) == 0
    assert eb.measure.gn_negative_count([1.0, -1e-11, -0.5]) == 2
    assert eb.measure.gn_negative_count([1.0, -1e-11], rtol=1e-10) == 0


def test_signed_spectra_draws_both_and_keeps_the_axis():
    from ebtricks.figures import plots, subplots
    fig, ax = subplots()
    plots.gn_signed_spectra(ax, [2.0, 1e-3, -0.05], [2.0, 1e-3, 1e-4], top=1, bottom=-1)
    assert ax.get_yscale() == "symlog"
    assert ax.get_ylim() == pytest.approx((-0.1, 10.0))
    g_line, h_line = ax.lines[-2:]
    np.testing.assert_allclose(h_line.get_ydata(), [2.0, 1e-3, -0.05])
    np.testing.assert_allclose(g_line.get_ydata(), [2.0, 1e-3, 1e-4])


def test_gap_curve_marks_the_current_residual_and_writes_residual_zero():
    from ebtricks.figures import plots, subplots
    fig, ax = subplots()
    plots.gn_gap_curve(ax, [0.0, 0.1, 1.0], [1e-16, 0.01, 0.1], current=0.1)
    assert ax.lines[-1].get_xdata()[0] == pytest.approx(0.1)
    assert ax.get_title() == "‖H − G‖ / ‖G‖ = 0.01 at s = 0.1"
    assert any("residual 0" in t.get_text() for t in ax.texts)


def test_fit_scatter_one_series_per_output():
    from ebtricks.figures import plots, subplots
    fig, ax = subplots()
    plots.gn_fit_scatter(ax, np.zeros((5, 2)), np.ones((5, 2)))
    assert len(ax.lines) == 3
