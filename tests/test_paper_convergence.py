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


def test_fig10_covariance_eigenvalues(lms_problem):
    _, X, _ = lms_problem
    lam = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False, bias=True)))[::-1]
    assert lam[0] == pytest.approx(0.84, rel=0.10) and lam[1] == pytest.approx(0.036, rel=0.10)


def test_fig11_eta_max_and_the_bias(lms_problem):
    net, X, D = lms_problem
    weights_only = measure.largest_stable_rate(net, X, D, rates=np.array([1.0, 1.0, 0.0]))
    with_bias = measure.largest_stable_rate(net, X, D)
    assert weights_only == pytest.approx(2.38, rel=0.01)       # the paper's 2/0.84
    assert with_bias == pytest.approx(2.0, rel=0.01)           # the bias's eigenvalue is 1
    for eta, converges in ((1.5, True), (2.5, False)):
        assert measure.batch_descent_converges(net, X, D, eta) == converges


def test_fig12_stochastic_lms_at_0_2_gets_close(lms_problem):
    net, X, D = lms_problem
    _, _, e_min = measure.lms_solution(X, D)
    trial = net.copy().set_params([-1.2, 2.2, 0.5])
    h = eb.train_sgd(trial, X, D, epochs=6, eta=0.2, seed=0)
    assert h.cost[-1] - e_min < 0.05 * (h.cost[0] - e_min)


def test_fig14_data_and_the_111_network_learns():
    X, D = eb.data.one_one_one(n_per_class=10, seed=0)
    assert X.shape == (20, 1)
    net = eb.mlp([1, 1, 1], seed=0).set_params([1.2, 0.0, -2.0, 0.0])
    h = eb.train_sgd(net, X, D, epochs=30, eta=0.1, rates=[1.0, 0.0, 1.0, 0.0], seed=0)
    assert h.cost[-1] < 0.2 * h.cost[0]
    assert np.sign(net.params[0]) == np.sign(net.params[2])     # one of the two mirror minima


def test_section_5_3_transformations_improve_conditioning():
    X0, D = eb.data.two_gaussians(n=100, seed=0)
    X_raw = (X0 + [2.0, -1.5]) * [1.0, 3.0]
    net = eb.mlp([2, 1], activation="identity")
    kappa = {}
    for name, t in (("raw", None), ("centred", eb.InputTransform(["center"])),
                    ("scaled", eb.InputTransform(["center", "scale"])), ("white", eb.whiten())):
        Xs = X_raw if t is None else t.fit_transform(X_raw)
        lam = np.linalg.eigvalsh(cv.hessian(net, Xs, D))
        kappa[name] = lam[-1] / lam[0]
    assert kappa["raw"] > 10 * kappa["centred"] > 10 * kappa["scaled"] / 10
    assert kappa["centred"] > kappa["scaled"] > kappa["white"]
    assert kappa["white"] == pytest.approx(1.0, abs=1e-9)


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


def test_shifted_inputs_check_accepts_the_true_eigenvalue():
    X = eb.data.two_gaussians(seed=0)[0] + 3.0
    Xa = np.column_stack([X, np.ones(100)])
    lam = np.linalg.eigvalsh(Xa.T @ Xa / 100)[-1]
    assert eb.checks.shifted_inputs_lambda_max(lam)
    assert not eb.checks.shifted_inputs_lambda_max(0.84)
