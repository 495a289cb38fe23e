"""§3 (eqs 2-10), as the page ``book/backprop`` shows it: the page's own NumPy reverse
pass, read from the notebook, gives the gradient that ``net.gradient`` gives and that
central differences estimate, on several random networks and inputs in float64, with the
tolerances the page prints; the multiply-add count the page states; and the page's
self-checks (a right answer passes, a wrong one fails)."""
import json

import numpy as np
import pytest

import ebtricks as eb
from conftest import ROOT
from ebtricks import measure

TOL_PACKAGE = 1e-12        # reverse pass vs net.gradient (same equations, float64)
TOL_FD = 1e-8              # reverse pass vs central differences, h = 1e-6


@pytest.fixture(scope="module")
def reverse_pass():
    """The function ``reverse_pass`` exactly as the page defines it."""
    nb = json.loads((ROOT / "book" / "backprop.ipynb").read_text())
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    (cell,) = [s for s in sources if "def reverse_pass(" in s]
    namespace = {"np": np, "eb": eb}
    exec(cell, namespace)
    return namespace["reverse_pass"]


def _flat(dW, dY):
    return np.concatenate([np.r_[w.ravel(), b] for w, b in zip(dW, dY)])


ARCHITECTURES = [([2, 3, 2], 1), ([3, 4, 3, 2], 0), ([5, 1, 4], 7), ([1, 1], 3),
                 ([4, 6, 6, 6, 3], 11)]


@pytest.mark.parametrize("sizes,seed", ARCHITECTURES)
def test_reverse_pass_is_the_gradient(reverse_pass, sizes, seed):
    rng = np.random.default_rng(seed)
    net = eb.mlp(sizes, seed=seed)
    net.params = net.params + 0.3 * rng.normal(size=net.n_params)   # not the initial point
    for _ in range(3):
        z = rng.normal(size=sizes[0])
        d = rng.choice([-1.0, 1.0], size=sizes[-1])
        X, Y, dX, dY, dW = reverse_pass(net, z, d)
        ours = _flat(dW, dY)
        E_pkg, package = net.gradient(z[None], d[None])
        assert 0.5 * np.sum((d - X[-1]) ** 2) == pytest.approx(E_pkg, rel=1e-13)
        assert np.abs(ours - package).max() <= TOL_PACKAGE
        fd = measure.finite_difference_gradient(net, z[None], d[None], h=1e-6)
        assert np.abs(ours - fd).max() <= TOL_FD
        # the derivative with respect to the input, by differences in z
        h = 1e-6
        dz = [(net.cost(z + h * e, d) - net.cost(z - h * e, d)) / (2 * h)
              for e in np.eye(sizes[0])]
        assert np.abs(dX[0] - dz).max() <= TOL_FD


def test_reverse_pass_averaged_over_a_batch_is_the_batch_gradient(reverse_pass):
    """E is the mean of the E^p, so its gradient is the mean of the per-sample ones (the
    package's matrix-product path for P >= 8)."""
    rng = np.random.default_rng(5)
    net = eb.mlp([3, 4, 3, 2], seed=2)
    Z = rng.normal(size=(20, 3))
    D = rng.choice([-1.0, 1.0], size=(20, 2))
    mean = np.mean([_flat(*reverse_pass(net, z, d)[3:][::-1]) for z, d in zip(Z, D)],
                   axis=0)
    assert net.batched(Z)
    assert np.abs(mean - net.gradient(Z, D)[1]).max() <= TOL_PACKAGE


def test_the_page_network_and_its_step_count(reverse_pass):
    net = eb.mlp([2, 3, 2], seed=1)
    X, Y, dX, dY, dW = reverse_pass(net, np.array([0.5, -1.0]), np.array([1.0, -1.0]))
    assert [len(v) for v in X] == [2, 3, 2] and [w.shape for w in dW] == [(3, 2), (2, 3)]
    from ebtricks.figures.diagrams import backprop_step_count
    assert backprop_step_count(len(net.layers)) == 11


def _count(sizes):
    a = [m * k for m, k in zip(sizes[:-1], sizes[1:])]
    return sum(a), sum(a) + sum(a[1:])


def test_backward_pass_costs_one_to_two_forward_passes():
    """The page's count: backward / forward = 2 - a_1 / sum(a), between 1 and 2; for
    784-30-10 just above 1, for equal layers close to 2."""
    forward, backward = _count([784, 30, 10])
    assert backward / forward == pytest.approx(2 - 784 * 30 / forward, rel=1e-15)
    assert 1.0 < backward / forward < 1.05
    assert round((forward + backward) / forward, 3) == 2.013     # "1 + 1.013 = 2.013"
    forward, backward = _count([50] * 11)
    assert backward / forward == pytest.approx(1.9, rel=1e-12)
    for sizes in ([2, 3, 2], [784, 30, 10], [10, 64, 10]):       # the checks count alike
        assert eb.checks._multiply_adds(sizes) == _count(sizes)


def test_finite_differences_need_two_costs_per_parameter():
    net = eb.mlp([784, 30, 10])
    assert 2 * net.n_params == 47_720


# --- the page's self-checks -----------------------------------------------------------

def test_backward_multiply_adds_check(capsys):
    assert eb.checks.backward_multiply_adds(18, sizes=[2, 3, 2])      # 6 + 6 + 6
    assert not eb.checks.backward_multiply_adds(12, sizes=[2, 3, 2])
    assert not eb.checks.backward_multiply_adds(24, sizes=[2, 3, 2])  # with dE/dX_0 too
    assert eb.checks.backward_multiply_adds(784 * 30 + 2 * 300, sizes=[784, 30, 10])


def test_input_gradient_check(reverse_pass, capsys):
    net = eb.mlp([2, 3, 2], seed=1)
    right = reverse_pass(net, np.array([1.0, 1.0]), np.array([1.0, -1.0]))[2][0]
    assert eb.checks.input_gradient(right, z=(1.0, 1.0))
    assert not eb.checks.input_gradient(right + [0.0, 1e-3], z=(1.0, 1.0))
    assert not eb.checks.input_gradient(right, z=(0.5, -1.0))   # the page's input differs
    with pytest.raises(ValueError, match="answer"):
        eb.checks.input_gradient([1.0, 2.0, 3.0])


def test_finite_difference_passes_check(capsys):
    forward, backward = _count([784, 30, 10])
    ratio = 47_720 * forward / (forward + backward)
    assert eb.checks.finite_difference_passes(47_720, ratio)
    assert not eb.checks.finite_difference_passes(23_860, ratio)
    assert not eb.checks.finite_difference_passes(47_720, ratio / 2)
    with pytest.raises(ValueError, match="sizes"):
        eb.checks.finite_difference_passes(1, 1.0, sizes=[3])
