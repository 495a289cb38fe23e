"""The numbers of §7.1 (the Hessian by finite differences), computed as the page
book/finite_differences computes them, with the tolerances its table prints, and every
claim its prose makes about them."""
import numpy as np
import pytest

import ebtricks as eb

EPS = np.finfo(float).eps
DELTAS = 10.0 ** np.arange(-13, -0.99, 0.25)      # the page's sweep


@pytest.fixture(scope="module")
def page():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 5, 1])
    H = eb.curvature.hessian(net, X, D)
    sweep = eb.measure.fd_sweep(net, X, D, DELTAS)

    def rel_error(A):
        return np.linalg.norm(A - H) / np.linalg.norm(H)

    errors = {s: np.array([rel_error(A) for A in est]) for s, est in sweep.items()}
    fits = {}
    for scheme, err in errors.items():
        best = np.argmin(err)
        logd, loge = np.log10(DELTAS), np.log10(err)
        rounding, truncation = DELTAS < DELTAS[best] / 30, DELTAS > DELTAS[best] * 30
        p = 1 if scheme == "forward" else 2
        fits[scheme] = dict(
            a=np.median(err[truncation] / DELTAS[truncation] ** p),
            b=np.median(err[rounding] * DELTAS[rounding] / EPS),
            delta=DELTAS[best], error=err[best], rounding_mask=rounding,
            truncation_mask=truncation,
            rounding=np.polyfit(logd[rounding], loge[rounding], 1)[0],
            truncation=np.polyfit(logd[truncation], loge[truncation], 1)[0])
    asymmetry = {s: np.array([np.linalg.norm(A - A.T) / np.linalg.norm(A) for A in est])
                 for s, est in sweep.items()}
    gain = {s: np.array([rel_error((A + A.T) / 2) for A in est]) / errors[s]
            for s, est in sweep.items()}
    return dict(X=X, D=D, net=net, H=H, sweep=sweep, errors=errors, fits=fits,
                asymmetry=asymmetry, gain=gain)


def test_recipe_by_hand_is_hessian_fd_bit_for_bit(page):
    net, X, D = page["net"], page["X"], page["D"]
    w = net.params

    def grad(v):
        return net.gradient(X, D, v)[1]

    for scheme in ("forward", "central"):
        cols = []
        for k in range(net.n_params):
            e = np.zeros(net.n_params)
            e[k] = 1e-8
            cols.append((grad(w + e) - grad(w)) / 1e-8 if scheme == "forward"
                        else (grad(w + e) - grad(w - e)) / (2 * 1e-8))
        package = eb.curvature.hessian_fd(net, X, D, h=1e-8, scheme=scheme,
                                          symmetrise=False)
        assert np.array_equal(np.column_stack(cols), package)


def test_gradient_counts(page):
    """Table: N + 1 (the paper's recipe) and 2N gradients, counted (exact)."""
    net, X, D = page["net"], page["X"], page["D"]
    N = net.n_params
    assert N == 21
    assert eb.measure.fd_gradient_count(net, X, D, "forward") == N + 1
    assert eb.measure.fd_gradient_count(net, X, D, "central") == 2 * N


def test_not_perfectly_symmetric(page):
    """Table: the raw estimate is asymmetric at every step, both schemes (> 0)."""
    for s in ("forward", "central"):
        assert page["asymmetry"][s].min() > 0


def test_symmetrising_reduces_the_error_at_every_step(page):
    """Table: largest ratio after/before symmetrising < 1; prose: a quarter to a third
    off where rounding dominates, as much on the forward truncation arm, under 15 % on
    the central truncation arm."""
    gain, fits = page["gain"], page["fits"]
    assert max(gain["forward"].max(), gain["central"].max()) < 1
    for s in ("forward", "central"):
        r = gain[s][fits[s]["rounding_mask"]]
        assert 0.65 <= r.min() and r.max() <= 0.8
    t = gain["forward"][fits["forward"]["truncation_mask"]]
    assert 0.65 <= t.min() and t.max() <= 0.8
    t = gain["central"][fits["central"]["truncation_mask"]]
    assert 0.85 < t.min() and t.max() < 1


def test_pythagoras_of_the_error_split(page):
    """Table: ||Delta||^2 = ||Delta_s||^2 + ||Delta_a||^2, to 1e-4 relative (rounding of H and of the products)."""
    H = page["H"]
    worst = 0.0
    for est in page["sweep"].values():
        for A in est:
            parts = [np.linalg.norm(B) ** 2
                     for B in (A - H, (A + A.T) / 2 - H, (A - A.T) / 2)]
            worst = max(worst, abs(parts[0] - parts[1] - parts[2]) / parts[0])
    assert worst < 1e-4


def test_best_steps_and_errors_match_the_textbook(page):
    """Table: best delta and smallest error within a factor 3 of sqrt(eps), eps^(1/3),
    sqrt(eps), eps^(2/3); text below the table: within about a factor of two."""
    f, c = page["fits"]["forward"], page["fits"]["central"]
    for ours, predicted in ((f["delta"], np.sqrt(EPS)), (c["delta"], EPS ** (1 / 3)),
                            (f["error"], np.sqrt(EPS)), (c["error"], EPS ** (2 / 3))):
        assert abs(np.log10(ours / predicted)) <= np.log10(3)
        assert abs(np.log10(ours / predicted)) <= np.log10(2.2)
    # prose: central is about three decades more accurate at its best
    assert 1e2 <= f["error"] / c["error"] <= 1e4


def test_constants_of_the_two_arms(page):
    """Prose: a ~ 1.7, b ~ 1.0 (forward), a ~ 1.0, b ~ 0.5 (central); with them
    sqrt(b eps / a) and (b eps / 2a)^(1/3) put the bottoms at 1.1e-8 and 3.8e-6, each
    within a quarter decade of the measured best step."""
    f, c = page["fits"]["forward"], page["fits"]["central"]
    assert round(f["a"], 1) == 1.7 and round(f["b"], 1) == 1.0
    assert round(c["a"], 1) == 1.0 and round(c["b"], 1) == 0.5
    pf, pc = np.sqrt(f["b"] * EPS / f["a"]), (c["b"] * EPS / (2 * c["a"])) ** (1 / 3)
    assert round(pf * 1e8, 1) == 1.1 and round(pc * 1e6, 1) == 3.8
    assert abs(np.log10(f["delta"] / pf)) <= 0.25 + 1e-9
    assert abs(np.log10(c["delta"] / pc)) <= 0.25 + 1e-9


def test_truncation_constants_are_the_taylor_terms(page):
    """Prose: a measures the third (forward) or fourth (central) derivatives relative to
    H: the fitted a is |d3E/dw dwk^2| / 2|H| and |d4E/dw dwk^3| / 6|H| (Frobenius),
    from exact Hessians at nudged weights, to 2 %."""
    net, X, D, H = page["net"], page["X"], page["D"], page["H"]
    w, n, h = net.params.copy(), net.n_params, 1e-3
    T, Q = np.empty((n, n)), np.empty((n, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = h
        hp = eb.curvature.hessian(net, X, D, w + e)[:, k]
        hm = eb.curvature.hessian(net, X, D, w - e)[:, k]
        T[:, k] = (hp - hm) / (2 * h)                      # d3E / dw dwk^2
        Q[:, k] = (hp - 2 * H[:, k] + hm) / h ** 2         # d4E / dw dwk^3
    norm = np.linalg.norm(H)
    assert page["fits"]["forward"]["a"] == pytest.approx(np.linalg.norm(T) / (2 * norm),
                                                         rel=0.02)
    assert page["fits"]["central"]["a"] == pytest.approx(np.linalg.norm(Q) / (6 * norm),
                                                         rel=0.02)


def test_slopes_of_the_two_arms(page):
    """Table: truncation slopes 1 and 2 (+- 0.1), rounding slopes -1 (+- 0.15)."""
    f, c = page["fits"]["forward"], page["fits"]["central"]
    assert f["truncation"] == pytest.approx(1.0, abs=0.1)
    assert c["truncation"] == pytest.approx(2.0, abs=0.1)
    assert f["rounding"] == pytest.approx(-1.0, abs=0.15)
    assert c["rounding"] == pytest.approx(-1.0, abs=0.15)


def test_rounding_arms_run_parallel_central_lower(page):
    """Prose: on the rounding side the central curve lies below the forward one (it
    divides by 2 delta), by a roughly constant factor."""
    both = page["fits"]["forward"]["rounding_mask"] & page["fits"]["central"]["rounding_mask"]
    ratio = page["errors"]["forward"][both] / page["errors"]["central"][both]
    assert both.sum() >= 8
    assert 1.3 <= np.median(ratio) <= 3.5


def test_asymmetry_traces_the_error(page):
    """Prose: the asymmetry traces the same V as the error, within about a factor 1.5;
    half of it, ||Delta_a||, never exceeds ||Delta||."""
    H = page["H"]
    for s in ("forward", "central"):
        a, e = page["asymmetry"][s], page["errors"][s]
        assert abs(np.argmin(a) - np.argmin(e)) <= 4          # within one decade
        assert np.all((a / e > 1 / 1.6) & (a / e < 1.6))      # measured 0.79 to 1.46
        for A in page["sweep"][s]:
            assert np.linalg.norm(A - A.T) / 2 <= np.linalg.norm(A - H)


def test_numbers_in_the_prose(page):
    """The question: the central best step is hundreds of times the forward one; the
    cost section: the 784-30-10 network has 23,860 weights, 23,861 forward gradients,
    569 million Hessian entries."""
    ratio = page["fits"]["central"]["delta"] / page["fits"]["forward"]["delta"]
    assert 100 <= ratio < 1000
    n = eb.mlp([784, 30, 10]).n_params
    assert n == 23_860
    assert round(n * n / 1e6) == 569
