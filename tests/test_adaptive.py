"""ebtricks.adaptive: Murata's rule (eqs 17-19) on a stochastic-gradient callable."""
import math

import numpy as np
import pytest

import ebtricks as eb
from ebtricks import adaptive as A

THETA = 0.5
V_MIN = np.array([math.cos(THETA), math.sin(THETA)])
V_MAX = np.array([-math.sin(THETA), math.cos(THETA)])


def bowl(gap=10.0, noise=0.02, seed=0):
    q = eb.Quadratic.from_eigen([0.1, 0.1 * gap], angle=THETA)
    return q, A.noisy_quadratic_gradient(q, noise, seed=seed)


def test_murata_sgd_is_eqs_17_to_19():
    q, grad = bowl(seed=3)
    rule = eb.Murata(delta=0.2, alpha=0.1, beta=0.5)
    path = A.murata_sgd(grad, [1.0, -2.0], 50, 0.03, rule)
    _, grad2 = bowl(seed=3)                 # the same noise, step by step
    w, r, eta = np.array([1.0, -2.0]), np.zeros(2), 0.03
    for t in range(50):
        g = grad2(w)
        w = w - eta * g
        r = 0.8 * r + 0.2 * g
        eta = eta + 0.1 * eta * (0.5 * np.linalg.norm(r) - eta)
        np.testing.assert_allclose(path.w[t + 1], w, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(path.r[t + 1], r, rtol=1e-13, atol=1e-15)
        assert path.eta[t + 1] == pytest.approx(eta, rel=1e-13)
    assert path.steps == 50 and path.eta[0] == 0.03 and not path.r[0].any()


def test_default_rule_is_murata_defaults():
    _, g1 = bowl(seed=1)
    _, g2 = bowl(seed=1)
    a = A.murata_sgd(g1, [1.0, 1.0], 20, 0.05)
    b = A.murata_sgd(g2, [1.0, 1.0], 20, 0.05, eb.Murata())
    np.testing.assert_array_equal(a.w, b.w)


def test_r_aligns_with_the_smallest_eigenvector_and_eta_rises_then_anneals():
    q, grad = bowl()
    path = A.murata_sgd(grad, 3 * V_MIN + 2 * V_MAX, 3000, 0.02,
                        eb.Murata(delta=0.05, alpha=0.05, beta=0.3))
    angle = A.angle_to_direction(path.r[1:], V_MIN)
    assert np.median(angle[:10]) > 60                     # across the valley at first
    assert np.median(angle[99:1000]) < 10                 # then along v_min
    peak = path.eta.argmax()
    assert path.eta[peak] > 1.5 * 0.02 and 20 < peak < 1000  # rises ...
    assert path.eta[-1] < 0.3 * path.eta[peak]              # ... then anneals
    assert q.cost(path.w[-1]) < 1e-4 * q.cost(path.w[0])     # and converges


def test_round_bowl_does_not_align():
    _, grad = bowl(gap=1.0)
    path = A.murata_sgd(grad, 3 * V_MIN + 2 * V_MAX, 1000, 0.02,
                        eb.Murata(delta=0.05, alpha=0.05, beta=0.3))
    angle = A.angle_to_direction(path.r[1:], V_MIN)
    assert abs(np.median(angle[99:600]) - math.degrees(math.atan(2 / 3))) < 5


def test_late_rate_follows_one_over_alpha_t():
    _, grad = bowl()
    path = A.murata_sgd(grad, 3 * V_MIN + 2 * V_MAX, 3000, 0.02,
                        eb.Murata(delta=0.05, alpha=0.04, beta=0.3))
    assert 0.04 * 3000 * path.eta[-1] == pytest.approx(1.0, abs=0.15)


def test_noise_floor_matches_a_long_run_at_the_minimum():
    q, grad = bowl(noise=0.05, seed=2)
    rule = eb.Murata(delta=0.1, alpha=0.5, beta=0.5)
    path = A.murata_sgd(grad, [0.0, 0.0], 20000, 0.01, rule)
    floor = A.murata_noise_floor(0.05, 2, rule)
    assert np.mean(path.eta[10000:]) == pytest.approx(floor, rel=0.1)


def test_noise_floor_formula():
    # n = 1: beta * s * sqrt(2/pi); n = 2: beta * s * sqrt(pi/2)
    rule = eb.Murata(delta=0.2, beta=2.0)
    s = 0.3 * math.sqrt(0.2 / 1.8)
    assert A.murata_noise_floor(0.3, 1, rule) == pytest.approx(2 * s * math.sqrt(2 / math.pi))
    assert A.murata_noise_floor(0.3, 2, rule) == pytest.approx(2 * s * math.sqrt(math.pi / 2))


def test_scheduled_sgd_constant_and_inverse_time():
    q, grad = bowl(noise=0.0)
    const = A.scheduled_sgd(grad, [1.0, 1.0], 10, 0.5)
    assert np.all(const.eta == 0.5) and const.r is None
    w = np.array([1.0, 1.0])
    for _ in range(10):
        w = w - 0.5 * q.H @ w
    np.testing.assert_allclose(const.w[-1], w, rtol=1e-12)
    ann = A.scheduled_sgd(grad, [1.0, 1.0], 10, 0.5, tau=5.0)
    np.testing.assert_allclose(ann.eta, 0.5 / (1 + np.arange(11) / 5.0))


def test_noisy_gradient_mean_is_the_gradient():
    q = eb.Quadratic(np.diag([1.0, 3.0]), minimum=[1.0, -1.0])
    g = A.noisy_quadratic_gradient(q, 0.5, seed=0)
    w = np.array([2.0, 0.0])
    samples = np.array([g(w) for _ in range(20000)])
    np.testing.assert_allclose(samples.mean(axis=0), [1.0, 3.0], atol=0.02)
    assert samples.std(axis=0) == pytest.approx([0.5, 0.5], rel=0.03)


def test_angle_to_direction():
    assert A.angle_to_direction([1.0, 0.0], [0.0, 2.0]) == pytest.approx(90.0)
    assert A.angle_to_direction([-1.0, -1.0], [1.0, 1.0]) == pytest.approx(0.0, abs=1e-4)
    out = A.angle_to_direction([[0.0, 0.0], [1.0, math.sqrt(3)]], [1.0, 0.0])
    assert math.isnan(out[0]) and out[1] == pytest.approx(60.0)
    assert math.isnan(A.angle_to_direction([0.0, 0.0], [1.0, 0.0]))


def test_divergence_is_reported():
    q = eb.Quadratic(np.diag([1.0, 1.0]))
    grad = A.noisy_quadratic_gradient(q, 0.0)
    with pytest.raises(FloatingPointError, match="diverged"):
        A.murata_sgd(grad, [1.0, 1.0], 500, 3.0, eb.Murata(alpha=1e-6))
    with pytest.raises(FloatingPointError, match="diverged"):
        A.scheduled_sgd(grad, [1.0, 1.0], 500, 3.0)


@pytest.mark.parametrize("call, error, name", [
    (lambda g: A.murata_sgd(g, [1.0, 1.0], 0, 0.1), ValueError, "steps"),
    (lambda g: A.murata_sgd(g, [1.0, 1.0], 10, -0.1), ValueError, "eta0"),
    (lambda g: A.murata_sgd(g, [[1.0, 1.0]], 10, 0.1), ValueError, "w0"),
    (lambda g: A.murata_sgd(g, [1.0, np.nan], 10, 0.1), ValueError, "w0"),
    (lambda g: A.murata_sgd(g, [1.0, 1.0], 10, 0.1, rule=0.5), TypeError, "rule"),
    (lambda g: A.murata_sgd(3, [1.0, 1.0], 10, 0.1), TypeError, "gradient"),
    (lambda g: A.murata_sgd(lambda w: [1.0], [1.0, 1.0], 10, 0.1), ValueError, "gradient"),
    (lambda g: A.scheduled_sgd(g, [1.0, 1.0], 10, 0.1, tau=0), ValueError, "tau"),
    (lambda g: A.scheduled_sgd(g, [1.0, 1.0], 10, 0.1, diverge=-1), ValueError, "diverge"),
    (lambda g: A.noisy_quadratic_gradient("q", 0.1), TypeError, "quadratic"),
    (lambda g: A.noisy_quadratic_gradient(eb.Quadratic(np.eye(2)), -1), ValueError, "noise"),
    (lambda g: A.angle_to_direction([1.0, 1.0], [0.0, 0.0]), ValueError, "direction"),
    (lambda g: A.angle_to_direction([1.0, 1.0, 1.0], [1.0, 0.0]), ValueError, "vectors"),
    (lambda g: A.murata_noise_floor(0.1, 0, eb.Murata()), ValueError, "n"),
    (lambda g: A.murata_noise_floor(-0.1, 2, eb.Murata()), ValueError, "noise"),
    (lambda g: A.murata_noise_floor(0.1, 2, None), TypeError, "rule"),
])
def test_bad_inputs_name_the_argument(call, error, name):
    _, grad = bowl()
    with pytest.raises(error, match=name):
        call(grad)


# --- the page's self-checks --------------------------------------------------------------

def test_check_murata_late_rate():
    _, grad = bowl()
    truth = A.murata_sgd(grad, 3 * V_MIN + 2 * V_MAX, 3000, 0.02,
                         eb.Murata(delta=0.05, alpha=0.03, beta=0.3)).eta[-1]
    assert eb.checks.murata_late_rate(truth, alpha=0.03)
    assert eb.checks.murata_late_rate(1 / (0.03 * 3000), alpha=0.03)   # the page's rule
    assert not eb.checks.murata_late_rate(2 * truth, alpha=0.03)
    assert not eb.checks.murata_late_rate(1 / (0.05 * 3000), alpha=0.03)  # the page's α
    assert not eb.checks.murata_late_rate(0.02, alpha=0.03)                # the start
    with pytest.raises(ValueError, match="alpha"):
        eb.checks.murata_late_rate(0.01, alpha=2.0)


def test_check_round_bowl_angle():
    assert eb.checks.round_bowl_angle(math.degrees(math.atan(1.5)), start=(2, 3))
    assert not eb.checks.round_bowl_angle(33.7, start=(2, 3))
    with pytest.raises(ValueError, match="start"):
        eb.checks.round_bowl_angle(10.0, start=(0, 0))


def test_check_murata_rate_floor():
    rule = eb.Murata(delta=0.1, beta=0.5)
    truth = A.murata_noise_floor(0.1, 2, rule)                            # 0.01438
    s = 0.1 * math.sqrt(0.1 / 1.9)
    assert eb.checks.murata_rate_floor(truth)
    assert eb.checks.murata_rate_floor(round(truth, 4))                  # 0.0144, as rounded
    assert not eb.checks.murata_rate_floor(0.5 * s * math.sqrt(2))       # rms length, not mean
    assert not eb.checks.murata_rate_floor(0.5 * s)                      # one component's sd
    no_two = 0.5 * 0.1 * math.sqrt(0.1 * math.pi / 2)
    assert not eb.checks.murata_rate_floor(no_two)                       # no 2 - delta
    assert not eb.checks.murata_rate_floor(0.5 * 0.1 * math.sqrt(0.1))   # rms, 2 - delta as 2
    with pytest.raises(ValueError, match="delta"):
        eb.checks.murata_rate_floor(0.01, delta=1.5)


def test_murata_sgd_is_train_sgds_rule():
    """The package's two implementations of eqs 17-19 agree: train_sgd's kernel (online,
    sequential order) and murata_sgd fed the same per-sample gradients give the same
    weights after every update and the same rate after every epoch."""
    X, D = eb.data.two_gaussians(seed=0)
    X, D = np.asarray(X, dtype=float), np.asarray(D, dtype=float).reshape(len(X), -1)
    net = eb.mlp([2, 3, 1], activation="tanh")
    w0, rule, P = net.params.copy(), eb.Murata(delta=0.1, alpha=0.2, beta=0.7), len(X)
    h = eb.train_sgd(net, X, D, epochs=2, eta=0.02, order="sequential", murata=rule,
                     record_weights="update", track_cost=False)
    count = [0]

    def sample_gradient(w):
        p = count[0] % P
        count[0] += 1
        return net.gradient(X[p:p + 1], D[p:p + 1], params=w)[1]

    path = A.murata_sgd(sample_gradient, w0, 2 * P, 0.02, rule)
    np.testing.assert_allclose(np.asarray(h.weights), path.w, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.eta, path.eta[[P, 2 * P]], rtol=1e-12)
