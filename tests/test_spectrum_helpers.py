"""Unit tests of the helpers added for the page book/spectrum (§8)."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure
from ebtricks.figures import plots, subplots

matplotlib.use("Agg")


def test_spectrum_digits_shapes_and_preparation():
    X, D, labels = measure.spectrum_digits("raw", "mse", n=100)
    assert X.shape == (100, 256) and D.shape == (100, 10)
    assert X.min() >= 0 and X.max() <= 1 and 0.05 < X.mean() < 0.3
    assert np.array_equal(np.bincount(labels), np.full(10, 10))
    assert set(np.unique(D)) == {-1.0, 1.0}
    assert np.array_equal(D.argmax(1), labels)
    Xc, Dc, labels_c = measure.spectrum_digits("centred", "softmax_ce", n=100)
    assert np.array_equal(labels, labels_c)
    assert np.allclose(Xc.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(Dc.sum(axis=1), 1) and set(np.unique(Dc)) == {0.0, 1.0}


def test_spectrum_digits_returns_copies():
    X, _, labels = measure.spectrum_digits("raw", n=50)
    X[:] = -5.0
    labels[:] = 99
    X2, _, labels2 = measure.spectrum_digits("raw", n=50)
    assert X2.min() >= 0 and labels2.max() <= 9


@pytest.mark.parametrize("kwargs", [dict(inputs="white"), dict(loss="ce"), dict(n=15),
                                    dict(n=5010), dict(n=0)])
def test_spectrum_digits_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        measure.spectrum_digits(**kwargs)


def test_spectrum_top_matches_dense_hessian():
    X, D, _ = measure.spectrum_digits("centred", n=40)
    net = eb.mlp([256, 2, 10], seed=1)          # 544 weights: the dense H is cheap
    lam = eb.curvature.hessian_spectrum(net, X[:, :], D)
    top = measure.spectrum_top(net, X, D, k=5, steps=80)
    assert np.allclose(top, lam[:5], rtol=1e-8)
    other = net.params + 0.1
    assert np.allclose(measure.spectrum_top(net, X, D, k=2, steps=80, params=other),
                       eb.curvature.hessian_spectrum(net, X, D, params=other)[:2],
                       rtol=1e-8)


def test_spectrum_top_rejects_bad_arguments():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity")
    with pytest.raises(ValueError, match="k"):
        measure.spectrum_top(net, X, D, k=5, steps=3)
    with pytest.raises(ValueError, match="steps"):
        measure.spectrum_top(net, X, D, k=1, steps=0)
    with pytest.raises(TypeError, match="net"):
        measure.spectrum_top("net", X, D)


def test_spectrum_ratio_curve():
    r = measure.spectrum_ratio_curve([2.0, -1.0, 8.0, 4.0, 0.0], k_max=4)
    assert r[:3].tolist() == [1.0, 2.0, 4.0] and np.isnan(r[3])
    assert measure.spectrum_ratio_curve([3.0, 1.0]).tolist() == [1.0, 3.0]
    with pytest.raises(ValueError, match="largest"):
        measure.spectrum_ratio_curve([-1.0, -2.0])
    with pytest.raises(ValueError, match="k_max"):
        measure.spectrum_ratio_curve([1.0, 2.0], k_max=3)


def test_drawing_helpers():
    lam = np.r_[np.linspace(30, 0.01, 50), -np.linspace(0.001, 2, 10)]
    spectra = {"at initialisation": lam, "after training": lam / 2}
    fig, ax = subplots()
    plots.spectrum_signed(ax, spectra)
    assert ax.get_yscale() == "symlog" and len(ax.lines) >= 4
    fig, ax = subplots()
    edges = plots.spectrum_histogram(ax, lam, bins=12)
    heights = [p.get_height() for p in ax.patches]
    assert len(edges) == 13 and sum(h for h in heights if h > 0) == 50
    assert -sum(h for h in heights if h < 0) == 10
    fig, (a, b) = subplots(1, 2)
    plots.spectrum_ratio_frame(b, spectra, 11, k_max=40, ax_top=a)
    assert r"$\lambda_1/\lambda_{11}$ = " in b.get_legend().get_texts()[0].get_text()
    assert a.get_yscale() == "log" and len(a.lines) == 5
    fig, ax = subplots()
    plots.spectrum_ratio_frame(ax, spectra, 20)
    assert np.isclose(ax.lines[1].get_ydata()[0], 30 / lam[19])


def test_linear_ratio_check(capsys):
    answers = {}
    for name in ("raw", "centred"):
        X, _, _ = measure.spectrum_digits(name)
        Xt = np.hstack([X, np.ones((len(X), 1))])
        lam = np.linalg.eigvalsh(Xt.T @ Xt / len(X))[::-1]
        answers[name] = lam[0] / lam[1]
    assert answers["raw"] > 5 * answers["centred"]
    assert eb.checks.spectrum_linear_ratios(answers["raw"], answers["centred"])
    assert not eb.checks.spectrum_linear_ratios(answers["raw"] * 1.1, answers["centred"])
    assert "✘ raw" in capsys.readouterr().out
    with pytest.raises(ValueError, match="raw"):
        eb.checks.spectrum_linear_ratios(float("nan"), 1.0)


def test_k_past_eight_check_rejects_bad_input():
    with pytest.raises(ValueError, match="answer"):
        eb.checks.spectrum_k_past_eight(float("inf"))
    with pytest.raises(ValueError, match="ratio"):
        eb.checks.spectrum_k_past_eight(3, ratio=-1.0)
