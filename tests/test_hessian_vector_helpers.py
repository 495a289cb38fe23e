"""Unit tests of the helpers the page book/hessian_vector added: measure.hv_step_errors,
measure.hv_pass_costs, the figures' hv_* helpers and the hv_* self-checks."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv
from ebtricks.figures import plots, subplots

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def small():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 3, 1], seed=0)
    v = np.random.default_rng(0).standard_normal(net.n_params)
    return net, X, D, v / np.linalg.norm(v)


# --- measure.hv_step_errors ----------------------------------------------------------

def test_step_errors_match_a_direct_computation(small):
    net, X, D, v = small
    steps = [1e-3, 1e-6]
    err = eb.measure.hv_step_errors(net, X, D, v, steps)
    exact = cv.hessian_vector_product(net, X, D, v)
    for method in ("fd", "fd_central"):
        assert err[method].shape == (2,)
        for r, e in zip(steps, err[method]):
            est = cv.hessian_vector_product(net, X, D, v, method=method, r=r)
            assert e == pytest.approx(np.linalg.norm(est - exact) / np.linalg.norm(exact))


def test_step_errors_shrink_with_the_step_until_rounding(small):
    net, X, D, v = small
    err = eb.measure.hv_step_errors(net, X, D, v, [1e-1, 1e-2, 1e-3])
    assert np.all(np.diff(err["fd"]) < 0) and np.all(np.diff(err["fd_central"]) < 0)
    # first order vs second order in r
    assert err["fd"][1] / err["fd"][2] == pytest.approx(10, rel=0.2)
    assert err["fd_central"][1] / err["fd_central"][2] == pytest.approx(100, rel=0.2)


def test_step_errors_vanish_for_a_quadratic_cost():
    """A linear unit with mse has a quadratic cost: eq 59 is exact up to rounding."""
    X, D = eb.data.two_gaussians(seed=0)
    lin = eb.mlp([2, 1], activation="identity")
    err = eb.measure.hv_step_errors(lin, X, D, np.array([0.6, -0.8, 0.0]), [1e-2, 1.0])
    assert err["fd"].max() < 1e-12 and err["fd_central"].max() < 1e-12


@pytest.mark.parametrize("steps, match", [([], "steps"), ([1e-3, 0.0], "steps"),
                                          ([-1e-3], "steps")])
def test_step_errors_refuse_bad_steps(small, steps, match):
    net, X, D, v = small
    with pytest.raises(ValueError, match=match):
        eb.measure.hv_step_errors(net, X, D, v, steps)


def test_step_errors_refuse_a_zero_or_misshapen_vector(small):
    net, X, D, v = small
    with pytest.raises(ValueError, match="v must not be the zero vector"):
        eb.measure.hv_step_errors(net, X, D, np.zeros(net.n_params), [1e-3])
    with pytest.raises(ValueError, match="v"):
        eb.measure.hv_step_errors(net, X, D, np.ones(3), [1e-3])


# --- measure.hv_pass_costs -----------------------------------------------------------

def test_pass_costs_names_and_full_hessian_switch(small):
    net, X, D, _ = small
    costs = eb.measure.hv_pass_costs(net, X, D, repeat=2)
    assert list(costs) == list(eb.measure.HV_PASSES)
    assert all(t > 0 for t in costs.values())
    costs = eb.measure.hv_pass_costs(net, X, D, repeat=1, full_hessian=False)
    assert list(costs) == list(eb.measure.HV_PASSES[:-1])


def test_pass_costs_skip_or_refuse_the_dense_hessian_of_a_large_net():
    X = np.zeros((8, 100))
    D = np.zeros((8, 25))
    big = eb.mlp([100, 25], seed=0)              # 2,525 weights: above the dense limit
    assert big.n_params > cv.DENSE_LIMIT
    assert "hessian" not in eb.measure.hv_pass_costs(big, X, D, repeat=1)
    with pytest.raises(ValueError, match="full_hessian"):
        eb.measure.hv_pass_costs(big, X, D, repeat=1, full_hessian=True)


def test_pass_costs_refuse_bad_repeat(small):
    net, X, D, _ = small
    with pytest.raises(ValueError, match="repeat"):
        eb.measure.hv_pass_costs(net, X, D, repeat=0)


# --- figures -------------------------------------------------------------------------

def test_figure_helpers_draw(small):
    net, X, D, v = small
    steps = np.geomspace(1e-8, 1e-1, 8)
    err = eb.measure.hv_step_errors(net, X, D, v, steps)
    exact = cv.hessian_vector_product(net, X, D, v)
    est = {m: cv.hessian_vector_product(net, X, D, v, method=m, r=1e-3)
           for m in ("fd", "fd_central")}
    fig, axes = subplots(2, 3, height=6)
    plots.hv_step_errors(axes[0, 0], steps, err, 1e-16, mark=1e-4)
    assert len(axes[0, 0].get_legend_handles_labels()[1]) == 3
    plots.hv_entry_errors(axes[0, 1], exact, est)
    assert axes[0, 1].get_xscale() == "log" and axes[0, 1].get_yscale() == "log"
    lam = np.linalg.eigvalsh(cv.hessian(net, X, D))
    plots.hv_eigenvalues(axes[0, 2], lam)
    assert any(t.get_text().startswith("λ₁ = ") for t in axes[0, 2].texts)
    plots.hv_power_convergence(axes[1, 0], {"a": [2.0, 1.5, 1.0]}, 1.0)
    assert axes[1, 0].get_lines()[0].get_ydata()[-1] == pytest.approx(1e-17)
    plots.hv_cost_bars(axes[1, 1], {"gradient": [1.0, 1.0], "full": [500.0, np.nan]},
                       ["small", "large"])
    assert any("not formed" in t.get_text() for t in axes[1, 1].texts)
    matplotlib.pyplot.close(fig)


# --- self-checks ---------------------------------------------------------------------

def test_error_slopes_check(capsys):
    assert eb.checks.hv_error_slopes(1.0, 2.0, -1.0)
    assert eb.checks.hv_error_slopes(1.1, 1.9, -0.9)
    assert not eb.checks.hv_error_slopes(2, 1, -1)
    assert not eb.checks.hv_error_slopes(1, 2, 1)
    assert "Hint" in capsys.readouterr().out
    with pytest.raises(ValueError):
        eb.checks.hv_error_slopes(float("nan"), 2, -1)


def test_lms_product_check():
    X, D = eb.data.two_gaussians(seed=0)
    Xt = np.hstack([X, np.ones((len(X), 1))])
    v = np.array([1.0, -1.0, 0.5])
    assert eb.checks.hv_lms_product(Xt.T @ (Xt @ v) / len(X))
    assert not eb.checks.hv_lms_product(Xt.T @ (Xt @ v))          # a sum, not a mean
    assert not eb.checks.hv_lms_product(X.T @ (X @ v[:2]) / len(X) @ np.eye(2, 3))
    w = np.array([0.0, 1.0, 0.0])
    assert eb.checks.hv_lms_product(Xt.T @ (Xt @ w) / len(X), v=w)
    with pytest.raises(ValueError, match="answer"):
        eb.checks.hv_lms_product([1.0, 2.0])


def test_smallest_eigenvalue_check():
    X, D = eb.data.two_gaussians(seed=0)
    lam = np.linalg.eigvalsh(cv.hessian(eb.mlp([2, 2, 1], seed=4), X, D))
    assert eb.checks.hv_smallest_eigenvalue(lam[0])
    assert eb.checks.hv_smallest_eigenvalue(round(lam[0], 3))     # -0.629: three digits
    assert not eb.checks.hv_smallest_eigenvalue(lam[-1])
    assert not eb.checks.hv_smallest_eigenvalue(lam[1])          # the next one up
    assert not eb.checks.hv_smallest_eigenvalue(lam[0] - lam[-1])  # shift not added back
    assert not eb.checks.hv_smallest_eigenvalue(-lam[-1])
    lam3 = np.linalg.eigvalsh(cv.hessian(eb.mlp([2, 3, 1], seed=1), X, D))
    assert eb.checks.hv_smallest_eigenvalue(lam3[0], hidden=3, seed=1)
    with pytest.raises(ValueError, match="hidden"):
        eb.checks.hv_smallest_eigenvalue(0.0, hidden=0)
