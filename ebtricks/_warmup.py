"""Compile (or load from the disk cache) the kernels each feature of ebtricks uses, and
say how long each took.

    python -m ebtricks._warmup

From an empty cache this is the compile time a student meets once per install, feature
by feature; with a warm cache it is the time to load the cached machine code. The book
build runs it before executing the notebooks, so that no page's execution time includes
compiling, and two notebooks running side by side do not compile the same kernels twice.
"""
from __future__ import annotations

import sys
import time
import warnings

import numpy as np


def _features():
    import ebtricks as eb
    from ebtricks import curvature as cv

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    D = np.sign(X[:, :2])
    dense = eb.mlp([4, 5, 2], seed=0)
    conv = eb.Network([eb.Conv2D(1, 6, 2, kernel=3), eb.Subsample(2, 4, 2), eb.Dense(8, 2)],
                      seed=0)
    Xc = rng.standard_normal((10, 36))
    Dc = np.sign(rng.standard_normal((10, 2)))
    rbf = eb.Network([eb.RBF(4, 3), eb.Dense(3, 2, "identity")], seed=0)

    def quiet(fn):
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn()
        return run

    return [
        ("dense: forward, cost, gradient", lambda: dense.gradient(X, D)),
        # track_cost=True (not the default) also compiles each net's forward-only cost pass
        ("dense: online SGD", lambda: eb.train_sgd(dense.copy(), X, D, epochs=1, eta=0.01,
                                                   track_cost=True)),
        ("dense: SGD with momentum, mini-batches, recording",
         lambda: eb.train_sgd(dense.copy(), X, D, epochs=1, eta=0.01, momentum=0.5,
                              batch_size=4, record_weights="update")),
        ("dense: per-weight rates", lambda: eb.train_sgd(dense.copy(), X, D, epochs=1, eta=0.01,
                                                         rates="fan_in")),
        ("dense: SDLM", lambda: eb.train(dense.copy(), X, D, eb.SDLM(eta=0.01), epochs=1,
                                         track_cost=True)),
        ("dense: H v, G v, diagonal", lambda: (cv.hessian_vector_product(dense, X, D, np.ones(dense.n_params)),
                                               cv.gauss_newton_vector_product(dense, X, D, np.ones(dense.n_params)),
                                               cv.diag_hessian(dense, X, D))),
        ("dense: exact Hessian", lambda: cv.hessian(dense, X, D)),
        ("dense: principal eigenvalue", quiet(lambda: cv.principal_eigen(dense, X, D, iters=3))),
        ("shared weights: gradient and SGD",
         lambda: (conv.gradient(Xc, Dc), eb.train_sgd(conv.copy(), Xc, Dc, epochs=1, eta=0.01,
                                                      track_cost=True))),
        ("shared weights: H v and diagonal",
         lambda: (cv.hessian_vector_product(conv, Xc, Dc, np.ones(conv.n_params)),
                  cv.diag_hessian(conv, Xc, Dc))),
        ("RBF: gradient and SGD", lambda: (rbf.gradient(X, D),
                                           eb.train_sgd(rbf.copy(), X, D, epochs=1, eta=0.01,
                                                        track_cost=True))),
    ]


def warm_up(out=sys.stdout) -> dict[str, float]:
    """Run every feature once; return the seconds each took (compile or cache load).

    Each line also gives the CPU seconds this process spent: compiling is single-threaded,
    so on a busy machine the CPU time is the steadier measure of the work."""
    t0, c0 = time.perf_counter(), time.process_time()
    import ebtricks  # noqa: F401
    times = {"import ebtricks": time.perf_counter() - t0}
    cpu = {"import ebtricks": time.process_time() - c0}
    print("compiling ebtricks kernels (once per install; later runs load them from disk)",
          file=out, flush=True)
    for name, run in _features():
        t, c = time.perf_counter(), time.process_time()
        run()
        times[name] = time.perf_counter() - t
        cpu[name] = time.process_time() - c
        print(f"  {name:<52} {times[name]:6.1f} s  (CPU {cpu[name]:6.1f} s)", file=out,
              flush=True)
    print(f"  {'total, with the import':<52} {sum(times.values()):6.1f} s  "
          f"(CPU {sum(cpu.values()):6.1f} s)", file=out, flush=True)
    return times


if __name__ == "__main__":
    import os
    os.environ.setdefault("EBTRICKS_PROGRESS", "0")   # the per-feature lines say it all
    warm_up()
