"""The shared-weight digit networks of the paper, ready to build.

The paper gives only their layer sizes and counts; the layer types below are our
reconstruction, chosen so that the sizes (and, for the 5-layer net, the exact connection and
parameter counts) come out as printed.

* :func:`net_fig24` — Figures 24 and 26: 1024-1568-392-400-100-10 on 32x32 digits. Input
  32x32; C1: 2 maps 28x28 (5x5 kernels); S2: 2 maps 14x14 (trainable subsampling); C3: 4 maps
  10x10 (5x5 kernels on both S2 maps); S4: 4 maps 5x5; output: 10 units fully connected.
  That gives exactly the paper's 64,638 connections and 1,278 free parameters.
* :func:`net_fig19` — Figure 19: 256-128-64-10 on 16x16 digits. Input 16x16; H1: 2 maps
  8x8 (5x5 kernels, stride 2, zero padding 2); H2: 4 maps 4x4 (5x5 kernels on both H1 maps,
  stride 2, padding 2); output: 10 units fully connected. The paper gives no counts for it.
* :func:`lenet_like_16` — the speed benchmark net: 1x16x16 -> conv 5x5 stride 2 pad 2 ->
  4x8x8 -> conv 5x5 -> 12x4x4 -> dense 10.
"""
from __future__ import annotations

from .layers import Conv2D, Dense, Subsample
from .network import Network

__all__ = ["net_fig24", "net_fig19", "lenet_like_16"]


def net_fig24(activation: str = "lecun_tanh", loss: str = "mse", seed: int | None = 0) -> Network:
    """The 5-layer shared-weight net of Figures 24 and 26 (32x32 inputs).

    Parameters
    ----------
    activation : str, default "lecun_tanh"
        Every layer's activation (the output layer's only with loss="mse").
    loss : {"mse", "softmax_ce"}, default "mse"
        The cost; with "softmax_ce" the output layer is linear.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the initial weights.

    Returns
    -------
    Network
        1024 inputs, 10 outputs.

    Examples
    --------
    >>> s = net_fig24().summary()
    >>> s["units"], s["connections"], s["free_parameters"]
    ([1024, 1568, 392, 400, 100, 10], 64638, 1278)
    """
    return Network([
        Conv2D(1, 32, 2, kernel=5, activation=activation),                  # 1568 units
        Subsample(2, 28, 2, activation=activation),                          # 392
        Conv2D(2, 14, 4, kernel=5, activation=activation),                   # 400
        Subsample(4, 10, 2, activation=activation),                          # 100
        Dense(100, 10, activation if loss == "mse" else "identity"),        # 10
    ], loss=loss, seed=seed)


def net_fig19(activation: str = "lecun_tanh", loss: str = "mse", seed: int | None = 0) -> Network:
    """The *shared-weight* 4-layer net of Figure 19, 256-128-64-10: 16x16 inputs, two
    strided convolutions (2 maps of 8x8, then 4 maps of 4x4) and a dense output layer.
    The paper gives only the layer sizes; the kernels and strides here are a
    reconstruction with those sizes.

    Parameters
    ----------
    activation : str, default "lecun_tanh"
        Every layer's activation (the output layer's only with loss="mse").
    loss : {"mse", "softmax_ce"}, default "mse"
        The cost; with "softmax_ce" the output layer is linear.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the initial weights.

    Returns
    -------
    Network
        256 inputs, 10 outputs.

    Examples
    --------
    >>> net_fig19().summary()["units"]
    [256, 128, 64, 10]
    """
    return Network([
        Conv2D(1, 16, 2, kernel=5, stride=2, padding=2, activation=activation),   # 128 units
        Conv2D(2, 8, 4, kernel=5, stride=2, padding=2, activation=activation),    # 64
        Dense(64, 10, activation if loss == "mse" else "identity"),              # 10
    ], loss=loss, seed=seed)


def lenet_like_16(activation: str = "lecun_tanh", loss: str = "mse", seed: int | None = 0) -> Network:
    """1x16x16 -> conv 5x5 stride 2 pad 2 -> 4x8x8 -> conv 5x5 -> 12x4x4 -> dense 10.

    Parameters
    ----------
    activation : str, default "lecun_tanh"
        Every layer's activation (the output layer's only with loss="mse").
    loss : {"mse", "softmax_ce"}, default "mse"
        The cost; with "softmax_ce" the output layer is linear.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the initial weights.

    Returns
    -------
    Network
        256 inputs, 10 outputs.

    Examples
    --------
    >>> lenet_like_16().summary()["units"]
    [256, 256, 192, 10]
    """
    return Network([
        Conv2D(1, 16, 4, kernel=5, stride=2, padding=2, activation=activation),
        Conv2D(4, 8, 12, kernel=5, activation=activation),
        Dense(12 * 4 * 4, 10, activation if loss == "mse" else "identity"),
    ], loss=loss, seed=seed)
