"""The convolution layer (Conv2D), every pass as matrix products over gathered patches.

A convolution is a shared-weight layer (:mod:`.shared` computes the same numbers from
its connection lists, and the tests hold the two paths together); here it runs from its
geometry instead, which no list larger than the weights streams through the cache for.

For training speed a Conv2D layer also carries its geometry (at GEO_OFF in aux):
in_maps, h, w, out_maps, oh, ow, kh, kw, sh, sw, ph, pw, the offsets of the patch index
and the kernel index, whether the connection table is full, then the two indices (see
layers.Conv2D), each in the memory order of the matrix it fills, so that one gather and
one scatter (_gather, _scatter_add) serve patches and kernels. Per sample the input
patches are gathered once ("im2col") into a matrix PT with one row per output position
and one column per (input map, kernel tap), zeros in the padding. With the kernels as a matrix Kd (output map x (input
map, tap); zeros where the connection table leaves a map out), a convolution is three
small matrix products:
    Y = Kd PT^T + b,    dE/dKd = G PT,    dE/dPT = G^T Kd    (G = dE/dY),
done by _mm_dot / _mm_axpy in blocks that vectorise; no connection list (larger than the
weights it indexes) streams through the cache. Activations go a whole layer at a time.
The forward pass leaves the patches in ys past the units (at the row's PATCH_OFF), where
the backward pass and the curvature passes find them; the scratch of those passes follows.
The R-operator and the backpropagated diagonal (eqs 54-56) use the same products.
"""
from __future__ import annotations

import numpy as np
from numba import carray, config, njit
from numba.extending import overload

from . import symbols
from .layout import (ACT, ACT_PARAM, B_OFF, G_FULL, G_KIDX, G_PIDX, GEO_OFF, IN_OFF, OUT_OFF,
                     PATCH_OFF, W_OFF)
from .units import act_d2f_from, act_d2f_into, act_df_into, act_f_into


# The helpers that only index (_geometry, _patch_index, _kernel_index, _patch_matrix) are
# inlined: as kernels of their own they cost half a second of compile each for no machine
# code. The others stay kernels (see README.md, "Compile time": inlining them all made the
# passes compile many times slower).
@njit(cache=True, inline="always")
def _geometry(aux, g):
    return (aux[g], aux[g + 1], aux[g + 2], aux[g + 3], aux[g + 4], aux[g + 5], aux[g + 6],
            aux[g + 7], aux[g + 8], aux[g + 9], aux[g + 10], aux[g + 11])


# (Both index the 2-D arrays directly: a row view per iteration costs reference counting
# that, in loops this short, takes a third of the time.)
@njit(cache=True, fastmath={"reassoc", "contract"})
def _mm_dot(A, BT, Y):
    """Y += A BT^T: dot products along the rows of A and BT, two by two, so each loaded
    element serves two products."""
    M, N = Y.shape
    K = A.shape[1]
    i = 0
    while i < M:
        i1 = min(i + 1, M - 1)
        j = 0
        while j < N:
            j1 = min(j + 1, N - 1)
            s00 = s01 = s10 = s11 = 0.0
            for k in range(K):
                s00 += A[i, k] * BT[j, k]
                s01 += A[i, k] * BT[j1, k]
                s10 += A[i1, k] * BT[j, k]
                s11 += A[i1, k] * BT[j1, k]
            Y[i, j] += s00
            if j1 > j:
                Y[i, j1] += s01
            if i1 > i:
                Y[i1, j] += s10
                if j1 > j:
                    Y[i1, j1] += s11
            j += 2
        i += 2


@njit(cache=True, fastmath={"reassoc", "contract"})
def _mm_axpy(A, B, Y):
    """Y += A B with inner loops along the rows of B: four rows of B per pass over a row of
    Y, two rows of Y at a time, so each store to Y carries four products (stores, not
    arithmetic, bound the plain one-row-at-a-time form)."""
    M, N = Y.shape
    K = B.shape[0]
    i = 0
    while i < M:
        i1 = min(i + 1, M - 1)
        two = i1 > i
        k = 0
        while k + 3 < K:
            a00, a01, a02, a03 = A[i, k], A[i, k + 1], A[i, k + 2], A[i, k + 3]
            if two:
                a10, a11, a12, a13 = A[i1, k], A[i1, k + 1], A[i1, k + 2], A[i1, k + 3]
                for j in range(N):
                    u0, u1, u2, u3 = B[k, j], B[k + 1, j], B[k + 2, j], B[k + 3, j]
                    Y[i, j] += a00 * u0 + a01 * u1 + a02 * u2 + a03 * u3
                    Y[i1, j] += a10 * u0 + a11 * u1 + a12 * u2 + a13 * u3
            else:
                for j in range(N):
                    Y[i, j] += (a00 * B[k, j] + a01 * B[k + 1, j] + a02 * B[k + 2, j]
                                + a03 * B[k + 3, j])
            k += 4
        while k < K:
            a00 = A[i, k]
            for j in range(N):
                Y[i, j] += a00 * B[k, j]
            if two:
                a10 = A[i1, k]
                for j in range(N):
                    Y[i1, j] += a10 * B[k, j]
            k += 1
        i += 2


# --- the two products, compiled once and called by symbol -----------------------------------
# They are the largest code of this file and each pass runs several, so the passes call
# them by an external symbol (symbols.py), not linked into each pass: :func:`mm_dot` and
# :func:`mm_axpy`. :func:`register_products` makes the symbols known before any code that
# calls them is compiled (the overloads below run it when such code is typed) or loaded
# from the disk cache (the kernels of this file that call them, through
# :func:`_register_before_loading`, and ``indirect._compile`` for the passes' C callables).


def _c_mm_dot(a, am, an, b, bm, bn, y, ym, yn):
    _mm_dot(carray(a, (am, an)), carray(b, (bm, bn)), carray(y, (ym, yn)))


def _c_mm_axpy(a, am, an, b, bm, bn, y, ym, yn):
    _mm_axpy(carray(a, (am, an)), carray(b, (bm, bn)), carray(y, (ym, yn)))


def register_products():
    """Compile (or load) the two products and make their symbols known to the JIT."""
    symbols.register("ebtricks_conv_mm_dot", _c_mm_dot)
    symbols.register("ebtricks_conv_mm_axpy", _c_mm_axpy)


_call_mm_dot = symbols.caller("ebtricks_conv_mm_dot")
_call_mm_axpy = symbols.caller("ebtricks_conv_mm_axpy")


def mm_dot(A, B, Y):
    """Y += A B^T (:func:`_mm_dot`); in compiled code, a call by symbol."""
    _mm_dot(A, B, Y)


def mm_axpy(A, B, Y):
    """Y += A B (:func:`_mm_axpy`); in compiled code, a call by symbol."""
    _mm_axpy(A, B, Y)


@overload(mm_dot, inline="always")
def _mm_dot_by_symbol(A, B, Y):
    register_products()   # before the code being typed is finalised
    return lambda A, B, Y: _call_mm_dot(A, B, Y)


@overload(mm_axpy, inline="always")
def _mm_axpy_by_symbol(A, B, Y):
    register_products()
    return lambda A, B, Y: _call_mm_axpy(A, B, Y)


def _register_before_loading(*kernels):
    """Make Numba register the products before it loads any of ``kernels`` from the disk
    cache (their machine code calls them by symbol, which must resolve when it loads)."""
    if config.DISABLE_JIT:
        return
    for kernel in kernels:
        cache = kernel._cache

        def load_overload(sig, target_context, _load=cache.load_overload):
            register_products()
            return _load(sig, target_context)
        cache.load_overload = load_overload


# Both indices (see layers.Conv2D) run in the memory order of the matrix they fill: the
# patch index over the patch matrix, the kernel index over the out_maps x C kernel matrix.
# One gather and one scatter serve both.
@njit(cache=True)
def _gather(src, idx, out):
    """out[i] = src[idx[i]], 0 where idx[i] < 0: the patches from the input maps (zeros in
    the padding), or the kernel matrix from the weights (zeros for maps not connected)."""
    for i in range(idx.size):
        j = idx[i]
        out[i] = src[j] if j >= 0 else 0.0


@njit(cache=True)
def _scatter_add(src, idx, out):
    """out[idx[i]] += src[i] where idx[i] >= 0: patch gradients back onto the input maps,
    or a kernel matrix's connected entries onto the weights."""
    for i in range(idx.size):
        j = idx[i]
        if j >= 0:
            out[j] += src[i]


@njit(cache=True, inline="always")
def _patch_index(aux, g, n, C):
    return aux[g + aux[g + G_PIDX]:g + aux[g + G_PIDX] + n * C]


@njit(cache=True, inline="always")
def _kernel_index(aux, g, out_maps, C):
    return aux[g + aux[g + G_KIDX]:g + aux[g + G_KIDX] + out_maps * C]


# Which way round the products go: along output positions when there are at least as many
# as (map, tap) pairs ("wide", e.g. a first layer with 784 positions and 25 taps), else along
# (map, tap) pairs; either way the inner loops are the longer dimension.
@njit(cache=True)
def _conv_layout(row, aux, ys):
    """Sizes of a convolution and its patch matrix in ys: (g, in_maps, h, w, out_maps, n
    positions, K2 taps, C = in_maps K2, wide, P)."""
    g = row[GEO_OFF]
    in_maps, h, w, out_maps, oh, ow, kh, kw = _geometry(aux, g)[:8]
    n, K2 = oh * ow, kh * kw
    C = in_maps * K2
    wide = n >= C
    po = row[PATCH_OFF]
    P = ys[po:po + n * C].reshape(C, n) if wide else ys[po:po + n * C].reshape(n, C)
    return g, in_maps, h, w, out_maps, n, K2, C, wide, P


@njit(cache=True)
def _kernels_matrix(aux, g, params, w0, out_maps, C):
    """The kernels as an out_maps x C matrix: a view of the parameters for a full table."""
    if aux[g + G_FULL]:
        return params[w0:w0 + out_maps * C].reshape(out_maps, C)
    Kd = np.empty(out_maps * C)
    _gather(params[w0:], _kernel_index(aux, g, out_maps, C), Kd)
    return Kd.reshape(out_maps, C)


@njit(cache=True, error_model="numpy", inline="always")
def forward(row, lfrow, aux, params, xs, ys):
    g, in_maps, h, w, out_maps, n, K2, C, wide, P = _conv_layout(row, aux, ys)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    m = out_maps * n
    po = row[PATCH_OFF]   # the patches, kept for the backward pass
    _gather(xs[i0:i0 + in_maps * h * w], _patch_index(aux, g, n, C), ys[po:po + n * C])
    Kd = _kernels_matrix(aux, g, params, w0, out_maps, C)
    Y = ys[o0:o0 + m].reshape(out_maps, n)
    for o in range(out_maps):
        Y[o, :] = params[b0 + o]
    _times_patches(Kd, P, Y, wide)
    s0 = row[PATCH_OFF] + n * C   # scratch past the patches
    act_f_into(code, ys[o0:o0 + m], lfrow[ACT_PARAM], xs[o0:o0 + m], ys[s0:s0 + m],
               ys[s0 + m:s0 + 2 * m].view(np.int64))


@njit(cache=True, error_model="numpy", inline="always")
def backward(row, lfrow, aux, params, xs, ys, dxs, dys, grad, need_dx):
    """Follows conv_forward on the same buffers: it reuses the patches that pass left in ys
    (every caller, through drivers.backward, runs forward first)."""
    g, in_maps, h, w, out_maps, n, K2, C, wide, P = _conv_layout(row, aux, ys)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    m = out_maps * n
    pidx = _patch_index(aux, g, n, C)
    dY = dys[o0:o0 + m]
    act_df_into(code, ys[o0:o0 + m], xs[o0:o0 + m], lfrow[ACT_PARAM], dY)
    for k in range(m):
        dY[k] *= dxs[o0 + k]
    G = dY.reshape(out_maps, n)
    _add_row_sums(G, grad, b0)
    if aux[g + G_FULL]:   # straight into the gradient
        _times_patches_t(G, P, grad[w0:w0 + out_maps * C].reshape(out_maps, C), wide)
    else:
        dK = np.zeros(out_maps * C)
        _times_patches_t(G, P, dK.reshape(out_maps, C), wide)
        _scatter_add(dK, _kernel_index(aux, g, out_maps, C), grad[w0:])
    if not need_dx:
        return
    Kd = _kernels_matrix(aux, g, params, w0, out_maps, C)
    dxm = dxs[i0:i0 + in_maps * h * w]
    dxm[:] = 0.0
    s0 = row[PATCH_OFF] + n * C + 2 * m   # scratch: dE/dpatches, then a transposed matrix
    dP = _patch_matrix(ys[s0:s0 + n * C], n, C, wide)
    _to_patches(Kd, G, dP, wide, ys[s0 + n * C:s0 + n * C + max(C, out_maps) ** 2])
    _scatter_add(ys[s0:s0 + n * C], pidx, dxm)


# --- the three products, either way round, and the scatter back ---------------------------
@njit(cache=True, inline="always")
def _patch_matrix(flat, n, C, wide):
    """A patch-shaped view of ``flat``: C x n when wide, else n x C."""
    return flat.reshape(C, n) if wide else flat.reshape(n, C)


@njit(cache=True)
def _times_patches(A, P, Y, wide):
    """Y (maps x positions) += A (maps x C) times the patches."""
    if wide:
        mm_axpy(A, P, Y)         # Y[o] += A[o, c] P[c]
    else:
        mm_dot(A, P, Y)          # Y[o, p] += A[o] . PT[p]


@njit(cache=True)
def _times_patches_t(G, P, dK, wide):
    """dK (maps x C) += G (maps x positions) times the patches transposed."""
    if wide:
        mm_dot(G, P, dK)         # dK[o, c] += G[o] . P[c]
    else:
        mm_axpy(G, P, dK)        # dK[o] += G[o, p] PT[p]


@njit(cache=True)
def _to_patches(A, G, dP, wide, tr):
    """dP (patch-shaped) = A^T G: what maps x positions values G send back to each patch
    entry through the kernels A; ``tr`` is scratch for a transposed matrix."""
    dP[:] = 0.0
    if wide:
        mm_axpy(_transposed(A, tr), G, dP)
    else:
        mm_axpy(_transposed(G, tr), A, dP)


@njit(cache=True)
def _add_row_sums(M, out, b0):
    """out[b0 + o] += sum of row o of M: a map's bias collects over all its positions."""
    for o in range(M.shape[0]):
        s = 0.0
        for p in range(M.shape[1]):
            s += M[o, p]
        out[b0 + o] += s


# --- curvature of a convolution: the R-operator and the backpropagated diagonal -----------
# The same products as training. The R-forward pass keeps R{x}'s patches in R{y}'s buffer
# (laid out like ys), where the R-backward pass finds them.
@njit(cache=True, error_model="numpy", inline="always")
def r_forward(row, lfrow, aux, params, v, xs, ys, rxs, rys, first):
    """R{y} = V * x + W * R{x} + v_b (convolutions);  R{x_out} = f'(y) R{y}."""
    g, in_maps, h, w, out_maps, n, K2, C, wide, P = _conv_layout(row, aux, ys)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    m = out_maps * n
    RY = rys[o0:o0 + m].reshape(out_maps, n)
    for o in range(out_maps):
        RY[o, :] = v[b0 + o]
    _times_patches(_kernels_matrix(aux, g, v, w0, out_maps, C), P, RY, wide)
    if not first:   # the input depends on the weights below
        po = row[PATCH_OFF]
        _gather(rxs[i0:i0 + in_maps * h * w], _patch_index(aux, g, n, C), rys[po:po + n * C])
        _times_patches(_kernels_matrix(aux, g, params, w0, out_maps, C),
                       _conv_layout(row, aux, rys)[9], RY, wide)
    act_df_into(code, ys[o0:o0 + m], xs[o0:o0 + m], lfrow[ACT_PARAM], rxs[o0:o0 + m])
    for k in range(m):
        rxs[o0 + k] *= rys[o0 + k]


@njit(cache=True, error_model="numpy", inline="always")
def r_backward(row, lfrow, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx,
               first):
    """The backward pass and its R-derivative (as dense.r_backward, with convolutions):
    dE/dy = f' dE/dx;  R{dE/dy} = f'' R{y} dE/dx + f' R{dE/dx};
    R{dE/dW} = R{dE/dy} * x + dE/dy * R{x};  R{dE/dx_prev} = V^T dE/dy + W^T R{dE/dy}.

    R{dE/dy} and dE/dy are stacked (S = [R{dE/dy}; dE/dy]) and the kernels too
    (A = [W; V]), so that R{dE/dx_prev} = A^T S is one product, and both input
    gradients go back onto the input maps in one scatter: two products and one scatter
    where three of each would do, at the price of a different order of additions."""
    g, in_maps, h, w, out_maps, n, K2, C, wide, P = _conv_layout(row, aux, ys)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    m = out_maps * n
    a = lfrow[ACT_PARAM]
    full = aux[g + G_FULL] != 0
    S = np.empty((2 * out_maps, n))
    RG, G = S[:out_maps], S[out_maps:]
    rgf, gf = RG.reshape(-1), G.reshape(-1)
    act_df_into(code, ys[o0:o0 + m], xs[o0:o0 + m], a, gf)     # f', then f'' in place
    act_d2f_into(code, ys[o0:o0 + m], xs[o0:o0 + m], a, rgf)
    for k in range(m):
        d = dxs[o0 + k]
        rgf[k] = rgf[k] * rys[o0 + k] * d + gf[k] * rdxs[o0 + k]
        gf[k] *= d
    _add_row_sums(RG, hv, b0)
    kidx = _kernel_index(aux, g, out_maps, C)
    dKf = hv[w0:w0 + out_maps * C] if full else np.zeros(out_maps * C)   # full: straight into H v
    dK = dKf.reshape(out_maps, C)
    _times_patches_t(RG, P, dK, wide)
    if not first:
        _times_patches_t(G, _conv_layout(row, aux, rys)[9], dK, wide)
    if not full:
        _scatter_add(dKf, kidx, hv[w0:])
    if not need_dx:
        return
    A = np.empty((2 * out_maps, C))
    Kd, Kv = A[:out_maps], A[out_maps:]
    if full:
        af = A.reshape(-1)
        for k in range(out_maps * C):
            af[k] = params[w0 + k]
            af[out_maps * C + k] = v[w0 + k]
    else:
        af = A.reshape(-1)
        _gather(params[w0:], kidx, af[:out_maps * C])
        _gather(v[w0:], kidx, af[out_maps * C:])
    tr = np.empty(2 * out_maps * max(C, n))
    dPf, rdPf = np.empty(n * C), np.empty(n * C)
    dP, rdP = _patch_matrix(dPf, n, C, wide), _patch_matrix(rdPf, n, C, wide)
    _to_patches(Kd, G, dP, wide, tr)        # W^T dE/dy
    _to_patches(A, S, rdP, wide, tr)        # W^T R{dE/dy} + V^T dE/dy
    pidx = _patch_index(aux, g, n, C)
    dxm = dxs[i0:i0 + in_maps * h * w]
    rdxm = rdxs[i0:i0 + in_maps * h * w]
    dxm[:] = 0.0
    rdxm[:] = 0.0
    for i in range(n * C):   # both back onto the input maps (as _scatter_add), one index read
        j = pidx[i]
        if j >= 0:
            dxm[j] += dPf[i]
            rdxm[j] += rdPf[i]


@njit(cache=True, error_model="numpy", inline="always")
def diag(row, lfrow, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx):
    """Eqs 54-56 for a convolution: h = f'^2 d2E/dx^2 (+ f'' dE/dx) per output; a kernel
    weight sums h x^2 over the positions it is used at; d2E/dx_in^2 = sum of w^2 h."""
    g, in_maps, h, w, out_maps, n, K2, C, wide, P = _conv_layout(row, aux, ys)
    w0, b0, code, i0, o0 = row[W_OFF], row[B_OFF], row[ACT], row[IN_OFF], row[OUT_OFF]
    m = out_maps * n
    a = lfrow[ACT_PARAM]
    fp = np.empty(m)
    act_df_into(code, ys[o0:o0 + m], xs[o0:o0 + m], a, fp)
    H = np.empty((out_maps, n))
    hf = H.reshape(-1)
    for k in range(m):
        hf[k] = fp[k] * fp[k] * d2xs[o0 + k]
        if keep_f2:
            hf[k] += act_d2f_from(code, ys[o0 + k], xs[o0 + k], a) * dxs[o0 + k]
    _add_row_sums(H, out, b0)
    dK = np.zeros(out_maps * C)
    _times_patches_t(H, _squared(P), dK.reshape(out_maps, C), wide)
    _scatter_add(dK, _kernel_index(aux, g, out_maps, C), out[w0:])
    if not need_dx:
        return
    pidx = _patch_index(aux, g, n, C)
    Kd = _kernels_matrix(aux, g, params, w0, out_maps, C)
    tr = np.empty(max(C, out_maps) ** 2)
    dPf = np.empty(n * C)
    dP = _patch_matrix(dPf, n, C, wide)
    d2xm = d2xs[i0:i0 + in_maps * h * w]
    d2xm[:] = 0.0
    _to_patches(_squared(Kd), H, dP, wide, tr)
    _scatter_add(dPf, pidx, d2xm)
    if keep_f2:   # dE/dx_in as well, for the f'' terms below
        G = np.empty((out_maps, n))
        gf = G.reshape(-1)
        for k in range(m):
            gf[k] = fp[k] * dxs[o0 + k]
        dxm = dxs[i0:i0 + in_maps * h * w]
        dxm[:] = 0.0
        _to_patches(Kd, G, dP, wide, tr)
        _scatter_add(dPf, pidx, dxm)


@njit(cache=True)
def _squared(A):
    """A * A elementwise, by a loop (an array expression costs seconds of compiling)."""
    M, N = A.shape
    S = np.empty((M, N))
    for i in range(M):
        for j in range(N):
            S[i, j] = A[i, j] * A[i, j]
    return S


@njit(cache=True)
def _transposed(A, buf):
    """A^T, written into the front of ``buf``."""
    M, N = A.shape
    T = buf[:M * N].reshape(N, M)
    for i in range(M):
        for j in range(N):
            T[j, i] = A[i, j]
    return T


# every kernel here whose code calls the products (the passes too: Python may call them)
_register_before_loading(_times_patches, _times_patches_t, _to_patches, forward, backward,
                         r_forward, r_backward, diag)
