"""The numbers of §4.6 (initialising the weights) computed the way the page
``book/initialisation`` computes them, held to the tolerances the page prints beside them:
a 16-layer stack of 200-unit layers on 128 normalised samples, weights at init_scale 1/4, 1
and 4 times LeCun's m^(-1/2); the wide-layer map by Gauss-Hermite quadrature; and the
64-30-10 net on 1,000 8x8 digits."""
import math

import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure

WIDTH, DEPTH, P = 200, 16, 128
F_MAX = 1.7159


def _stack(init_scale, activation="lecun_tanh"):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((P, WIDTH))
    G = rng.standard_normal((P, WIDTH))
    net = eb.mlp([WIDTH] * (DEPTH + 1), activation=activation, init_scale=init_scale,
                 seed=0)
    outputs = net.layer_outputs(X)
    sums, grads = measure.sums_and_gradients(net, X, G)
    return {"up": np.array([x.std() for x in outputs]),
            "down": np.array([g.std() for g in grads]),
            "mean_abs_top": float(np.abs(outputs[-1]).mean()),
            "sum_std_1": float(sums[0].std()), "sigma_w": float(net.weights(0).std())}


@pytest.fixture(scope="module")
def stacks():
    return {"quarter": _stack(0.25), "lecun": _stack(1.0), "four": _stack(4.0),
            "tanh": _stack(1.0, "tanh")}


def _wide_layer_map(init_scale=1.0, unit="lecun_tanh"):
    """The page's map s -> std f(init_scale s Z), Z ~ N(0, 1), by Gauss-Hermite."""
    z, w = np.polynomial.hermite_e.hermegauss(101)
    w = w / w.sum()
    f = eb.Activation(unit)
    return lambda s: float(np.sqrt(w @ f(init_scale * s * z) ** 2)), f, z, w


@pytest.fixture(scope="module")
def theory():
    step, f, z, w = _wide_layer_map()
    s = [1.0]
    for _ in range(300):
        s.append(step(s[-1]))
    gain = float(np.sqrt(w @ f.derivative(s[-1] * z) ** 2))
    return {"first": s[1], "settled": s[-1], "gain": gain}


# --- eqs 14-16 -------------------------------------------------------------------------------

def test_eq15_sigma_and_eq14_unit_std_of_the_first_sums(stacks):
    assert stacks["lecun"]["sigma_w"] == pytest.approx(WIDTH ** -0.5, rel=0.02)
    assert abs(stacks["lecun"]["sum_std_1"] - 1.0) <= 0.05


# --- the deep stack at LeCun's scale ---------------------------------------------------------

def test_lecun_scale_keeps_every_layer_in_the_band(stacks):
    up = stacks["lecun"]["up"]
    assert len(up) >= 15 and np.all((up >= 0.5) & (up <= 1.0))


def test_first_layer_and_settled_std_match_the_wide_layer_map(stacks, theory):
    up = stacks["lecun"]["up"]
    assert abs(up[0] - theory["first"]) <= 0.02
    assert abs(up[10:].mean() - theory["settled"]) <= 0.03
    # "which predicts the measurement of every layer"
    step = _wide_layer_map()[0]
    s, predicted = 1.0, []
    for _ in range(DEPTH):
        s = step(s)
        predicted.append(s)
    assert np.max(np.abs(up - np.array(predicted))) <= 0.02


def test_just_left_of_lecun_levels_off_further_left_dies_out():
    """The page's account of the slider's left half: at init_scale 2^-1/8 (above
    1/f'(0) = 0.874) the outputs level off near 0.4; at 2^-1/4 and ¼ they die out, by about
    1.14 init_scale per layer once small (0.29 at ¼)."""
    f0 = F_MAX * 2 / 3
    assert 2 ** -0.125 > 1 / f0 > 2 ** -0.25
    near = _stack(2 ** -0.125)["up"]
    assert 0.35 <= near[-1] <= 0.45 and near[-1] / near[-2] > 0.97
    quarter = _stack(0.25)["up"]
    assert quarter[-1] / quarter[-2] == pytest.approx(0.25 * f0, rel=0.02)
    assert _stack(2 ** -0.25)["up"][-1] < 0.25


def test_the_map_gives_0_87_and_0_62(theory):
    """The values the book quotes: std f(Z) = 0.866 and the fixed point 0.618, also found
    by the self-check's own bisection with the trapezoid rule."""
    assert theory["first"] == pytest.approx(0.8663, abs=5e-4)
    assert theory["settled"] == pytest.approx(0.6184, abs=5e-4)
    assert eb.checks._settling_std(1.0) == pytest.approx(theory["settled"], abs=1e-6)
    step = _wide_layer_map()[0]
    assert step(theory["settled"]) == pytest.approx(theory["settled"], abs=1e-9)


def test_backward_signal_keeps_its_size_at_lecun_scale(stacks, theory):
    down = stacks["lecun"]["down"]
    assert 0.5 <= down[0] / down[-1] <= 2.0
    assert abs((down[9] / down[15]) ** (1 / 6) - theory["gain"]) <= 0.02
    assert abs(theory["gain"] - 1) <= 0.02


# --- too small, too large, plain tanh --------------------------------------------------------

def test_quarter_scale_vanishes(stacks):
    assert stacks["quarter"]["up"][-1] < 1e-6
    assert stacks["quarter"]["down"][0] < 1e-6


def test_four_times_saturates_and_the_error_signal_grows_down(stacks):
    assert stacks["four"]["mean_abs_top"] > 1.4 and stacks["four"]["mean_abs_top"] < F_MAX
    assert stacks["four"]["up"][-1] > 1.4
    assert stacks["four"]["down"][0] / stacks["four"]["down"][-1] > 100


def test_plain_tanh_decays(stacks):
    up = stacks["tanh"]["up"]
    assert up[-1] < 0.25 and np.all(np.diff(up) < 0)


# --- learning the linear part first ----------------------------------------------------------

def test_units_leave_the_linear_region_while_learning():
    images, labels = eb.data.digits_8x8()
    train, _ = eb.data.stratified_split(labels, 1000, seed=0)
    X = eb.InputTransform().fit_transform(images[train].reshape(-1, 64))
    D = eb.data.targets_pm1(labels[train])
    y = labels[train]
    A = np.c_[X, np.ones(len(X))]
    coef = np.linalg.lstsq(A, D, rcond=None)[0]
    linear_error = np.mean(np.argmax(A @ coef, axis=1) != y)
    reach = {}
    for scale in (0.25, 1.0, 4.0):
        net = eb.mlp([64, 30, 10], init_scale=scale, seed=0)
        history = eb.train_sgd(net, X, D, epochs=20, eta=0.01, seed=0,
                               record_weights="update", record_every=200, track_cost=False)
        rows = []
        for w in history.weights:
            net.params = w
            Y = net.forward(X)
            residual = Y - A @ np.linalg.lstsq(A, Y, rcond=None)[0]
            r2 = 1 - (residual ** 2).sum() / ((Y - Y.mean(axis=0)) ** 2).sum()
            rows.append((np.mean(np.abs(X @ net.weights(0).T + net.bias(0)) < 1), r2,
                         np.mean(np.argmax(Y, axis=1) != y)))
        t = np.array(rows)
        k = int(np.flatnonzero(t[:, 2] <= linear_error)[0])
        reach[scale] = k * 200 / len(X)
        if scale == 1.0:      # linear part first: the linear error within 2 epochs, R² > 0.95
            assert t[0, 0] > 0.6 and t[0, 0] - t[-1, 0] > 0.15
            assert reach[scale] < 2 and t[k, 1] > 0.95 and t[-1, 2] < linear_error / 2
        if scale == 4.0:      # starts nonlinear; its linear share ends above its start
            assert t[0, 0] < 0.3 and t[-1, 1] > t[0, 1] + 0.05
    assert reach[4.0] > reach[0.25] > reach[1.0]


# --- the exercises' self-checks --------------------------------------------------------------

def _settled(init_scale):
    step = _wide_layer_map(init_scale)[0]
    s = 1.0
    for _ in range(400):
        s = step(s)
    return s


def _gain(init_scale):
    _, f, z, w = _wide_layer_map()
    s = _settled(init_scale)
    return init_scale * float(np.sqrt(w @ f.derivative(init_scale * s * z) ** 2))


@pytest.mark.parametrize("fn,answer,kwargs,right", [
    (eb.checks.init_settling_std, lambda: _settled(2.0), {"init_scale": 2.0}, True),
    (eb.checks.init_settling_std, lambda: 0.6184, {"init_scale": 2.0}, False),
    (eb.checks.init_settling_std, lambda: _settled(1.0), {}, False),
    (eb.checks.init_settling_std, lambda: 0.0, {"init_scale": 0.5}, True),
    (eb.checks.init_settling_std, lambda: 0.1, {"init_scale": 0.5}, False),
    (eb.checks.init_backward_gain, lambda: _gain(2.0), {"init_scale": 2.0}, True),
    (eb.checks.init_backward_gain, lambda: 2.0, {"init_scale": 2.0}, False),
    (eb.checks.init_backward_gain, lambda: _gain(1.0), {"init_scale": 1.0}, True),
    (eb.checks.init_linear_fraction,
     lambda: math.erf(1 / (_settled(1.0) * math.sqrt(2))), {}, True),
    (eb.checks.init_linear_fraction, lambda: 0.683, {}, False),
])
def test_exercise_self_checks(fn, answer, kwargs, right, capsys):
    assert fn(answer(), **kwargs) is right
    out = capsys.readouterr().out
    assert ("✔" in out) == right and ("Hint" in out) != right


def test_settling_std_is_zero_below_the_critical_scale():
    assert eb.checks._settling_std(0.5) == 0.0
    assert eb.checks._settling_std(1.0 / (F_MAX * 2 / 3) * 1.05) > 0


@pytest.mark.parametrize("call,name", [
    (lambda: eb.checks.init_settling_std("0.6"), "answer"),
    (lambda: eb.checks.init_backward_gain(1.0, init_scale=0.0), "init_scale"),
    (lambda: eb.checks.init_linear_fraction(0.9, init_scale=-1.0), "init_scale"),
])
def test_self_checks_name_a_bad_argument(call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call()
