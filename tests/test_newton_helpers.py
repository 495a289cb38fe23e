"""The helpers added for book/newton: measure.newton_subset_objective,
figures.plots.newton_paths and the page's self-checks."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv
from ebtricks import measure

matplotlib.use("Agg")

X1, D1 = eb.data.one_one_one(seed=0)


def _net():
    return eb.mlp([1, 1, 1], activation="lecun_tanh", seed=3)


# --- measure.newton_subset_objective --------------------------------------------------

def test_subset_objective_is_the_full_cost_with_the_other_weights_fixed():
    net = _net()
    base = np.array([0.3, -0.2, 0.8, 0.1])
    obj = measure.newton_subset_objective(net, X1, D1, [2, 0], params=base)
    w = np.array([-0.5, 0.7])                   # weight 2, then weight 0
    full = base.copy()
    full[[2, 0]] = w
    assert obj.n == 2
    assert obj.value(w) == pytest.approx(net.cost(X1, D1, full), rel=1e-15)
    g_full = net.gradient(X1, D1, full)[1]
    assert np.allclose(obj.value_and_grad(w)[1], g_full[[2, 0]], rtol=1e-14, atol=0)
    H_full = cv.hessian(net, X1, D1, full)
    assert np.allclose(obj.hessian(w), H_full[np.ix_([2, 0], [2, 0])], rtol=1e-14, atol=0)
    assert dict(obj.counts) == {"values": 1, "gradients": 1, "hessians": 1}


def test_subset_gradient_and_hessian_against_central_differences():
    obj = measure.newton_subset_objective(_net(), X1, D1, [0, 2], params=np.zeros(4))
    w, h = np.array([0.4, -0.3]), 1e-5
    E = np.eye(2) * h
    fd_g = [(obj.value(w + e) - obj.value(w - e)) / (2 * h) for e in E]
    assert np.allclose(obj.value_and_grad(w)[1], fd_g, rtol=1e-7, atol=1e-10)
    fd_H = np.array([(obj.value_and_grad(w + e)[1] - obj.value_and_grad(w - e)[1]) / (2 * h)
                     for e in E])
    assert np.allclose(obj.hessian(w), fd_H, rtol=1e-6, atol=1e-9)


def test_subset_objective_defaults_to_the_networks_weights_and_copies_them():
    net = _net()
    before = net.params.copy()
    obj = measure.newton_subset_objective(net, X1, D1, [1])
    net.params = np.zeros(4)                      # changing the net later changes nothing
    assert obj.value(np.array([before[1]])) == pytest.approx(net.cost(X1, D1, before))
    assert np.array_equal(net.params, np.zeros(4))


def test_subset_objective_works_with_minimize():
    obj = measure.newton_subset_objective(_net(), X1, D1, [0, 2], params=np.zeros(4))
    _, h = eb.minimize(obj, np.array([0.3, 0.4]), eb.Newton(), iterations=5)
    assert h.cost[-1] < h.cost[0]


@pytest.mark.parametrize("indices, error, match", [
    ([], ValueError, "non-empty"),
    ([0, 0], ValueError, "distinct"),
    ([0, 4], ValueError, "n_params"),
    ([-1], ValueError, "indices\\[0\\]"),
    ([0.5], TypeError, "indices\\[0\\]"),
    ("02", ValueError, "indices"),
    (3, ValueError, "indices"),
])
def test_subset_objective_rejects_bad_indices(indices, error, match):
    with pytest.raises(error, match=match):
        measure.newton_subset_objective(_net(), X1, D1, indices)


def test_subset_objective_rejects_bad_net_params_and_data():
    with pytest.raises(TypeError, match="net"):
        measure.newton_subset_objective("net", X1, D1, [0])
    with pytest.raises(ValueError, match="params"):
        measure.newton_subset_objective(_net(), X1, D1, [0], params=np.zeros(3))
    with pytest.raises(ValueError):
        measure.newton_subset_objective(_net(), np.zeros((5, 2)), D1[:5], [0])


# --- figures.plots.newton_paths ------------------------------------------------------------

def test_newton_paths_draws_each_path_keeps_the_limits_and_cuts_divergence():
    from ebtricks.figures import plots, subplots
    fig, ax = subplots(1, 1)
    ax.set(xlim=(-1, 1), ylim=(-1, 1))
    paths = {"a": np.array([[0.5, 0.5], [0.0, 0.0]]),
             "b": np.array([[0.5, 0.5], [3.0, 0.0], [1e300, 0.0], [0.0, 0.0]])}
    plots.newton_paths(ax, paths, styles={"b": dict(color="C5")})
    lines = {ln.get_label(): ln for ln in ax.lines}
    assert len(lines["a"].get_xdata()) == 2
    assert len(lines["b"].get_xdata()) == 2       # off the box is drawn, 1e300 cuts it
    assert lines["b"].get_color() == "C5"
    assert ax.get_xlim() == (-1, 1) and ax.get_ylim() == (-1, 1)
    assert sum(ln.get_marker() == "s" for ln in ax.lines) == 1      # one start square
    matplotlib.pyplot.close(fig)


def test_newton_paths_start_square_covers_a_ring_drawn_at_the_start():
    # the page's Figure 2: hollow rings (ms 8, edge 1.2) on a path from the same start; a
    # square of the default 6 pt sat inside the ring and read as a red dot in a black ring
    from ebtricks.figures import plots, subplots
    fig, ax = subplots(1, 1)
    ax.set(xlim=(-1, 1), ylim=(-1, 1))
    path = np.array([[0.5, 0.5], [0.0, 0.0]])
    plots.newton_paths(ax, {"a": path, "rings": path},
                       styles={"rings": dict(ls="none", mfc="none", ms=8, mew=1.2)})
    (square,) = [ln for ln in ax.lines if ln.get_marker() == "s"]
    assert square.get_markersize() >= 8 + 1.2
    assert square.get_zorder() > max(ln.get_zorder() for ln in ax.lines if ln is not square)
    matplotlib.pyplot.close(fig)
    fig, ax = subplots(1, 1)
    plots.newton_paths(ax, {"a": path})             # small dots: the book's usual 6 pt
    assert [ln.get_markersize() for ln in ax.lines if ln.get_marker() == "s"] == [6]
    matplotlib.pyplot.close(fig)


# --- the self-checks ----------------------------------------------------------------------

def test_newton_checks_accept_the_right_answers_and_reject_wrong_ones(capsys):
    assert eb.checks.newton_damped_steps(20) and not eb.checks.newton_damped_steps(19)
    assert eb.checks.newton_damped_steps(1, eta=1.0)
    assert eb.checks.newton_damped_steps(6, eta=0.9, reduction=1e-6)     # 0.1^6 = 1e-6
    assert eb.checks.newton_rotated_kappa(1 / 0.036) and not eb.checks.newton_rotated_kappa(28.5)
    assert eb.checks.newton_saddle_free_step(0.4, 0.4)
    assert eb.checks.newton_saddle_free_step(-0.1, -0.1, start=(0.2, -0.3), c=2.0)
    assert not eb.checks.newton_saddle_free_step(0.0, 0.0)
    assert "✘" in capsys.readouterr().out


@pytest.mark.parametrize("call, match", [
    (lambda: eb.checks.newton_damped_steps(20, eta=0.0), "eta"),
    (lambda: eb.checks.newton_damped_steps(20, reduction=1.5), "reduction"),
    (lambda: eb.checks.newton_damped_steps(20, kappa=0.5), "kappa"),
    (lambda: eb.checks.newton_damped_steps("x"), "answer"),
    (lambda: eb.checks.newton_rotated_kappa(float("nan")), "answer"),
    (lambda: eb.checks.newton_saddle_free_step(0.4, 0.4, start=(1.0,)), "start"),
    (lambda: eb.checks.newton_saddle_free_step(0.4, 0.4, c=-1.0), "c"),
])
def test_newton_checks_reject_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
