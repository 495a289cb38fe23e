"""The book's recurring pictures, drawn on a matplotlib ``Axes`` the caller owns.

Each helper draws one kind of picture the way every page draws it (the same colours,
markers and labels), so a page's drawing cell is a few calls and the picture means the
same thing on every page:

* :func:`contour_trajectory` -- weights moving over the contours of a cost;
* :func:`cost_curve` -- a cost (or distance to the minimum) against time, log scale;
* :func:`data_cloud` -- two classes of 2-D inputs;
* :func:`direction_arrow` -- a labelled arrow from a point (gradient, Newton step, ...);
* :func:`spectrum` -- eigenvalues, largest first, on a log scale.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["contour_trajectory", "cost_curve", "data_cloud", "direction_arrow", "spectrum",
           "PATH_COLOR", "START_COLOR"]

PATH_COLOR = "C0"
START_COLOR = "C3"


def _levels(surface: np.ndarray, levels, n: int = 14) -> np.ndarray:
    """Geometrically spaced levels above the surface's minimum: near a minimum a cost is
    quadratic, so equal ratios of cost give evenly spaced ellipses."""
    if levels is not None:
        return np.asarray(levels, dtype=float)
    lo, hi = float(np.min(surface)), float(np.max(surface))
    base = max(abs(lo), 1e-12)
    return lo + np.geomspace(base * 1e-2, hi - lo + base * 1e-2, n)


def contour_trajectory(ax, w1: np.ndarray, w2: np.ndarray, surface: np.ndarray,
                       path: np.ndarray | None = None, minimum: Sequence[float] | None = None,
                       levels=None, filled: bool = False, labels=("w₁", "w₂"),
                       markers: bool = True, path_label: str | None = None,
                       every: int = 1, clip: float | None = None, equal: bool = False):
    """Contours of ``surface`` (shape ``(len(w2), len(w1))``) and a weight path over them.

    ``path`` is an array of shape ``(steps, 2)`` in the two plotted coordinates; points
    farther than ``clip`` from the plotted box are dropped (a diverging run), and
    ``every`` thins the markers of a long stochastic path. The start is a red square,
    ``minimum`` a black cross.
    """
    lv = _levels(surface, levels)
    if filled:
        ax.contourf(w1, w2, surface, levels=lv, cmap="Blues_r", alpha=0.55)
    ax.contour(w1, w2, surface, levels=lv, colors="0.6", linewidths=0.7)
    if path is not None and len(path):
        path = np.asarray(path, dtype=float)
        if clip is not None:
            span = max(w1[-1] - w1[0], w2[-1] - w2[0])
            inside = ((path[:, 0] > w1[0] - clip * span) & (path[:, 0] < w1[-1] + clip * span)
                      & (path[:, 1] > w2[0] - clip * span) & (path[:, 1] < w2[-1] + clip * span))
            path = path[np.cumprod(inside).astype(bool)]
        ax.plot(path[:, 0], path[:, 1], "-", color=PATH_COLOR, lw=1, label=path_label)
        if markers:
            ax.plot(path[::every, 0], path[::every, 1], "o", color=PATH_COLOR, ms=3)
        if len(path):
            ax.plot(path[0, 0], path[0, 1], "s", color=START_COLOR, ms=6, label="start")
    if minimum is not None:
        ax.plot(minimum[0], minimum[1], "k+", ms=11, mew=1.5, label="minimum")
    ax.set(xlim=(w1[0], w1[-1]), ylim=(w2[0], w2[-1]), xlabel=labels[0], ylabel=labels[1])
    if equal:
        ax.set_aspect("equal")
    return ax


def cost_curve(ax, values: Sequence[float], floor: float = 0.0, label: str | None = None,
               xlabel: str = "epoch", ylabel: str = "E − E_min", log: bool = True,
               start: int = 0, ylim=None, **style):
    """``values - floor`` against step (from ``start``) on a log scale; tiny values are
    lifted to 1e-17 so an exact zero still shows."""
    y = np.asarray(values, dtype=float) - floor
    x = np.arange(start, start + len(y))
    if log:
        y = np.maximum(np.abs(y), 1e-17)
        ax.semilogy(x, y, "o-", ms=3, lw=1, label=label, **style)
    else:
        ax.plot(x, y, "o-", ms=3, lw=1, label=label, **style)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    return ax


def data_cloud(ax, X: np.ndarray, D: np.ndarray, labels=("class −1", "class +1"),
               axis_labels=("x₁", "x₂"), size: float = 12, equal: bool = True):
    """Two classes of 2-D inputs, told apart by the sign of the first target."""
    X, D = np.asarray(X), np.asarray(D).reshape(len(X), -1)
    ax.scatter(*X[D[:, 0] < 0].T, s=size, label=labels[0], color="C0")
    ax.scatter(*X[D[:, 0] >= 0].T, s=size, label=labels[1], color="C1")
    ax.set(xlabel=axis_labels[0], ylabel=axis_labels[1])
    if equal:
        ax.set_aspect("equal")
    return ax


def direction_arrow(ax, start: Sequence[float], vector: Sequence[float], color: str,
                    label: str | None = None, lw: float = 2.0):
    """An arrow from ``start`` along ``vector``, with a legend entry ``label``."""
    start = np.asarray(start, dtype=float)
    ax.annotate("", xy=start + np.asarray(vector, dtype=float), xytext=start,
                arrowprops=dict(arrowstyle="->", color=color, lw=lw))
    if label:
        ax.plot([], [], color=color, lw=lw, label=label)
    return ax


def spectrum(ax, eigenvalues: Sequence[float], label: str | None = None,
             ylabel: str = "eigenvalue", negative: bool = True):
    """Eigenvalues sorted largest first against their rank, on a log scale; negative
    ones (a Hessian away from a minimum has them) are drawn by magnitude, hollow."""
    lam = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    rank = np.arange(1, len(lam) + 1)
    pos = lam > 0
    ax.semilogy(rank[pos], lam[pos], "o", ms=4, label=label)
    if negative and np.any(lam < 0):
        ax.semilogy(rank[lam < 0], -lam[lam < 0], "o", ms=4, mfc="none",
                    label="negative (magnitude)")
    ax.set(xlabel="rank", ylabel=ylabel)
    return ax


# --- helpers first used by the examples and input-transforms pages ---

def curves(ax, x, series: dict, xlabel: str, ylabel: str, logx: bool = False,
           logy: bool = True, mark_x: float | None = None, markers: bool = True,
           styles: dict | None = None):
    """Several named quantities against one ``x`` (``series``: label -> values), on a log
    ``y`` axis by default; ``mark_x`` draws a dotted vertical line there (the value a
    slider has chosen). Non-positive values are left out of a log axis."""
    x = np.asarray(x, dtype=float)
    for k, (label, values) in enumerate(series.items()):
        y = np.asarray(values, dtype=float)
        keep = np.isfinite(y) & ((y > 0) if logy else True)
        style = dict(marker="o" if markers else None, ms=3, lw=1.2, color=f"C{k}")
        style.update((styles or {}).get(label, {}))
        ax.plot(x[keep], y[keep], label=label, **style)
    ax.set(xscale="log" if logx else "linear", yscale="log" if logy else "linear",
           xlabel=xlabel, ylabel=ylabel)
    if mark_x is not None:
        ax.axvline(mark_x, color="0.4", lw=1, ls=":")
    return ax


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _power_of_ten(value, _pos=None) -> str:
    if not value > 0:
        return ""
    exponent = np.log10(value)
    if abs(exponent - round(exponent)) > 1e-9:
        return ""
    return "10" + str(int(round(exponent))).translate(_SUPERSCRIPT)


def plain_log_ticks(ax):
    """Label the decades of ``ax``'s log axes as 10⁻³ in plain text (no mathtext to typeset
    for every frame), at most six of them, and drop the unlabelled minor ticks."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
        if scale == "log":
            axis.set_major_locator(LogLocator(base=10, numticks=6))
            axis.set_major_formatter(FuncFormatter(_power_of_ten))
            axis.set_minor_locator(NullLocator())
    return ax


def fast_frames(draw):
    """Wrap the ``draw`` function of a figure with sliders so that its frames render about
    twice as fast, which keeps a page with many frames in its time budget.

    A slider changes what is plotted, not the axes' limits or labels, so every frame can
    share one layout: constrained layout runs on the first frame only, and later frames put
    their axes where the first frame's went. Log axes get plain-text decade labels
    (:func:`plain_log_ticks`), which need no mathtext typesetting.
    """
    boxes = []

    def wrapped(**values):
        fig = draw(**values)
        for ax in fig.axes:
            plain_log_ticks(ax)
        if not boxes:
            fig.draw_without_rendering()          # constrained layout runs here, once
            boxes.extend(ax.get_position(original=True) for ax in fig.axes)
        fig.set_layout_engine("none")
        if len(boxes) == len(fig.axes):
            for ax, box in zip(fig.axes, boxes):
                ax.set_position(box)
        return fig

    return wrapped


__all__ += ["curves", "plain_log_ticks", "fast_frames"]
