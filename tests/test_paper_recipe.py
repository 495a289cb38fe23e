"""The claims of the page ``book/recipe`` (§10: the recipe run end to end, and each trick
removed in turn), on the page's data, network, seeds and budget, held to the tolerances
the page prints. The experiment is the page's own (300 MNIST digits, 784-30-10, five
seeds, 24 epochs); the runs are deterministic, so "every seed" is checked as printed."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure

SEEDS, EPOCHS = range(5), 24
VARIANTS = ("recipe", "c1", "batch", "sequential", "uncentred", "unscaled", "logistic",
            "asymptotes", "normal01", "fan_in")


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
    # the page's check of lambda-hat: ten draws at the recipe's start, the power method
    # at the recipe's and at standard-normal weights, and those five seeds rerun at
    # 1/(2 lambda_max)
    net0 = make_net(recipe, 0)
    out["draws"] = np.array([measure.recipe_online_eigenvalue(
        net0, X, D, presentations=200, seed=k) for k in range(10)])
    out["exact"] = {n: eb.curvature.principal_eigen(
        make_net({**recipe, **variants[n]}, 0), X, D, tol=1e-4).value
        for n in ("recipe", "normal01")}
    v = {**recipe, **variants["normal01"]}
    out["normal01_exact_rate"] = np.array([measure.recipe_learning_curves(
        make_net(v, s), X, D, X_test, y_test, epochs=EPOCHS,
        eta=0.5 / out["exact"]["normal01"], seed=s)[1][-1] for s in SEEDS])
    return out


def diff(runs, name, epoch=-1):
    return runs[name]["error"][:, epoch] - runs["recipe"]["error"][:, epoch]


def test_three_changes_are_worse_on_every_seed(runs):
    # page: batch, N(0, 1) weights and fan-in rates: > 0 every seed, epochs 3 and 24
    for name in ("batch", "normal01", "fan_in"):
        for epoch in (3, EPOCHS):
            assert np.all(diff(runs, name, epoch) > 0), (name, epoch)
        # and their training cost ends 30 to 200 times the recipe's (Figure 1's alt text)
        ratio = runs[name]["cost"][:, -1].mean() / runs["recipe"]["cost"][:, -1].mean()
        assert 30 < ratio < 200, (name, ratio)
    # the others at most 6 times
    for name in ("c1", "sequential", "uncentred", "unscaled", "logistic", "asymptotes"):
        assert runs[name]["cost"][:, -1].mean() < 6 * runs["recipe"]["cost"][:, -1].mean()


def test_tricks_that_buy_speed(runs):
    # page: not shuffled > 0.2 every seed at epoch 3 (about 0.38), mean 0.02 +- 0.01 at 24,
    # its training cost still several times the recipe's
    assert np.all(diff(runs, "sequential", 3) > 0.2)
    assert abs(diff(runs, "sequential", 3).mean() - 0.38) < 0.02
    assert abs(diff(runs, "sequential").mean() - 0.02) < 0.01
    assert runs["sequential"]["cost"][:, -1].mean() > 3 * runs["recipe"]["cost"][:, -1].mean()
    # page: not centred, not scaled: behind on average at 3 (about two points), |mean|
    # < 0.05 at both epochs
    for name in ("uncentred", "unscaled"):
        assert 0.01 < diff(runs, name, 3).mean() < 0.03, name
        for epoch in (3, EPOCHS):
            assert abs(diff(runs, name, epoch).mean()) < 0.05, (name, epoch)
    # page: eta = 1/lambda-hat: > 0 every seed at 3, |mean| < 0.05 at 24, about twice
    # the recipe's training cost
    assert np.all(diff(runs, "c1", 3) > 0)
    assert abs(diff(runs, "c1").mean()) < 0.05
    assert 1.5 < runs["c1"]["cost"][:, -1].mean() / runs["recipe"]["cost"][:, -1].mean() < 2.5


def test_findings_against_the_paper(runs):
    # page: logistic hidden units |mean| < 0.05 at both epochs, better by 0.02 on average
    # at 24, less than the spread of the difference; asymptote targets < 0 every seed at
    # 24, by about four points
    for epoch in (3, EPOCHS):
        assert abs(diff(runs, "logistic", epoch).mean()) < 0.05
    d = diff(runs, "logistic")
    assert -0.03 < d.mean() < -0.01 and d.max() - d.min() > abs(d.mean())
    assert np.all(diff(runs, "asymptotes") < 0)
    assert abs(diff(runs, "asymptotes").mean() + 0.04) < 0.01


def test_the_rate_follows_the_curvature(runs):
    # page: without centring lambda-hat grows more than threefold; without scaling it
    # falls about threefold; the recipe ends at about a quarter test error
    lam = runs["recipe"]["lam"]
    assert runs["uncentred"]["lam"] > 3 * lam
    assert 2.5 < lam / runs["unscaled"]["lam"] < 3.5
    assert 0.2 < runs["recipe"]["error"][:, -1].mean() < 0.3


def test_standard_normal_weights(runs):
    # page: the worst variant on average at epoch 24; lambda-hat about 3 against
    # lambda_max about 20 (power method), the predicted rate about 3.4 / lambda_max; at
    # 1/(2 lambda_max) the five seeds end as far behind, about 0.5 (the recipe's 0.24
    # to 0.28)
    means = {n: r["error"][:, -1].mean() for n, r in runs.items() if n in VARIANTS}
    assert max(means, key=means.get) == "normal01"
    lam, exact = runs["normal01"]["lam"], runs["exact"]["normal01"]
    assert 2.5 < lam < 3.5 and 19.5 < exact < 20.5
    assert 0.5 * exact / lam == pytest.approx(3.4, abs=0.05)
    e, e_page = runs["normal01_exact_rate"], runs["normal01"]["error"][:, -1]
    r = runs["recipe"]["error"][:, -1]
    assert e.min() > r.max() + 0.1 and abs(e.mean() - e_page.mean()) < 0.03
    # "about 0.5": these saturated runs move by a point or two with the last bits of
    # lambda_max (0.46-0.51 in one environment, 0.47-0.53 in a fresh CI clone)
    assert 0.43 < e.min() and e.max() < 0.57
    assert (round(r.min(), 2), round(r.max(), 2)) == (0.24, 0.28)


def test_the_estimate_is_noisy(runs):
    # page: ten draws of lambda-hat at the recipe's start, the page's the largest, about
    # 30 % above lambda_max ~ 43; 40 % off at worst; a factor of up to two between draws;
    # the recipe's rate about 0.4 / lambda_max, eta = 1/lambda-hat about 0.8 / lambda_max
    draws, lam, exact = runs["draws"], runs["recipe"]["lam"], runs["exact"]["recipe"]
    assert draws[0] == pytest.approx(lam, rel=1e-12) and lam == draws.max()
    assert 42.5 < exact < 44 and 1.25 < lam / exact < 1.35
    assert 0.35 < np.abs(draws / exact - 1).max() < 0.45
    assert 1.8 < draws.max() / draws.min() < 2.3
    assert 0.5 * exact / lam == pytest.approx(0.4, abs=0.02)
    assert exact / lam == pytest.approx(0.8, abs=0.03)


def test_the_other_six_end_within_a_few_points(runs):
    # page: "the other six end within five points of the recipe's test error on average"
    for name in ("c1", "sequential", "uncentred", "unscaled", "logistic", "asymptotes"):
        assert abs(diff(runs, name).mean()) < 0.05, name
