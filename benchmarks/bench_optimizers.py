"""Evaluation counts of the batch methods side by side with scipy.optimize, same run.

Rosenbrock from (-1.2, 1), and a 1-2-1 regression network started near its minimum.
Prints gradients (and line-search evaluations) each method needed to reach a gradient norm
of 1e-8, and the final cost.

    python benchmarks/bench_optimizers.py
"""
from __future__ import annotations

import numpy as np
from scipy import optimize as so

import ebtricks as eb


def network_problem():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (60, 1))
    D = 0.8 * np.tanh(1.5 * X - 0.5) - 0.4 * np.tanh(X + 1) + 0.05 * rng.normal(size=X.shape)
    net = eb.mlp([1, 2, 1], activation="tanh", output_activation="identity", seed=2)
    eb.train(net, X, D, eb.LevenbergMarquardt(), epochs=100)
    w0 = net.params + 0.05 * rng.normal(size=net.n_params)
    return eb.NetworkObjective(net, X, D), w0, net


def main():
    rows = []
    for label in ("Rosenbrock", "1-2-1 network"):
        for ours, theirs in ((eb.ConjugateGradient(), "CG"), (eb.BFGS(), "BFGS"),
                             (eb.LBFGS(), "L-BFGS-B"), (eb.Newton(), "Newton-CG")):
            if label == "Rosenbrock":
                obj = eb.FunctionObjective(so.rosen, so.rosen_der, 2, hess=so.rosen_hess)
                w0, f, jac, hess = np.array([-1.2, 1.0]), so.rosen, so.rosen_der, so.rosen_hess
            else:
                obj, w0, net = network_problem()
                f = lambda w, o=obj: o.net.cost(o.X, o.D, w)                    # noqa: E731
                jac = lambda w, o=obj: o.net.gradient(o.X, o.D, w)[1]           # noqa: E731
                hess = lambda w, o=obj: eb.curvature.hessian(o.net, o.X, o.D, w)  # noqa: E731
            w, h = eb.minimize(obj, w0, ours, iterations=20000, tol=1e-8)
            opts = {"maxiter": 20000}
            opts["xtol" if theirs == "Newton-CG" else "gtol"] = 1e-8 if theirs != "L-BFGS-B" else 1e-8
            ref = so.minimize(f, w0, jac=jac, hess=hess if theirs == "Newton-CG" else None,
                              method=theirs, options=opts)
            rows.append((label, type(ours).__name__, obj.counts["gradients"], h.cost[-1],
                         theirs, ref.njev, ref.fun))
    print(f"\n{'problem':<15} {'ebtricks':<18} {'gradients':>9} {'final E':>11}   "
          f"{'scipy':<10} {'gradients':>9} {'final E':>11}")
    print("-" * 92)
    for r in rows:
        print(f"{r[0]:<15} {r[1]:<18} {r[2]:>9} {r[3]:>11.3e}   {r[4]:<10} {r[5]:>9} {r[6]:>11.3e}")


if __name__ == "__main__":
    main()
