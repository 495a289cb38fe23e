"""Unit tests of the conjugate-gradient page's helpers (eb.measure.cg_*), each checked
against an independent computation: the textbook linear CG of a quadratic."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks.measure import cg_objective, cg_quadratic, cg_trace


def test_cg_quadratic_spectrum_and_rotation():
    for spread, expect in (("even", np.linspace(0.01, 1, 6)),
                           ("geometric", np.geomspace(0.01, 1, 6))):
        q = cg_quadratic(6, 100.0, spread=spread, seed=3)
        assert np.allclose(q.eigenvalues, expect, rtol=1e-12)
        assert not np.allclose(q.H, np.diag(np.diag(q.H)))     # rotated: coupled weights
    a, b = cg_quadratic(4, 10.0, seed=1), cg_quadratic(4, 10.0, seed=1)
    assert np.array_equal(a.H, b.H) and np.array_equal(a.minimum, b.minimum)


def test_cg_quadratic_bad_input():
    with pytest.raises(ValueError, match="kappa"):
        cg_quadratic(3, 0.5)
    with pytest.raises(ValueError, match="spread"):
        cg_quadratic(3, 10.0, spread="random")
    with pytest.raises(ValueError, match="n"):
        cg_quadratic(0, 10.0)
    with pytest.raises(TypeError, match="quadratic"):
        cg_objective(np.eye(2))


def _linear_cg(H, b, steps):
    """Textbook linear CG for H w = b from 0: exact step along d, Polak-Ribiere beta."""
    w = np.zeros(len(b)); g = -b; d = -g; etas, betas = [], [0.0]
    for _ in range(steps):
        eta = -(g @ d) / (d @ H @ d)
        w = w + eta * d; g_new = H @ w - b
        betas.append((g_new - g) @ g_new / (g @ g))
        d = -g_new + betas[-1] * d; g = g_new; etas.append(eta)
    return np.array(etas), np.array(betas[:steps])


def test_cg_trace_matches_linear_cg_and_momentum_form():
    q = cg_quadratic(8, 50.0, seed=2)
    obj = cg_objective(q)
    tr = cg_trace(obj, np.zeros(8), iterations=6)
    eta, beta = _linear_cg(q.H, q.H @ q.minimum, 6)
    assert np.allclose(tr["eta"], eta, rtol=1e-7)
    assert np.allclose(tr["beta"], beta, rtol=1e-6, atol=1e-12)
    W, G = tr["weights"], tr["gradients"]
    assert np.allclose(G, [q.gradient(w) for w in W], atol=1e-12)
    # the momentum form with eta_t and mu_t retraces the run
    w, step = W[0].copy(), np.zeros(8)
    for t in range(6):
        step = -tr["eta"][t] * G[t] + tr["mu"][t] * step
        w = w + step
        assert np.allclose(w, W[t + 1], atol=1e-10)
    # conjugate directions: d_i^T H d_j = 0 for i != j
    D = tr["directions"]
    M = D @ q.H @ D.T
    scale = np.sqrt(np.outer(np.diag(M), np.diag(M)))
    assert np.abs((M / scale)[~np.eye(6, dtype=bool)]).max() < 1e-6


def test_cg_trace_restart_gives_steepest_descent_and_stops_cleanly():
    q = cg_quadratic(3, 20.0, seed=0)
    tr = cg_trace(cg_objective(q), np.zeros(3), eb.ConjugateGradient(restart=1),
                  iterations=5)
    assert np.all(tr["beta"] == 0) and np.all(tr["mu"] == 0)
    assert np.allclose(tr["directions"], -tr["gradients"][:-1])
    # at the minimum the gradient is 0: tol stops before any step
    tr0 = cg_trace(cg_objective(q), q.minimum, iterations=5, tol=1e-12)
    assert tr0["eta"].size == 0 and tr0["weights"].shape == (1, 3)
    with pytest.raises(TypeError, match="method"):
        cg_trace(cg_objective(q), np.zeros(3), eb.BFGS())
    with pytest.raises(ValueError, match="w0"):
        cg_trace(cg_objective(q), np.zeros(2))


def test_cg_self_checks_accept_the_right_answer_only(capsys):
    assert eb.checks.cg_one_step_angles(50, 140)
    assert eb.checks.cg_one_step_angles(120, 30, rotation_deg=30)
    assert not eb.checks.cg_one_step_angles(50, 100)
    assert eb.checks.cg_first_step(17 / 65, 144 / 4225)       # worked by hand
    assert not eb.checks.cg_first_step(17 / 65, 1.0)
    assert eb.checks.cg_distinct_eigenvalue_steps(3)
    assert eb.checks.cg_distinct_eigenvalue_steps(7, distinct=7, n=30)
    assert not eb.checks.cg_distinct_eigenvalue_steps(50)
    with pytest.raises(ValueError, match="distinct"):
        eb.checks.cg_distinct_eigenvalue_steps(3, distinct=60)
    with pytest.raises(ValueError, match="kappa"):
        eb.checks.cg_one_step_angles(0, 90, kappa=1.0)


def test_conjugate_gradient_docstring_n_step_claim():
    """The docstring of eb.ConjugateGradient: N + 1 steps in float64 on evenly spread
    spectra, more when the eigenvalues crowd at one end (log spacing, large kappa)."""
    def steps(q):
        n = len(q.minimum)
        _, h = eb.minimize(cg_objective(q), np.zeros(n), eb.ConjugateGradient(),
                           iterations=3 * n, record_weights=True)
        d = np.linalg.norm(h.weights - q.minimum, axis=1) / np.linalg.norm(q.minimum)
        return int(np.argmax(d <= 1e-8)) if (d <= 1e-8).any() else np.inf

    assert steps(cg_quadratic(20, 1e3, "even", 0)) <= 21
    assert 25 <= steps(cg_quadratic(20, 1e3, "geometric", 0)) <= 35
