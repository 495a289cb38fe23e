"""Unit tests of the helpers and self-checks added for the page book/which_method."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure


def test_scaling_objective_derivatives_match_finite_differences():
    obj, w = measure.which_scaling_objective(7, seed=3)
    h = 1e-6
    eye = np.eye(7)
    fd_grad = np.array([(obj.value(w + h * e) - obj.value(w - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(obj.value_and_grad(w)[1], fd_grad, rtol=1e-6, atol=1e-6)
    fd_hess = np.array([(obj.value_and_grad(w + h * e)[1] - obj.value_and_grad(w - h * e)[1]) / (2 * h) for e in eye])
    np.testing.assert_allclose(obj.hessian(w), fd_hess, rtol=1e-5, atol=1e-5)
    H = obj.hessian(w)
    assert np.all(H != 0) and np.linalg.eigvalsh(H).min() >= 1     # dense, positive definite


def test_scaling_objective_is_minimised_by_the_methods():
    obj, w0 = measure.which_scaling_objective(20)
    w, h = eb.minimize(obj, w0, eb.Newton(), iterations=30, tol=1e-10)
    assert np.linalg.norm(obj.value_and_grad(w)[1]) < 1e-8


def test_scaling_objective_rejects_bad_n():
    with pytest.raises(ValueError, match="n"):
        measure.which_scaling_objective(0)


def test_step_seconds_positive_and_validated():
    assert measure.which_step_seconds(eb.BFGS(), 50, repeat=1) > 0
    with pytest.raises(TypeError, match="method"):
        measure.which_step_seconds(eb.SGD(eta=0.1), 50)
    with pytest.raises(ValueError, match="repeat"):
        measure.which_step_seconds(eb.BFGS(), 50, repeat=0)


def test_step_memory_is_deterministic_and_validated():
    """The memory count is what the paper test asserts instead of a time: it must repeat
    (to a few bytes of Python objects) and grow like N^2 for BFGS, like N for CG."""
    a = measure.which_step_memory(eb.BFGS(), 300)
    assert a == pytest.approx(measure.which_step_memory(eb.BFGS(), 300), rel=1e-4)
    assert 2.5 * 300 ** 2 < a < 4 * 300 ** 2                      # about 3 N x N arrays
    assert measure.which_step_memory(eb.ConjugateGradient(), 3000) < 10 * 3000
    with pytest.raises(TypeError, match="method"):
        measure.which_step_memory(eb.SGD(eta=0.1), 50)
    with pytest.raises(ValueError, match="n"):
        measure.which_step_memory(eb.BFGS(), 0)


def test_loglog_slope_exact_on_a_power_law_and_validated():
    n = np.array([10.0, 30.0, 100.0, 300.0])
    assert measure.which_loglog_slope(n, 5e-9 * n ** 2.5) == pytest.approx(2.5)
    with pytest.raises(ValueError, match="same length"):
        measure.which_loglog_slope([1, 2], [1.0])
    with pytest.raises(ValueError, match="> 0"):
        measure.which_loglog_slope([1, 2], [1.0, 0.0])


@pytest.fixture(scope="module")
def sine():
    X, D = eb.data.noisy_sine(n=50, noise=0.0, seed=0)
    return eb.mlp([1, 5, 1], output_activation="identity", seed=0), X, D


def test_race_work_budget_is_respected(sine):
    net, X, D = sine
    start = net.params.copy()
    for method in (eb.ConjugateGradient(), eb.LevenbergMarquardt(), eb.SGD(eta=0.05),
                   eb.SDLM(eta=0.02, mu=0.01, n_estimate=20)):
        r = measure.which_race(net, X, D, method, lambda n: n.cost(X, D), work_budget=3_025)
        assert r.work[-1] <= 3_025 and r.error[-1] < r.error[0]
        assert len(r.cpu) == len(r.work) == len(r.error)
        assert np.all(np.diff(r.work) > 0) and np.all(np.diff(r.cpu) >= 0)
    np.testing.assert_array_equal(net.params, start)              # the net is not changed
    sgd = measure.which_race(net, X, D, eb.SGD(eta=0.05), lambda n: 0.0, work_budget=3_025)
    assert sgd.work[-1] == 3_025                                   # 60 epochs + 25 samples


def test_race_cpu_budget_and_error_at_each_point(sine):
    net, X, D = sine
    # only the loop's bookkeeping, never a speed (house rule: no timing in a test): it
    # steps only while the budget is not spent, so every point but the last is within it
    r = measure.which_race(net, X, D, eb.BFGS(), lambda n: n.cost(X, D), cpu_budget=0.02)
    assert len(r.cpu) >= 2 and np.all(r.cpu[:-1] < 0.02) and r.error[-1] < r.error[0]
    r2 = measure.which_race(net, X, D, eb.SGD(eta=0.05), lambda n: n.cost(X, D),
                            cpu_budget=0.02)
    assert len(r2.cpu) >= 2 and r2.work[-1] % len(X) == 0


def test_race_first_reaching_and_bad_budgets(sine):
    net, X, D = sine
    r = measure.WhichRace([0, 1, 2], [0, 10, 20], [1.0, 0.5, 0.2])
    assert r.first_reaching(0.5) == 1 and r.first_reaching(0.3, "work") == 20
    assert r.first_reaching(0.1) == np.inf
    with pytest.raises(ValueError, match="by"):
        r.first_reaching(0.5, "wall")
    with pytest.raises(ValueError, match="exactly one"):
        measure.which_race(net, X, D, eb.BFGS(), lambda n: 0.0)
    with pytest.raises(ValueError, match="exactly one"):
        measure.which_race(net, X, D, eb.BFGS(), lambda n: 0.0, cpu_budget=1, work_budget=1)
    with pytest.raises(ValueError, match="work_budget"):
        measure.which_race(net, X, D, eb.BFGS(), lambda n: 0.0, work_budget=0)


def test_crossing_size():
    sizes = [10, 100, 1000, 10000]
    assert measure.which_crossing_size(sizes, [1, 2, 8, 9], [4, 4, 4, 4]) == pytest.approx(
        10 ** 2.5)                                   # log-midway between 100 and 1000
    assert measure.which_crossing_size(sizes, [5, 5, 5, 5], [1, 1, 1, 1]) is None
    assert measure.which_crossing_size(sizes, [1, 1, 1, 1], [5, 5, 5, 5]) is None
    with pytest.raises(ValueError, match="same length"):
        measure.which_crossing_size(sizes, [1, 2], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="> 0"):
        measure.which_crossing_size(sizes, [0, 1, 1, 1], [1, 1, 1, 1])


def test_check_step_cost_factors(capsys):
    ratio = 23860 / 31
    assert eb.checks.which_step_cost_factors(ratio ** 3, ratio ** 2)
    assert not eb.checks.which_step_cost_factors(ratio ** 2, ratio ** 2)
    assert not eb.checks.which_step_cost_factors(ratio ** 3, ratio)
    assert "not yet" in capsys.readouterr().out


def test_check_winner_agrees_with_the_races(capsys):
    assert eb.checks.which_winner(1.6, "CG") and not eb.checks.which_winner(1.6, "SGD")
    assert eb.checks.which_winner(3.7, "sgd")                      # case does not matter
    with pytest.raises(ValueError, match="log10_size"):
        eb.checks.which_winner(5.0, "CG")
    with pytest.raises(ValueError, match="answer"):
        eb.checks.which_winner(2.0, "Newton")
