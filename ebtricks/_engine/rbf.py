"""Kernels of the radial-basis-function layer (§4.8, Figure 18 right, eqs 57-58).

Unit j has a centre nu_j (n_in numbers, stored where a dense layer keeps W) and a width
sigma_j (stored where a dense layer keeps b). With u = x - nu_j and s = sigma_j,

    z_j = ||u||^2 / (2 s^2),   phi_j = exp(-z_j),

so the paper's g(x) = sum_j w_j phi_j is this layer followed by a linear dense layer.
Derivatives used below (g = dE/dphi_j * phi_j):
    dE/dnu_jk = g u_k / s^2,   dE/dsigma_j = g ||u||^2 / s^3,   dE/dx_k -= g u_k / s^2.
ys holds z_j, xs holds phi_j. The passes take the same arguments as every layer's (see
:mod:`.drivers`); ``lfrow``, ``aux`` and ``dys`` are unused.
"""
from __future__ import annotations

import math

from numba import njit

from .layout import B_OFF, IN_OFF, N_IN, N_OUT, OUT_OFF, W_OFF


@njit(cache=True, inline="always")
def forward(row, lfrow, aux, params, xs, ys):
    nin, w0, b0, i0, o0 = row[N_IN], row[W_OFF], row[B_OFF], row[IN_OFF], row[OUT_OFF]
    for j in range(row[N_OUT]):
        s = params[b0 + j]
        q = 0.0
        for k in range(nin):
            u = xs[i0 + k] - params[w0 + j * nin + k]
            q += u * u
        z = q / (2.0 * s * s)
        ys[o0 + j] = z
        xs[o0 + j] = math.exp(-z)


@njit(cache=True, inline="always")
def backward(row, lfrow, aux, params, xs, ys, dxs, dys, grad, need_dx):
    nin, w0, b0, i0, o0 = row[N_IN], row[W_OFF], row[B_OFF], row[IN_OFF], row[OUT_OFF]
    if need_dx:
        for k in range(nin):
            dxs[i0 + k] = 0.0
    for j in range(row[N_OUT]):
        s = params[b0 + j]
        g = dxs[o0 + j] * xs[o0 + j]
        q = 2.0 * ys[o0 + j] * s * s
        grad[b0 + j] += g * q / (s * s * s)
        for k in range(nin):
            u = xs[i0 + k] - params[w0 + j * nin + k]
            grad[w0 + j * nin + k] += g * u / (s * s)
            if need_dx:
                dxs[i0 + k] -= g * u / (s * s)


@njit(cache=True, inline="always")
def r_forward(row, lfrow, aux, params, v, xs, ys, rxs, rys, first):
    """R{z} = sum_k u_k R{u_k} / s^2 - ||u||^2 R{s} / s^3 with R{u} = R{x} - v_nu;
    R{phi} = -phi R{z}."""
    nin, w0, b0, i0, o0 = row[N_IN], row[W_OFF], row[B_OFF], row[IN_OFF], row[OUT_OFF]
    for j in range(row[N_OUT]):
        s, rs = params[b0 + j], v[b0 + j]
        acc = 0.0
        q = 0.0
        for k in range(nin):
            u = xs[i0 + k] - params[w0 + j * nin + k]
            ru = (0.0 if first else rxs[i0 + k]) - v[w0 + j * nin + k]
            acc += u * ru
            q += u * u
        rz = acc / (s * s) - q * rs / (s * s * s)
        rys[o0 + j] = rz
        rxs[o0 + j] = -xs[o0 + j] * rz


@njit(cache=True, inline="always")
def r_backward(row, lfrow, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx,
               first):
    nin, w0, b0, i0, o0 = row[N_IN], row[W_OFF], row[B_OFF], row[IN_OFF], row[OUT_OFF]
    if need_dx:
        for k in range(nin):
            dxs[i0 + k] = 0.0
            rdxs[i0 + k] = 0.0
    for j in range(row[N_OUT]):
        s, rs = params[b0 + j], v[b0 + j]
        phi = xs[o0 + j]
        g = dxs[o0 + j] * phi
        rg = rdxs[o0 + j] * phi + dxs[o0 + j] * rxs[o0 + j]
        q = 0.0
        uru = 0.0
        for k in range(nin):
            u = xs[i0 + k] - params[w0 + j * nin + k]
            ru = (0.0 if first else rxs[i0 + k]) - v[w0 + j * nin + k]
            q += u * u
            uru += u * ru
            r_grad_u = rg * u / (s * s) + g * ru / (s * s) - 2.0 * g * u * rs / (s * s * s)
            hv[w0 + j * nin + k] += r_grad_u
            if need_dx:
                dxs[i0 + k] -= g * u / (s * s)
                rdxs[i0 + k] -= r_grad_u
        hv[b0 + j] += (rg * q / (s * s * s) + 2.0 * g * uru / (s * s * s)
                       - 3.0 * g * q * rs / (s * s * s * s))


@njit(cache=True, inline="always")
def diag(row, lfrow, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx):
    """Eqs 57-58: d2E/dp^2 = d2E/dphi^2 (dphi/dp)^2 for p a centre coordinate, a width, or
    (propagated down) an input; with keep_f2 the term dE/dphi d2phi/dp^2 is added."""
    nin, w0, b0, i0, o0 = row[N_IN], row[W_OFF], row[B_OFF], row[IN_OFF], row[OUT_OFF]
    if need_dx:
        for k in range(nin):
            d2xs[i0 + k] = 0.0
            if keep_f2:
                dxs[i0 + k] = 0.0
    for j in range(row[N_OUT]):
        s = params[b0 + j]
        phi = xs[o0 + j]
        h = d2xs[o0 + j]
        de = dxs[o0 + j] if keep_f2 else 0.0
        q = 2.0 * ys[o0 + j] * s * s
        dphi_ds = phi * q / (s * s * s)
        out[b0 + j] += h * dphi_ds * dphi_ds
        if keep_f2:
            out[b0 + j] += de * (phi * (q / (s * s * s)) ** 2 - 3.0 * phi * q / (s * s * s * s))
        for k in range(nin):
            u = xs[i0 + k] - params[w0 + j * nin + k]
            dphi = phi * u / (s * s)        # d phi / d nu_jk  (= - d phi / d x_k)
            d2phi = phi * (u * u / (s * s * s * s) - 1.0 / (s * s))   # same for nu and x
            out[w0 + j * nin + k] += h * dphi * dphi + de * d2phi
            if need_dx:
                d2xs[i0 + k] += h * dphi * dphi + de * d2phi
                if keep_f2:
                    dxs[i0 + k] -= de * dphi
