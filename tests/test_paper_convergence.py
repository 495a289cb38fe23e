"""The numbers of §5 (Figures 6-14), computed the way the chapter computes them and held to
the paper's values with the tolerances the chapter states."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv, measure


@pytest.fixture(scope="module")
def lms_problem():
    X, D = eb.data.two_gaussians(n=100, seed=0)
    return eb.mlp([2, 1], activation="identity", seed=0), X, D


def test_fig6_regimes():
    q = eb.Quadratic1D(curvature=1.0)
    assert abs(eb.gradient_descent_1d(q, -1.6, 1.0, 1)[-1]) < 1e-15     # eta_opt: one step
    assert abs(eb.gradient_descent_1d(q, -1.6, 1.99, 200)[-1]) < 1.6
    assert abs(eb.gradient_descent_1d(q, -1.6, 2.01, 200)[-1]) > 1.6


def test_fig7_newton_points_at_the_minimum_and_gradient_does_not():
    q = eb.Quadratic.from_eigen([1.0, 1 / 8], angle=np.radians(30))
    P = np.array([-1.6, 1.1])
    np.testing.assert_allclose(P + q.newton_step(P), q.minimum, atol=1e-12)
    g = -q.gradient(P)
    cos = g @ (-P) / (np.linalg.norm(g) * np.linalg.norm(P))
    assert cos < 0.95


def test_fig8_lms_hessian_is_the_input_covariance(lms_problem):
    net, X, D = lms_problem
    H = cv.hessian(net, X, D)
    np.testing.assert_allclose(H[:2, :2], np.cov(X, rowvar=False, bias=True), atol=1e-12)


def test_condition_number_sets_the_number_of_steps():
    kappas = np.array([10, 20, 50, 100, 200, 500, 1000])
    steps = []
    for kappa in kappas:
        q = eb.Quadratic.from_eigen([1.0, 1.0 / kappa], angle=0.4)
        w0 = q.eigenvectors @ np.array([1.0, 1.0]) * np.sqrt(2 / (1 + 1 / kappa))
        steps.append(eb.steps_to_converge(q, w0, q.eta_opt, tol=1e-12))
    slope = np.polyfit(np.log(kappas), np.log(steps), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("fn,args,right", [
    (eb.checks.one_dimensional_rates, (0.25, 0.5, 4.0), True),
    (eb.checks.one_dimensional_rates, (0.5, 1.0, 4.0), False),
    (eb.checks.lms_eta_max, (2.0,), True),
    (eb.checks.lms_eta_max, (2.38,), False),
    (eb.checks.steps_for_condition_number, (1375, 100), True),
    (eb.checks.steps_for_condition_number, (100, 100), False),
    (eb.checks.whitened_eta_opt, (1.0,), True),
])
def test_exercise_self_checks(fn, args, right, capsys):
    assert fn(*args) is right
    assert ("correct" in capsys.readouterr().out) == right
