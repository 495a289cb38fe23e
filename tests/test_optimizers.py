"""Optimizers: the properties each promises, tested as properties (Wolfe conditions, N-step
CG, one-step Newton), and agreement with scipy.optimize."""
import numpy as np
import pytest
from scipy import optimize as so

import ebtricks as eb
from ebtricks import measure
from ebtricks.linesearch import LineSearchError, strong_wolfe

ALL_BATCH = [eb.GradientDescent(0.5), eb.ConjugateGradient(), eb.ConjugateGradient("fletcher_reeves"),
             eb.BFGS(), eb.LBFGS(), eb.Newton(), eb.GaussNewton(), eb.LevenbergMarquardt()]


def quadratic_objective(n, seed=0, kappa=50.0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    A = Q @ np.diag(np.geomspace(1.0, kappa, n)) @ Q.T
    b = rng.normal(size=n)
    w_star = np.linalg.solve(A, b)
    obj = eb.FunctionObjective(lambda w: 0.5 * w @ A @ w - b @ w, lambda w: A @ w - b, n,
                               hess=lambda w: A, gauss_newton=lambda w: A)
    return obj, w_star


def rosenbrock():
    return eb.FunctionObjective(so.rosen, so.rosen_der, 2, hess=so.rosen_hess)


@pytest.mark.parametrize("c2", [0.1, 0.9])
@pytest.mark.parametrize("seed", range(6))
def test_line_search_satisfies_strong_wolfe(seed, c2):
    rng = np.random.default_rng(seed)
    c1 = 1e-4
    problems = [quadratic_objective(5, seed)[0], rosenbrock()]
    net = eb.mlp([3, 4, 2], seed=seed)
    Xn, Dn = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    problems.append(eb.NetworkObjective(net, Xn, Dn))
    for obj in problems:
        w = rng.normal(size=obj.n) if obj.n != 2 else np.array([-1.2, 1.0]) + rng.normal(0, 0.3, 2)
        f0, g0 = obj.value_and_grad(w)
        d = -g0 + 0.3 * rng.normal(size=obj.n) * np.linalg.norm(g0) / np.sqrt(obj.n)
        if g0 @ d >= 0:
            d = -g0
        res = strong_wolfe(obj.value_and_grad, w, d, f0, g0, step0=float(rng.uniform(0.01, 5)),
                           c1=c1, c2=c2)
        f, g = obj.value_and_grad(w + res.step * d)
        assert f <= f0 + c1 * res.step * (g0 @ d) + 1e-12 * abs(f0)
        assert abs(g @ d) <= c2 * abs(g0 @ d) * (1 + 1e-9)
        assert res.value == pytest.approx(f) and np.allclose(res.gradient, g)


def test_line_search_rejects_ascent_and_unbounded():
    obj, _ = quadratic_objective(3)
    w = np.ones(3)
    f, g = obj.value_and_grad(w)
    with pytest.raises(LineSearchError, match="not a descent"):
        strong_wolfe(obj.value_and_grad, w, g, f, g)
    lin = eb.FunctionObjective(lambda w: -w.sum(), lambda w: -np.ones(2), 2)
    with pytest.raises(LineSearchError, match="unbounded"):
        strong_wolfe(lin.value_and_grad, np.zeros(2), np.ones(2))


@pytest.mark.parametrize("variant", ["polak_ribiere", "fletcher_reeves"])
@pytest.mark.parametrize("n", [2, 5, 12])
def test_cg_reaches_quadratic_minimum_in_n_steps(variant, n):
    obj, w_star = quadratic_objective(n, seed=n)
    w0 = np.zeros(n)
    w, h = eb.minimize(obj, w0, eb.ConjugateGradient(variant, c1=1e-7, c2=1e-6), iterations=n)
    assert np.linalg.norm(w - w_star) <= 1e-8 * max(1.0, np.linalg.norm(w_star))
    assert h.updates == n


def test_newton_converges_in_one_step_on_a_quadratic():
    obj, w_star = quadratic_objective(6, seed=3, kappa=1e4)
    w, h = eb.minimize(obj, np.ones(6), eb.Newton(), iterations=1)
    np.testing.assert_allclose(w, w_star, rtol=1e-9)
    assert h.counts["hessians"] == 1


@pytest.mark.parametrize("method", [eb.BFGS(), eb.LBFGS(memory=5), eb.GaussNewton(),
                                    eb.LevenbergMarquardt()])
def test_quasi_newton_and_gauss_newton_solve_a_quadratic(method):
    obj, w_star = quadratic_objective(6, seed=4)
    w, _ = eb.minimize(obj, np.zeros(6), method, iterations=60, tol=1e-11)
    np.testing.assert_allclose(w, w_star, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("method,scipy_method", [(eb.ConjugateGradient(), "CG"),
                                                 (eb.BFGS(), "BFGS"), (eb.LBFGS(), "L-BFGS-B"),
                                                 (eb.Newton(), "Newton-CG")])
def test_same_rosenbrock_minimum_as_scipy(method, scipy_method):
    w0 = np.array([-1.2, 1.0])
    obj = rosenbrock()
    w, h = eb.minimize(obj, w0, method, iterations=5000, tol=1e-9)
    ref = so.minimize(so.rosen, w0, jac=so.rosen_der, hess=so.rosen_hess if scipy_method == "Newton-CG" else None,
                      method=scipy_method, options={"maxiter": 5000})
    np.testing.assert_allclose(w, [1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(ref.x, [1.0, 1.0], atol=1e-4)    # scipy's stops a little earlier
    print(f"\n{type(method).__name__}: ebtricks {obj.counts['gradients']} gradients, "
          f"scipy {scipy_method} {ref.njev} gradients")


@pytest.mark.parametrize("method,scipy_method", [(eb.ConjugateGradient(), "CG"), (eb.BFGS(), "BFGS")])
def test_same_network_minimum_as_scipy(method, scipy_method):
    """A 1-2-1 regression net whose minimum is isolated (Hessian positive definite there);
    both start in its basin, near a minimum found first by Levenberg-Marquardt."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (60, 1))
    D = 0.8 * np.tanh(1.5 * X - 0.5) - 0.4 * np.tanh(X + 1) + 0.05 * rng.normal(size=X.shape)
    net = eb.mlp([1, 2, 1], activation="tanh", output_activation="identity", seed=2)
    eb.train(net, X, D, eb.LevenbergMarquardt(), epochs=100)
    assert np.linalg.eigvalsh(eb.curvature.hessian(net, X, D))[0] > 0
    net.params += 0.05 * rng.normal(size=net.n_params)
    w0 = net.params.copy()
    h = eb.train(net, X, D, method, epochs=3000, tol=1e-9)
    ref = so.minimize(lambda w: net.cost(X, D, w), w0, jac=lambda w: net.gradient(X, D, w)[1],
                      method=scipy_method, options={"gtol": 1e-9, "maxiter": 3000})
    assert h.cost[-1] == pytest.approx(ref.fun, rel=1e-8)
    np.testing.assert_allclose(net.params, ref.x, atol=1e-3)
    print(f"\n{type(method).__name__}: ebtricks {h.counts['gradients']} gradients, "
          f"scipy {scipy_method} {ref.njev}")


@pytest.mark.parametrize("method", [eb.GaussNewton(), eb.LevenbergMarquardt()])
def test_gauss_newton_and_lm_fit_a_regression_net(method):
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (40, 1))
    D = np.sin(X) + 0.01 * rng.normal(size=X.shape)
    net = eb.mlp([1, 5, 1], activation="tanh", output_activation="identity", seed=1)
    h = eb.train(net, X, D, method, epochs=40)
    assert h.cost[-1] < 0.05 * h.cost[0]
    assert all(b <= a * (1 + 1e-12) for a, b in zip(h.cost, h.cost[1:]))   # never uphill


def test_every_method_runs_through_one_call_with_a_complete_history():
    X, D = eb.data.two_gaussians(seed=0)
    for method in ALL_BATCH + [eb.SGD(eta=0.05), eb.SDLM(eta=0.05)]:
        net = eb.mlp([2, 3, 1], seed=0)
        kw = {} if method in ALL_BATCH else {"track_cost": True}
        h = eb.train(net, X, D, method, epochs=4, record_weights=True, **kw)
        assert h.cost[-1] < h.cost[0], type(method).__name__
        assert h.counts["gradients"] > 0 and h.wall_time > 0
        assert h.weights.shape[1] == net.n_params
        np.testing.assert_allclose(h.weights[-1], net.params)


def test_sdlm_beats_sgd_with_its_best_constant_rate_on_fig10():
    """§9.1 on the Figure 10 problem: the best SDLM run against the best of a grid of
    constant SGD rates, after 3 epochs, averaged over 5 presentation orders."""
    X, D = eb.data.two_gaussians(seed=0)
    _, _, e_min = measure.lms_solution(X, D)

    def excess(method):
        out = []
        for seed in range(5):
            net = eb.mlp([2, 1], activation="identity").set_params([-1.2, 2.2, 0.5])
            out.append(eb.train(net, X, D, method, epochs=3, seed=seed,
                                track_cost=True).cost[-1] - e_min)
        return np.mean(out)

    best_sgd = min(excess(eb.SGD(eta=e)) for e in np.geomspace(0.01, 1.0, 15))
    best_sdlm = min(excess(eb.SDLM(eta=e, mu=0.01)) for e in np.geomspace(0.001, 0.3, 15))
    assert best_sdlm < best_sgd


def test_sdlm_rates_follow_eq_61():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity")
    h = eb.train(net, X, D, eb.SDLM(eta=0.1, mu=0.0, n_estimate=None), epochs=1)
    Xa = np.column_stack([X, np.ones(100)])
    np.testing.assert_allclose(h.second_derivatives, np.mean(Xa ** 2, axis=0), rtol=1e-12)


def test_newton_on_a_saddle():
    f = eb.FunctionObjective(lambda w: w[0] ** 2 - w[1] ** 2 + w[1] ** 4,
                             lambda w: np.array([2 * w[0], -2 * w[1] + 4 * w[1] ** 3]), 2,
                             hess=lambda w: np.diag([2.0, -2 + 12 * w[1] ** 2]))
    with pytest.raises(eb.OptimizationError, match="not positive definite"):
        eb.minimize(f, np.array([0.5, 0.1]), eb.Newton(non_convex="raise"), iterations=3)
    w, h = eb.minimize(f, np.array([0.5, 0.1]), eb.Newton(), iterations=30, tol=1e-10)
    np.testing.assert_allclose(np.abs(w), [0, np.sqrt(0.5)], atol=1e-8)   # a minimum, not the saddle


def test_failures_give_clear_messages_not_nan():
    lin = eb.FunctionObjective(lambda w: -w.sum(), lambda w: -np.ones(2), 2)
    with pytest.raises(eb.OptimizationError, match="line search failed at iteration 1"):
        eb.minimize(lin, np.zeros(2), eb.ConjugateGradient(), iterations=5)
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity", seed=0)
    start = net.params.copy()
    with pytest.raises(eb.TrainingDiverged, match="GradientDescent diverged"):
        eb.train(net, X * 1e100, D, eb.GradientDescent(10.0), epochs=50)
    np.testing.assert_array_equal(net.params, start)


@pytest.mark.small
@pytest.mark.parametrize("make,err,word", [
    (lambda: eb.GradientDescent(-1.0), ValueError, "eta"),
    (lambda: eb.SDLM(eta=0.1, gamma=1.5), ValueError, "gamma"),
    (lambda: eb.SDLM(eta=0.1, mu=-1), ValueError, "mu"),
    (lambda: eb.SDLM(eta=0.0), ValueError, "eta"),
    (lambda: eb.ConjugateGradient(c2=1e-5), ValueError, "c1 < c2"),
    (lambda: eb.ConjugateGradient("hestenes"), ValueError, "variant"),
    (lambda: eb.LevenbergMarquardt(factor=1.0), ValueError, "factor"),
    (lambda: eb.LevenbergMarquardt(lam=-1.0), ValueError, "lam"),
    (lambda: eb.Newton(damping=-1), ValueError, "damping"),
    (lambda: eb.LBFGS(memory=0), ValueError, "memory"),
])
def test_bad_hyperparameters_are_named(make, err, word):
    with pytest.raises(err, match=word):
        make()


@pytest.mark.small
def test_bad_runs_are_named():
    X, D = np.ones((4, 2)), np.ones((4, 1))
    net = eb.mlp([2, 1])
    with pytest.raises(ValueError, match="eta"):
        eb.train(net, X, D, eb.SGD(eta=-0.1), epochs=1)
    with pytest.raises(ValueError, match="w0 contains NaN"):
        eb.minimize(eb.NetworkObjective(net, X, D), np.full(3, np.nan), eb.BFGS(), iterations=1)
    with pytest.raises(TypeError, match="batch method"):
        eb.minimize(eb.NetworkObjective(net, X, D), net.params, eb.SGD(eta=0.1), iterations=1)


@pytest.mark.parametrize("method", [eb.ConjugateGradient(), eb.BFGS(), eb.LBFGS()])
def test_line_search_methods_descend_where_the_hessian_is_indefinite(method):
    """From (0.5, 0.1) the Hessian of w0^2 - w1^2 + w1^4 has a negative eigenvalue. Methods
    that only use gradients (with a Wolfe line search, which keeps BFGS's M positive
    definite) still go downhill every step and leave the saddle for a minimum."""
    f = eb.FunctionObjective(lambda w: w[0] ** 2 - w[1] ** 2 + w[1] ** 4,
                             lambda w: np.array([2 * w[0], -2 * w[1] + 4 * w[1] ** 3]), 2)
    w, h = eb.minimize(f, np.array([0.5, 0.1]), method, iterations=500, tol=1e-9)
    assert all(b <= a for a, b in zip(h.cost, h.cost[1:]))
    np.testing.assert_allclose(np.abs(w), [0, np.sqrt(0.5)], atol=1e-6)


def test_cg_powell_false_keeps_the_formulas_beta():
    """powell=False: beta_k is the formula's (no restart on Rosenbrock's non-orthogonal
    gradients), so FR and PR differ there; on a quadratic both still finish in N steps."""
    def f(w): return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2

    def g(w): return np.array([-2 * (1 - w[0]) - 400 * w[0] * (w[1] - w[0] ** 2),
                               200 * (w[1] - w[0] ** 2)])
    obj = eb.FunctionObjective(f, g, n=2)
    w0 = np.array([-1.2, 1.0])
    betas = {}
    for powell in (True, False):
        m = eb.ConjugateGradient(variant="fletcher_reeves", powell=powell)
        s = m.init(obj, w0)
        w, zero = w0, 0
        for _ in range(15):
            d_old, g_old = s["d"], s["g"]
            w, s = m.step(obj, w, s)
            beta = (s["d"] + s["g"]) @ d_old / (d_old @ d_old)
            zero += abs(beta) < 1e-14
        betas[powell] = zero
    assert betas[True] > betas[False] == 0
    A = np.diag(np.linspace(1.0, 100.0, 8))
    q = eb.FunctionObjective(lambda w: 0.5 * w @ A @ w, lambda w: A @ w, n=8)
    for variant in ("fletcher_reeves", "polak_ribiere"):
        w, _ = eb.minimize(q, np.ones(8), eb.ConjugateGradient(variant=variant, powell=False),
                           iterations=8)
        assert np.linalg.norm(w) < 1e-8 * np.sqrt(8)
    with pytest.raises(TypeError, match="powell"):
        eb.ConjugateGradient(powell="no")
