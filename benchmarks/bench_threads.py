"""Does ebtricks gain from more than one BLAS thread, on a quiet and on a busy machine?

The batched passes (gradient, H-vector product, diagonal Hessian over many samples) call
BLAS matrix products, from NumPy and from inside Numba kernels (through SciPy's BLAS).
OpenBLAS starts one thread per core by default. On a machine whose cores are busy with
other work, those threads wait for each other; this script measures what that costs.

For each pass it times the same call with the BLAS thread pools limited to 1 thread and
left at their default (one per core), with ``--load N`` extra processes spinning on the
CPU (default: 0 and then the number of cores). It prints the best of several runs and the
ratio default / 1 thread (above 1: one thread is faster).

    python benchmarks/bench_threads.py
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import ebtricks as eb
from ebtricks import curvature as cv


def _spin(stop):
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def _best(fn, repeats):
    fn()
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _cases():
    images, labels = eb.data.mnist_5k()
    out = []
    for p in (300, 3000):
        X = images[:p].reshape(p, -1) / 127.5 - 1.0
        D = eb.data.targets_pm1(labels[:p], 10)
        net = eb.mlp([784, 30, 10], seed=0)
        v = np.random.default_rng(0).normal(size=net.n_params)
        out += [
            (f"gradient, 784-30-10, P={p}", lambda n=net, X=X, D=D: n.gradient(X, D)),
            (f"H·v, 784-30-10, P={p}",
             lambda n=net, X=X, D=D, v=v: cv.hessian_vector_product(n, X, D, v)),
            (f"diagonal, 784-30-10, P={p}", lambda n=net, X=X, D=D: cv.diag_hessian(n, X, D)),
        ]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=int, nargs="*", default=[0, os.cpu_count()],
                        help="numbers of busy processes to run beside the timings")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    cases = _cases()
    for _, fn in cases:                      # compile, and load SciPy's BLAS into the pools
        fn()
    pools = {(i["internal_api"], i["num_threads"]) for i in threadpool_info()}
    print(f"{os.cpu_count()} cores; BLAS pools: {sorted(pools)}; "
          f"load average before: {os.getloadavg()[0]:.1f}")
    for load in args.load:
        stop = mp.Event()
        spinners = [mp.Process(target=_spin, args=(stop,)) for _ in range(load)]
        for s in spinners:
            s.start()
        try:
            print(f"\n{load} busy process(es) beside the timings")
            print(f"{'pass':34s} {'1 thread':>10s} {'default':>10s} {'default/1':>10s}")
            for name, fn in cases:
                with threadpool_limits(limits=1, user_api="blas"):
                    one = _best(fn, args.repeats)
                many = _best(fn, args.repeats)
                print(f"{name:34s} {one * 1e3:8.2f}ms {many * 1e3:8.2f}ms {many / one:10.2f}")
        finally:
            stop.set()
            for s in spinners:
                s.join()


if __name__ == "__main__":
    main()
