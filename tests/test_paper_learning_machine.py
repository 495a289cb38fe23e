"""§2 and eq (10), as the page ``book/learning_machine`` measures them on its 2-3-1
machine: the per-sample cost is eq (1), E is their mean, one step of eq (10) lowers E;
with the tolerances the page prints. Also the page's self-checks (a right answer passes,
a wrong one fails)."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure


@pytest.fixture(scope="module")
def machine():
    Z, D = eb.data.two_gaussians(n=100, seed=0)
    return eb.mlp([2, 3, 1], seed=0), Z, D


def test_sample_costs_are_eq1(machine):
    net, Z, D = machine
    by_hand = 0.5 * ((D - net.forward(Z)) ** 2).sum(axis=1)
    assert np.abs(net.sample_costs(Z, D) - by_hand).max() <= 1e-12


def test_cost_is_the_mean_of_the_sample_costs(machine):
    net, Z, D = machine
    assert abs(net.cost(Z, D) - net.sample_costs(Z, D).mean()) <= 1e-12


def test_one_step_of_eq10_lowers_the_cost(machine):
    net, Z, D = machine
    E, grad = net.gradient(Z, D)
    assert net.cost(Z, D, params=net.params - 0.1 * grad) - E < 0


def test_the_single_unit_has_an_interior_minimum_in_w2():
    """Figure 2's curve (and the check machine_best_weight) has its minimum inside the
    slider's range, w2 from -1.2 to 3.6."""
    Z, D = eb.data.two_gaussians(n=100, seed=0)
    unit = eb.mlp([2, 1], seed=0)
    w = np.linspace(-1.2, 3.6, 193)
    E = []
    for v in w:
        p = unit.params.copy()
        p[1] = v
        E.append(unit.cost(Z, D, p))
    k = int(np.argmin(E))
    assert 0 < k < len(w) - 1 and 0.8 < w[k] < 1.4


# --- the page's self-checks -----------------------------------------------------------

def test_machine_best_weight_check(capsys):
    Z, D = eb.data.two_gaussians(n=100, seed=0)
    unit = eb.mlp([2, 1], seed=0)

    def slope(v):                                   # dE/dw2 by backprop
        p = unit.params.copy()
        p[1] = v
        return unit.gradient(Z, D, p)[1][1]

    lo, hi = 0.0, 3.0                               # slope < 0 at lo, > 0 at hi
    assert slope(lo) < 0 < slope(hi)
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if slope(mid) < 0 else (lo, mid)
    assert eb.checks.machine_best_weight(lo)
    assert eb.checks.machine_best_weight(lo + 0.008)
    assert not eb.checks.machine_best_weight(lo + 0.05)
    assert not eb.checks.machine_best_weight(-0.6)


def test_first_order_change_check(machine, capsys):
    net, Z, D = machine
    g = net.gradient(Z, D)[1]
    assert eb.checks.first_order_change(-0.1 * g @ g)
    assert eb.checks.first_order_change(-0.05 * g @ g, eta=0.05)
    E = net.cost(Z, D)
    true_change = net.cost(Z, D, params=net.params - 0.1 * g) - E
    assert not eb.checks.first_order_change(true_change)   # the first-order one differs
    assert not eb.checks.first_order_change(0.1 * g @ g)


def test_output_derivative_check(machine, capsys):
    net, Z, D = machine
    y = net.forward(Z[0])[0, 0]
    assert eb.checks.output_derivative(y - D[0, 0])
    assert not eb.checks.output_derivative(D[0, 0] - y)
    assert eb.checks.output_derivative(net.forward(Z[7])[0, 0] - D[7, 0], p=7)
    with pytest.raises(ValueError, match="p must"):
        eb.checks.output_derivative(0.0, p=100)


def test_finite_difference_gradient_matches_backprop(machine):
    net, Z, D = machine
    assert np.abs(measure.finite_difference_gradient(net, Z, D)
                  - net.gradient(Z, D)[1]).max() <= 1e-8
