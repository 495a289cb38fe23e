"""Wrong input gets a clear error that names the argument: never a silent wrong number, a
NumPy broadcasting message or a Numba traceback. One row per case: what is called, the
exception expected, and a pattern its message must contain (the argument's name)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ebtricks as eb
from ebtricks import curvature as cv
from ebtricks import data

X4 = np.random.default_rng(0).standard_normal((12, 4))
D2 = np.sign(np.random.default_rng(1).standard_normal((12, 2)))
NET = eb.mlp([4, 3, 2], seed=0)
N = NET.n_params
NAN = math.nan
INF = math.inf


def _net():
    return NET.copy()


def _sgd(**kw):
    args = dict(epochs=1, eta=0.01)
    args.update(kw)
    return lambda: eb.train_sgd(_net(), X4, D2, **args)


def _set_params(value):
    def run():
        net = _net()
        net.params = value
    return run


CASES = []


def case(exc, pattern, ids=None):
    def add(fn_or_list):
        items = fn_or_list if isinstance(fn_or_list, list) else [fn_or_list]
        for k, fn in enumerate(items):
            CASES.append(pytest.param(fn, exc, pattern, id=f"{ids or pattern}-{len(CASES)}"))
    return add


# ---- train_sgd: every hyper-parameter -------------------------------------------------------
for bad in (0, -1.0, NAN, INF, "0.1", None):
    case(TypeError if isinstance(bad, str) or bad is None else ValueError, "eta", "sgd-eta")(_sgd(eta=bad))
for bad in (-1, 1.5, "3"):
    case(ValueError if bad == -1 else TypeError, "epochs", "sgd-epochs")(_sgd(epochs=bad))
for bad in (0, -2, 2.0):
    case(ValueError if isinstance(bad, int) else TypeError, "batch_size", "sgd-batch")(_sgd(batch_size=bad))
for bad in (-0.1, 1.0, 1.5, NAN):
    case(ValueError, "momentum", "sgd-momentum")(_sgd(momentum=bad))
for bad in ("random", "", ["shuffle"]):
    case(ValueError if isinstance(bad, str) else TypeError, "order", "sgd-order")(_sgd(order=bad))
for bad in ("linear", 3):
    case(ValueError if isinstance(bad, str) else TypeError, "schedule", "sgd-schedule")(_sgd(schedule=bad))
case(ValueError, "tau", "sgd-tau")(_sgd(schedule="inverse_time"))
case(ValueError, "tau", "sgd-tau")(_sgd(schedule="inverse_time", tau=-5.0))
case(ValueError, "record_every", "sgd-rec")(_sgd(record_weights=True, record_every=0))
case(ValueError, "emphasis", "sgd-emph")(_sgd(order="emphasize", emphasis=0.0))
case(ValueError, "emphasis", "sgd-emph-fraction")(_sgd(order="emphasize", emphasis=0.4))
case(ValueError, "emphasis", "sgd-emph-2.5")(_sgd(order="emphasize", emphasis=2.5))
case(TypeError, "emphasis", "sgd-emph-str")(_sgd(order="emphasize", emphasis="2"))
case(ValueError, "diverge_factor", "sgd-div")(_sgd(diverge_factor=-1.0))
case(ValueError, "seed", "sgd-seed")(_sgd(seed=-1))
case(TypeError, "seed", "sgd-seed")(_sgd(seed="abc"))
case(ValueError, "patience", "sgd-pat")(_sgd(patience=3))
case(ValueError, "X_val", "sgd-val")(_sgd(X_val=X4))
case(ValueError, "X_val", "sgd-val")(_sgd(X_val=X4[:, :3], D_val=D2))
case(ValueError, "D_val", "sgd-val")(_sgd(X_val=X4, D_val=D2[:, :1]))
case(TypeError, "murata", "sgd-murata")(_sgd(murata="yes"))
case(ValueError, "rates", "sgd-rates")(_sgd(rates=np.ones(N + 1)))
case(ValueError, "rates", "sgd-rates")(_sgd(rates="per_weight"))
case(ValueError, "rates", "sgd-rates")(_sgd(rates=-np.ones(N)))
case(TypeError, "net", "sgd-net")(lambda: eb.train_sgd("net", X4, D2, epochs=1, eta=0.1))

# ---- data given to a network ----------------------------------------------------------------
for fn in (lambda X, D: _net().cost(X, D), lambda X, D: _net().gradient(X, D),
           lambda X, D: eb.train_sgd(_net(), X, D, epochs=1, eta=0.01),
           lambda X, D: cv.hessian(_net(), X, D), lambda X, D: cv.diag_hessian(_net(), X, D)):
    case(ValueError, "X", "data-cols")(lambda fn=fn: fn(X4[:, :3], D2))
    case(ValueError, "D", "data-rows")(lambda fn=fn: fn(X4, D2[:5]))
    case(ValueError, "X", "data-nan")(lambda fn=fn: fn(np.where(X4 > 1, NAN, X4), D2))
    case(ValueError, "D", "data-inf")(lambda fn=fn: fn(X4, np.where(D2 > 0, INF, D2)))
    case(TypeError, "X", "data-str")(lambda fn=fn: fn("inputs", D2))
    case(ValueError, "X", "data-empty")(lambda fn=fn: fn(np.zeros((0, 4)), np.zeros((0, 2))))
case(ValueError, "X", "fwd-3d")(lambda: _net().forward(np.zeros((2, 2, 4))))
case(TypeError, "X", "fwd-complex")(lambda: _net().forward(np.zeros((2, 4), complex)))
case(TypeError, "X", "fwd-obj")(lambda: _net().forward(np.array([[1, "a", 2, 3]], dtype=object)))
case(ValueError, "labels", "err-rate")(lambda: _net().error_rate(X4, np.zeros(5)))
case(ValueError, "softmax_ce",
     "softmax-pm1")(lambda: eb.mlp([4, 2], loss="softmax_ce").cost(X4, D2))

# ---- params -----------------------------------------------------------------------------------
for bad, exc in ((np.zeros(N + 1), ValueError), (np.zeros(N - 1), ValueError),
                 (np.zeros((N, 1)), ValueError), ("weights", TypeError),
                 (np.full(N, NAN), ValueError), (None, TypeError), (np.zeros(N, complex), TypeError)):
    case(exc, "params", "params-set")(_set_params(bad))
    if bad is not None:      # params=None means "the net's own weights"
        case(exc, "params", "params-arg")(lambda bad=bad: _net().cost(X4, D2, bad))
case(ValueError, "params", "set_params")(lambda: _net().set_params(np.zeros(3)))

# ---- building networks --------------------------------------------------------------------------
for bad, exc in ((None, TypeError), (4, TypeError), ("784-30-10", TypeError), ([5], ValueError),
                 ([4, 0, 2], ValueError), ([4, -3, 2], ValueError), ([4, 2.5, 2], TypeError),
                 ([], ValueError)):
    case(exc, "sizes", "mlp-sizes")(lambda bad=bad: eb.mlp(bad))
for kw, exc, pat in ((dict(activation="relu6"), ValueError, "activation"),
                     (dict(activation=["tanh", "identity"]), TypeError, "activation"),
                     (dict(output_activation="soft"), ValueError, "activation"),
                     (dict(loss="hinge"), ValueError, "loss"), (dict(loss=None), TypeError, "loss"),
                     (dict(init="xavier"), ValueError, "init"),
                     (dict(init_scale=-1.0), ValueError, "init_scale"),
                     (dict(init_scale=NAN), ValueError, "init_scale"),
                     (dict(seed=-3), ValueError, "seed"), (dict(seed=1.5), TypeError, "seed")):
    case(exc, pat, "mlp-kw")(lambda kw=kw: eb.mlp([4, 3, 2], **kw))
for make, exc, pat in (
        (lambda: eb.Dense(0, 3), ValueError, "n_in"),
        (lambda: eb.Dense(3, -1), ValueError, "n_out"),
        (lambda: eb.Dense(3.0, 2), TypeError, "n_in"),
        (lambda: eb.Dense(3, 2, activation="sigmoidal"), ValueError, "activation"),
        (lambda: eb.Network([]), ValueError, "layers"),
        (lambda: eb.Network(["dense"]), TypeError, "layers"),
        (lambda: eb.Network([eb.Dense(4, 3), eb.Dense(2, 1)]), ValueError, "n_in"),
        (lambda: eb.Conv2D(1, 2, 6, kernel=3), ValueError, "kernel"),
        (lambda: eb.Conv2D(0, 6, 2), ValueError, "in_maps"),
        (lambda: eb.Conv2D(1, 6, 2, kernel=3, stride=0), ValueError, "stride"),
        (lambda: eb.Conv2D(1, 6, 2, kernel=3, padding=-1), ValueError, "padding"),
        (lambda: eb.Subsample(2, 5, 2), ValueError, "divisible"),
        (lambda: eb.Subsample(0, 4, 2), ValueError, "maps"),
        (lambda: eb.Subsample(1, 4, 2, activation="relu6"), ValueError, "activation"),
        (lambda: eb.RBF(3, 2, sigma=0.0), ValueError, "sigma"),
        (lambda: eb.RBF(3, 0), ValueError, "n_out"),
        (lambda: eb.activations.CODES.__setitem__("relu", 6), TypeError, "CODES"),
        (lambda: eb.activations.CODES.update(relu=6), TypeError, "CODES")):
    case(exc, pat, "layer")(make)

# ---- methods: constructors validate when they are called --------------------------------------
for make, exc, pat in (
        (lambda: eb.SGD(eta=0), ValueError, "eta"), (lambda: eb.SGD(eta=-1), ValueError, "eta"),
        (lambda: eb.SGD(eta=0.1, batch_size=0), ValueError, "batch_size"),
        (lambda: eb.SGD(eta=0.1, momentum=1.0), ValueError, "momentum"),
        (lambda: eb.SGD(eta=0.1, schedule="exp"), ValueError, "schedule"),
        (lambda: eb.SGD(eta=0.1, tau=0.0), ValueError, "tau"),
        (lambda: eb.SGD(eta=0.1, order="random"), ValueError, "order"),
        (lambda: eb.SDLM(eta=0), ValueError, "eta"),
        (lambda: eb.SDLM(eta=0.1, mu=-1), ValueError, "mu"),
        (lambda: eb.SDLM(eta=0.1, gamma=0), ValueError, "gamma"),
        (lambda: eb.SDLM(eta=0.1, gamma=1.5), ValueError, "gamma"),
        (lambda: eb.SDLM(eta=0.1, refresh_every=0), ValueError, "refresh_every"),
        (lambda: eb.SDLM(eta=0.1, n_estimate=0), ValueError, "n_estimate"),
        (lambda: eb.SDLM(eta=0.1, order=0), TypeError, "order"),
        (lambda: eb.GradientDescent(eta=0), ValueError, "eta"),
        (lambda: eb.GradientDescent(eta=INF), ValueError, "eta"),
        (lambda: eb.ConjugateGradient(variant="hestenes"), ValueError, "variant"),
        (lambda: eb.ConjugateGradient(c1=0.5, c2=0.1), ValueError, "c1"),
        (lambda: eb.ConjugateGradient(restart=0), ValueError, "restart"),
        (lambda: eb.ConjugateGradient(refine=-1), ValueError, "refine"),
        (lambda: eb.ConjugateGradient(exact_tol=-1), ValueError, "exact_tol"),
        (lambda: eb.BFGS(c2=1.0), ValueError, "c2"),
        (lambda: eb.LBFGS(memory=0), ValueError, "memory"),
        (lambda: eb.LBFGS(c1=0.0), ValueError, "c1"),
        (lambda: eb.Newton(non_convex="ignore"), ValueError, "non_convex"),
        (lambda: eb.Newton(damping=-1), ValueError, "damping"),
        (lambda: eb.GaussNewton(rcond=-1), ValueError, "rcond"),
        (lambda: eb.GaussNewton(rcond=2.0), ValueError, "rcond"),
        (lambda: eb.LevenbergMarquardt(lam=0), ValueError, "lam"),
        (lambda: eb.LevenbergMarquardt(factor=1.0), ValueError, "factor"),
        (lambda: eb.LevenbergMarquardt(max_tries=0), ValueError, "max_tries"),
        (lambda: eb.Murata(delta=0), ValueError, "delta"),
        (lambda: eb.train(_net(), X4, D2, "sgd", epochs=1), TypeError, "method"),
        (lambda: eb.train("net", X4, D2, eb.SGD(eta=0.1), epochs=1), TypeError, "net"),
        (lambda: eb.train(_net(), X4, D2, eb.BFGS(), epochs=-1), ValueError, "iterations"),
        (lambda: eb.train(_net(), X4, D2, eb.BFGS(), epochs=2, tol=-1.0), ValueError, "tol"),
        (lambda: eb.train(_net(), X4, D2, eb.SDLM(eta=0.1), epochs=-1), ValueError, "epochs"),
        (lambda: eb.minimize(eb.NetworkObjective(_net(), X4, D2), np.zeros(3), eb.BFGS(), 2),
         ValueError, "w0"),
        (lambda: eb.NetworkObjective("net", X4, D2), TypeError, "net"),
        (lambda: eb.minimize(eb.FunctionObjective(lambda w: NAN, lambda w: w, n=2), np.ones(2),
                             eb.ConjugateGradient(), 3), ValueError, "NaN"),
        (lambda: eb.train(eb.mlp([200, 90, 10]), np.zeros((3, 200)), np.zeros((3, 10)),
                          eb.BFGS(), epochs=1), ValueError, "LBFGS"),
        (lambda: eb.FunctionObjective(None, lambda w: w, n=2), TypeError, "f must"),
        (lambda: eb.FunctionObjective(lambda w: 0.0, lambda w: w, n=0), ValueError, "n")):
    case(exc, pat, "method")(make)

# ---- curvature -----------------------------------------------------------------------------------
for make, exc, pat in (
        (lambda: cv.hessian_vector_product(_net(), X4, D2, np.ones(N + 2)), ValueError, "v"),
        (lambda: cv.hessian_vector_product(_net(), X4, D2, np.ones(N), method="magic"),
         ValueError, "method"),
        (lambda: cv.gauss_newton_vector_product(_net(), X4, D2, "v"), TypeError, "v"),
        (lambda: cv.diag_hessian(_net(), X4, D2, method="guess"), ValueError, "method"),
        (lambda: cv.hessian_fd(_net(), X4, D2, h=0.0), ValueError, "h"),
        (lambda: cv.principal_eigen(_net(), X4, D2, method="qr"), ValueError, "method"),
        (lambda: cv.principal_eigen(_net(), X4, D2, iters=0), ValueError, "iters"),
        (lambda: cv.principal_eigen(_net(), X4, D2, method="taylor", alpha=0.0), ValueError, "alpha"),
        (lambda: cv.principal_eigen(_net(), X4, D2, hvp="approx"), ValueError, "hvp"),
        (lambda: cv.power_method(lambda v: v, 0), ValueError, "n"),
        (lambda: cv.power_method(lambda v: np.ones(5), 3), ValueError, "matvec"),
        (lambda: cv.power_method(lambda v: v, 3, iters=0), ValueError, "iters"),
        (lambda: cv.online_principal_eigenvalue(_net(), X4, D2, presentations=0), ValueError,
         "presentations"),
        (lambda: cv.online_principal_eigenvalue(_net(), X4, D2, gamma=0.0), ValueError, "gamma"),
        (lambda: cv.online_principal_eigenvalue(_net(), X4, D2, alpha=-1.0), ValueError, "alpha"),
        (lambda: cv.lanczos(lambda v: v, 4, k=0), ValueError, "k"),
        (lambda: cv.lanczos(lambda v: v, 4, k=5), ValueError, "k"),
        (lambda: cv.top_eigenvalues(_net(), X4, D2, k=0), ValueError, "k"),
        (lambda: cv.top_eigenvalues(_net(), X4, D2, k=1, vectors="yes"), TypeError,
         "vectors"),
        (lambda: cv.hessian_spectrum(_net(), X4, D2, matrix="fisher"), ValueError, "matrix"),
        (lambda: cv.layer_mean_diag(_net(), X4, D2, method="x"), ValueError, "method"),
        (lambda: cv.output_jacobian(_net(), np.zeros(3)), ValueError, "x"),
        (lambda: cv.optimal_learning_rate(lambda_max=-1.0), ValueError, "lambda_max"),
        (lambda: cv.optimal_learning_rate(diag=np.ones(3), mu=-1.0), ValueError, "mu")):
    case(exc, pat, "curvature")(make)

# ---- data and preprocessing --------------------------------------------------------------------
for make, exc, pat in (
        (lambda: data.two_gaussians(n=0), ValueError, "n"),
        (lambda: data.two_gaussians(n=2.5), TypeError, "n"),
        (lambda: data.two_gaussians(seed=-1), ValueError, "seed"),
        (lambda: data.two_gaussians(seed="abc"), TypeError, "seed"),
        (lambda: data.two_gaussians(std=-0.1), ValueError, "std"),
        (lambda: data.one_one_one(n_per_class=0), ValueError, "n_per_class"),
        (lambda: data.one_one_one(std=0.0), ValueError, "std"),
        (lambda: data.targets_pm1(np.array([], dtype=int)), ValueError, "labels"),
        (lambda: data.targets_pm1(np.array([0.5, 1.0])), ValueError, "labels"),
        (lambda: data.targets_pm1(np.array([[0, 1]])), ValueError, "labels"),
        (lambda: data.targets_pm1(np.array([-1, 2])), ValueError, "labels"),
        (lambda: data.targets_pm1(np.array([0, 3]), n_classes=2), ValueError, "n_classes"),
        (lambda: data.targets_pm1(np.array([0, 1]), n_classes=0), ValueError, "n_classes"),
        (lambda: data.stratified_split(np.array([0, 1, 0, 1]), n_train=10), ValueError, "n_train"),
        (lambda: data.stratified_split(np.array([0, 1, 0, 1]), n_train=-1), ValueError, "n_train"),
        (lambda: data.stratified_split(np.array([0, 1, 0, 1]), 2, seed=-1), ValueError, "seed"),
        (lambda: data.downsample(np.zeros((2, 28, 28)), size=0), ValueError, "size"),
        (lambda: data.downsample(np.zeros((2, 28)), size=14), ValueError, "images"),
        (lambda: data.pad(np.zeros((2, 16, 16)), size=8), ValueError, "size"),
        (lambda: eb.InputTransform(["center", "normalize"]), ValueError, "step"),
        (lambda: eb.InputTransform(["center", "center"]), ValueError, "steps"),
        (lambda: eb.InputTransform(floor=-1.0), ValueError, "floor"),
        (lambda: eb.InputTransform().fit(np.zeros((1, 3))), ValueError, "X"),
        (lambda: eb.InputTransform().fit(np.zeros(5)), ValueError, "X"),
        (lambda: eb.InputTransform().transform(X4), RuntimeError, "fit"),
        (lambda: eb.InputTransform().fit(X4).transform(X4[:, :2]), ValueError, "columns"),
        (lambda: eb.InputTransform().fit(np.where(X4 > 1, NAN, X4)), ValueError, "X"),
        (lambda: eb.whiten(floor=NAN), ValueError, "floor")):
    case(exc, pat, "data")(make)


def test_table_is_large_enough():
    assert len(CASES) >= 150, len(CASES)


@pytest.mark.parametrize("call,exc,pattern", CASES)
def test_bad_input_raises_a_clear_error(call, exc, pattern):
    with pytest.raises(Exception) as info:
        call()
    err = info.value
    assert isinstance(err, exc), f"expected {exc.__name__}, got {type(err).__name__}: {err}"
    assert pattern in str(err), f"the message does not name {pattern!r}: {err}"
    assert "numba" not in type(err).__module__, f"a Numba error leaked: {err}"
