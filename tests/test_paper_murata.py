"""The statements of §4.7 (Murata's adaptive rate, eqs 17-19, the paper's Fig. 5), measured
as the page ``book/murata`` measures them: the same bowl, noise, start, rule constants,
steps and seeds, so the numbers are the page's, held to the tolerances its table prints."""
import functools
import math

import numpy as np
import pytest

import ebtricks as eb

THETA, LAMBDA_1, NOISE, STEPS, ETA0, ALPHA = 0.5, 0.1, 0.02, 3000, 0.02, 0.05
V_MIN = np.array([math.cos(THETA), math.sin(THETA)])
V_MAX = np.array([-math.sin(THETA), math.cos(THETA)])
W0 = 3 * V_MIN + 2 * V_MAX
SEEDS = range(5)


def problem(gap, seed):
    q = eb.Quadratic.from_eigen([LAMBDA_1, gap * LAMBDA_1], angle=THETA)
    return q, eb.adaptive.noisy_quadratic_gradient(q, NOISE, seed=seed)


@functools.cache
def murata_run(gap=10.0, seed=0):
    q, grad = problem(gap, seed)
    path = eb.adaptive.murata_sgd(grad, W0, STEPS, ETA0,
                                  eb.Murata(delta=0.05, alpha=ALPHA, beta=0.3))
    return q, path, eb.adaptive.angle_to_direction(path.r[1:], V_MIN)


def middle_angle(gap):
    return np.median([murata_run(gap, s)[2][99:1000] for s in SEEDS])


def late_cost(seed, eta0=None):
    if eta0 is None:
        q, path, _ = murata_run(seed=seed)
    else:
        q, grad = problem(10.0, seed)
        path = eb.adaptive.scheduled_sgd(grad, W0, STEPS, eta0)
    return q.cost(path.w)[-500:].mean()


def test_r_lines_up_with_v_min_in_the_middle_phase():
    """Page tolerance: median angle of r to ±v_min over steps 100-1,000 < 10 degrees."""
    assert middle_angle(10.0) < 10


def test_no_alignment_without_an_eigenvalue_gap():
    """Page tolerance: the same angle at λ2/λ1 = 1 > 25 degrees."""
    assert middle_angle(1.0) > 25


def test_rate_rises_far_from_the_minimum():
    """Page tolerance: largest η / starting η > 1.5 in every seed."""
    assert all(murata_run(seed=s)[1].eta.max() / ETA0 > 1.5 for s in SEEDS)


def test_rate_anneals_near_the_minimum():
    """Page tolerance: η after 3,000 steps / largest η < 0.3 in every seed."""
    for s in SEEDS:
        eta = murata_run(seed=s)[1].eta
        assert eta[-1] / eta.max() < 0.3


def test_late_rate_is_one_over_alpha_t():
    """Page tolerance: α t η(t) at t = 3,000 within 0.25 of 1 in every seed."""
    for s in SEEDS:
        assert abs(ALPHA * STEPS * murata_run(seed=s)[1].eta[-1] - 1) < 0.25


def test_rule_ends_below_the_constant_rate():
    """Page tolerance: late E - E_min of the rule / of constant η = 0.02 < 1 (means over
    the last 500 steps and the 5 seeds)."""
    rule = np.mean([late_cost(s) for s in SEEDS])
    const = np.mean([late_cost(s, eta0=0.02) for s in SEEDS])
    assert rule / const < 1


def test_three_lines_are_the_package():
    """Page: eqs 17-19 as three NumPy lines give the package's run exactly."""
    q, grad = problem(10.0, 0)
    w, r, eta = W0.copy(), np.zeros(2), ETA0
    for _ in range(STEPS):
        g = grad(w)
        w = w - eta * g
        r = 0.95 * r + 0.05 * g
        eta = eta + ALPHA * eta * (0.3 * np.linalg.norm(r) - eta)
    path = murata_run()[1]
    assert np.abs(w - path.w[-1]).max() < 1e-12 and abs(eta - path.eta[-1]) < 1e-12
    assert np.abs(r - path.r[-1]).max() < 1e-12          # the page compares r too
