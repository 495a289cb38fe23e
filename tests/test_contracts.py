"""What the docstrings promise, checked with the defaults on problems chosen independently
of the implementation (each test here failed before the fix it guards)."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv
from ebtricks.curvature import ConvergenceWarning, power_method


# ---- conjugate gradient is conjugate gradient on a quadratic, with its defaults ----------
def _textbook_cg(A, b, iters):
    """Linear conjugate gradient (Hestenes-Stiefel), the reference for N-step convergence."""
    x = np.zeros(len(b))
    r = b - A @ x
    p = r.copy()
    for _ in range(iters):
        Ap = A @ p
        a = (r @ r) / (p @ Ap)
        x = x + a * p
        r_new = r - a * Ap
        if not np.any(r_new):
            break
        p = r_new + (r_new @ r_new) / (r @ r) * p
        r = r_new
    return x


def _quadratic(n, kappa, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.geomspace(1.0, kappa, n)) @ Q.T
    b = rng.standard_normal(n)
    return A, b, np.linalg.solve(A, b)


@pytest.mark.parametrize("variant", ["polak_ribiere", "fletcher_reeves"])
@pytest.mark.parametrize("n,kappa", [(2, 10), (5, 1e4), (8, 1e4), (15, 100), (30, 1e3),
                                     (50, 100), (50, 1e4)])
def test_cg_defaults_converge_in_n_steps_like_linear_cg(n, kappa, variant):
    A, b, x_star = _quadratic(n, kappa, seed=n)
    obj = eb.FunctionObjective(lambda w: 0.5 * w @ A @ w - b @ w, lambda w: A @ w - b, n=n)
    w, _ = eb.minimize(obj, np.zeros(n), eb.ConjugateGradient(variant=variant), n + 1)
    ours = np.linalg.norm(w - x_star) / np.linalg.norm(x_star)
    textbook = np.linalg.norm(_textbook_cg(A, b, n + 1) - x_star) / np.linalg.norm(x_star)
    # tolerance: within 10x of linear CG in the same arithmetic (which itself loses
    # orthogonality at kappa = 1e4, N = 50) plus 1e-7 of rounding in the line searches,
    # and 1e-6 wherever linear CG gets to 1e-7 (before the fix: 7e-2 at N = 15, kappa = 100)
    assert ours <= 10 * textbook + 1e-7, (ours, textbook)
    if textbook < 1e-7:
        assert ours < 1e-6


def test_cg_restart_is_validated():
    with pytest.raises(ValueError, match="restart"):
        eb.ConjugateGradient(restart=-1)


# ---- a failed batch run keeps what it reached ----------------------------------------------
def test_diverged_batch_run_leaves_weights_where_the_message_says():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity", seed=0)
    start = net.params.copy()
    with pytest.raises(eb.TrainingDiverged) as info:
        eb.train(net, X, D, eb.GradientDescent(eta=5.0), epochs=500)
    err = info.value
    k = int(re.search(r"left at iteration (\d+)", str(err)).group(1))
    assert k > 0 and not np.array_equal(net.params, start)
    assert np.array_equal(net.params, err.weights)
    assert len(err.history.cost) == k + 1
    assert net.cost(X, D) == pytest.approx(err.history.cost[-1], rel=1e-12)


# ---- Levenberg-Marquardt and Gauss-Newton stop sensibly ------------------------------------
def _exp_sine_fit():
    rng = np.random.default_rng(0)
    x = np.linspace(0, 3, 40)
    y = 2 * np.exp(-0.7 * x) + 0.5 * np.sin(3 * x) + 0.05 * rng.standard_normal(40)

    def res(w):
        return w[0] * np.exp(w[1] * x) + w[2] * np.sin(w[3] * x) - y

    def jac(w):
        return np.column_stack([np.exp(w[1] * x), w[0] * x * np.exp(w[1] * x),
                                np.sin(w[3] * x), w[2] * x * np.cos(w[3] * x)])
    return lambda: eb.FunctionObjective(
        lambda w: 0.5 * np.mean(res(w) ** 2), lambda w: jac(w).T @ res(w) / len(x), n=4,
        gauss_newton=lambda w: jac(w).T @ jac(w) / len(x))


def test_levenberg_marquardt_stops_with_success_at_a_minimum():
    make = _exp_sine_fit()
    w_opt, h = eb.minimize(make(), np.array([1.0, -1.0, 1.0, 2.5]), eb.LevenbergMarquardt(), 100)
    again, h2 = eb.minimize(make(), w_opt, eb.LevenbergMarquardt(), 10)     # no exception
    assert h2.stopped_early or np.linalg.norm(again - w_opt) < 1e-10
    assert h2.cost[-1] <= h.cost[-1] * (1 + 1e-12)


def test_gauss_newton_backtracks_without_wasting_evaluations():
    make = _exp_sine_fit()
    rng = np.random.default_rng(5)
    for _ in range(8):
        w0 = np.array([1.0, -0.5, 0.5, 2.0]) + rng.normal(scale=[0.5, 0.3, 0.5, 0.8])
        obj = make()
        _, h = eb.minimize(obj, w0, eb.GaussNewton(), 500, tol=1e-10)
        # before: about 20 halvings per iteration on such starts; now at most a few trials
        assert obj.counts["values"] <= 4 * max(h.updates, 1) + 10, (dict(obj.counts), h.updates)


# ---- layers do what their docstrings say ---------------------------------------------------
def test_untrainable_subsample_is_the_block_mean():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2 * 6 * 6))
    net = eb.Network([eb.Subsample(2, 6, 3, trainable=False)])
    want = x.reshape(3, 2, 2, 3, 2, 3).mean(axis=(3, 5)).reshape(3, -1)
    np.testing.assert_allclose(net.forward(x), want, rtol=0, atol=1e-14)
    assert eb.Subsample(2, 6, 3).activation == "lecun_tanh"


# ---- the power method says when it has not converged, and which eigenvalue it returns ------
def test_power_method_warns_when_not_converged():
    H = np.diag([1.0, 0.98, 0.5])
    with pytest.warns(ConvergenceWarning, match="residual"):
        power_method(lambda v: H @ v, 3, iters=5)


def test_power_method_returns_largest_magnitude_with_its_sign():
    H = np.diag([-3.0, 1.0, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lam, v, _ = power_method(lambda x: H @ x, 3, iters=200)
    assert lam == pytest.approx(-3.0, rel=1e-7) and abs(v[0]) > 1 - 1e-7


def test_power_method_refuses_a_wrong_size_operator():
    with pytest.raises(ValueError, match="matvec"):
        power_method(lambda v: np.ones(4), 3)


# ---- constructors validate their hyper-parameters when called ------------------------------
@pytest.mark.parametrize("make,exc,name", [
    (lambda: eb.GaussNewton(rcond=-1), ValueError, "rcond"),
    (lambda: eb.LevenbergMarquardt(max_tries=0), ValueError, "max_tries"),
    (lambda: eb.SGD(eta=-1), ValueError, "eta"),
    (lambda: eb.SGD(eta=0.1, order=["sequential"]), TypeError, "order"),
    (lambda: eb.BFGS(c1=0.5, c2=0.1), ValueError, "c1"),
    (lambda: eb.mlp([6, 4, 3], activation=["tanh", "identity"]), TypeError, "activation"),
    (lambda: eb.mlp(None), TypeError, "sizes"),
    (lambda: eb.mlp(4), TypeError, "sizes"),
    (lambda: eb.FunctionObjective(1.0, lambda w: w, n=2), TypeError, "f must be callable"),
])
def test_constructors_validate(make, exc, name):
    with pytest.raises(exc, match=name):
        make()


def test_sdlm_refuses_negative_epochs_and_sgd_refuses_a_list_order():
    X, D = eb.data.two_gaussians(seed=0)
    with pytest.raises(ValueError, match="epochs"):
        eb.train(eb.mlp([2, 1], activation="identity"), X, D, eb.SDLM(eta=0.1), epochs=-1)
    with pytest.raises(TypeError, match="order"):
        eb.train_sgd(eb.mlp([2, 1]), X, D, epochs=1, eta=0.1, order=["sequential"])


# ---- several calls in a row continue one run ---------------------------------------------
def test_inverse_time_schedule_continues_across_calls():
    X, D = eb.data.two_gaussians(seed=0)
    two = eb.mlp([2, 1], activation="identity", seed=0)
    rng = np.random.default_rng(0)           # one stream of presentation orders
    rng_ref = np.random.default_rng(0)
    first = eb.train_sgd(two, X, D, epochs=2, eta=0.1, schedule="inverse_time", tau=50.0,
                         seed=rng, track_cost=True)
    second = eb.train_sgd(two, X, D, epochs=2, eta=0.1, schedule="inverse_time", tau=50.0,
                          seed=rng, resume=first, track_cost=True)
    joined = first + second
    ref = eb.mlp([2, 1], activation="identity", seed=0)
    h_ref = eb.train_sgd(ref, X, D, epochs=4, eta=0.1, schedule="inverse_time", tau=50.0,
                         seed=rng_ref)
    np.testing.assert_allclose(two.params, ref.params, rtol=1e-13)
    np.testing.assert_allclose(joined.eta, h_ref.eta, rtol=1e-13)
    assert joined.epochs == 4 and joined.updates == h_ref.updates and len(joined.cost) == 5


def test_sdlm_resume_continues_the_running_estimate():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity", seed=0)
    h1 = eb.train(net, X, D, eb.SDLM(eta=0.05, n_estimate=50), epochs=2)
    h2 = eb.train(net, X, D, eb.SDLM(eta=0.05, n_estimate=50), epochs=2, resume=h1)
    assert h2.second_derivatives is not None
    fresh = eb.SDLM(eta=0.05, n_estimate=50).estimate(net, X, D, None, np.random.default_rng(0))
    # the resumed estimate mixes in the old one (eq 62), a fresh one does not
    assert not np.allclose(h2.second_derivatives, fresh)
    with pytest.raises(ValueError, match="resume"):
        eb.train(net, X, D, eb.SDLM(eta=0.05), epochs=1, resume=eb.History())


# ---- progress feedback -----------------------------------------------------------------------
def test_progress_line_on_request_and_silent_otherwise(capsys, monkeypatch):
    X, D = eb.data.two_gaussians(seed=0)
    eb.train_sgd(eb.mlp([2, 1]), X, D, epochs=3, eta=0.05, progress=True)
    out = capsys.readouterr().out
    assert "epoch 3/3" in out and out.endswith("\n") and "\r" in out
    eb.train(eb.mlp([2, 1]), X, D, eb.ConjugateGradient(), epochs=3, progress=True)
    assert "iteration" in capsys.readouterr().out
    eb.train(eb.mlp([2, 1]), X, D, eb.SDLM(eta=0.05), epochs=2, progress=True)
    assert "epoch 2/2" in capsys.readouterr().out
    monkeypatch.delenv("EBTRICKS_PROGRESS", raising=False)       # automatic: a quick run
    eb.train_sgd(eb.mlp([2, 1]), X, D, epochs=3, eta=0.05)       # prints nothing
    eb.train_sgd(eb.mlp([2, 1]), X, D, epochs=3, eta=0.05, progress=False)
    assert capsys.readouterr().out == ""


# ---- one return convention for the principal eigenvalue, with its sign -------------------
def test_principal_eigenvalue_estimates_share_one_return_convention_and_keep_the_sign():
    """A net at a point where the Hessian's eigenvalues are -0.596, -0.044 and 0.081: both
    estimates return (value, vector, estimates). The power method finds the eigenvalue of
    largest magnitude with its sign; the running average of eq 64 finds the largest
    positive one (it shrinks psi along negative curvature), and where all are negative
    its estimate is small and negative."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 2))
    D = np.tanh(X[:, :1] - X[:, 1:])
    net = eb.mlp([2, 1], activation="tanh", seed=0)
    w = np.array([0.5, 0.5, 2.0])
    lam = np.linalg.eigvalsh(cv.hessian(net, X, D, w))
    power = cv.principal_eigen(net, X, D, w, iters=500, tol=1e-12)
    online = cv.online_principal_eigenvalue(net, X, D, w, presentations=4000, gamma=0.01)
    for r in (power, online):
        assert isinstance(r, cv.EigenEstimate)
        value, vector, estimates = r
        assert value == estimates[-1] and vector.shape == (net.n_params,)
    assert power.value == pytest.approx(lam[0], rel=1e-6) and lam[0] < 0   # largest |lambda|
    assert online.value == pytest.approx(lam[-1], rel=0.25)                # largest positive
    all_negative = np.array([0.0, 0.0, 3.0])
    assert np.all(np.linalg.eigvalsh(cv.hessian(net, X, D, all_negative)) < 0)
    neg = cv.online_principal_eigenvalue(net, X, D, all_negative, presentations=4000,
                                         gamma=0.01)
    assert -0.01 < neg.value < 0
