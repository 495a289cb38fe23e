"""The helpers the pages learning_machine and backprop added: the diagrams of the paper's
Fig. 1 and of the backward pass, the cost-as-a-mean plot, and the gradient measurements."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import ebtricks as eb  # noqa: E402
from ebtricks import measure  # noqa: E402
from ebtricks.figures import diagrams, plots, subplots  # noqa: E402
from ebtricks.figures._render import min_font_px  # noqa: E402


def _texts(ax):
    return [t.get_text() for t in ax.texts] + [ax.get_title(loc="left")]


def test_learning_machine_diagram_names_the_four_pieces():
    fig, ax = subplots(height=2.9)
    diagrams.learning_machine_diagram(ax)
    text = " ".join(_texts(ax))
    for piece in ("M(Z, W)", "C(D,", "Z^p", "D^p", "E^p", "parameters $W$"):
        assert piece in text
    assert "gradient" in text and min_font_px(fig) >= 10
    plt.close(fig)
    fig, ax = subplots(height=2.9)
    diagrams.learning_machine_diagram(ax, show_update=False)
    assert "gradient" not in " ".join(_texts(ax))
    plt.close(fig)


def test_backprop_step_count():
    assert [diagrams.backprop_step_count(n) for n in (1, 2, 3)] == [7, 11, 15]
    for bad in (0, 1.5, -2):
        with pytest.raises(ValueError, match="n_layers"):
            diagrams.backprop_step_count(bad)


def _trace(sizes=(2, 3, 2), seed=1):
    """Forward and backward quantities of one sample, computed here independently."""
    net = eb.mlp(list(sizes), seed=seed)
    f = eb.activations.Activation("lecun_tanh")
    z, d = np.linspace(-1, 1, sizes[0]), np.ones(sizes[-1])
    X, Y = [z], []
    for n in range(len(net.layers)):
        Y.append(net.weights(n) @ X[-1] + net.bias(n))
        X.append(f(Y[-1]))
    dX = [None] * len(X)
    dX[-1] = X[-1] - d
    dY, dW = [None] * len(Y), [None] * len(Y)
    for n in range(len(Y) - 1, -1, -1):
        dY[n] = f.derivative(Y[n]) * dX[n + 1]
        dW[n] = np.outer(dY[n], X[n])
        dX[n] = net.weights(n).T @ dY[n]
    return X, Y, dX, dY, dW, d


def _filled_values(ax):
    """The numbers written in the cells (not labels or the title)."""
    out = []
    for t in ax.texts:
        s = t.get_text().replace("−", "-")
        try:
            out.append(float(s))
        except ValueError:
            pass
    return out


@pytest.mark.parametrize("sizes", [(2, 3, 2), (2, 1)])
def test_backprop_steps_fill_forward_then_backward(sizes):
    X, Y, dX, dY, dW, d = _trace(sizes)
    N = len(Y)
    K = diagrams.backprop_step_count(N)
    counts, titles = [], []
    for step in range(K):
        fig, ax = subplots(height=4.7)
        diagrams.backprop_steps(ax, X, Y, dX, dY, dW, d, step)
        counts.append(len(_filled_values(ax)))
        titles.append(ax.get_title(loc="left"))
        assert min_font_px(fig) >= 10
        plt.close(fig)
    target = len(d)                                   # D^p is always shown
    assert counts[0] == target + len(X[0])
    forward_all = sum(map(len, X)) + sum(map(len, Y)) + 1
    assert counts[2 * N + 1] == target + forward_all
    backward_all = sum(map(len, dX)) + sum(map(len, dY)) + sum(w.size for w in dW)
    assert counts[-1] == target + forward_all + backward_all
    assert all(b > a for a, b in zip(counts, counts[1:]))       # every step adds cells
    assert "forward" in titles[0] and "backward" in titles[-1]
    assert "(eq 7)" in titles[2 * N + 3] and "(eq 9)" in titles[-1]


def test_backprop_steps_writes_the_values_it_is_given():
    X, Y, dX, dY, dW, d = _trace()
    fig, ax = subplots(height=4.7)
    diagrams.backprop_steps(ax, X, Y, dX, dY, dW, d, 10)
    shown = np.array(_filled_values(ax))
    for value in np.concatenate([dW[0].ravel(), dX[0], [diagrams.cost_of(X[-1], d)]]):
        assert np.min(np.abs(shown - round(value, 2))) < 1e-9
    plt.close(fig)


def test_backprop_steps_rejects_bad_input():
    X, Y, dX, dY, dW, d = _trace()
    fig, ax = subplots(height=4.7)
    with pytest.raises(ValueError, match="step"):
        diagrams.backprop_steps(ax, X, Y, dX, dY, dW, d, 11)
    with pytest.raises(ValueError, match="step"):
        diagrams.backprop_steps(ax, X, Y, dX, dY, dW, d, 2.5)
    with pytest.raises(ValueError, match="len"):
        diagrams.backprop_steps(ax, X[:-1], Y, dX, dY, dW, d, 0)
    with pytest.raises(ValueError, match="layer 2"):
        diagrams.backprop_steps(ax, X, Y, dX, dY, [dW[0], dW[1].T], d, 0)
    with pytest.raises(ValueError, match="target"):
        diagrams.backprop_steps(ax, X, Y, dX, dY, dW, np.ones(3), 0)
    plt.close(fig)


def test_cost_of_is_half_the_squared_distance():
    assert diagrams.cost_of([1.0, 2.0], [0.0, 0.0]) == 2.5
    assert diagrams.cost_of([0.5], [0.5]) == 0.0


def test_cost_as_mean_draws_the_mean_and_the_tangent():
    costs = np.array([0.1, 0.3, 0.2, 0.4])
    fig, (a, b) = subplots(1, 2)
    plots.cost_as_mean(a, b, costs, [-1, 1, -1, 1], [0.0, 1.0, 2.0], [1.0, 0.5, 1.0], 0.5,
                       -0.5, cost_max=1.0, cost_min=1e-3)
    (mean_line,) = [ln for ln in a.get_lines() if ln.get_linestyle() == "--"]
    assert mean_line.get_ydata()[0] == pytest.approx(0.25)
    assert a.get_yscale() == "log" and a.get_ylim()[0] == pytest.approx(1e-3)
    (tangent,) = [ln for ln in b.get_lines() if ln.get_color() == "C3"]
    x, y = tangent.get_data()
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(-0.5)
    plt.close(fig)
    fig, (a, b) = subplots(1, 2)
    with pytest.raises(ValueError, match="classes"):
        plots.cost_as_mean(a, b, costs, [1, -1], [0, 1], [1, 1], 0.5, 0.0)
    with pytest.raises(ValueError, match="same shape"):
        plots.cost_as_mean(a, b, costs, [1, -1, 1, 1], [0, 1], [1], 0.5, 0.0)
    with pytest.raises(ValueError, match="cost_min"):
        plots.cost_as_mean(a, b, costs, [1, -1, 1, 1], [0, 1], [1, 1], 0.5, 0.0,
                           cost_min=-1.0)
    plt.close(fig)


def test_cost_as_mean_marks_which_samples_fall_and_which_rise():
    costs = np.array([0.1, 0.3, 0.2, 0.4])
    fig, (a, b) = subplots(1, 2)
    plots.cost_as_mean(a, b, costs, [-1, 1, -1, 1], [0.0, 1.0, 2.0], [1.0, 0.5, 1.0], 0.5,
                       -0.5, sample_slopes=[-2.0, -1.0, 0.5, -0.1])
    down = sum(len(ln.get_xdata()) for ln in a.get_lines() if ln.get_marker() == "v")
    up = sum(len(ln.get_xdata()) for ln in a.get_lines() if ln.get_marker() == "^")
    assert (down, up) == (3, 1)
    labels = [t.get_text() for t in a.get_legend().get_texts()]
    assert "3 Eᵖ fall" in labels and "1 rise" in labels
    with pytest.raises(ValueError, match="sample_slopes"):
        plots.cost_as_mean(a, b, costs, [-1, 1, -1, 1], [0, 1], [1, 1], 0.5, 0.0,
                           sample_slopes=[1.0])
    plt.close(fig)


def test_finite_difference_gradient(rng):
    net = eb.mlp([3, 4, 2], seed=0)
    X, D = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    g = measure.finite_difference_gradient(net, X, D)
    assert np.abs(g - net.gradient(X, D)[1]).max() <= 1e-8
    before = net.params.copy()
    other = before + 0.1
    g2 = measure.finite_difference_gradient(net, X, D, params=other)
    assert np.array_equal(net.params, before)                   # params untouched
    assert np.abs(g2 - net.gradient(X, D, params=other)[1]).max() <= 1e-8
    with pytest.raises(ValueError, match="h"):
        measure.finite_difference_gradient(net, X, D, h=0.0)
    with pytest.raises(ValueError):
        measure.finite_difference_gradient(net, X[:, :2], D)


def test_pass_times(rng):
    net = eb.mlp([6, 5, 3], seed=0)
    X, D = rng.normal(size=(40, 6)), rng.normal(size=(40, 3))
    t = measure.pass_times(net, X, D, repeat=2)
    assert sorted(t) == ["forward", "gradient"]
    assert t["forward"] > 0 and t["gradient"] > 0
    with pytest.raises(ValueError, match="repeat"):
        measure.pass_times(net, X, D, repeat=0)


def test_cpu_seconds_counts_work_not_waiting():
    """CPU time of the calling thread: a call that sleeps does almost no work, a call that
    computes does; the median of the runs is returned; BLAS is back to its threads after."""
    import time

    from threadpoolctl import threadpool_info
    before = [p["num_threads"] for p in threadpool_info()]
    assert measure.cpu_seconds(lambda: time.sleep(0.05), repeat=3) < 0.02
    busy = np.random.default_rng(0).normal(size=(300, 300))
    assert measure.cpu_seconds(lambda: busy @ busy, repeat=3, warmup=False) > 0
    assert [p["num_threads"] for p in threadpool_info()] == before
    calls = []
    measure.cpu_seconds(lambda: calls.append(1), repeat=4, warmup=False)
    assert len(calls) == 4
    with pytest.raises(ValueError, match="repeat"):
        measure.cpu_seconds(lambda: None, repeat=0)
