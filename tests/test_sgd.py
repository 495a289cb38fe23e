"""Online and mini-batch training against plain NumPy implementations of the same rules."""
import numpy as np
import pytest

import ebtricks as eb
from ebtricks._engine import sgd as S


def small_problem(seed=0, sizes=(3, 4, 2), P=12, loss="mse"):
    rng = np.random.default_rng(seed)
    net = eb.mlp(list(sizes), activation="lecun_tanh", loss=loss, seed=seed)
    X = rng.normal(size=(P, sizes[0]))
    D = eb.data.targets_pm1(rng.integers(0, sizes[-1], size=P), sizes[-1])
    return net, X, D


def numpy_sgd(net, X, D, order, eta, batch_size=1, momentum=0.0, eta_vec=None, tau=None,
              murata=None):
    """Reference: eq 10 with the per-sample gradient from net.gradient, in plain NumPy."""
    w = net.params.copy()
    v = np.zeros_like(w)
    r = np.zeros_like(w)
    eta_m = eta
    t = 0
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        _, g = net.gradient(X[idx], D[idx], params=w)
        rate = eta_m if murata else (eta / (1 + t / tau) if tau else eta)
        step = rate * g * (eta_vec if eta_vec is not None else 1.0)
        step = step + momentum * v
        v = step
        w = w - step
        if murata:
            r = (1 - murata.delta) * r + murata.delta * g
            eta_m = eta_m + murata.alpha * eta_m * (murata.beta * np.linalg.norm(r) - eta_m)
        t += 1
    return w


@pytest.mark.small
@pytest.mark.parametrize("sizes", [(3, 4, 2), (3, 5, 2), (2, 1), (4, 3, 3, 1), (6, 7, 2)])
def test_fused_online_path_equals_reference(sizes):
    net, X, D = small_problem(sizes=sizes)
    ref = numpy_sgd(net, X, D, np.arange(12), 0.1)
    eb.train_sgd(net, X, D, epochs=1, eta=0.1, order="sequential")
    np.testing.assert_allclose(net.params, ref, rtol=1e-12, atol=1e-13)


@pytest.mark.small
@pytest.mark.parametrize("kw", [dict(batch_size=4), dict(batch_size=12), dict(momentum=0.9),
                                dict(batch_size=3, momentum=0.5), dict(tau=5.0),
                                dict(rates="fan_in"), dict(record_weights="update")])
def test_general_path_equals_reference(kw):
    net, X, D = small_problem(seed=1)
    eta_vec = 1 / np.sqrt(net.fan_in_of_param()) if kw.get("rates") else None
    ref = numpy_sgd(net, X, D, np.arange(12), 0.1, kw.get("batch_size", 1),
                    kw.get("momentum", 0.0), eta_vec, kw.get("tau"))
    args = dict(kw)
    if "tau" in args:
        args["schedule"] = "inverse_time"
    h = eb.train_sgd(net, X, D, epochs=1, eta=0.1, order="sequential", **args)
    np.testing.assert_allclose(net.params, ref, rtol=1e-12, atol=1e-13)
    if kw.get("record_weights"):
        assert h.weights.shape == (13, net.n_params)           # before, and after each update
        np.testing.assert_allclose(h.weights[-1], net.params)


@pytest.mark.small
def test_record_weights_after_every_epoch_by_default():
    """record_weights=True keeps what the docs say, one row before training and one after
    each epoch, not a row per update (which grew to gigabytes on small assignments)."""
    net, X, D = small_problem(seed=1)
    h = eb.train_sgd(net, X, D, epochs=3, eta=0.1, record_weights=True)
    assert h.weights.shape == (4, net.n_params)
    np.testing.assert_allclose(h.weights[-1], net.params)
    with pytest.raises(ValueError, match="record_weights"):
        eb.train_sgd(net, X, D, epochs=1, eta=0.1, record_weights="sample")


@pytest.mark.small
def test_fused_path_with_per_weight_rates_and_schedule_equals_reference():
    net, X, D = small_problem(seed=2, sizes=(5, 3, 3, 2))
    eta_vec = np.random.default_rng(0).uniform(0.2, 1.0, net.n_params)
    ref = numpy_sgd(net, X, D, np.arange(12), 0.05, eta_vec=eta_vec, tau=3.0)
    eb.train_sgd(net, X, D, epochs=1, eta=0.05, order="sequential", rates=eta_vec,
                 schedule="inverse_time", tau=3.0)
    np.testing.assert_allclose(net.params, ref, rtol=1e-12, atol=1e-13)


@pytest.mark.small
def test_murata_rule_equals_reference():
    net, X, D = small_problem(seed=3)
    m = eb.Murata(delta=0.2, alpha=0.1, beta=2.0)
    ref = numpy_sgd(net, X, D, np.arange(12), 0.1, murata=m)
    h = eb.train_sgd(net, X, D, epochs=1, eta=0.1, order="sequential", murata=m)
    np.testing.assert_allclose(net.params, ref, rtol=1e-12, atol=1e-13)
    assert h.eta[-1] != 0.1


def test_per_layer_rates_expand_to_weights():
    net, X, D = small_problem(seed=4)
    ref = numpy_sgd(net, X, D, np.arange(12), 0.1,
                    eta_vec=np.array([2.0, 0.5])[net.layer_of_param()])
    eb.train_sgd(net, X, D, epochs=1, eta=0.1, order="sequential", rates=[2.0, 0.5])
    np.testing.assert_allclose(net.params, ref, rtol=1e-12, atol=1e-13)


def test_training_reduces_cost_and_history_is_complete():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 3, 1], seed=0)
    h = eb.train_sgd(net, X, D, epochs=20, eta=0.02, seed=1, track_cost=True)
    assert len(h.cost) == 21 and len(h.online_cost) == 20 and len(h.eta) == 20
    assert h.cost[-1] < 0.5 * h.cost[0]
    assert h.presentations == 2000 and h.updates == 2000 and h.wall_time > 0


def test_divergence_stops_with_clear_message_and_finite_weights():
    X, D = eb.data.two_gaussians(seed=0)
    net = eb.mlp([2, 1], activation="identity", seed=0)
    with pytest.raises(eb.TrainingDiverged, match="Lower eta"):
        eb.train_sgd(net, X, D, epochs=50, eta=3.0, batch_size=100)
    assert np.all(np.isfinite(net.params))
    net2 = eb.mlp([2, 1], activation="identity", seed=0)
    with pytest.raises(eb.TrainingDiverged):
        eb.train_sgd(net2, X * 1e3, D, epochs=5, eta=10.0)
    assert np.all(np.isfinite(net2.params))


def test_early_stopping_restores_best_validation_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 5))
    D = rng.normal(size=(20, 1)) * 0.5          # pure noise: the net can only overfit
    Xv, Dv = rng.normal(size=(200, 5)), rng.normal(size=(200, 1)) * 0.5
    net = eb.mlp([5, 20, 1], activation="tanh", output_activation="identity", seed=0)
    h = eb.train_sgd(net, X, D, epochs=300, eta=0.05, X_val=Xv, D_val=Dv, patience=10)
    assert h.stopped_early and h.epochs < 300
    assert net.cost(Xv, Dv) == pytest.approx(min(h.val_cost))


def test_orders():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], [4, 4, 4])
    alt = eb.sgd.presentation_order("alternate", 12, rng, labels=labels)
    assert sorted(alt) == list(range(12))
    assert all(labels[alt[i]] != labels[alt[i + 1]] for i in range(11))
    errors = np.array([0.0] * 10 + [5.0, 6.0])
    emph = eb.sgd.presentation_order("emphasize", 12, rng, errors=errors, emphasis=3)
    assert len(emph) == 16 and np.sum(emph == 11) == 3 and np.sum(emph == 0) == 1
    shuf = eb.sgd.presentation_order("shuffle", 12, rng)
    assert sorted(shuf) == list(range(12))


def test_emphasize_and_alternate_train():
    X, D = eb.data.two_gaussians(seed=0)
    for order in ("emphasize", "alternate"):
        net = eb.mlp([2, 1], activation="identity", seed=0)
        h = eb.train_sgd(net, X, D, epochs=5, eta=0.05, order=order, track_cost=True)
        assert h.cost[-1] < h.cost[0]
    assert h.presentations == 500


@pytest.mark.small
@pytest.mark.parametrize("kw,err,word", [
    (dict(eta=0.0), ValueError, "eta"),
    (dict(eta=-1.0), ValueError, "eta"),
    (dict(eta=float("nan")), ValueError, "eta"),
    (dict(epochs=-1), ValueError, "epochs"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(momentum=1.0), ValueError, "momentum"),
    (dict(order="random"), ValueError, "order"),
    (dict(schedule="inverse_time"), ValueError, "tau"),
    (dict(rates=[1.0, 2.0, 3.0]), ValueError, "rates"),
    (dict(rates="sqrt"), ValueError, "rates"),
    (dict(patience=3), ValueError, "validation"),
    (dict(murata=0.1), TypeError, "murata"),
])
def test_bad_hyperparameters_are_named(kw, err, word):
    net, X, D = small_problem()
    args = dict(epochs=1, eta=0.1)
    args.update(kw)
    with pytest.raises(err, match=word):
        eb.train_sgd(net, X, D, **args)


@pytest.mark.small
def test_bad_murata_constants_are_named():
    with pytest.raises(ValueError, match="murata.delta"):
        eb.Murata(delta=1.5)
    with pytest.raises(ValueError, match="murata.alpha"):
        eb.Murata(alpha=-1)


@pytest.mark.small
def test_float32_rates_are_used_as_given():
    net, X, D = small_problem(seed=5, sizes=(6, 5, 2))
    rates32 = np.random.default_rng(1).uniform(0.2, 1.0, net.n_params).astype(np.float32)
    ref = numpy_sgd(net, X, D, np.arange(12), 0.05, eta_vec=rates32.astype(np.float64))
    eb.train_sgd(net, X, D, epochs=1, eta=0.05, order="sequential", rates=rates32)
    np.testing.assert_allclose(net.params, ref, rtol=1e-12, atol=1e-13)


# ---- the blocked online kernel: every block shape, every kind of rate --------------------

def _rates_for(kind, net):
    if kind == "per_layer":
        return [0.7, 1.3] if len(net.layers) == 2 else [0.7] * len(net.layers)
    if kind == "per_weight":
        return np.random.default_rng(5).uniform(0.3, 1.0, net.n_params)
    if kind == "per_weight_f32":   # SDLM keeps its rates in float32
        return np.random.default_rng(5).uniform(0.3, 1.0, net.n_params).astype(np.float32)
    return kind


@pytest.mark.small
@pytest.mark.parametrize("P", [13, 14, 15, 16, 1])
@pytest.mark.parametrize("kind", [None, "fan_in", "per_layer", "per_weight", "per_weight_f32"])
@pytest.mark.parametrize("sizes", [(20, 7, 3), (9, 4), (12, 5, 4, 2)])
def test_online_kernel_equals_reference_for_every_block_and_rate(sizes, kind, P):
    """Blocks of 4 samples (rates constant along each row of W_0) or 2 (per-weight rates),
    short last blocks included: the same weights as one plain update per sample."""
    from ebtricks.sgd import _rates
    net, X, D = small_problem(seed=P, sizes=sizes, P=P)
    rates = _rates_for(kind, net)
    eta_vec = _rates(net, rates)
    assert (S.first_layer_row_rates(net.table, eta_vec).size > 0) == (kind not in ("per_weight",
                                                                           "per_weight_f32"))
    ref = numpy_sgd(net, X, D, np.arange(P), 0.05,
                    eta_vec=eta_vec.astype(float) if eta_vec.size else None, tau=4.0)
    eb.train_sgd(net, X, D, epochs=1, eta=0.05, order="sequential", rates=rates,
                 schedule="inverse_time", tau=4.0)
    np.testing.assert_allclose(net.params, ref, rtol=1e-12, atol=1e-13)


@pytest.mark.small
@pytest.mark.parametrize("kind", [None, "per_weight"])
def test_online_kernel_with_repeated_samples_equals_reference(kind):
    """Emphasizing presents a sample several times, sometimes twice in one block."""
    from ebtricks._engine import layout as K, sgd as S
    from ebtricks.sgd import _rates
    net, X, D = small_problem(seed=7, sizes=(10, 6, 3), P=6)
    order = np.array([0, 0, 1, 1, 1, 2, 5, 5, 5, 5, 3, 4, 4], dtype=np.int64)
    eta_vec = _rates(net, _rates_for(kind, net))
    ref = numpy_sgd(net, X, D, order, 0.05, eta_vec=eta_vec if eta_vec.size else None)
    losses = np.empty(order.size)
    status = S.online_dense_epoch(net.table, net.layer_floats, net.params, net.loss_code, X, D,
                                  order, S.Rate(0.05, 0, 1.0), 0.0, eta_vec,
                                  S.first_layer_row_rates(net.table, eta_vec), losses, *K.buffers(net.table))
    assert status == -1
    np.testing.assert_allclose(net.params, ref, rtol=1e-12, atol=1e-13)


@pytest.mark.small
@pytest.mark.parametrize("kind", [None, "per_weight"])
def test_online_kernel_stops_at_the_first_non_finite_cost_with_earlier_updates_applied(kind):
    """A linear net with a huge rate overflows; the kernel reports where, and W holds
    exactly the updates of the samples before that one, mid-block or not."""
    from ebtricks._engine import layout as K, sgd as S
    from ebtricks.sgd import _rates
    rng = np.random.default_rng(3)
    net = eb.mlp([6, 3], activation="identity", seed=3)
    X, D = rng.normal(size=(400, 6)), rng.normal(size=(400, 3))
    eta_vec = _rates(net, _rates_for(kind, net))
    start = net.params.copy()
    losses = np.empty(400)
    with np.errstate(over="ignore", invalid="ignore"):
        status = S.online_dense_epoch(net.table, net.layer_floats, net.params, net.loss_code,
                                      X, D, np.arange(400), S.Rate(40.0, 0, 1.0), 0.0, eta_vec,
                                      S.first_layer_row_rates(net.table, eta_vec),
                                      losses, *K.buffers(net.table))
        assert 4 < status < 400 and not np.isfinite(losses[status])
        assert np.all(np.isfinite(losses[:status]))
        net2 = eb.mlp([6, 3], activation="identity", seed=3)
        net2.params[...] = start
        ref = numpy_sgd(net2, X, D, np.arange(status), 40.0,
                        eta_vec=eta_vec if eta_vec.size else None)
    np.testing.assert_allclose(net.params, ref, rtol=1e-9)


def test_online_kernel_in_float32_follows_float64():
    from ebtricks._engine import layout as K, sgd as S
    net, X, D = small_problem(seed=8, sizes=(30, 8, 4), P=50)
    p32 = net.params.astype(np.float32)
    losses = np.empty(50)
    S.online_dense_epoch(net.table, net.layer_floats, p32, net.loss_code, X.astype(np.float32),
                         D.astype(np.float32), np.arange(50), S.Rate(0.02, 0, 1.0), 0.0, np.empty(0),
                         np.ones(8), losses, *K.buffers(net.table, np.float32))
    eb.train_sgd(net, X, D, epochs=1, eta=0.02, order="sequential")
    assert p32.dtype == np.float32
    np.testing.assert_allclose(p32, net.params, rtol=1e-4, atol=1e-5)


# ---- track_cost: the full-cost passes are opt-in (issue #21 point 7) ---------------------
def _count_full_passes(monkeypatch):
    """Count the rows that Network.cost and Network.sample_costs evaluate (a call made
    inside another, as cost calls sample_costs, is not counted twice)."""
    rows = {"n": 0, "depth": 0}
    for name in ("cost", "sample_costs"):
        original = getattr(eb.Network, name)

        def counted(self, X, D, *args, _original=original, **kw):
            rows["n"] += len(X) if rows["depth"] == 0 else 0
            rows["depth"] += 1
            try:
                return _original(self, X, D, *args, **kw)
            finally:
                rows["depth"] -= 1
        monkeypatch.setattr(eb.Network, name, counted)
    return rows


def test_default_run_makes_no_full_cost_pass(monkeypatch):
    X, D = eb.data.two_gaussians(seed=0)
    rows = _count_full_passes(monkeypatch)
    h = eb.train_sgd(eb.mlp([2, 3, 1], seed=0), X, D, epochs=3, eta=0.02)
    assert rows["n"] == 0 and not h.cost_tracked and len(h.online_cost) == 3
    for method in (eb.SGD(eta=0.02), eb.SDLM(eta=0.02), eb.Adam(eta=0.01)):
        h = eb.train(eb.mlp([2, 3, 1], seed=0), X, D, method, epochs=2)
        assert not h.cost_tracked and len(h.online_cost) == 2, type(method).__name__
    assert rows["n"] == 0
    # with track_cost=True: one pass over X before training and one after each epoch
    eb.train_sgd(eb.mlp([2, 3, 1], seed=0), X, D, epochs=3, eta=0.02, track_cost=True)
    assert rows["n"] == 4 * len(X)


def test_track_cost_records_the_full_cost_at_each_epochs_weights():
    X, D = eb.data.two_gaussians(seed=0)
    for order in ("shuffle", "emphasize"):
        net = eb.mlp([2, 3, 1], seed=0)
        h = eb.train_sgd(net, X, D, epochs=4, eta=0.02, order=order, track_cost=True,
                         record_weights="epoch")
        assert h.cost_tracked and len(h.cost) == 5 and len(h.online_cost) == 4
        want = [net.cost(X, D, params=w) for w in h.weights]
        np.testing.assert_allclose(h.cost, want, rtol=1e-12)
        # the same run untracked: the same weights and online costs, no full costs
        plain = eb.mlp([2, 3, 1], seed=0)
        g = eb.train_sgd(plain, X, D, epochs=4, eta=0.02, order=order)
        np.testing.assert_array_equal(plain.params, net.params)
        np.testing.assert_array_equal(g.online_cost, h.online_cost)


def test_reading_an_unrecorded_cost_says_why():
    X, D = eb.data.two_gaussians(seed=0)
    h = eb.train_sgd(eb.mlp([2, 1], seed=0), X, D, epochs=2, eta=0.05)
    with pytest.raises(AttributeError, match="track_cost=True.*online_cost"):
        h.cost
    assert "not recorded" in repr(h) and h.epochs == 2
    batch = eb.train(eb.mlp([2, 1], seed=0), X, D, eb.ConjugateGradient(), epochs=2)
    assert batch.cost_tracked and len(batch.cost) == 3
    # a concatenation holds a cost only when every part recorded one
    tracked = eb.train_sgd(eb.mlp([2, 1], seed=0), X, D, epochs=2, eta=0.05,
                           track_cost=True)
    assert not (tracked + h).cost_tracked and not (h + tracked).cost_tracked
    assert len((tracked + tracked).cost) == 5
    assert not eb.History().extend(h).cost_tracked
    assert eb.History().extend(tracked).cost == tracked.cost
