"""Compile (or load from the disk cache) the kernels each feature of ebtricks uses, and
say how long each took.

    python -m ebtricks._warmup             # every feature, in this process
    python -m ebtricks._warmup --jobs 2    # the features in two groups, two processes
    python -m ebtricks._warmup --passes 3:0,3:1   # only these layer passes (indirect.py)

From an empty cache this is the compile time a student meets once per install, feature
by feature; with a warm cache it is the time to load the cached machine code. The book
build runs it with ``--jobs 2`` before executing the notebooks, so that no page's
execution time includes compiling, and two notebooks running side by side do not compile
the same kernels twice.

Compiling is single-threaded, so on two cores the two groups of :data:`GROUPS` compile side
by side; they share few kernels (the dense passes, the units), which both may compile.
Numba writes each cache file atomically (a temporary file, then a rename), so two
processes filling one cache do not corrupt it: at worst one's index entry for a kernel both
compiled is lost, and that kernel compiles again the next time.
"""
from __future__ import annotations

import os
import sys
import time
import warnings

import numpy as np


def _features():
    import ebtricks as eb
    from ebtricks import activations
    from ebtricks import curvature as cv

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    D = np.sign(X[:, :2])
    dense = eb.mlp([4, 5, 2], seed=0)
    x = np.linspace(-2.0, 2.0, 9)
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
        # a few rows take the per-sample driver, more than BATCH_MIN the batched one
        ("dense: forward, cost, gradient", lambda: (dense.gradient(X, D),
                                                    dense.gradient(X[:4], D[:4]),
                                                    dense.cost(X[:4], D[:4]))),
        ("dense: outputs (forward, layer outputs), units on arrays",
         lambda: (dense.forward(X), dense.forward(X[:4]), dense.layer_outputs(X[:4]),
                  eb.Activation("tanh")(x), activations.apply_f(activations.CODES["tanh"], x,
                                                                0.0, np.empty_like(x)))),
        # track_cost=True (not the default) also compiles each net's forward-only cost pass
        ("dense: online SGD", lambda: eb.train_sgd(dense.copy(), X, D, epochs=1, eta=0.01,
                                                   track_cost=True)),
        ("dense: SGD with momentum, mini-batches, recording",
         lambda: eb.train_sgd(dense.copy(), X, D, epochs=1, eta=0.01, momentum=0.5,
                              batch_size=4, record_weights="update")),
        ("dense: per-weight rates", lambda: eb.train_sgd(dense.copy(), X, D, epochs=1, eta=0.01,
                                                         rates="fan_in")),
        ("dense: SDLM", lambda: (eb.train(dense.copy(), X, D, eb.SDLM(eta=0.01), epochs=1,
                                          track_cost=True),
                                 eb.train(dense.copy(), X, D, eb.SDLM(eta=0.01), epochs=1,
                                          record_weights="update"))),
        ("dense: H v, G v, diagonal", lambda: (cv.hessian_vector_product(dense, X, D, np.ones(dense.n_params)),
                                               cv.gauss_newton_vector_product(dense, X, D, np.ones(dense.n_params)),
                                               cv.diag_hessian(dense, X, D))),
        ("dense: exact Hessian", lambda: cv.hessian(dense, X, D)),
        ("dense: Gauss-Newton, Levenberg-Marquardt",
         quiet(lambda: eb.train(dense.copy(), X, D, eb.LevenbergMarquardt(), epochs=1))),
        ("dense: principal eigenvalue", quiet(lambda: cv.principal_eigen(dense, X, D, iters=3))),
        # one first call per line: the compile a student waits for at once
        ("shared weights: gradient", lambda: conv.gradient(Xc, Dc)),
        ("shared weights: outputs (forward, layer outputs)",
         lambda: (conv.forward(Xc), conv.layer_outputs(Xc))),
        ("shared weights: SGD", lambda: eb.train_sgd(conv.copy(), Xc, Dc, epochs=1, eta=0.01,
                                                     track_cost=True)),
        ("shared weights: H v",
         lambda: cv.hessian_vector_product(conv, Xc, Dc, np.ones(conv.n_params))),
        ("shared weights: G v",
         lambda: cv.gauss_newton_vector_product(conv, Xc, Dc, np.ones(conv.n_params))),
        ("shared weights: diagonal", lambda: cv.diag_hessian(conv, Xc, Dc)),
        ("shared weights: Gauss-Newton matrix", lambda: cv.gauss_newton(conv, Xc, Dc)),
        ("RBF: gradient and SGD", lambda: (rbf.gradient(X, D),
                                           eb.train_sgd(rbf.copy(), X, D, epochs=1, eta=0.01,
                                                        track_cost=True))),
    ]


# Two groups of about equal compile time (wall seconds on a slow 2-core machine: 46 and
# 49-51; it was 41 and 50 before the last three features moved to group 1): everything on
# dense nets, then three features of the other layer types, which by the time group 1
# reaches them mostly load what group 2 has compiled (their layer passes, the drivers for
# any layers) and compile little of their own; and the other layer types' first calls.
GROUPS = (("dense: forward, cost, gradient",
           "dense: outputs (forward, layer outputs), units on arrays", "dense: online SGD",
           "dense: SGD with momentum, mini-batches, recording", "dense: per-weight rates",
           "dense: SDLM", "dense: H v, G v, diagonal", "dense: exact Hessian",
           "dense: Gauss-Newton, Levenberg-Marquardt", "dense: principal eigenvalue",
           "shared weights: G v", "shared weights: Gauss-Newton matrix",
           "RBF: gradient and SGD"),
          ("shared weights: gradient", "shared weights: outputs (forward, layer outputs)",
           "shared weights: SGD", "shared weights: H v", "shared weights: diagonal"))


def warm_up(out=sys.stdout, only=None) -> dict[str, float]:
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
        if only is not None and name not in only:
            continue
        t, c = time.perf_counter(), time.process_time()
        run()
        times[name] = time.perf_counter() - t
        cpu[name] = time.process_time() - c
        print(f"  {name:<52} {times[name]:6.1f} s  (CPU {cpu[name]:6.1f} s)", file=out,
              flush=True)
    print(f"  {'total, with the import':<52} {sum(times.values()):6.1f} s  "
          f"(CPU {sum(cpu.values()):6.1f} s)", file=out, flush=True)
    return times


def warm_up_parallel(jobs: int, out=sys.stdout) -> float:
    """Run the groups of :data:`GROUPS` in ``jobs`` processes (at most one per group);
    print each process's lines and return the wall time."""
    import subprocess
    t0 = time.perf_counter()
    names = [n for n, _ in _features()]
    assert sorted(names) == sorted(n for g in GROUPS for n in g), "GROUPS must cover _features"
    groups = [[] for _ in range(min(jobs, len(GROUPS)))]
    for i, g in enumerate(GROUPS):
        groups[i % len(groups)].extend(g)
    # the processes already fill the cores: no helper processes of their own (indirect.py)
    env = dict(os.environ, EBTRICKS_PARALLEL_COMPILE="0")
    procs = [subprocess.Popen([sys.executable, "-m", "ebtricks._warmup", "--only",
                               ",".join(str(names.index(n)) for n in g)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env=env)
             for g in groups]
    failed = False
    for i, proc in enumerate(procs):
        text, _ = proc.communicate()
        print(f"[process {i + 1} of {len(procs)}]\n{text}", end="", file=out, flush=True)
        failed |= proc.returncode != 0
    wall = time.perf_counter() - t0
    print(f"all features in {len(procs)} processes: {wall:.1f} s wall", file=out, flush=True)
    if failed:
        raise SystemExit("a warm-up process failed (see above)")
    return wall


if __name__ == "__main__":
    import argparse
    os.environ.setdefault("EBTRICKS_PROGRESS", "0")   # the per-feature lines say it all
    os.environ.setdefault("EBTRICKS_COMPILE_NOTE", "0")
    parser = argparse.ArgumentParser(prog="python -m ebtricks._warmup")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes compiling side by side (groups of features)")
    parser.add_argument("--only", help="comma-separated feature numbers (used by --jobs)")
    parser.add_argument("--passes", help="compile only these layer passes, comma-separated "
                        "'type:pass' codes (the helper process of _engine/indirect.py)")
    opts = parser.parse_args()
    if opts.passes:
        from ebtricks._engine import indirect
        for code in opts.passes.split(","):
            indirect.address(*(int(part) for part in code.split(":")))
    elif opts.jobs > 1:
        warm_up_parallel(opts.jobs)
    else:
        names = [n for n, _ in _features()]
        warm_up(only=None if opts.only is None
                else [names[int(i)] for i in opts.only.split(",")])
