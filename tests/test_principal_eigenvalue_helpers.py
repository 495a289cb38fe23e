"""The helpers of the page book/principal_eigenvalue: eb.measure.principal_settle, its
self-checks and its drawings."""
import matplotlib
import numpy as np
import pytest

import ebtricks as eb

matplotlib.use("Agg")


def test_settle_counts_from_the_last_exit():
    settle = eb.measure.principal_settle
    assert settle([1.0, 5.0, 20.0, 2.0, 4.0, 5.0], reference=5.0) == 4.0
    assert settle([5.0, 5.0, 5.0], reference=5.0) == 1.0
    assert settle([5.0, 5.0, 1.0], reference=5.0) == float("inf")
    # the band is closed: the edges count as inside
    assert settle([0.1, 5.0 / 3, 15.0], reference=5.0) == 2.0
    # a negative estimate (the sign of a negative Rayleigh quotient) is outside
    assert settle([-5.0, 5.0], reference=5.0) == 2.0
    # a wider band admits more
    assert settle([1.0, 2.0, 5.0], reference=5.0, factor=10.0) == 1.0


def test_settle_on_a_decaying_error_matches_the_formula():
    t = np.arange(1, 201)
    est = 10.0 * (1 + 8 * 0.95 ** t)              # from 9x too big down to 10
    # inside when 1 + 8 * 0.95^t <= 3, i.e. t >= log(1/4) / log(0.95)
    expected = np.ceil(np.log(0.25) / np.log(0.95))
    assert eb.measure.principal_settle(est, 10.0) == expected


@pytest.mark.parametrize("kwargs, word", [
    (dict(estimates=[], reference=1.0), "empty"),
    (dict(estimates=[[1.0]], reference=1.0), "estimates"),
    (dict(estimates=[1.0], reference=0.0), "reference"),
    (dict(estimates=[1.0], reference=1.0, factor=1.0), "factor"),
    (dict(estimates=[1.0], reference=1.0, factor=-2.0), "factor"),
])
def test_settle_rejects_bad_input(kwargs, word):
    with pytest.raises(ValueError, match=word):
        eb.measure.principal_settle(**kwargs)


def test_spread_factor_check(capsys):
    assert eb.checks.principal_spread_factor(2.0)
    assert not eb.checks.principal_spread_factor(4.0)     # the variance's factor
    assert not eb.checks.principal_spread_factor(np.sqrt(2))   # the square root of 2
    assert "Hint" in capsys.readouterr().out
    with pytest.raises(ValueError, match="ratio"):
        eb.checks.principal_spread_factor(2.0, ratio=0.5)


def test_which_eigenvalue_check():
    assert eb.checks.principal_which_eigenvalue(-5, 5, 2)
    assert not eb.checks.principal_which_eigenvalue(2, 5, 2)     # power: largest magnitude
    assert not eb.checks.principal_which_eigenvalue(-5, -5, 2)   # a norm has no sign
    assert not eb.checks.principal_which_eigenvalue(-5, 5, 5)    # eq 64: largest positive
    assert not eb.checks.principal_which_eigenvalue(-5, 5, -5)   # gamma 0.05 is small
    # above its bound 2 * 2 / (2 + 5) = 0.57 the running average flips along -5, with
    # ||psi|| = gamma 5 / (2 - gamma): the check runs the iteration, so it knows
    assert eb.checks.principal_which_eigenvalue(-5, 5, 0.8 * 5 / 1.2, gamma=0.8)
    assert eb.checks.principal_which_eigenvalue(3, 3, 3, diagonal=(3.0, -1.0, 0.5))
    with pytest.raises(ValueError, match="gamma"):
        eb.checks.principal_which_eigenvalue(-5, 5, 2, gamma=1.5)


def test_safe_factor_check():
    assert eb.checks.principal_safe_factor(2.0)
    assert not eb.checks.principal_safe_factor(3.0)      # the bottom of the band diverges
    assert not eb.checks.principal_safe_factor(0.5)      # the rate's factor, inverted
    assert not eb.checks.principal_safe_factor(1.0)
    with pytest.raises(ValueError, match="answer"):
        eb.checks.principal_safe_factor(-1.0)


def test_drawings_run():
    from ebtricks.figures import plots, subplots

    est = 100 * (1 + np.random.default_rng(0).standard_normal(50) * 0.1)
    fig, (a, b, c) = subplots(1, 3)
    plots.principal_online_curves(a, {"x": est, "y": -est}, 100.0, highlight="x",
                                  settle=10)
    assert a.get_yscale() == "log" and len(a.lines) >= 3
    plots.principal_settle_against(b, [0.01, 0.02, 0.03], [[np.inf, 80, 20]], 0.02,
                                   xlabel="γ", limit=300)
    plots.principal_power_runs(c, {"power": [1, -2, 3]}, 3.0, -2.0)
    assert b.get_ylim()[1] > 300 and len(c.lines) >= 4
