"""The claims of §9.2's last part (the paper's Figs 25 and 26: the predicted learning rate
1/lambda_max is "optimal enough"), computed as the page book/predicted_rate computes them,
with the tolerances its tables print.

The 784-30-10 sweep is the page's own (3 seeds, 25 ratios, 20 epochs); the shared-weight
sweep is coarser than the page's (9 ratios instead of 13, the same seeds and epochs), which
keeps the claims and halves the time. No time is asserted."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature, measure

SEEDS = [0, 1, 2]
RATIOS = np.round(10 ** (np.arange(-12, 13) / 12), 3)       # the page's 25 ratios
ONE = int(np.flatnonzero(RATIOS == 1.0)[0])
EXCESS, BEST_LO, BEST_HI = 0.20, 0.5, 2.0                   # the page's margin


@pytest.fixture(scope="module")
def images_labels():
    return eb.data.mnist_5k()


@pytest.fixture(scope="module")
def mlp(images_labels):
    images, labels = images_labels
    train, _ = eb.data.stratified_split(labels, 300, 0, seed=0)
    X = 1.275 * images[train].reshape(300, 784) / 255 - 0.1
    D = eb.data.targets_pm1(labels[train], 10)
    sweep = measure.predicted_rate_sweep(lambda s: eb.mlp([784, 30, 10], seed=s), X, D,
                                         ratios=RATIOS, seeds=SEEDS, epochs=20)
    return dict(X=X, D=D, sweep=sweep, margin=measure.predicted_rate_margin(RATIOS,
                                                                            sweep.final))


@pytest.fixture(scope="module")
def conv(images_labels):
    images, labels = images_labels
    train, _ = eb.data.stratified_split(labels, 1000, 0, seed=0)
    X = 1.275 * eb.data.pad(images[train], 32).reshape(1000, 1024) / 255 - 0.1
    D = eb.data.targets_pm1(labels[train], 10)
    ratios = RATIOS[::3]                                     # 0.1, 0.178, ..., 1, ..., 10
    sweep = measure.predicted_rate_sweep(lambda s: eb.lenet.net_fig24(seed=s), X, D,
                                         ratios=ratios, seeds=SEEDS, epochs=2,
                                         curves=False)
    net = eb.lenet.net_fig24(seed=0)
    ritz = curvature.lanczos(lambda v: curvature.hessian_vector_product(net, X, D, v),
                             net.n_params, k=12, steps=12).values
    return dict(ratios=ratios, sweep=sweep, ritz=ritz,
                margin=measure.predicted_rate_margin(ratios, sweep.final))


def test_grid_is_the_pages():
    assert RATIOS.size == 25 and RATIOS[0] == 0.1 and RATIOS[-1] == 10.0
    assert RATIOS[ONE] == 1.0 and 1.0 in RATIOS[::2] and 1.0 in RATIOS[::3]


# --- "optimal enough": the margin of the page, both networks ------------------------------

def test_mlp_predicted_rate_is_optimal_enough(mlp):
    """Table: 784-30-10, E at ratio 1 <= 20 % above the best; best ratio in 0.5..2."""
    m = mlp["margin"]
    assert 0 <= m.excess <= EXCESS, m
    assert BEST_LO <= m.best_ratio <= BEST_HI, m


def test_shared_weight_predicted_rate_is_optimal_enough(conv):
    """Table: shared weights, the same margin."""
    m = conv["margin"]
    assert 0 <= m.excess <= EXCESS, m
    assert BEST_LO <= m.best_ratio <= BEST_HI, m


def test_mlp_bottom_is_broad(mlp):
    """Prose: every ratio from 1 to 2.61 ends within 20 % of the best mean E."""
    mean = mlp["sweep"].final.mean(axis=1)
    inside = (RATIOS >= 1.0) & (RATIOS <= 2.61)
    assert np.all(mean[inside] <= (1 + EXCESS) * np.nanmin(mean))


def test_shared_weight_bottom_is_flat(conv):
    """Prose: for the shared-weight net every ratio from about 0.5 to 2 ends within 10 %
    of the best mean E."""
    mean = conv["sweep"].final.mean(axis=1)
    inside = (conv["ratios"] >= 0.5) & (conv["ratios"] <= 2.0)
    assert inside.sum() >= 3
    assert np.all(mean[inside] <= 1.10 * np.nanmin(mean))


# --- breakdown relative to eta_max = 2/lambda_max -----------------------------------------

def test_breakdown_only_above_ratio_two(mlp, conv):
    """Table: the smallest breakdown ratio over both nets and all seeds is > 2."""
    for m in (mlp["margin"], conv["margin"]):
        assert np.all(m.breakdown > 2.0), m.breakdown


def test_mlp_learns_at_2_61_and_breaks_down_at_3_16(mlp):
    """Prose: every seed still learns at c = 2.6 and breaks down at c = 3.2; past ratio 3
    the cost jumps by an order of magnitude (at 3.83 the mean is >= 10x the best)."""
    assert np.allclose(mlp["margin"].breakdown, 3.162)
    mean = mlp["sweep"].final.mean(axis=1)
    assert mean[RATIOS == 3.831][0] >= 10 * np.nanmin(mean)


def test_shared_weight_breaks_down_somewhere_on_the_grid(conv):
    """Figure 2: at least one seed breaks down below ratio 10."""
    assert np.isfinite(conv["margin"].breakdown).any()


def test_lambda_max_falls_during_training(mlp):
    """Table: lambda_max (eq 60) at the start over lambda_max after 20 epochs at the
    predicted rate, seed 0: > 2."""
    net = eb.mlp([784, 30, 10], seed=0)
    start = curvature.principal_eigen(net, mlp["X"], mlp["D"])[0]
    eb.train_sgd(net, mlp["X"], mlp["D"], epochs=20, eta=1 / mlp["sweep"].lambdas[0],
                 seed=0)
    after = curvature.principal_eigen(net, mlp["X"], mlp["D"])[0]
    assert start / after > 2


# --- the online estimate against batch values ----------------------------------------------

def test_mlp_online_estimate_matches_power_method(mlp):
    """Table: online (eq 64) vs batch power method (eq 60), every seed within 15 %."""
    for j, s in enumerate(SEEDS):
        batch = curvature.principal_eigen(eb.mlp([784, 30, 10], seed=s), mlp["X"],
                                          mlp["D"])[0]
        assert batch > 0
        assert abs(mlp["sweep"].lambdas[j] / batch - 1) <= 0.15


def test_shared_weight_online_estimate_matches_lanczos(conv):
    """Table: online estimate of seed 0 within 20 % of Lanczos' largest eigenvalue."""
    assert abs(conv["sweep"].lambdas[0] / conv["ritz"][0] - 1) <= 0.20


def test_shared_weight_most_negative_eigenvalue_dominates(conv):
    """Prose: at seed 0's initial weights the eigenvalue of largest magnitude is negative
    (so the power method would return it), larger in magnitude than lambda_max."""
    top, bottom = conv["ritz"][0], conv["ritz"][-1]
    assert top > 0 and bottom < 0 and -bottom > top


def test_shared_weight_counts():
    """Table: 64,638 connections and 1,278 free parameters, exactly."""
    s = eb.lenet.net_fig24().summary()
    assert s["connections"] == 64_638 and s["free_parameters"] == 1_278
    assert s["units"] == [1024, 1568, 392, 400, 100, 10]
