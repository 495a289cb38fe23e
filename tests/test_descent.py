import numpy as np
import pytest

import ebtricks as eb

pytestmark = pytest.mark.small


@pytest.mark.parametrize("curvature", [0.3, 1.0, 7.5])
def test_eta_opt_reaches_quadratic_minimum_in_one_step(curvature):
    q = eb.Quadratic1D(curvature=curvature, minimum=-0.7)
    path = eb.gradient_descent_1d(q, w0=2.0, eta=q.eta_opt, steps=3)
    assert path[1] == pytest.approx(-0.7, abs=1e-14)
    assert np.all(np.abs(path[1:] + 0.7) < 1e-14)


@pytest.mark.parametrize("ratio,converges", [(0.5, True), (1.5, True), (1.99, True),
                                             (2.01, False), (2.5, False)])
def test_two_eta_opt_is_the_divergence_threshold(ratio, converges):
    q = eb.Quadratic1D(curvature=3.0)
    path = eb.gradient_descent_1d(q, w0=1.0, eta=ratio * q.eta_opt, steps=200)
    # distance is multiplied by exactly |1 - ratio| per step
    assert abs(path[1]) == pytest.approx(abs(1 - ratio), rel=1e-12)
    assert (abs(path[-1]) < 1.0) == converges


def test_oscillation_between_one_and_two_eta_opt():
    q = eb.Quadratic1D()
    path = eb.gradient_descent_1d(q, w0=1.0, eta=1.5, steps=6)
    assert np.all(np.sign(path[1:]) != np.sign(path[:-1]))


def test_logcosh_is_locally_the_quadratic():
    b, q = eb.LogCosh1D(curvature=2.0, minimum=0.3), eb.Quadratic1D(curvature=2.0, minimum=0.3)
    w = 0.3 + np.array([-1e-3, 1e-4, 2e-3])
    np.testing.assert_allclose(b.gradient(w), q.gradient(w), rtol=1e-5)
    assert b.second_derivative(0.3) == pytest.approx(2.0)
    # central differences of the cost give the gradient, of the gradient the curvature
    h = 1e-5
    for x in (-2.0, 0.1, 1.7):
        assert (b.cost(x + h) - b.cost(x - h)) / (2 * h) == pytest.approx(b.gradient(x), rel=1e-7)
        assert (b.gradient(x + h) - b.gradient(x - h)) / (2 * h) == pytest.approx(
            b.second_derivative(x), rel=1e-6)
    assert np.isfinite(b.cost(1e6))


def test_logcosh_above_two_eta_opt_stays_bounded_but_never_converges():
    b = eb.LogCosh1D()
    path = eb.gradient_descent_1d(b, w0=-1.6, eta=2.5, steps=400)
    assert np.all(np.abs(path) < 3) and abs(path[-1]) > 0.5


@pytest.mark.parametrize("kwargs,err,word", [
    (dict(w0=np.nan, eta=1.0, steps=3), ValueError, "w0"),
    (dict(w0=0.0, eta=-1.0, steps=3), ValueError, "eta"),
    (dict(w0=0.0, eta=1.0, steps=-1), ValueError, "steps"),
    (dict(w0=0.0, eta=1.0, steps=2.5), TypeError, "steps"),
    (dict(w0="a", eta=1.0, steps=2), TypeError, "w0"),
])
def test_bad_arguments_are_named(kwargs, err, word):
    with pytest.raises(err, match=word):
        eb.gradient_descent_1d(eb.Quadratic1D(), **kwargs)


def test_bad_curvature_is_named():
    with pytest.raises(ValueError, match="curvature"):
        eb.Quadratic1D(curvature=0.0)
    with pytest.raises(ValueError, match="curvature"):
        eb.LogCosh1D(curvature=-1.0)


@pytest.mark.small
def test_shapes_of_paths():
    q = eb.Quadratic1D()
    assert eb.gradient_descent_1d(q, -1.6, 0.5, 3).shape == (4,)
    q2 = eb.Quadratic.from_eigen([1.0, 0.5])
    assert eb.gradient_descent(q2, [1.0, 1.0], 0.5, 3).shape == (4, 2)


@pytest.mark.small
def test_quadratic_nd():
    q = eb.Quadratic.from_eigen([2.0, 0.5], angle=0.7, minimum=[1.0, -1.0])
    assert q.condition_number == pytest.approx(4.0) and q.eta_max == pytest.approx(1.0)
    w = np.array([3.0, 2.0])
    np.testing.assert_allclose(w + q.newton_step(w), [1.0, -1.0])
    np.testing.assert_allclose(q.gradient(w), q.H @ (w - q.minimum))
    assert eb.steps_to_converge(q, w, q.eta_opt * 2.2, tol=1e-8, max_steps=500) is None
    with pytest.raises(ValueError, match="positive definite"):
        eb.Quadratic([[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(ValueError, match="symmetric"):
        eb.Quadratic([[1.0, 0.5], [0.0, 1.0]])
