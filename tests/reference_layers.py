"""Independent autograd references for the shared-weight and RBF layers, written from their
definitions with explicit loops over maps and kernel positions (no connection lists)."""
import autograd.numpy as anp

import reference as ref
from ebtricks.layers import RBF, Conv2D, Dense, Subsample


def conv(x, p, L):
    (h, w), (kh, kw), (sh, sw), (ph, pw) = L.in_size, L.kernel, L.stride, L.padding
    oh, ow = L.out_size
    X = anp.reshape(x, (L.in_maps, h, w))
    Xp = anp.concatenate([anp.zeros((L.in_maps, ph, w)), X, anp.zeros((L.in_maps, ph, w))], axis=1)
    Xp = anp.concatenate([anp.zeros((L.in_maps, h + 2 * ph, pw)), Xp,
                          anp.zeros((L.in_maps, h + 2 * ph, pw))], axis=2)
    outs, k = [], 0
    kernels = []
    for t in L.table:
        kernels.append(anp.reshape(p[k:k + len(t) * kh * kw], (len(t), kh, kw)))
        k += len(t) * kh * kw
    b = p[k:k + L.out_maps]
    for o, t in enumerate(L.table):
        rows = []
        for r in range(oh):
            cols = []
            for s in range(ow):
                acc = b[o]
                for ci, c in enumerate(t):
                    patch = Xp[c, r * sh:r * sh + kh, s * sw:s * sw + kw]
                    acc = acc + anp.sum(kernels[o][ci] * patch)
                cols.append(acc)
            rows.append(anp.stack(cols))
        outs.append(anp.stack(rows))
    return ref.activation(L.activation, anp.reshape(anp.stack(outs), (-1,)), L.a)


def subsample(x, p, L):
    (h, w), f = L.in_size, L.factor
    X = anp.reshape(x, (L.maps, h // f, f, w // f, f))
    S = anp.sum(anp.sum(X, axis=4), axis=2)               # (maps, h/f, w/f) block sums
    if L.trainable:
        Y = S * anp.reshape(p[:L.maps], (L.maps, 1, 1)) + anp.reshape(p[L.maps:], (L.maps, 1, 1))
    else:
        Y = S / (f * f)
    return ref.activation(L.activation, anp.reshape(Y, (-1,)), L.a)


def rbf(x, p, L):
    C = anp.reshape(p[:L.n_out * L.n_in], (L.n_out, L.n_in))
    s = p[L.n_out * L.n_in:]
    return anp.exp(-anp.sum((x[None, :] - C) ** 2, axis=1) / (2 * s ** 2))


def dense(x, p, L):
    W = anp.reshape(p[:L.n_out * L.n_in], (L.n_out, L.n_in))
    return ref.activation(L.activation, anp.dot(W, x) + p[L.n_out * L.n_in:], L.a)


APPLY = {Conv2D: conv, Subsample: subsample, RBF: rbf, Dense: dense}


def outputs(params, X, layers):
    rows = []
    for x in X:
        h, k = x, 0
        for L in layers:
            h = APPLY[type(L)](h, params[k:k + L.n_params], L)
            k += L.n_params
        rows.append(h)
    return anp.stack(rows)


def cost(params, X, D, layers, loss="mse"):
    Y = outputs(params, X, layers)
    if loss == "mse":
        return 0.5 * anp.mean(anp.sum((Y - D) ** 2, axis=1))
    m = anp.max(Y, axis=1, keepdims=True)
    logp = Y - m - anp.log(anp.sum(anp.exp(Y - m), axis=1, keepdims=True))
    return -anp.mean(anp.sum(D * logp, axis=1))
