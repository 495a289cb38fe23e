"""The claims of §4.2 (shuffling, class alternation, emphasizing and outliers), measured as
the page ``book/shuffling`` measures them: the same data, network, rate, presentations and
seeds, so the numbers are the page's, held to the tolerances its table prints."""
import functools

import numpy as np
import pytest

import ebtricks as eb
from ebtricks import measure

SEEDS, PRESENTATIONS, ETA, N_CLASSES = range(4), 12_000, 0.005, 10


@pytest.fixture(scope="module")
def digits():
    images, labels = eb.data.mnist_5k()
    pixels = eb.data.downsample(images, 16).reshape(len(images), -1)
    pixels = (pixels - pixels.mean()) / pixels.std()
    train, test = eb.data.stratified_split(labels, 2000, 1000, seed=0)
    return pixels[train], labels[train], pixels[test], labels[test]


@pytest.fixture(scope="module")
def final_error(digits):
    """final_error(order, flipped, emphasis, at=-1) -> each seed's test error at checkpoint
    ``at`` (-1: after the run; 2: after 2,000 presentations), in percent;
    final_error.runs(...) -> each seed's (test-error curve, trained net, training labels)."""
    X, y, X_test, y_test = digits

    @functools.cache
    def runs(order, flipped=0.0, emphasis=2):
        out = []
        for seed in SEEDS:
            y_train = eb.data.flip_labels(y, flipped, N_CLASSES, seed=seed)
            D = eb.data.targets_pm1(y_train, N_CLASSES)
            net = eb.mlp([256, 30, 10], seed=seed)
            _, _, err = measure.order_learning_curve(
                net, X, D, order=order, presentations=PRESENTATIONS, eta=ETA,
                X_test=X_test, labels_test=y_test, checkpoints=12, emphasis=emphasis,
                seed=seed)
            out.append((err, net, y_train))
        return out

    def run(order, flipped=0.0, emphasis=2, at=-1):
        return 100 * np.array([r[0][at] for r in runs(order, flipped, emphasis)])

    run.runs = runs
    return run


def test_class_sorted_is_far_worse_than_shuffled(final_error):
    """Page tolerance: class-sorted − shuffled > +30 pp in every seed."""
    assert np.all(final_error("sorted") - final_error("shuffle") > 30)


def test_class_sorted_is_wrong_on_0_to_8_and_right_on_the_nines(digits, final_error):
    """Figure 1's bottom panel and the text below it: every class-sorted network (it ends on
    the nines) misclassifies at least 98 % of the test digits of each class 0-8 and at most
    2 % of the 9s; the shuffled networks stay under 40 % on every class."""
    _, _, X_test, y_test = digits
    for order, check in (("sorted", lambda e: np.all(e[:9] >= 98) and e[9] <= 2),
                         ("shuffle", lambda e: np.all(e < 40))):
        for _, net, _ in final_error.runs(order):
            e = np.array([100 * np.mean(net.predict(X_test[y_test == c]) != c)
                          for c in range(N_CLASSES)])
            assert check(e), (order, e.round(1))


def test_alternating_is_ahead_after_the_first_epoch(final_error):
    """Page tolerance: mean of alternating − shuffled after 2,000 presentations (one
    epoch) < 0 pp."""
    assert np.mean(final_error("alternate", at=2) - final_error("shuffle", at=2)) < 0


def test_alternating_and_shuffled_are_comparable(final_error):
    """Page tolerance: |mean of alternating − shuffled| < 2 pp after 12,000 presentations."""
    assert abs(np.mean(final_error("alternate") - final_error("shuffle"))) < 2


@pytest.mark.parametrize("k", [2, 3, 4])
def test_emphasizing_is_neutral_on_clean_labels(final_error, k):
    """Page tolerance: |mean of emphasized ×k − shuffled| < 1.5 pp for k = 2, 3, 4."""
    assert abs(np.mean(final_error("emphasize", 0.0, k) - final_error("shuffle"))) < 1.5


def test_emphasizing_hurts_with_flipped_labels(final_error):
    """Page tolerance: emphasized ×3 − shuffled with 10 % flipped labels > +1.5 pp on
    average and > 0 in every seed."""
    gap = final_error("emphasize", 0.1, 3) - final_error("shuffle", 0.1)
    assert gap.mean() > 1.5 and np.all(gap > 0)


def test_harm_of_emphasizing_grows_with_k_and_with_the_fraction_flipped(final_error):
    """Page tolerance: the mean of emphasized ×k − shuffled rises with k = 1 (where it is
    0: k = 1 is the shuffled order), 2, 3, 4 at 10 % and at 20 % flipped, and is larger
    at 20 % than at 10 % for each k = 2, 3, 4."""
    harm = {f: np.array([0.0] + [np.mean(final_error("emphasize", f, k)
                                         - final_error("shuffle", f)) for k in (2, 3, 4)])
            for f in (0.1, 0.2)}
    assert np.all(np.diff(harm[0.1]) > 0) and np.all(np.diff(harm[0.2]) > 0)
    assert np.all(harm[0.2][1:] > harm[0.1][1:])


def test_emphasizing_gives_wrong_labels_more_presentations(digits, final_error):
    """Page tolerance: with 10 % flipped and k = 3, wrong labels make > 15 % of the next
    epoch's presentations (mean of the 4 seeds)."""
    X, y, _, _ = digits
    shares = []
    for _, net, y_train in final_error.runs("emphasize", 0.1, 3):
        E_p = net.sample_costs(X, eb.data.targets_pm1(y_train, N_CLASSES))
        copies = np.where(E_p > E_p.mean(), 3, 1)
        shares.append(copies[y_train != y].sum() / copies.sum())
    assert np.mean(shares) > 0.15


@pytest.mark.parametrize("check, args, expected", [
    (eb.checks.emphasized_wrong_share, (0.3 / 1.47,), True),
    (eb.checks.emphasized_wrong_share, (0.204,), True),
    (eb.checks.emphasized_wrong_share, (0.1,), False),     # the fraction flipped
    (eb.checks.emphasized_wrong_share, (0.25,), False),    # clean samples all shown once
    (eb.checks.emphasized_wrong_share, (0.2,), False),     # 15 % of all, not of the clean
    (eb.checks.emphasized_wrong_share, (0.25, 0.1, 0.0, 3), True),
    (eb.checks.emphasized_epoch_length, (8,), True),
    (eb.checks.emphasized_epoch_length, (10,), False),     # above the median, not the mean
    (eb.checks.emphasized_epoch_length, (18,), False),     # every sample k times
    (eb.checks.emphasized_epoch_length, (10, (0.1, 0.1, 0.2, 0.2, 0.3, 0.5), 3), True),
    (eb.checks.alternating_same_class_pairs, (99,), True),
    (eb.checks.alternating_same_class_pairs, (100,), False),  # counts a pair too many
    (eb.checks.alternating_same_class_pairs, (0,), False),    # as if classes always alternate
    (eb.checks.alternating_same_class_pairs, (0, (5, 5, 5)), True),
])
def test_self_checks(check, args, expected, capsys):
    assert check(*args) is expected
    assert ("✔" if expected else "✘") in capsys.readouterr().out


def test_self_checks_reject_bad_input():
    with pytest.raises(ValueError, match="flipped"):
        eb.checks.emphasized_wrong_share(0.2, flipped=1.5)
    with pytest.raises(ValueError, match="costs"):
        eb.checks.emphasized_epoch_length(3, costs=())
    with pytest.raises(ValueError, match="class_sizes"):
        eb.checks.alternating_same_class_pairs(3, class_sizes=(3, -1))


def test_class_sorted_network_answers_with_the_latest_class(digits):
    """The page's Figure 2 table: in epoch 3 of the class-sorted run (seed 0), at least
    90 % of the test answers are the latest sample's class at every 80th presentation, and
    after the 200 zeros at most 10 ones turn half of the answers to 1 (the page: "a few")."""
    X, y, X_test, _ = digits
    order = np.argsort(y, kind="stable")
    X_sorted, D_sorted = X[order], eb.data.targets_pm1(y[order], N_CLASSES)
    net = eb.mlp([256, 30, 10], seed=0)
    eb.train_sgd(net, X_sorted, D_sorted, epochs=2, eta=ETA, order="sequential")
    done, follows, ones_until_half = 0, [], None
    for end in np.union1d(np.arange(80, 2001, 80), np.arange(200, 221)):
        eb.train_sgd(net, X_sorted[done:end], D_sorted[done:end], epochs=1, eta=ETA,
                     order="sequential", track_cost=False)
        done = end
        answers = net.predict(X_test)
        if end % 80 == 0:
            follows.append(np.mean(answers == y[order][end - 1]))
        if ones_until_half is None and end > 200 and np.mean(answers == 1) >= 0.5:
            ones_until_half = end - 200
    assert np.min(follows) >= 0.9
    assert ones_until_half is not None and ones_until_half <= 10
