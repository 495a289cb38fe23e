"""Unit tests for what the page book/finite_differences added to ebtricks: the keyword
options of curvature.hessian_fd, measure.fd_sweep and fd_gradient_count, the plot helper
fd_error_map and the page's self-checks."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def small():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 3, 1])
    return net, X, D, cv.hessian(net, X, D)


def _reference_central(net, X, D, h):
    """The function as it was before the options were added (central, symmetrised)."""
    w = net.params
    n = net.n_params
    H = np.empty((n, n))
    wp = w.copy()
    for k in range(n):
        wp[k] = w[k] + h
        gp = net.gradient(X, D, wp)[1]
        wp[k] = w[k] - h
        gm = net.gradient(X, D, wp)[1]
        wp[k] = w[k]
        H[:, k] = (gp - gm) / (2 * h)
    return 0.5 * (H + H.T)


@pytest.mark.parametrize("h", [1e-5, 1e-3, 3e-8])
def test_default_is_bit_identical_to_the_old_function(small, h):
    net, X, D, _ = small
    old = _reference_central(net, X, D, h)
    assert np.array_equal(cv.hessian_fd(net, X, D, h=h), old)
    assert np.array_equal(cv.hessian_fd(net, X, D, h=h, scheme="central",
                                        symmetrise=True), old)


def test_forward_and_central_against_the_exact_hessian(small):
    net, X, D, H = small
    scale = np.abs(H).max()
    fwd = cv.hessian_fd(net, X, D, h=1e-7, scheme="forward", symmetrise=False)
    cen = cv.hessian_fd(net, X, D, h=1e-5, symmetrise=False)
    assert np.abs(fwd - H).max() < 1e-5 * scale
    assert np.abs(cen - H).max() < 1e-8 * scale
    # truncation: forward error O(h), central O(h^2), measured at two large steps
    e = {h: np.linalg.norm(cv.hessian_fd(net, X, D, h=h, scheme="forward") - H)
         for h in (1e-2, 1e-3)}
    assert e[1e-2] / e[1e-3] == pytest.approx(10, rel=0.1)
    e = {h: np.linalg.norm(cv.hessian_fd(net, X, D, h=h) - H) for h in (1e-2, 1e-3)}
    assert e[1e-2] / e[1e-3] == pytest.approx(100, rel=0.1)


def test_forward_on_a_quadratic_is_exact_to_rounding():
    """An LMS network's cost is quadratic: forward differences have no truncation error
    and equal the exact Hessian (the inputs' second moment, eq 29) to rounding."""
    X, D = eb.data.two_gaussians(seed=0)
    lin = eb.mlp([2, 1], activation="identity")
    Hf = cv.hessian_fd(lin, X, D, h=1e-3, scheme="forward", symmetrise=False)
    assert np.allclose(Hf, cv.hessian(lin, X, D), atol=1e-10)


def test_symmetrise_option(small):
    net, X, D, H = small
    raw = cv.hessian_fd(net, X, D, h=1e-3, scheme="forward", symmetrise=False)
    sym = cv.hessian_fd(net, X, D, h=1e-3, scheme="forward")
    assert not np.array_equal(raw, raw.T)
    assert np.array_equal(sym, 0.5 * (raw + raw.T))
    assert np.linalg.norm(sym - H) < np.linalg.norm(raw - H)


def test_hessian_fd_rejects_bad_options(small):
    net, X, D, _ = small
    with pytest.raises(ValueError, match="scheme"):
        cv.hessian_fd(net, X, D, scheme="backward")
    with pytest.raises(TypeError, match="symmetrise"):
        cv.hessian_fd(net, X, D, symmetrise="yes")
    with pytest.raises(ValueError, match="h"):
        cv.hessian_fd(net, X, D, h=0.0)
    with pytest.raises(TypeError):
        cv.hessian_fd(net, X, D, None, 1e-5, "forward")      # keyword only


def test_fd_sweep(small):
    net, X, D, _ = small
    deltas = [1e-6, 1e-4]
    s = eb.measure.fd_sweep(net, X, D, deltas)
    assert set(s) == {"forward", "central"}
    for scheme, est in s.items():
        assert est.shape == (2, net.n_params, net.n_params)
        for d, A in zip(deltas, est):
            assert np.array_equal(A, cv.hessian_fd(net, X, D, h=d, scheme=scheme,
                                                   symmetrise=False))
    for bad in ([], [1e-5, 0.0], [-1e-3]):
        with pytest.raises(ValueError, match="deltas"):
            eb.measure.fd_sweep(net, X, D, bad)


def test_fd_gradient_count(small):
    net, X, D, _ = small
    n = net.n_params
    assert eb.measure.fd_gradient_count(net, X, D, "forward") == n + 1
    assert eb.measure.fd_gradient_count(net, X, D, "central") == 2 * n
    assert "gradient" not in vars(net)          # the wrapper is gone
    with pytest.raises(ValueError, match="scheme"):
        eb.measure.fd_gradient_count(net, X, D, "both")
    with pytest.raises(ValueError, match="h"):
        eb.measure.fd_gradient_count(net, X, D, "forward", h=-1.0)
    assert "gradient" not in vars(net)          # restored after an error too


def test_fd_error_map(small):
    from ebtricks.figures import subplots
    from ebtricks.figures.plots import fd_error_map

    net, X, D, H = small
    fig, ax = subplots(1, 1)
    A = H.copy()
    A[0, 1] += 1e-3
    image = fd_error_map(ax, A, H, title="t")
    data = image.get_array()
    assert data.shape == H.shape
    assert data[0, 1] == pytest.approx(1e-3)
    assert data[1, 0] == pytest.approx(1e-14)                 # clipped to vmin
    assert ax.get_title() == "t"
    assert image.get_cmap().N == 26                   # half-decade bands over 1e-14..1e-1


def test_checks(capsys):
    ch = eb.checks
    assert ch.fd_float32_best_step(3e-4)
    assert not ch.fd_float32_best_step(1e-7)
    assert not ch.fd_float32_best_step(1e-1)
    n = eb.mlp([256, 128, 64, 10]).n_params
    assert n == 256 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
    assert ch.fd_gradient_total(2 * n, sizes=(256, 128, 64, 10))
    assert ch.fd_gradient_total(n + 1, sizes=(256, 128, 64, 10), scheme="forward")
    assert not ch.fd_gradient_total(n, sizes=(256, 128, 64, 10))
    assert ch.fd_asymmetry_by_hand(0.1)
    assert ch.fd_asymmetry_by_hand(0.5, delta=0.5)
    assert not ch.fd_asymmetry_by_hand(-0.1)
    assert not ch.fd_asymmetry_by_hand(0.0)
    with pytest.raises(ValueError, match="answer"):
        ch.fd_float32_best_step(-1.0)
    with pytest.raises(ValueError, match="scheme"):
        ch.fd_gradient_total(10, scheme="x")
    capsys.readouterr()
