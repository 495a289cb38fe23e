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
        fits[scheme] = dict(
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
    """Table: the raw estimate is asymmetric at every step (> 0)."""
    for s in ("forward", "central"):
        assert page["asymmetry"][s].min() > 0


def test_symmetrising_reduces_the_error_at_every_step(page):
    """Table: largest ratio after/before symmetrising < 1; prose: about a quarter off
    where rounding dominates and on the forward truncation arm, under 15 % on the
    central truncation arm."""
    gain, fits = page["gain"], page["fits"]
    assert max(gain["forward"].max(), gain["central"].max()) < 1
    for s in ("forward", "central"):
        r = gain[s][fits[s]["rounding_mask"]]
        assert 0.65 <= r.min() and r.max() <= 0.85
    t = gain["forward"][fits["forward"]["truncation_mask"]]
    assert 0.6 <= t.min() and t.max() <= 0.85
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
    """Table: best delta and smallest error within a factor 10 of sqrt(eps), eps^(1/3),
    sqrt(eps), eps^(2/3)."""
    f, c = page["fits"]["forward"], page["fits"]["central"]
    for ours, predicted in ((f["delta"], np.sqrt(EPS)), (c["delta"], EPS ** (1 / 3)),
                            (f["error"], np.sqrt(EPS)), (c["error"], EPS ** (2 / 3))):
        assert abs(np.log10(ours / predicted)) <= 1
    # prose: central is about three decades more accurate at its best
    assert 1e2 <= f["error"] / c["error"] <= 1e4


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
    """Prose: the asymmetry traces the same V as the error."""
    for s in ("forward", "central"):
        a, e = page["asymmetry"][s], page["errors"][s]
        assert abs(np.argmin(a) - np.argmin(e)) <= 4          # within one decade
        assert np.all((a / e > 0.3) & (a / e < 3))


def test_numbers_in_the_prose(page):
    """The question: the central best step is hundreds of times the forward one; the
    cost section: the 784-30-10 network has 23,860 weights, 23,861 forward gradients,
    569 million Hessian entries."""
    ratio = page["fits"]["central"]["delta"] / page["fits"]["forward"]["delta"]
    assert 100 <= ratio < 1000
    n = eb.mlp([784, 30, 10]).n_params
    assert n == 23_860
    assert round(n * n / 1e6) == 569
