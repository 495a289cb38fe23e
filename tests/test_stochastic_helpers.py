"""The helpers the page "Stochastic versus batch learning" added: the drifting data
``data.rotating_gaussians``, its exact tracking error ``measure.drift_excess_cost``, the
curve reader ``measure.epochs_to_reach`` and the two drawing helpers."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure
from ebtricks.data import TWO_GAUSSIAN_STD


def _rotate(v, a):
    return np.array([np.cos(a) * v[0] - np.sin(a) * v[1], np.sin(a) * v[0] + np.cos(a) * v[1]])


def test_rotating_gaussians_shapes_and_angles():
    X, D, angle = eb.data.rotating_gaussians(n=250, speed=4.0, seed=3)
    assert X.shape == (250, 2) and D.shape == (250, 1) and angle.shape == (250,)
    assert set(np.unique(D)) == {-1.0, 1.0}
    np.testing.assert_allclose(np.degrees(angle), 4.0 * np.arange(250) / 100, atol=1e-12)


def test_rotating_gaussians_without_drift_are_the_fig10_classes():
    X, D, angle = eb.data.rotating_gaussians(n=40_000, speed=0.0, seed=0)
    assert np.all(angle == 0)
    folded = X * D                                   # each class mapped onto class +1
    np.testing.assert_allclose(folded.mean(axis=0), [0.4, 0.8], atol=0.01)
    np.testing.assert_allclose(np.cov(folded, rowvar=False, bias=True),
                               TWO_GAUSSIAN_STD ** 2 * np.eye(2), atol=0.002)
    assert abs(np.mean(D > 0) - 0.5) < 0.01          # the classes are equally likely


def test_rotating_gaussians_centres_turn_with_the_stream():
    n, speed = 60_000, 30.0                          # a quarter turn every 300 samples
    X, D, angle = eb.data.rotating_gaussians(n=n, speed=speed, seed=1)
    # undo each sample's rotation: the folded samples are the unrotated class +1
    c, s = np.cos(-angle), np.sin(-angle)
    folded = X * D
    back = np.column_stack([c * folded[:, 0] - s * folded[:, 1],
                            s * folded[:, 0] + c * folded[:, 1]])
    np.testing.assert_allclose(back.mean(axis=0), [0.4, 0.8], atol=0.01)
    # and a window of the stream sits around the turned centre
    window = slice(300, 310)                         # about 90 degrees
    assert np.allclose(folded[window].mean(axis=0), _rotate([0.4, 0.8], np.pi / 2),
                       atol=3 * TWO_GAUSSIAN_STD / np.sqrt(10) + 0.05)


def test_rotating_gaussians_are_seeded():
    a = eb.data.rotating_gaussians(n=50, seed=7)
    b = eb.data.rotating_gaussians(n=50, seed=7)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))


@pytest.mark.parametrize("kwargs,name", [
    (dict(n=0), "n"), (dict(speed=-1.0), "speed"), (dict(std=0.0), "std"),
    (dict(speed=float("nan")), "speed"),
])
def test_rotating_gaussians_reject_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        eb.data.rotating_gaussians(**kwargs)


def test_drift_excess_cost_is_the_expected_cost_minus_its_minimum():
    """Against a Monte Carlo average of the cost over many samples of the distribution."""
    rng = np.random.default_rng(0)
    angle = 1.1
    X, D, _ = eb.data.rotating_gaussians(n=400_000, speed=0.0, seed=2)
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    X = X @ R.T                                      # the classes turned by `angle`
    Xa = np.column_stack([X, np.ones(len(X))])
    w_best = np.linalg.lstsq(Xa, D[:, 0], rcond=None)[0]
    for _ in range(3):
        w = rng.normal(size=3)
        mc = 0.5 * np.mean((D[:, 0] - Xa @ w) ** 2) - 0.5 * np.mean((D[:, 0] - Xa @ w_best) ** 2)
        assert measure.drift_excess_cost(w, angle) == pytest.approx(mc, rel=0.02, abs=1e-4)
    assert measure.drift_excess_cost(w_best, angle) == pytest.approx(0.0, abs=1e-4)


def test_drift_excess_cost_vectorised_and_nonnegative():
    rng = np.random.default_rng(1)
    W, angle = rng.normal(size=(20, 3)), rng.uniform(0, 2 * np.pi, size=20)
    many = measure.drift_excess_cost(W, angle)
    one_by_one = [measure.drift_excess_cost(w, a) for w, a in zip(W, angle)]
    np.testing.assert_allclose(many, one_by_one, rtol=1e-14)
    assert np.all(many >= 0)
    m = _rotate([0.4, 0.8], 0.3)
    assert measure.drift_excess_cost(np.r_[m / (m @ m + 0.036), 0.0], 0.3) == pytest.approx(
        0.0, abs=1e-15)


@pytest.mark.parametrize("call,name", [
    (lambda: measure.drift_excess_cost(np.zeros((2, 2)), [0.0, 0.0]), "weights"),
    (lambda: measure.drift_excess_cost(np.zeros((2, 3)), [0.0, 0.0, 1.0]), "angle"),
    (lambda: measure.drift_excess_cost(np.zeros(3), 0.0, std=-1.0), "std"),
])
def test_drift_excess_cost_rejects_bad_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_epochs_to_reach():
    assert measure.epochs_to_reach([1.0, 0.5], 2.0) == 0.0
    assert measure.epochs_to_reach([4.0, 2.0, 1.0], 2.0) == 1.0
    assert measure.epochs_to_reach([4.0, 2.0, 1.0], 0.5) == np.inf
    # geometric in between: 4 -> 1 in one epoch reaches 2 half-way
    assert measure.epochs_to_reach([4.0, 1.0], 2.0) == pytest.approx(0.5)
    # the first crossing counts, not a later one
    assert measure.epochs_to_reach([4.0, 1.0, 8.0, 0.5], 2.0) == pytest.approx(0.5)


@pytest.mark.parametrize("costs,level,name", [
    ([1.0, -1.0], 0.5, "costs"), ([], 0.5, "costs"), ([1.0, 0.5], 0.0, "level"),
    ([[1.0, 0.5]], 0.5, "costs"),
])
def test_epochs_to_reach_rejects_bad_arguments(costs, level, name):
    with pytest.raises(ValueError, match=name):
        measure.epochs_to_reach(costs, level)


def test_drawing_helpers():
    from ebtricks.figures import plots, subplots
    fig, (a, b) = subplots(1, 2)
    plots.drift_boundaries(a, 0.5, {"online": [1.0, 0.5, 0.1], "zero": [0.0, 0.0, 0.0]})
    assert len(a.lines) == 2                         # the best boundary and "online"
    # the best boundary is perpendicular to the turned centre
    (x0, x1), (y0, y1) = a.lines[0].get_data()
    assert np.dot([x1 - x0, y1 - y0], _rotate([0.4, 0.8], 0.5)) == pytest.approx(0, abs=1e-12)
    # the learner's line satisfies w1 x1 + w2 x2 + b = 0
    xs, ys = a.lines[1].get_data()
    np.testing.assert_allclose(1.0 * xs + 0.5 * ys + 0.1, 0.0, atol=1e-12)
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(50, 2))
    plots.weight_cloud(b, reference * 0.1, reference, [0, 0], title="blue: B = 4")
    lo, hi = b.get_xlim()
    assert lo == pytest.approx(-hi) and hi >= np.abs(reference).max()
    assert b.get_title() == "blue: B = 4"


# --- better minima through noise: descent_over_seeds and outcomes_over_seeds ---

def test_descent_over_seeds_batch_matches_a_plain_loop():
    """Batch descent over seeds equals one seed's batch descent done by hand."""
    x = np.linspace(-2, 2, 6)[:, None]
    d = np.sin(x)
    E = measure.descent_over_seeds(x, d, 2, [0, 5], 0.1, 30, batch=True)
    rng = np.random.default_rng(5)
    W1, b1 = rng.standard_normal((2, 1)) / np.sqrt(2), rng.standard_normal(2) / np.sqrt(2)
    W2, b2 = rng.standard_normal((1, 2)) / np.sqrt(3), rng.standard_normal(1) / np.sqrt(3)
    f = lambda a: 1.7159 * np.tanh(2 * a / 3)
    fp = lambda a: 1.7159 * 2 / 3 / np.cosh(2 * a / 3) ** 2
    for _ in range(30):
        a1 = x @ W1.T + b1
        h = f(a1)
        a2 = h @ W2.T + b2
        dy = (f(a2) - d) * fp(a2)
        dh = dy @ W2 * fp(a1)
        W2, b2 = W2 - 0.1 * dy.T @ h / 6, b2 - 0.1 * dy.mean(0)
        W1, b1 = W1 - 0.1 * dh.T @ x / 6, b1 - 0.1 * dh.mean(0)
    y = f(f(x @ W1.T + b1) @ W2.T + b2)
    assert E[1] == pytest.approx(0.5 * np.mean(np.sum((y - d) ** 2, axis=1)), rel=1e-10)


def test_descent_over_seeds_online_lowers_the_cost_and_follows_the_seeds():
    x = np.linspace(-2, 2, 8)[:, None]
    d = np.tanh(x)
    E0 = measure.descent_over_seeds(x, d, 2, range(4), 0.05, 0, batch=False)
    E = measure.descent_over_seeds(x, d, 2, range(4), 0.05, 40, batch=False)
    assert np.all(E < E0)
    again = measure.descent_over_seeds(x, d, 2, [2], 0.05, 0, batch=True)
    assert again[0] == pytest.approx(E0[2])          # seed 2's start, alone or not
    np.testing.assert_array_equal(
        E, measure.descent_over_seeds(x, d, 2, range(4), 0.05, 40, batch=False))


@pytest.mark.parametrize("kwargs, name", [(dict(hidden=0), "hidden"),
                                          (dict(eta=-1.0), "eta"),
                                          (dict(epochs=-1), "epochs"),
                                          (dict(seeds=[]), "seeds"),
                                          (dict(D=np.zeros((3, 1))), "D")])
def test_descent_over_seeds_rejects_bad_input(kwargs, name):
    args = dict(X=np.zeros((4, 1)), D=np.zeros((4, 1)), hidden=2, seeds=[0], eta=0.1,
                epochs=1, batch=True)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        measure.descent_over_seeds(**args)


def test_outcomes_over_seeds_draws_and_counts():
    from ebtricks.figures import plots, subplots
    fig, (a, b) = subplots(1, 2)
    costs = {"batch": [0.05, 0.2, 0.21], "online": [0.2, 0.04, 0.05]}
    plots.outcomes_over_seeds(a, b, costs, 0.15)
    labels = [t.get_text() for t in a.get_legend().get_texts()]
    assert labels == ["batch: 1 of 3 below", "online: 2 of 3 below"]
    np.testing.assert_allclose(a.lines[0].get_ydata(), [0.05, 0.2, 0.21])
    with pytest.raises(ValueError, match="costs"):
        plots.outcomes_over_seeds(a, b, {"batch": [0.1]}, 0.15)
