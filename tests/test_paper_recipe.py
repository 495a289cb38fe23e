"""The claims of the page ``book/recipe`` (§10: the recipe run end to end, and each trick
removed in turn), on the page's data, network, seeds and budget, held to the tolerances
the page prints. The experiment is the page's own (300 MNIST digits, 784-30-10, five
seeds, 24 epochs); the runs are deterministic, so "every seed" is checked as printed."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure

SEEDS, EPOCHS = range(5), 24


@pytest.fixture(scope="module")
def runs():
    images, labels = eb.data.mnist_5k()
    train, test = eb.data.stratified_split(labels, n_train=300, n_test=500, seed=0)
    train = train[np.argsort(labels[train], kind="stable")]
    pixels = images.reshape(-1, 784) / 255

    def inputs(steps):
        T = eb.InputTransform(steps).fit(pixels[train])
        return T.transform(pixels[train]), T.transform(pixels[test])

    X, X_test = inputs(["center", "scale"])
    D, y_test = eb.data.targets_pm1(labels[train]), labels[test]
    recipe = dict(X=X, X_test=X_test, D=D, hidden="lecun_tanh", init="lecun", c=0.5,
                  rates=None, order="shuffle", batch=1)
    variants = {"recipe": {}, "c1": dict(c=1.0), "batch": dict(batch=len(train)),
                "sequential": dict(order="sequential"),
                "uncentred": dict(zip(["X", "X_test"], inputs(["scale"]))),
                "unscaled": dict(zip(["X", "X_test"], inputs(["center"]))),
                "logistic": dict(hidden="logistic"), "asymptotes": dict(D=1.7159 * D),
                "normal01": dict(init="normal01"), "fan_in": dict(rates="fan_in")}

    def make_net(v, seed):
        net = eb.mlp([784, 30, 10], activation=v["hidden"],
                     output_activation="lecun_tanh", seed=seed)
        if v["init"] == "normal01":
            net.set_params(np.random.default_rng(seed).standard_normal(net.n_params))
        return net

    out, seen = {}, {}
    for name, change in variants.items():
        v = {**recipe, **change}
        same = (id(v["X"]), id(v["D"]), v["hidden"], v["init"], v["rates"])
        if same not in seen:
            seen[same] = measure.recipe_online_eigenvalue(
                make_net(v, 0), v["X"], v["D"], rates=v["rates"], presentations=200)
        res = [measure.recipe_learning_curves(
            make_net(v, s), v["X"], v["D"], v["X_test"], y_test, epochs=EPOCHS,
            eta=v["c"] / seen[same], rates=v["rates"], order=v["order"],
            batch_size=v["batch"], seed=s) for s in SEEDS]
        out[name] = dict(lam=seen[same], cost=np.array([r[0] for r in res]),
                         error=np.array([r[1] for r in res]))
    return out


def diff(runs, name, epoch=-1):
    return runs[name]["error"][:, epoch] - runs["recipe"]["error"][:, epoch]


def test_three_changes_are_worse_on_every_seed(runs):
    # page: batch, N(0, 1) weights and fan-in rates: > 0 every seed, epochs 3 and 24
    for name in ("batch", "normal01", "fan_in"):
        for epoch in (3, EPOCHS):
            assert np.all(diff(runs, name, epoch) > 0), (name, epoch)
        # and their training cost ends 40 to 200 times the recipe's (Figure 1's alt text)
        ratio = runs[name]["cost"][:, -1].mean() / runs["recipe"]["cost"][:, -1].mean()
        assert 30 < ratio < 250, (name, ratio)


def test_tricks_that_buy_speed(runs):
    # page: not shuffled > 0.2 every seed at epoch 3, |mean| < 0.05 at 24, its training
    # cost still several times the recipe's
    assert np.all(diff(runs, "sequential", 3) > 0.2)
    assert abs(diff(runs, "sequential").mean()) < 0.05
    assert runs["sequential"]["cost"][:, -1].mean() > 3 * runs["recipe"]["cost"][:, -1].mean()
    # page: not centred, not scaled: >= 0 every seed at 3, |mean| < 0.05 at both epochs
    for name in ("uncentred", "unscaled"):
        assert np.all(diff(runs, name, 3) >= 0), name
        for epoch in (3, EPOCHS):
            assert abs(diff(runs, name, epoch).mean()) < 0.05, (name, epoch)
    # page: eta = 1/lambda-hat: > 0 every seed at 3, |mean| < 0.05 at 24, about twice
    # the recipe's training cost
    assert np.all(diff(runs, "c1", 3) > 0)
    assert abs(diff(runs, "c1").mean()) < 0.05
    assert 1.5 < runs["c1"]["cost"][:, -1].mean() / runs["recipe"]["cost"][:, -1].mean() < 2.5


def test_findings_against_the_paper(runs):
    # page: logistic hidden units |mean| < 0.05 at both epochs, better on average at 24
    # but not on every seed; asymptote targets < 0 every seed at 24
    for epoch in (3, EPOCHS):
        assert abs(diff(runs, "logistic", epoch).mean()) < 0.05
    d = diff(runs, "logistic")
    assert d.mean() < 0 < d.max()
    assert np.all(diff(runs, "asymptotes") < 0)


def test_signs_vary_for_five_variants_at_the_end(runs):
    # page: "for five of them the sign of the difference changes from seed to seed"
    for name in ("c1", "sequential", "uncentred", "unscaled", "logistic"):
        d = diff(runs, name)
        assert d.min() < 0 < d.max(), name


def test_the_rate_follows_the_curvature(runs):
    # page: without centring lambda-hat grows more than threefold; without scaling it
    # falls about threefold; the recipe ends at about a quarter test error
    lam = runs["recipe"]["lam"]
    assert runs["uncentred"]["lam"] > 3 * lam
    assert 2.5 < lam / runs["unscaled"]["lam"] < 3.5
    assert 0.2 < runs["recipe"]["error"][:, -1].mean() < 0.3


def test_standard_normal_weights(runs):
    # page: lambda-hat more than ten times smaller than the recipe's; the worst variant on
    # average at epoch 24
    assert runs["normal01"]["lam"] < runs["recipe"]["lam"] / 10
    means = {n: r["error"][:, -1].mean() for n, r in runs.items()}
    assert max(means, key=means.get) == "normal01"


def test_the_other_six_end_within_a_few_points(runs):
    # page: "the other six end within a few points of the recipe's test error"
    for name in ("c1", "sequential", "uncentred", "unscaled", "logistic", "asymptotes"):
        assert abs(diff(runs, name).mean()) < 0.05, name
