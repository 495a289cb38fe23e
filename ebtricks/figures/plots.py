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
    if log:
        log_ticks(ax)
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
    # An arrow whose tip leaves the axes is drawn up to the axes' edge: by default
    # matplotlib silently drops the whole arrow (annotation_clip), and unclipped it would
    # run over the neighbouring panels.
    arrow = ax.annotate("", xy=start + np.asarray(vector, dtype=float), xytext=start,
                        arrowprops=dict(arrowstyle="->", color=color, lw=lw),
                        annotation_clip=False)
    arrow.arrow_patch.set_clip_box(ax.bbox)
    if label:
        ax.plot([], [], color=color, lw=lw, label=label)
    return ax


def spectrum(ax, eigenvalues: Sequence[float], label: str | None = None,
             ylabel: str = "eigenvalue", negative: bool = True, **style):
    """Eigenvalues sorted largest first against their rank, on a log scale; negative
    ones (a Hessian away from a minimum has them) are drawn by magnitude, hollow.

    ``style`` (``ms``, ``color``, ...) goes to the positive eigenvalues' markers: two
    spectra that overlap read best with the one drawn second smaller."""
    lam = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    rank = np.arange(1, len(lam) + 1)
    pos = lam > 0
    ax.semilogy(rank[pos], lam[pos], "o", label=label, **{"ms": 4, **style})
    if negative and np.any(lam < 0):
        ax.semilogy(rank[lam < 0], -lam[lam < 0], "o", ms=4, mfc="none",
                    label="negative (magnitude)")
    ax.set(xlabel="rank", ylabel=ylabel)
    return ax


# --- helpers first used by the 1-D and N-D pages ---

def steps_on_curve(ax, cost, path: np.ndarray, w_lim=(-2.6, 2.6), e_lim=(-0.1, 3.4),
                   title: str | None = None):
    """A one-weight cost E(w) and gradient-descent iterates on it (the paper's Fig. 6 (i)).

    ``cost`` has ``cost(w)``; ``path`` holds the iterates w(0), w(1), ...; the run is drawn
    up to its first iterate outside ``w_lim`` (a diverging run leaves the picture).
    """
    w = np.linspace(w_lim[0], w_lim[1], 300)
    path = np.asarray(path, dtype=float)
    inside = (path > w_lim[0]) & (path < w_lim[1])
    shown = path[np.cumprod(inside).astype(bool)]
    ax.plot(w, cost.cost(w), color="0.6")
    ax.plot(shown, cost.cost(shown), "o-", color=PATH_COLOR, ms=4, lw=1)
    ax.plot(path[:1], cost.cost(path[:1]), "s", color=START_COLOR, ms=6, label="start")
    ax.set(xlabel="w", ylabel="E(w)", xlim=w_lim, ylim=e_lim, title=title)
    return ax


def gradient_step_1d(ax, cost, wc: float, w_lim=(-2.6, 2.6), g_lim=(-2.6, 2.6),
                     title: str | None = None, label: str = "step −η_opt·E′(w_c)"):
    """dE/dw against w, its tangent at w_c, and one step from w_c with η = 1/E''(w_c)
    (eq 24; the paper's Fig. 6 (ii)).

    The step moves along the w axis by −E'(w_c) / E''(w_c): to where the tangent crosses
    zero. On a quadratic the tangent is the gradient line itself (it is drawn once, and the
    legend says so), so the step lands on the minimum; elsewhere it lands where the tangent
    says. A landing point outside ``w_lim`` gets an arrow up to the edge and its value.
    """
    w = np.linspace(w_lim[0], w_lim[1], 300)
    g, h = float(cost.gradient(wc)), float(cost.second_derivative(wc))
    landing = wc - g / h
    gradient, tangent = cost.gradient(w), g + h * (w - wc)
    ax.axhline(0, color="0.6", lw=0.8)
    if np.allclose(gradient, tangent, rtol=0, atol=1e-9 * (g_lim[1] - g_lim[0])):
        ax.plot(w, gradient, color=PATH_COLOR,
                label=f"dE/dw = its own tangent (slope {h:.2f})")
    else:
        ax.plot(w, gradient, color=PATH_COLOR, label="dE/dw")
        ax.plot(w, tangent, "--", color="0.45", lw=1,
                label=f"tangent at w_c (slope {h:.2f})")
    ax.plot([wc, wc], [0, g], ":", color=START_COLOR)
    ax.plot(wc, g, "o", color=START_COLOR)
    inside = w_lim[0] < landing < w_lim[1]
    if inside:
        end = landing
    else:                   # the step leaves the picture: an arrow to the edge, and where
        margin = 0.03 * (w_lim[1] - w_lim[0])                       # it lands
        end = w_lim[1] - margin if landing > w_lim[1] else w_lim[0] + margin
    direction_arrow(ax, (wc, 0), (end - wc, 0), START_COLOR, label=label)
    if inside:
        ax.plot(landing, 0, "o", mfc="white", color=START_COLOR, ms=6)
    else:
        right = landing > w_lim[1]
        ax.text(end, 0.04 * (g_lim[1] - g_lim[0]), f"lands at\nw = {landing:.3g}",
                color=START_COLOR, fontsize=10, ha="right" if right else "left",
                va="bottom", multialignment="right" if right else "left")
    ax.plot(cost.minimum, 0, "k+", ms=11, mew=1.5, label="minimum w*")
    ax.set(xlabel="w", ylabel="dE/dw", xlim=w_lim, ylim=g_lim, title=title)
    return ax


def quadratic_contours(ax, quadratic, half_width: float = 2.2, path: np.ndarray | None = None,
                       levels=None, n: int = 161, labels=("w₁", "w₂")):
    """Lines of constant E of a two-weight :class:`~ebtricks.Quadratic` over a square around
    its minimum (the paper's Fig. 7), with an optional weight path over them."""
    c = np.asarray(quadratic.minimum, dtype=float)
    w1 = np.linspace(c[0] - half_width, c[0] + half_width, n)
    w2 = np.linspace(c[1] - half_width, c[1] + half_width, n)
    surface = quadratic.cost(np.stack(np.meshgrid(w1, w2), axis=-1))
    if levels is None:      # equal ratios of cost: evenly spaced ellipses
        levels = np.geomspace(2e-3, 0.5 * quadratic.lambda_max * half_width ** 2, 12)
    return contour_trajectory(ax, w1, w2, surface, path=path, minimum=c, levels=levels,
                              labels=labels, equal=True, clip=0.05)


def spread_ellipse(ax, moment, center=(0.0, 0.0), color: str = "k", label: str | None = None,
                   arrows: bool = True, values: bool = True, lw: float = 1.8,
                   ls: str = "-", label_xy=None):
    """A 2x2 second-moment matrix ``moment`` drawn around ``center``: the ellipse
    x^T moment^-1 x = 1 and its eigenvectors as arrows of length sqrt(eigenvalue) (the
    paper's Fig. 8). For a covariance matrix that is the 1-sigma ellipse: each arrow is
    the root-mean-square spread of the inputs along it, so the ellipse is long along the
    eigenvector of the *largest* eigenvalue (a contour ellipse of a cost is the opposite).

    ``label_xy``, one point per eigenvalue (smallest first), puts the "λ = ..." labels
    there, each joined to the middle of its arrow by a thin line; by default a label sits
    just past its arrow's tip.
    """
    lam, vecs = np.linalg.eigh(np.asarray(moment, dtype=float))
    center = np.asarray(center, dtype=float)
    t = np.linspace(0, 2 * np.pi, 200)
    ring = center + (vecs @ (np.sqrt(lam)[:, None] * np.array([np.cos(t), np.sin(t)]))).T
    ax.plot(ring[:, 0], ring[:, 1], color=color, lw=lw * 0.7, ls=ls, label=label)
    if arrows:
        for k, (l, v) in enumerate(zip(lam, vecs.T)):
            v = v if v[0] + v[1] >= 0 else -v
            direction_arrow(ax, center, v * np.sqrt(l), color, lw=lw)
            if not values:
                continue
            box = dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85)
            if label_xy is None:
                tip = center + v * np.sqrt(l) * 1.08
                ax.text(*tip, f"λ = {l:.3g}", color=color, fontsize=10,
                        ha="left" if v[0] >= 0 else "right", va="bottom", bbox=box)
            else:
                xy = np.asarray(label_xy[k], dtype=float)
                ax.annotate(f"λ = {l:.3g}", xy=center + 0.5 * v * np.sqrt(l), xytext=xy,
                            color=color, fontsize=10, ha="center", va="center", bbox=box,
                            arrowprops=dict(arrowstyle="-", color=color, lw=0.7,
                                            shrinkA=2, shrinkB=1))
    return ax


__all__ += ["steps_on_curve", "gradient_step_1d", "quadratic_contours", "spread_ellipse"]


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
    if logx or logy:
        log_ticks(ax)
    return ax


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _power_of_ten(value, _pos=None) -> str:
    if not value > 0:
        return ""
    exponent = np.log10(value)
    if abs(exponent - round(exponent)) > 1e-9:
        return ""
    return "10" + str(int(round(exponent))).translate(_SUPERSCRIPT)


def log_ticks(ax):
    """Label the decades of ``ax``'s log axes as 10⁻³ in plain text (no mathtext to typeset
    for every frame, which is slow), at most six of them over however many decades, and
    drop the unlabelled minor ticks."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
        if scale == "log":
            axis.set_major_locator(LogLocator(base=10, numticks=6))
            axis.set_major_formatter(FuncFormatter(_power_of_ten))
            axis.set_minor_locator(NullLocator())
    return ax


__all__ += ["curves", "log_ticks"]


def cost_colorbar(ax, label: str = "E", ticks: int = 4, fmt: str = "{:.2g}"):
    """A colour bar for the filled contours ``contour_trajectory(..., filled=True)`` drew on
    ``ax``, its bands evenly spaced (the levels are geometric) and labelled at ``ticks``
    levels, so a reader can tell dark (low cost) from light (high cost)."""
    from matplotlib.contour import ContourSet

    filled = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
    if not filled:
        raise ValueError("no filled contours on this axes: draw them with filled=True")
    cs = filled[-1]
    bar = ax.figure.colorbar(cs, ax=ax, spacing="uniform", shrink=0.9, pad=0.03)
    levels = np.asarray(cs.levels)
    picks = levels[np.unique(np.linspace(0, len(levels) - 1, ticks).round().astype(int))]
    bar.set_ticks(picks, labels=[fmt.format(v) for v in picks])
    bar.set_label(label)
    bar.ax.minorticks_off()
    return bar


__all__ += ["cost_colorbar"]


# --- helpers first used by the initialisation page (§4.6) ---

def cobweb(ax, layer_map, start: float, steps: int, color: str = "C0",
           label: str | None = None, x_max: float = 1.2):
    """The map ``layer_map`` (a function of one float) drawn against the diagonal, and its
    iteration from ``start`` as a cobweb: up to the curve, across to the diagonal, and so
    on for ``steps`` steps. Where the curve crosses the diagonal the iteration settles (a
    fixed point); ``x_max`` bounds both axes."""
    s = np.linspace(0.0, x_max, 241)
    ax.plot(s, [layer_map(v) for v in s], color=color, lw=1.6, label=label)
    ax.plot([0, x_max], [0, x_max], color="0.55", lw=0.9, ls="--")
    x = start
    xs, ys = [x], [0.0]
    for _ in range(steps):
        y = layer_map(x)
        xs += [x, y]
        ys += [y, y]
        x = y
    ax.plot(xs, ys, color=color, lw=1.0, alpha=0.9)
    ax.set(xlim=(0, x_max), ylim=(0, x_max), aspect="equal")
    return ax


__all__ += ["cobweb"]


# --- generalisation page (§2): resampled fits and bias-variance curves -------------------

def resampled_fits(ax, x, outputs, truth, X=None, D=None, mean_color: str = "C0",
                   highlight: int | None = None):
    """The outputs of nets trained on resampled training sets (thin grey lines, one per
    set), their average (``mean_color``), the true function (black, dashed) and, when
    given, one training set's samples ``X``, ``D`` (dots). ``highlight`` (an index into
    ``outputs``) draws that set's net in the dots' colour, so the reader sees one net
    follow its own noisy samples."""
    outputs = np.asarray(outputs, dtype=float)
    for y in outputs:
        ax.plot(x, y, color="0.55", lw=0.6, alpha=0.55)
    ax.plot(x, outputs.mean(axis=0), color=mean_color, lw=2.0, label="average net")
    ax.plot(x, truth, color="k", lw=1.4, ls="--", label="true f(x)")
    if X is not None and D is not None:
        ax.plot(np.ravel(X), np.ravel(D), "o", color="C3", ms=4, label="one training set")
    if highlight is not None:
        ax.plot(x, outputs[highlight], color="C3", lw=1.1, label="the net trained on it")
    ax.set(xlabel="x", ylabel="output", xlim=(x[0], x[-1]), ylim=(-2.2, 2.2))
    ax.legend(loc="lower right", fontsize=8.5, framealpha=0.9, borderpad=0.3,
              labelspacing=0.25)
    return ax


def error_curves(ax, epochs, series: dict, stop: int | None = None,
                 mark: float | None = None, floor: float | None = None,
                 ylim=(1e-3, 30.0), styles: dict | None = None):
    """Errors against epochs on a log scale (``series``: label -> values, drawn with
    ``styles``: label -> line properties), with the early-stopping epoch ``stop`` (a
    black dashed line), the slider's epoch ``mark`` (a pale grey band, with a dot on each
    curve there) and the noise variance ``floor`` (a grey dash-dotted line). The top one
    and a half decades of the default ``ylim`` are left free for the legend."""
    curves(ax, epochs, series, "epoch", "mean squared error", markers=False, styles=styles)
    if floor is not None:
        ax.axhline(floor, color="0.5", lw=1, ls="-.", label="noise σ²")
    if stop is not None:
        ax.axvline(stop, color="k", lw=1.2, ls="--", label=f"early stop ({stop})")
    if mark is not None:
        ax.axvline(mark, color="0.6", lw=6, alpha=0.3, zorder=0, label="epoch shown")
        for line in ax.get_lines()[:len(series)]:
            x, y = line.get_data()
            if len(x) and x[0] <= mark <= x[-1]:
                ax.plot(mark, np.interp(mark, x, y), "o", ms=5, color=line.get_color(),
                        zorder=3)
    ax.set(xlim=(epochs[0], epochs[-1]), ylim=ylim)
    ax.legend(loc="upper right", fontsize=8.5, ncol=2, framealpha=0.9, handlelength=1.6,
              columnspacing=1.0, borderpad=0.3, labelspacing=0.25)
    return ax


__all__ += ["resampled_fits", "error_curves"]


# --- helpers of the sigmoid page (book/sigmoid, §4.4) ---

def function_and_derivatives(ax, x, f, df, d2f, title: str | None = None, ylim=(-1.9, 1.9)):
    """A unit's f (solid), f' (dashed) and f'' (dotted) against its total input x, with the
    axes through the origin (the paper's Fig. 4)."""
    ax.axhline(0, color="0.75", lw=0.8)
    ax.axvline(0, color="0.75", lw=0.8)
    ax.plot(x, f, color="C0", lw=2, label="f")
    ax.plot(x, df, color="C1", lw=1.6, ls="--", label="f′")
    ax.plot(x, d2f, color="C2", lw=1.6, ls=":", label="f″")
    ax.set(xlim=(x[0], x[-1]), ylim=ylim, xlabel="x", title=title)
    return ax


def mean_and_spread(ax, x, runs, label: str, color: str, lw: float = 1.8):
    """Several runs of one quantity (one row per run) against ``x``: their mean as a line
    and the band from the smallest to the largest run, so the spread over seeds shows."""
    runs = np.asarray(runs, dtype=float)
    ax.fill_between(x, runs.min(axis=0), runs.max(axis=0), color=color, alpha=0.2, lw=0)
    ax.plot(x, runs.mean(axis=0), color=color, lw=lw, label=label)
    return ax


__all__ += ["function_and_derivatives", "mean_and_spread"]


# --- helpers first used by the page "Shuffling and emphasizing" (§4.2) ---

def seed_band(ax, x, runs, label: str | None = None, color: str = "C0", lw: float = 1.6,
              alpha: float = 0.2, **style):
    """The mean over seeds of a quantity (a line) and its range from the lowest to the
    highest seed (a shaded band): ``runs`` has one row per seed, one column per ``x``."""
    runs = np.atleast_2d(np.asarray(runs, dtype=float))
    x = np.asarray(x, dtype=float)
    ax.fill_between(x, runs.min(axis=0), runs.max(axis=0), color=color, alpha=alpha, lw=0)
    ax.plot(x, runs.mean(axis=0), color=color, lw=lw, label=label, **style)
    return ax


def class_bars(ax, counts, highlight: int | None = None, total: int | None = None,
               color: str = "0.6", highlight_color: str = "C3", label: str | None = None):
    """How often each class 0..K-1 occurs (``counts``), as bars, in percent of ``total``
    (default: their sum); the bar ``highlight`` is drawn in ``highlight_color``."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum() if total is None else total
    colors = [highlight_color if k == highlight else color for k in range(counts.size)]
    ax.bar(np.arange(counts.size), 100 * counts / max(total, 1), color=colors, label=label)
    ax.set_xticks(np.arange(counts.size))
    ax.set(xlim=(-0.6, counts.size - 0.4), ylim=(0, 100))
    return ax


__all__ += ["seed_band", "class_bars"]


# --- helpers of the page "Stochastic versus batch learning" ---

def drift_boundaries(ax, angle: float, weights: dict, lim: float = 1.6):
    """Decision boundaries w₁x₁ + w₂x₂ + b = 0 of linear units over the rotating classes
    of ``data.rotating_gaussians``: the best one for the classes turned by ``angle``
    (radians; a solid black line through the origin, across the centre (0.4, 0.8) turned
    by ``angle``) and one per entry of ``weights`` (name -> (w₁, w₂, b)), dashed, inside
    the square ``±lim``. Each line carries a short arrow along its normal (w₁, w₂),
    pointing to the side it calls class +1 (the best line's from the origin, the others'
    from points along their lines on either side): a line alone looks the same turned by
    180°, when the classes have swapped sides."""
    c, s = np.cos(angle), np.sin(angle)
    m = np.array([c * 0.4 - s * 0.8, s * 0.4 + c * 0.8])
    t = np.linspace(-3 * lim, 3 * lim, 2)
    arrow = 0.3 * lim                                 # the arrows' length

    def normal_arrow(start, normal, color):
        ax.annotate("", xy=tuple(start + arrow * normal), xytext=tuple(start),
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=1.6,
                                    mutation_scale=12, shrinkA=0, shrinkB=0))

    ax.plot(-m[1] * t, m[0] * t, "k-", lw=1.6, label="best now")
    normal_arrow(np.zeros(2), m / np.hypot(*m), "k")
    for k, (name, w) in enumerate(weights.items()):
        w1, w2, b = (float(v) for v in w)
        n = np.hypot(w1, w2)
        if n == 0:
            continue
        p0 = -b / n * np.array([w1, w2]) / n          # the point of the line nearest 0
        ax.plot(p0[0] - w2 / n * t, p0[1] + w1 / n * t, ls=("--", "-.", ":")[k % 3],
                color=f"C{k + 2}", lw=1.6, label=name)
        along = (0.45 if k % 2 == 0 else -0.45) * lim * (1 + k // 2)  # apart from the
        base = p0 + along * np.array([-w2, w1]) / n                # best line's arrow
        if np.max(np.abs(base)) < 0.8 * lim:
            normal_arrow(base, np.array([w1, w2]) / n, f"C{k + 2}")
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim))
    ax.set_aspect("equal")
    return ax


def weight_cloud(ax, points, reference, centre, title: str | None = None,
                 half_width: float | None = None):
    """Recorded weight pairs (rows of ``points``) as small blue dots over a grey cloud of
    ``reference`` pairs, with ``centre`` (the minimum) as a black cross; the square
    window, ``half_width`` around the centre, defaults to hold the reference cloud. The
    ``title`` names the two clouds (a legend would cover them)."""
    points, reference = np.asarray(points), np.asarray(reference)
    ax.plot(*reference.T, ".", ms=2, color="0.75")
    ax.plot(*points.T, ".", ms=2, color="C0")
    ax.plot(centre[0], centre[1], "k+", ms=11, mew=1.5)
    if half_width is None:
        half_width = 1.05 * float(np.max(np.abs(reference - np.asarray(centre))))
    ax.set(xlim=(centre[0] - half_width, centre[0] + half_width),
           ylim=(centre[1] - half_width, centre[1] + half_width), xlabel="w₁", ylabel="w₂")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


__all__ += ["drift_boundaries", "weight_cloud"]


# --- page learning_machine (§2, the paper's Fig. 1) ---

def cost_as_mean(ax_samples, ax_cost, sample_costs, classes, w_values, cost_values,
                 w: float, slope: float, w_label: str = "w", cost_max: float | None = None,
                 cost_min: float | None = None, sample_slopes=None):
    """The cost E as the mean of the per-sample costs E^p, and E as one weight moves.

    Left (``ax_samples``): E^p of every sample as a stem, coloured by class, with their
    mean E as a horizontal line. Right (``ax_cost``): the curve E(w), a dot at ``w`` and
    the tangent there, whose slope is dE/dw.

    Parameters
    ----------
    ax_samples, ax_cost : matplotlib.axes.Axes
        Where to draw the two panels.
    sample_costs : array_like, shape (P,)
        E^p of every sample at the weight ``w``.
    classes : array_like, shape (P,)
        Each sample's class, -1 or +1 (sets the colour).
    w_values, cost_values : array_like, shape (K,)
        The curve E(w) over a grid of w.
    w : float
        The weight drawn.
    slope : float
        dE/dw at ``w`` (the tangent's slope).
    w_label : str, default "w"
        Name of the weight on the axes.
    cost_max : float or None, default None
        Top of the left panel's cost axis (the legend takes its top fifth); give the
        same value to every frame of a slider so that the stems keep one scale. None
        fits it to these costs.
    cost_min : float or None, default None
        When given (> 0), the left panel's cost axis is logarithmic from ``cost_min``
        (where the stems start) to ``cost_max``, so that small and large costs both show.
    sample_slopes : array_like, shape (P,), or None, default None
        When given, dE^p/dw of every sample: its stem ends in a triangle pointing down
        where E^p falls as w grows and up where it rises, and the legend counts both, so
        the balance of the two at the minimum of E shows (say in the caption that
        "fall" and "rise" mean: as w grows).

    Returns
    -------
    tuple of Axes
        ``(ax_samples, ax_cost)``.

    Examples
    --------
    >>> from ebtricks.figures import subplots
    >>> fig, (a, b) = subplots(1, 2)
    >>> _ = cost_as_mean(a, b, [0.1, 0.3], [-1, 1], [0, 1], [0.2, 0.4], 0.5, 0.2)
    """
    from .._validate import check_positive

    costs = np.asarray(sample_costs, float).ravel()
    classes = np.asarray(classes).ravel()
    if costs.shape != classes.shape:
        raise ValueError(f"classes must have one entry per sample cost ({costs.size}), "
                         f"got {classes.size}")
    w_values = np.asarray(w_values, float)
    cost_values = np.asarray(cost_values, float)
    if w_values.shape != cost_values.shape:
        raise ValueError("w_values and cost_values must have the same shape")
    if sample_slopes is not None:
        sample_slopes = np.asarray(sample_slopes, float).ravel()
        if sample_slopes.shape != costs.shape:
            raise ValueError(f"sample_slopes must have one entry per sample cost "
                             f"({costs.size}), got {sample_slopes.size}")
    p = np.arange(costs.size)
    floor = 0.0 if cost_min is None else check_positive("cost_min", cost_min)
    for c, color, name in ((-1, "C0", "class −1"), (1, "C1", "class +1")):
        on = classes == c
        ax_samples.vlines(p[on], floor, costs[on], color=color, lw=1.2, label=name)
        if sample_slopes is None:
            ax_samples.plot(p[on], costs[on], "o", color=color, ms=3)
        else:
            for marker, side in (("v", sample_slopes < 0), ("^", sample_slopes >= 0)):
                ax_samples.plot(p[on & side], costs[on & side], marker, color=color, ms=4.5,
                                mec="k", mew=0.4)
    mean = costs.mean()
    ax_samples.axhline(mean, color="k", lw=1.5, ls="--", label=f"mean E = {mean:.3f}")
    if sample_slopes is not None:
        falls = int(np.sum(sample_slopes < 0))
        for marker, text in (("v", f"{falls} Eᵖ fall"), ("^", f"{costs.size - falls} rise")):
            ax_samples.plot([], [], marker, color="0.6", mec="k", mew=0.4, ms=5, label=text)
    top = max(costs.max(), 0.1) if cost_max is None else float(cost_max)
    room = 0.25 if sample_slopes is None else 0.45         # the legend's share of the axis
    if floor > 0:
        ax_samples.set_yscale("log")
        ax_samples.set_ylim(floor, top * (top / floor) ** room)   # room for the legend
        log_ticks(ax_samples)
    else:
        ax_samples.set_ylim(0, (1 + room) * top)
    ax_samples.set(xlabel="sample p", ylabel="cost of sample p, Eᵖ", xlim=(-1, costs.size))
    handles, labels = ax_samples.get_legend_handles_labels()
    if sample_slopes is not None:     # filled column by column: classes and mean, then ▼ ▲
        order = [0, 3, 1, 4, 2]
        handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    ax_samples.legend(handles, labels, loc="upper left", fontsize=9, ncol=3,
                      handlelength=1.2, columnspacing=1.0)
    ax_cost.plot(w_values, cost_values, color="0.3", lw=1.5)
    e_here = np.interp(w, w_values, cost_values)
    span = 0.12 * (w_values.max() - w_values.min())
    ax_cost.plot([w - span, w + span], [e_here - slope * span, e_here + slope * span],
                 color="C3", lw=2, label=f"slope dE/d{w_label} = {slope:+.3f}")
    ax_cost.plot(w, e_here, "o", color="k", ms=6, clip_on=False)
    ax_cost.set(xlabel=w_label, ylabel="E", xlim=(w_values.min(), w_values.max()),
                ylim=(0, 1.1 * cost_values.max()))
    ax_cost.legend(loc="upper right", fontsize=9)
    return ax_samples, ax_cost


__all__ += ["cost_as_mean"]


# --- helpers first used by the page "RBF versus sigmoid units" (§4.8) ---

def decision_regions(ax, outputs, extent, title: str | None = None, centres=None,
                     cells: int | None = None, truth=None):
    """The sign of a one-output net over a grid of the plane: class +1 light orange,
    class -1 light blue (``outputs``: shape (ny, nx), row 0 at the bottom, over
    ``extent`` = (x0, x1, y0, y1)). ``centres`` (k, 2) marks RBF centres with crosses;
    ``cells`` draws the lines of a cells x cells board over the extent. ``truth``
    (cells, cells), row 0 at the bottom, gives each square's true class (> 0: the
    orange class): a small triangle of that class's strong colour in the square's
    upper left corner, so the reader can compare the map with the board."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Polygon
    ax.imshow((np.asarray(outputs) > 0).astype(float), origin="lower", extent=extent,
              cmap=ListedColormap(["#cfe0f3", "#fbd9b5"]), vmin=0, vmax=1,
              interpolation="nearest", aspect="equal")
    ax.contour(np.linspace(extent[0], extent[1], np.shape(outputs)[1]),
               np.linspace(extent[2], extent[3], np.shape(outputs)[0]), outputs,
               levels=[0.0], colors="0.15", linewidths=1.2)
    if cells:
        for t in np.linspace(extent[0], extent[1], cells + 1)[1:-1]:
            ax.axvline(t, color="0.45", lw=0.8, ls="--")
            ax.axhline(t, color="0.45", lw=0.8, ls="--")
    if truth is not None:
        truth = np.asarray(truth)
        rows, cols = truth.shape
        w, h = (extent[1] - extent[0]) / cols, (extent[3] - extent[2]) / rows
        side = 0.24                             # of the triangle, as a share of a square
        for r in range(rows):
            for c in range(cols):
                x0, y1 = extent[0] + c * w, extent[2] + (r + 1) * h
                ax.add_patch(Polygon(
                    [(x0, y1), (x0 + side * w, y1), (x0, y1 - side * h)], closed=True,
                    facecolor="#e8710a" if truth[r, c] > 0 else "#2b6cb0",
                    edgecolor="white", lw=0.8, zorder=3))
    if centres is not None and len(centres):
        c = np.asarray(centres)
        ax.plot(c[:, 0], c[:, 1], "x", color="k", ms=5, mew=1.3, label="RBF centres")
    ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="x₁", ylabel="x₂")
    if title:
        ax.set_title(title)
    return ax


__all__ += ["decision_regions"]


# --- page "Stochastic versus batch learning" (§4.1): final costs over seeds ---

def outcomes_over_seeds(ax_sorted, ax_pairs, costs: dict, threshold: float,
                        colors=("C1", "C2")):
    """Final costs of two methods run from the same seeds. Left (``ax_sorted``): each
    method's costs sorted from lowest to highest, with the dashed ``threshold`` that
    separates the lower level of cost (below) from the upper one; the legend counts the
    runs below it. Right (``ax_pairs``): one dot per seed, the first method's cost across and
    the second's up, so the off-diagonal corners hold the seeds the methods sent to
    different levels. ``costs`` maps exactly two method names to arrays of equal length."""
    if len(costs) != 2:
        raise ValueError(f"costs must map exactly two methods, got {len(costs)}")
    (name_a, a), (name_b, b) = ((k, np.asarray(v, dtype=float)) for k, v in costs.items())
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("costs: both methods need 1-D arrays of the same length")
    rank = np.arange(1, a.size + 1)
    for (name, c), color, marker in zip(((name_a, a), (name_b, b)), colors, "os"):
        ax_sorted.plot(rank, np.sort(c), marker, ms=4, color=color,
                       label=f"{name}: {np.sum(c < threshold)} of {c.size} below")
    top = 1.15 * max(a.max(), b.max(), threshold)
    for ax in (ax_sorted, ax_pairs):
        ax.axhline(threshold, color="0.4", lw=1, ls="--")
    ax_sorted.set(xlabel="runs, sorted by final cost", ylabel="final training cost E",
                  ylim=(0, top), xlim=(0, a.size + 1))
    ax_sorted.legend(loc="upper left", fontsize=9)
    ax_pairs.axvline(threshold, color="0.4", lw=1, ls="--")
    ax_pairs.plot([0, top], [0, top], ":", color="0.6", lw=1)
    ax_pairs.plot(a, b, "o", ms=5, color="k", alpha=0.5)
    ax_pairs.set(xlim=(0, top), ylim=(0, top), xlabel=f"final E, {name_a}",
                 ylabel=f"final E, {name_b}")
    ax_pairs.set_aspect("equal")
    return ax_sorted, ax_pairs


__all__ += ["outcomes_over_seeds"]


# --- helpers first used by the page "Choosing learning rates" (§4.7) ---

def tuned_race(ax_rate, ax_epoch, etas: dict, costs: dict, best: dict, colors: dict,
               labels: dict | None = None):
    """A race of methods, each tuned on its own grid of rates: on ``ax_rate`` the final
    cost against the base rate (mean over seeds as a line, smallest to largest as a band,
    a star at the best rate; rates where a seed diverged are left out), on ``ax_epoch``
    each method's cost against epochs at its best rate (mean and band over the seeds).

    ``etas[name]`` is the method's grid (1-D), ``costs[name]`` its costs of shape
    (n_rates, n_seeds, n_epochs + 1), ``best[name]`` the index of its best rate."""
    labels = labels or {name: name for name in costs}
    for name, c in costs.items():
        eta = np.asarray(etas[name], dtype=float)
        final = c[:, :, -1]
        ok = np.all(np.isfinite(final), axis=1)
        mean_and_spread(ax_rate, eta[ok], final[ok].T, labels[name], colors[name])
        k = best[name]
        ax_rate.plot(eta[k], final[k].mean(), "*", color=colors[name], ms=12, mec="k",
                     mew=0.5)
        seed_band(ax_epoch, np.arange(c.shape[2]), c[k], f"{labels[name]}, η = {eta[k]:g}",
                  colors[name])
    ax_rate.set(xscale="log", yscale="log", xlabel="base learning rate η",
                ylabel="E at the end")
    ax_epoch.set(yscale="log", xlabel="epoch", ylabel="training cost E",
                 xlim=(0, c.shape[2] - 1))
    for ax in (ax_rate, ax_epoch):
        log_ticks(ax)
    return ax_rate, ax_epoch


def grid_heatmap(ax, values, x_values, y_values, xlabel: str, ylabel: str,
                 vmin: float, vmax: float, best=None, title: str | None = None,
                 cmap: str = "viridis_r", fmt: str = "{:.2f}"):
    """A grid of costs as coloured cells on a log colour scale from ``vmin`` to ``vmax``,
    each cell labelled with its value (NaN, a diverged setting, is grey and labelled
    "div."); ``best`` = (row, column) is outlined. Rows are ``y_values`` (bottom to top),
    columns ``x_values``. Returns the image, for a colour bar."""
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Rectangle

    values = np.asarray(values, dtype=float)
    ax.set_facecolor("0.8")
    norm = LogNorm(vmin=vmin, vmax=vmax)
    img = ax.imshow(np.ma.masked_invalid(values), origin="lower", aspect="auto", cmap=cmap,
                    norm=norm)
    colours = img.get_cmap()(norm(np.clip(np.nan_to_num(values, nan=vmin), vmin, vmax)))
    for (i, j), v in np.ndenumerate(values):
        # white or black text, whichever contrasts more with the cell's own colour (WCAG
        # relative luminance): viridis_r is already dark at mid-scale, where black hardly shows
        lin = np.where(colours[i, j, :3] <= 0.04045, colours[i, j, :3] / 12.92,
                       ((colours[i, j, :3] + 0.055) / 1.055) ** 2.4)
        lum = float(lin @ [0.2126, 0.7152, 0.0722])
        dark = np.isfinite(v) and 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05
        ax.text(j, i, fmt.format(v) if np.isfinite(v) else "div.", ha="center",
                va="center", fontsize=9, color="w" if dark else "k")
    if best is not None:
        ax.add_patch(Rectangle((best[1] - 0.5, best[0] - 0.5), 1, 1, fill=False, ec="C3",
                               lw=2.5))
    ax.set_xticks(range(len(x_values)), [f"{x:g}" for x in x_values])
    ax.set_yticks(range(len(y_values)), [f"{y:g}" for y in y_values])
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if title:
        ax.set_title(title)
    return img


__all__ += ["tuned_race", "grid_heatmap"]


# --- helpers of book/gauss_newton_matrix (§7.2) ---

def _signed_power_of_ten(value, _pos=None) -> str:
    if value == 0:
        return "0"
    sign = "−" if value < 0 else ""
    return sign + _power_of_ten(abs(value))


def gn_signed_spectra(ax, eig_H, eig_G, linthresh: float = 1e-6, top: int = 1,
                      bottom: int = -1, title: str | None = None):
    """The eigenvalues of the Hessian H and of the Gauss-Newton matrix G, each sorted
    largest first against its rank, on a signed log axis (symlog: linear within
    ``linthresh`` of 0, so rounding-size eigenvalues sit on the zero line).

    G is drawn as large hollow blue circles, H as small filled orange dots inside them,
    so equal eigenvalues show as a dot in a ring. The axis runs from -10^``bottom`` to
    10^``top`` (fixed by the caller, so that the frames of a slider share one scale);
    the negative half is shaded."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

    lam_G = np.sort(np.asarray(eig_G, dtype=float))[::-1]
    lam_H = np.sort(np.asarray(eig_H, dtype=float))[::-1]
    rank = np.arange(1, len(lam_G) + 1)
    low, high = -10.0 ** bottom, 10.0 ** top
    ax.axhspan(low, 0, color="C3", alpha=0.08, lw=0)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.plot(rank, lam_G, "o", ms=8, mfc="none", mec="C0", mew=1.5,
            label="G (Gauss–Newton)")
    ax.plot(np.arange(1, len(lam_H) + 1), lam_H, "o", ms=4, color="C1", label="H (Hessian)")
    ax.set_yscale("symlog", linthresh=linthresh, linscale=0.5)
    exps = np.arange(int(np.log10(linthresh)) + 1, top + 1)
    ticks = [0.0] + [10.0 ** e for e in exps[::2]] + [-(10.0 ** e) for e in exps[::2]
                                                       if e <= bottom]
    ax.yaxis.set_major_locator(FixedLocator(sorted(ticks)))
    ax.yaxis.set_major_formatter(FuncFormatter(_signed_power_of_ten))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set(ylim=(low, high), xlim=(0.3, len(lam_G) + 0.7), xlabel="rank (largest first)",
           ylabel="eigenvalue")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.text(0.03, 0.04, "negative curvature", transform=ax.transAxes, ha="left",
            va="bottom", color="C3", fontsize=10)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def gn_gap_curve(ax, residuals, gaps, current: float | None = None):
    """The relative gap ||H - G|| / ||G|| against the residual size on log-log axes
    (residual 0 cannot be drawn there: its gap is written in a corner), with the
    slider's ``current`` residual marked in red and its gap written in the title."""
    s = np.asarray(residuals, dtype=float)
    g = np.asarray(gaps, dtype=float)
    pos = s > 0
    ax.loglog(s[pos], g[pos], "o-", ms=3, lw=1.2, color="C2")
    if current is not None and current > 0:
        k = int(np.argmin(np.abs(s - current)))
        ax.loglog(s[k], g[k], "o", ms=9, color="C3", zorder=3)
    if current is not None:
        k = int(np.argmin(np.abs(s - current)))
        ax.set_title(f"‖H − G‖ / ‖G‖ = {g[k]:.2g} at s = {s[k]:g}", fontsize=10)
    if np.any(~pos):
        g0 = float(g[~pos][0])
        ax.text(0.03, 0.95, f"at residual 0: {g0:.1e}", transform=ax.transAxes,
                va="top", fontsize=10, color="C3" if current == 0 else "k")
    ax.set(xlabel="residual size (rms)", ylabel="‖H − G‖ / ‖G‖")
    log_ticks(ax)
    return ax


def gn_fit_scatter(ax, outputs, targets):
    """Targets against the network's outputs, one colour per output unit, with the line
    target = output: each point's vertical distance to it is a residual."""
    outputs = np.atleast_2d(np.asarray(outputs, dtype=float))
    targets = np.atleast_2d(np.asarray(targets, dtype=float))
    lo = min(outputs.min(), targets.min()) - 0.1
    hi = max(outputs.max(), targets.max()) + 0.1
    ax.plot([lo, hi], [lo, hi], color="0.5", lw=1, label="target = output")
    for k in range(outputs.shape[1]):
        ax.plot(outputs[:, k], targets[:, k], "o", ms=4, color=f"C{k + 4}",
                label=f"output {k + 1}")
    ax.set(xlim=(lo, hi), ylim=(lo, hi), xlabel="network output M(x, w)",
           ylabel="target d")
    return ax


__all__ += ["gn_signed_spectra", "gn_gap_curve", "gn_fit_scatter"]


# --- book/newton (§6.1): several methods' weight paths on one picture ---

def newton_paths(ax, paths: dict, styles: dict | None = None, start: bool = True):
    """Several named weight paths over one picture (gradient descent, Newton, ...), each a
    line with dots in its own colour and with a legend entry. ``paths`` maps a label to an
    array of shape (steps + 1, 2); ``styles`` maps a label to matplotlib keywords (for
    example ``dict(ls="none", mfc="none", ms=8)`` for hollow markers over another path).
    A path that leaves the axes' current limits is drawn up to their edge, and cut where
    it first lies more than 100 spans away (a run that diverges: drawing coordinates of
    1e300 fails). The first path's start is a red square, drawn over the paths and at least
    as wide as their largest marker (with its edge), so that a hollow ring or a dot drawn at
    the same start cannot turn it into a dot in a ring."""
    xlo, xhi = ax.get_xlim()
    ylo, yhi = ax.get_ylim()
    mx, my = 100 * (xhi - xlo), 100 * (yhi - ylo)
    widest = 0.0
    for k, (label, path) in enumerate(paths.items()):
        path = np.asarray(path, dtype=float)
        inside = ((path[:, 0] > xlo - mx) & (path[:, 0] < xhi + mx)
                  & (path[:, 1] > ylo - my) & (path[:, 1] < yhi + my))
        path = path[np.cumprod(inside).astype(bool)]
        style = dict(color=f"C{k}", marker="o", ms=3.5, lw=1.2)
        style.update((styles or {}).get(label, {}))
        (line,) = ax.plot(path[:, 0], path[:, 1], label=label, **style)
        if line.get_marker() not in (None, "", " ", "None", "none"):
            widest = max(widest, line.get_markersize() + line.get_markeredgewidth())
    if start and paths:
        first = np.asarray(next(iter(paths.values())), dtype=float)[0]
        ax.plot(*first, "s", color=START_COLOR, ms=max(6.0, widest + 0.5), zorder=5)
    ax.set(xlim=(xlo, xhi), ylim=(ylo, yhi))
    return ax


__all__ += ["newton_paths"]


# --- page book/backprop_diagonal (§7.3-7.4): one diagonal against another, per weight ---

DIAG_MARKERS = ("o", "x", "+", "s")


def diag_scatter(ax, reference, compared: dict, groups=None, group_labels=None,
                 xlabel: str = "reference", title: str | None = None, limit=None):
    """One point per weight: its entry of a reference diagonal (x) against the entries of
    other diagonals (y), with the line y = x on which two equal diagonals lie.

    Each entry of ``compared`` gets its own marker (o, x, +, s in turn). With ``groups``
    (e.g. the layer of each weight) the colour marks the group, otherwise the entry of
    ``compared``. Both axes are linear and share their scale.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    reference : array_like, shape (n,)
        The x value of every weight.
    compared : dict
        Label -> array of shape (n,): the y values, one series per entry.
    groups : array_like of int, shape (n,), optional
        Group of each weight, 0, 1, ...; colours C0, C1, ...
    group_labels : sequence of str, optional
        A legend label per group (with ``groups``).
    xlabel : str, default "reference"
        Label of the x axis (the y axis is labelled by the legend).
    title : str, optional
        Title of the panel.
    limit : float, optional
        Upper end of both axes; None takes 1.08 times the largest value.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Examples
    --------
    >>> import numpy as np
    >>> from ebtricks.figures import subplots
    >>> fig, ax = subplots(height=3)
    >>> ax = diag_scatter(ax, [1.0, 2.0], {"backprop": np.array([1.0, 1.5])})
    """
    x = np.asarray(reference, dtype=float)
    ys = {k: np.asarray(v, dtype=float) for k, v in compared.items()}
    top = limit if limit is not None else 1.08 * max(x.max(), *(y.max() for y in ys.values()))
    low = min(0.0, x.min(), *(y.min() for y in ys.values()))
    low = low - 0.03 * top if low < 0 else -0.02 * top
    ax.plot([low, top], [low, top], color="0.6", lw=1.0, zorder=1, label="y = x (equal)")
    for m, (label, y) in zip(DIAG_MARKERS, ys.items()):
        if groups is None:
            ax.scatter(x, y, marker=m, s=26, label=label, zorder=2,
                       **({"facecolors": "none", "edgecolors": "k"} if m in "os" else
                          {"color": "C3"}))
            continue
        g = np.asarray(groups, dtype=int)
        for k in range(g.max() + 1):
            name = group_labels[k] if group_labels is not None else f"group {k}"
            ax.scatter(x[g == k], y[g == k], marker=m, s=26, color=f"C{k}", zorder=2,
                       label=name if len(ys) == 1 else f"{label}, {name}")
    ax.set(xlim=(low, top), ylim=(low, top), xlabel=xlabel)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


__all__ += ["diag_scatter"]


# --- book/finite_differences (§7.1) --------------------------------------------------------
def fd_error_map(ax, estimate, exact, title: str | None = None, vmin: float = 1e-14,
                 vmax: float = 1e-1, bands_per_decade: int = 2):
    """|estimate - exact| for every entry of a Hessian, as a heat map on a log colour
    scale from ``vmin`` to ``vmax`` (errors below ``vmin``, exact zeros included, get the
    lowest colour). Returns the image, for a colour bar.

    The colours come in ``bands_per_decade`` bands per power of ten, not as a continuous
    ramp: the book ships frames as 256-colour palette PNGs, and a continuous viridis bar
    next to the blue and orange curves lost its top colours to the palette (the top of the
    bar came out orange). A few dozen exact colours survive the palette unchanged, and a
    band is easier to match against the bar than a shade."""
    import matplotlib as mpl
    from matplotlib.colors import LogNorm

    error = np.abs(np.asarray(estimate, dtype=float) - np.asarray(exact, dtype=float))
    bands = max(1, int(round(np.log10(vmax / vmin) * bands_per_decade)))
    image = ax.imshow(np.clip(error, vmin, vmax), norm=LogNorm(vmin=vmin, vmax=vmax),
                      cmap=mpl.colormaps["viridis"].resampled(bands),
                      interpolation="nearest")
    ticks = np.arange(0, error.shape[0], 5)
    ax.set(xlabel="column k (weight nudged)", ylabel="row i", xticks=ticks, yticks=ticks)
    if title:
        ax.set_title(title, fontsize=10)
    return image


__all__ += ["fd_error_map"]


# --- helpers of the page book/hessian_vector (§7.5) ---------------------------------------

HV_COLORS = {"fd": "C0", "fd_central": "C1", "exact": "C2"}


def hv_step_errors(ax, steps, errors: dict, floor: float, mark: float | None = None,
                   labels: dict | None = None):
    """Relative error of H v from two gradients against the step r, log-log (the V of
    eq 59): ``errors`` maps "fd" and "fd_central" to one error per step; ``floor``, the
    exact product's rounding error, is a dashed line; ``mark`` (a step) is outlined on
    both curves with a dotted vertical line."""
    steps = np.asarray(steps, dtype=float)
    names = {"fd": "two gradients, forward (eq 59)", "fd_central": "two gradients, central",
             **(labels or {})}
    for key, marker in (("fd", "o"), ("fd_central", "s")):
        err = np.maximum(np.asarray(errors[key], dtype=float), 1e-17)
        ax.loglog(steps, err, marker + "-", ms=3.5, lw=1.2, color=HV_COLORS[key],
                  label=names[key])
        if mark is not None:
            k = int(np.argmin(np.abs(np.log(steps / mark))))
            ax.loglog(steps[k], err[k], marker, ms=10, mfc="none", mew=2,
                      color=HV_COLORS[key])
    ax.axhline(floor, color=HV_COLORS["exact"], ls="--", lw=1.6,
               label="exact, R-operator (rounding only)")
    if mark is not None:
        ax.axvline(mark, color="0.4", lw=1, ls=":")
    ax.set(xlabel="step r", ylabel="relative error of H·v", ylim=(floor / 10, 10))
    log_ticks(ax)
    return ax


def hv_entry_errors(ax, exact, estimates: dict, ylim=(1e-17, 10.0)):
    """Each entry's error |estimate_i - exact_i| against the entry's size |exact_i|,
    log-log, one colour per estimate (``estimates``: "fd" / "fd_central" -> array); points
    above the dashed line y = x are off by more than the entry itself. Exact zeros are
    drawn at the bottom of ``ylim``."""
    exact = np.asarray(exact, dtype=float)
    size = np.abs(exact)
    keep = size > 0
    names = {"fd": "forward (eq 59)", "fd_central": "central"}
    for key, marker in (("fd", "o"), ("fd_central", "s")):
        err = np.abs(np.asarray(estimates[key], dtype=float) - exact)
        ax.loglog(size[keep], np.maximum(err[keep], ylim[0]), marker, ms=2.2, alpha=0.6,
                  color=HV_COLORS[key], label=names[key], mew=0)
    lo, hi = size[keep].min() / 2, size[keep].max() * 2
    ax.loglog([lo, hi], [lo, hi], "--", color="0.3", lw=1.2, label="error = entry")
    ax.set(xlim=(lo, hi), ylim=ylim, xlabel="|entry of exact H·v|",
           ylabel="|estimate − exact|")
    log_ticks(ax)
    return ax


def hv_eigenvalues(ax, eigenvalues, named: int = 2, zero_tol: float = 1e-12):
    """All eigenvalues, largest first, against their rank on a linear scale (positive
    ones filled, negative ones hollow, a line at 0); those with |λ| <= ``zero_tol`` times
    the largest |λ| are zero up to rounding and drawn as grey crosses (so the sign of
    their rounding noise does not decide their marker). The ``named`` largest are labelled
    λ₁, λ₂, ... with their values, so the gap that sets the power method's speed shows."""
    lam = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    rank = np.arange(1, len(lam) + 1)
    zero = np.abs(lam) <= zero_tol * np.abs(lam).max()
    pos, neg = (lam > 0) & ~zero, (lam < 0) & ~zero
    ax.plot(rank[pos], lam[pos], "o", ms=2.5, color="C0", label="λ > 0")
    ax.plot(rank[neg], lam[neg], "o", ms=2.5, mfc="none", color="C1", label="λ < 0")
    if zero.any():
        ax.plot(rank[zero], lam[zero], "x", ms=3.5, mew=0.8, color="0.2",
                label="λ = 0 (to rounding)")
    ax.axhline(0.0, color="0.5", lw=0.8)
    subscripts = "₁₂₃₄₅₆₇₈₉"
    for k in range(min(named, len(lam), len(subscripts))):
        ax.annotate(f"λ{subscripts[k]} = {lam[k]:.3g}", (rank[k], lam[k]),
                    xytext=(12, -4 - 13 * k), textcoords="offset points", fontsize=9,
                    va="center", arrowprops=dict(arrowstyle="-", color="0.4", lw=0.8))
    ax.set(xlabel="rank", ylabel="eigenvalue λ of H")
    return ax


def hv_power_convergence(ax, estimates: dict, target: float, colors: dict | None = None):
    """Relative error |estimate_t - target| / |target| of eigenvalue estimates against the
    iteration t, on a log scale (``estimates``: label -> one estimate per iteration);
    exact agreement is drawn at 1e-17."""
    for k, (label, est) in enumerate(estimates.items()):
        err = np.maximum(np.abs(np.asarray(est, dtype=float) - target) / abs(target), 1e-17)
        color = (colors or {}).get(label, f"C{k}")
        ax.semilogy(np.arange(1, len(err) + 1), err, "o-", ms=3, lw=1.2, color=color,
                    label=label)
    ax.set(xlabel="iteration t (one H·v each)", ylabel="relative error of ‖ψ‖",
           ylim=(1e-17, 10))
    log_ticks(ax)
    return ax


def hv_cost_bars(ax, ratios: dict, groups: Sequence[str], colors=("C0", "C1")):
    """Grouped horizontal bars of costs in gradients on a log axis, each labelled with its
    value. ``ratios`` maps a pass name to one value per group (NaN: not measured, drawn
    as a grey "not feasible" note); ``groups`` names the groups (the networks)."""
    names = list(ratios)
    height = 0.8 / len(groups)
    y = np.arange(len(names))[::-1].astype(float)
    values = np.array([ratios[n] for n in names], dtype=float)
    top = np.nanmax(values)
    for j, group in enumerate(groups):
        yj = y + (len(groups) - 1 - 2 * j) * height / 2
        ok = np.isfinite(values[:, j])
        ax.barh(yj[ok], values[ok, j] - 0.1, height=height * 0.9, color=colors[j],
                label=group, left=0.1)          # bars start at the axis' left edge
        for yy, val, good in zip(yj, values[:, j], ok):
            if good:
                ax.text(val * 1.15, yy, f"{val:.3g}", va="center", fontsize=9)
            else:
                ax.text(0.12, yy, "not formed (too large)", va="center", fontsize=9,
                        color="0.35")
    ax.axvline(1.0, color="0.3", lw=1, ls=":")
    ax.set_yticks(y, names)
    ax.set(xscale="log", xlim=(0.1, top * 30), xlabel="CPU time in gradients")
    log_ticks(ax)
    return ax


__all__ += ["hv_step_errors", "hv_entry_errors", "hv_eigenvalues", "hv_power_convergence",
            "hv_cost_bars", "HV_COLORS"]


# --- helpers of the quasi-Newton page (book/quasi_newton) ---

def _ellipse(ax, A, center, **style):
    """The ellipse x^T A x = 1 around ``center`` (A symmetric positive definite)."""
    lam, vecs = np.linalg.eigh(np.asarray(A, dtype=float))
    t = np.linspace(0, 2 * np.pi, 200)
    ring = np.asarray(center, dtype=float) + (
        vecs @ (np.array([np.cos(t), np.sin(t)]) / np.sqrt(lam)[:, None])).T
    return ax.plot(ring[:, 0], ring[:, 1], **style)


def qn_inverse_ellipses(ax, H, M, title: str | None = None, steps=(), lim: float = 2.4,
                        scale: float = 1.0):
    """BFGS's picture of a quadratic bowl against the bowl itself: the contour
    x^T H x = scale^2 of E (grey) and the contour x^T M^-1 x = scale^2 of the quadratic
    whose inverse Hessian is the estimate M (blue, dashed), both around the origin.
    They coincide when M = H^-1. ``steps`` are weight changes delta drawn as arrows from
    the origin (the secant pairs M has learned from)."""
    H = np.asarray(H, dtype=float)
    _ellipse(ax, H / scale ** 2, (0, 0), color="0.45", lw=2.2, label="contour of E (H)")
    _ellipse(ax, np.linalg.inv(np.asarray(M, dtype=float)) / scale ** 2, (0, 0), color="C0",
             lw=1.6, ls="--", label="contour of the model (M⁻¹)")
    for k, d in enumerate(steps):
        direction_arrow(ax, (0, 0), d, "C3", lw=1.5,
                        label="weight changes δ so far" if k == 0 else None)
    ax.plot(0, 0, "k+", ms=9, mew=1.5)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xlabel="w₁ − w₁*", ylabel="w₂ − w₂*")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def qn_lm_steps(ax, w1, w2, surface, w0, gn_step, gradient, lm_curve, lm_step,
                minimum=None):
    """Levenberg-Marquardt's steps from ``w0`` over the contours of E: the Gauss-Newton
    step (green), the direction of -grad E (red, drawn as long as the Gauss-Newton step),
    the curve of all LM steps as lambda runs from 0 to infinity (thin blue) and the LM
    step of one lambda (thick blue), with its direction drawn as long as the Gauss-Newton
    step (dashed blue): a step of a large lambda is too short to see, its direction is
    not."""
    contour_trajectory(ax, w1, w2, surface, minimum=minimum)
    w0 = np.asarray(w0, dtype=float)
    curve = w0 + np.asarray(lm_curve, dtype=float)
    ax.plot(curve[:, 0], curve[:, 1], "-", color="C0", lw=0.8, alpha=0.6,
            label="LM steps for all λ")
    g = -np.asarray(gradient, dtype=float)
    direction_arrow(ax, w0, g / np.linalg.norm(g) * np.linalg.norm(gn_step), "C3",
                    label="direction of −∇E", lw=1.6)
    direction_arrow(ax, w0, gn_step, "C2", label="Gauss-Newton step (λ → 0)", lw=1.6)
    direction_arrow(ax, w0, lm_step, "C0", label="LM step at this λ", lw=2.6)
    step = np.asarray(lm_step, dtype=float)
    reach = w0 + step / np.linalg.norm(step) * np.linalg.norm(gn_step)
    ax.plot([w0[0], reach[0]], [w0[1], reach[1]], "--", color="C0", lw=1.2, zorder=1.4,
            label="direction of the LM step")
    ax.plot(*w0, "s", color=START_COLOR, ms=4, zorder=1.5)
    return ax


__all__ += ["qn_inverse_ellipses", "qn_lm_steps"]


# --- first used by the page "Conjugate gradient" (§6.2) ---

def cg_paths(ax_paths, ax_dist, quadratic, runs: dict, half_width: float = 2.2,
             floor: float = 1e-16, steps: int | None = None):
    """Weight paths of several methods over a two-weight :class:`~ebtricks.Quadratic`
    (left) and each one's distance to the minimum against step (right, log scale; values
    below ``floor``, rounding error, drawn at ``floor``). ``runs`` maps a label to
    ``(path, colour)``, path of shape (steps + 1, 2). Each later path is drawn wider and
    under the earlier ones, so that a shared segment (two methods' common first step)
    shows both colours."""
    quadratic_contours(ax_paths, quadratic, half_width=half_width)
    for k, (label, (path, color)) in enumerate(runs.items()):
        path = np.asarray(path, dtype=float)
        ax_paths.plot(path[:, 0], path[:, 1], "o-", color=color, ms=3 + 2 * k,
                      lw=1.3 + 2 * k, zorder=3 - 0.1 * k)
        d = np.maximum(np.linalg.norm(path - quadratic.minimum, axis=1), floor)
        ax_dist.semilogy(np.arange(len(d)), d, "o-", color=color, ms=3 + k,
                         lw=1.2 + k, zorder=3 - 0.1 * k, label=label)
    first = np.asarray(next(iter(runs.values()))[0], dtype=float)[0]
    ax_paths.plot(*first, "s", color=START_COLOR, ms=6, zorder=4)
    ax_dist.set(xlabel="step", ylabel="distance to the minimum", ylim=(floor / 3, 10))
    if steps is not None:
        ax_dist.set_xlim(-0.5, steps + 0.5)
    log_ticks(ax_dist)
    return ax_paths, ax_dist


def cg_conjugate_pair(ax_w, ax_u, quadratic, path, directions, half_width: float = 2.2):
    """The paper's Fig. 17: two conjugate-gradient directions drawn from the points where
    each was searched, over the contours of a two-weight quadratic (left, weights w) and
    over the same bowl in whitened coordinates u = Lambda^(1/2) V^T (w - w*) (right),
    where its contours are circles. Each arrow is scaled to the step taken along it."""
    path = np.asarray(path, dtype=float)
    lam, V = quadratic.eigenvalues, quadratic.eigenvectors
    T = np.sqrt(lam)[:, None] * V.T                    # u = T (w - w*)
    quadratic_contours(ax_w, quadratic, half_width=half_width)
    u_path = (path - quadratic.minimum) @ T.T
    r = np.linalg.norm(u_path[0]) * 1.15
    t = np.linspace(0, 2 * np.pi, 200)
    for level in np.linspace(0.15, 1.0, 6) * r:
        ax_u.plot(level * np.cos(t), level * np.sin(t), color="0.6", lw=0.7)
    ax_u.plot(0, 0, "k+", ms=11, mew=1.5)
    for ax, pts, tf in ((ax_w, path, np.eye(2)), (ax_u, u_path, T)):
        for k, (color, name) in enumerate((("C3", "d₀ = −∇E"), ("C2", "d₁ (conjugate)"))):
            step = pts[k + 1] - pts[k]
            direction_arrow(ax, pts[k], step, color, label=name if ax is ax_u else None,
                            lw=2.2)
        ax.plot(pts[0, 0], pts[0, 1], "s", color=START_COLOR, ms=6)
    ax_u.set(xlim=(-r, r), ylim=(-r, r), xlabel="u₁", ylabel="u₂", aspect="equal")
    return ax_w, ax_u


__all__ += ["cg_paths", "cg_conjugate_pair"]


# --- the page book/which_method (§6, §10): two problems, cost per step, races, crossing ---

def which_problems(ax_fit, ax_digits, X, D, truth_x, truth_y, images, labels, n_show=20):
    """The page's two problems side by side: left, the regression samples (dots) and the
    function behind them (line); right, ``n_show`` digit images in a grid, each titled
    with its label."""
    ax_fit.plot(truth_x, truth_y, color="0.35", lw=1.5, label="sin(πx)")
    ax_fit.plot(np.ravel(X), np.ravel(D), "o", ms=3.5, color="C0", label="samples")
    ax_fit.set(xlabel="input x", ylabel="target")
    ax_fit.legend(loc="upper left", fontsize=9)
    cols = int(np.ceil(n_show / 4))
    h, w = images.shape[1:]
    canvas = np.full((4 * (h + 2), cols * (w + 2)), np.nan)
    for k in range(n_show):
        r, c = divmod(k, cols)
        canvas[r * (h + 2):r * (h + 2) + h, c * (w + 2):c * (w + 2) + w] = images[k]
    ax_digits.imshow(canvas, cmap="gray_r", interpolation="nearest")
    ax_digits.set_xticks([])
    ax_digits.set_yticks([])
    ax_digits.set_xlabel("labels: " + " ".join(str(int(v)) for v in labels[:n_show]),
                         fontsize=9)
    return ax_fit, ax_digits


WHICH_COLORS = {"Newton": "C3", "BFGS": "C4", "CG": "C1", "LM": "C2", "SGD": "C0",
                "SDLM": "C9"}


def which_cost_per_step(ax, sizes: dict, seconds: dict, slopes: dict, theory: dict,
                        fitted: dict):
    """CPU seconds of one step against the number of weights N on log-log axes, one line
    per method (``sizes``, ``seconds``: name -> arrays); the points a slope was fitted on
    (``fitted``: name -> how many of the last points) are filled, and the legend names the
    fitted and the theoretical exponent (``slopes``, ``theory``)."""
    for name, n in sizes.items():
        n, t = np.asarray(n, float), np.asarray(seconds[name], float)
        color = WHICH_COLORS.get(name, None)
        k = fitted[name]
        ax.plot(n, t, "-", color=color, lw=1.2)
        ax.plot(n[:-k], t[:-k], "o", mfc="white", mec=color, ms=4)
        ax.plot(n[-k:], t[-k:], "o", color=color, ms=5,
                label=f"{name}: slope {slopes[name]:.2f} (theory {theory[name]})")
        fit = np.polyfit(np.log(n[-k:]), np.log(t[-k:]), 1)
        xs = np.array([n[-k], n[-1]])
        ax.plot(xs, np.exp(np.polyval(fit, np.log(xs))), ":", color="k", lw=1)
    ax.set(xscale="log", yscale="log", xlabel="number of weights N",
           ylabel="CPU seconds per step")
    log_ticks(ax)
    ax.legend(loc="upper right", fontsize=9)
    return ax


def which_race_curves(ax, races: dict, ylabel: str, title: str, level: float | None = None,
                      logy: bool = True):
    """Error against CPU seconds (log x) for several runs (``races``: name -> WhichRace),
    the start at the left edge; ``level`` draws the target as a dashed line."""
    lo = min(r.cpu[1] for r in races.values() if len(r.cpu) > 1)
    for name, r in races.items():
        x = np.maximum(r.cpu, lo / 2)
        ax.plot(x, r.error, "-", color=WHICH_COLORS.get(name), lw=1.5, label=name)
    if level is not None:
        ax.axhline(level, color="0.4", ls="--", lw=1)
    ax.set(xscale="log", yscale="log" if logy else "linear", xlabel="CPU seconds",
           ylabel=ylabel, title=title)
    log_ticks(ax)
    ax.legend(loc="lower left", fontsize=9)
    return ax


def which_crossing(ax_run, ax_size, sgd_run, cg_run, sizes, sgd_final, cg_final, size,
                   crossing: float | None, budget: float):
    """Left: the error against sample gradients of one SGD and one CG run (at the slider's
    size). Right: the error after the budget against the dataset size P for both methods,
    the slider's size dotted and the crossing (where CG's curve rises through SGD's)
    marked by a vertical band."""
    for name, r in (("SGD", sgd_run), ("CG", cg_run)):
        few = len(r.work) <= 40                  # few points: show each one
        ax_run.plot(np.maximum(r.work, 1), r.error, "o-" if few else "-", ms=3.5,
                    color=WHICH_COLORS[name], lw=1.5, label=name)
    ax_run.set(xscale="log", yscale="log", xlim=(1, budget * 1.3),
               xlabel="sample gradients", ylabel="test error", title=f"P = {size:,}")
    ax_run.legend(loc="lower left", fontsize=9)
    log_ticks(ax_run)
    for name, y in (("SGD", sgd_final), ("CG", cg_final)):
        ax_size.plot(sizes, y, "o-", ms=3, color=WHICH_COLORS[name], label=name)
    if crossing is not None:
        ax_size.axvline(crossing, color="k", lw=2, alpha=0.35, label="crossing")
    ax_size.axvline(size, color="0.3", ls=":", lw=1.2)
    ax_size.set(xscale="log", yscale="log", xlabel="training set size P",
                ylabel="test error after the budget", title="every size")
    log_ticks(ax_size)
    ax_size.legend(loc="upper left", fontsize=9)
    return ax_run, ax_size


__all__ += ["which_problems", "which_cost_per_step", "which_race_curves", "which_crossing",
            "WHICH_COLORS"]


# --- page large_eigenvalues (§8, the paper's Fig. 21) ---

def largeeig_layer_bars(ax, values: dict, layer_names: Sequence[str], log: bool = True,
                        ylabel: str = "mean ∂²E/∂wᵢ²", title: str | None = None,
                        ylim=None):
    """Grouped bars: one group per layer, one bar per named series (``values``: label ->
    one number per layer), on a log ``y`` axis by default (non-positive values are left
    out of a log axis); a zero line when linear."""
    names = list(layer_names)
    n = max(len(values), 1)
    width = 0.8 / n
    x = np.arange(len(names))
    for k, (label, v) in enumerate(values.items()):
        v = np.asarray(v, dtype=float)
        if v.shape != (len(names),):
            raise ValueError(f"series {label!r} needs {len(names)} values, got {v.shape}")
        keep = (v > 0) if log else np.isfinite(v)
        ax.bar(x[keep] + (k - (n - 1) / 2) * width, v[keep], width, label=label,
               color=f"C{k}")
    ax.set_xticks(x, names)
    ax.set(ylabel=ylabel, title=title, yscale="log" if log else "linear")
    if ylim is not None:
        ax.set_ylim(*ylim)
    if log:
        log_ticks(ax)
    else:
        ax.axhline(0, color="0.3", lw=0.8)
    return ax


__all__ += ["largeeig_layer_bars"]


# --- drawings of the page book/principal_eigenvalue (§9.2) ---

def principal_online_curves(ax, curves: dict, reference: float, factor: float = 3.0,
                            highlight=None, settle: float | None = None,
                            reference_label: str = "batch power method",
                            bottom: float | None = None):
    """Running-average estimates of lambda_max (eq 64) against the number of pattern
    presentations, on a log axis: ``curves`` maps a label to the estimates after
    presentation 1, 2, ...; the band within ``factor`` of ``reference`` is shaded and
    the reference dashed. With ``highlight`` (a label) that curve is drawn strong and the
    others faint; ``settle`` draws a dotted vertical line where it enters the band for
    good, labelled at the foot of the axes (clear of the curves). Estimates are drawn by
    magnitude (a log axis has no negative values), and the y label says so. ``bottom``
    lowers the axis (default ``reference / 20``) for curves that fall far below the
    band; over at most three decades the ticks are labelled 10, 20, 50, 100, ... so
    values such as 36 or 160 can be read off."""
    ax.axhspan(reference / factor, reference * factor, color="0.9", lw=0,
               label=f"within a factor {factor:g}")
    for k, (label, est) in enumerate(curves.items()):
        est = np.abs(np.asarray(est, dtype=float))
        strong = highlight is None or label == highlight
        ax.plot(np.arange(1, est.size + 1), est, color=f"C{k}",
                lw=1.8 if strong else 1.0, alpha=1.0 if strong else 0.35, label=label)
    ax.axhline(reference, color="k", ls="--", lw=1.2,
               label=f"{reference_label}: {reference:.4g}")
    n = max(np.asarray(c).size for c in curves.values())
    if settle is not None and np.isfinite(settle):
        ax.axvline(settle, color="k", ls=":", lw=1.2)
        right = settle < 0.6 * n                 # keep the label inside the axes
        ax.annotate(f"in band from {settle:.0f}", (settle, 0.03),
                    xycoords=ax.get_xaxis_transform(),
                    xytext=(4 if right else -4, 0), textcoords="offset points",
                    fontsize=9, ha="left" if right else "right", va="bottom")
    # room above the band for a legend in the upper left
    low, high = (reference / 20 if bottom is None else bottom), reference * 15
    ax.set(yscale="log", xlim=(0, n), ylim=(low, high),
           xlabel="pattern presentations", ylabel="|estimate of λ_max|")
    log_ticks(ax)
    if high / low <= 1e3:                        # label 1-2-5 steps, not decades only
        from matplotlib.ticker import FixedLocator, FuncFormatter
        ticks = [m * 10.0 ** k for k in range(-3, 6) for m in (1, 2, 5)
                 if low <= m * 10.0 ** k <= high]
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    return ax


def principal_settle_against(ax, values, settle, chosen, xlabel: str, limit: int,
                             logx: bool = False, mark_label: str = "slider"):
    """Presentations until the running average stays within the band (from
    :func:`ebtricks.measure.principal_settle`) against a parameter (gamma or alpha):
    ``settle`` has one row per seed (or is 1-D); a run that never settled within
    ``limit`` presentations is drawn as a cross at the top. The slider's ``chosen``
    value is a dotted vertical line."""
    values = np.asarray(values, dtype=float)
    settle = np.atleast_2d(np.asarray(settle, dtype=float))
    top = limit * 1.15
    for k, row in enumerate(settle):
        ok = np.isfinite(row)
        ax.plot(values[ok], row[ok], "o", ms=3.5, color=f"C{k}", alpha=0.8,
                label=f"seed {k}" if settle.shape[0] > 1 else None)
        ax.plot(values[~ok], np.full((~ok).sum(), top), "x", ms=5, color=f"C{k}")
    ax.axhline(limit, color="0.5", lw=0.8, label=f"end of the run ({limit})")
    ax.axhline(100, color="k", ls="--", lw=1, label="100 (the paper)")
    ax.axvline(chosen, color="0.3", ls=":", lw=1.2, label=mark_label)
    ax.set(xscale="log" if logx else "linear", ylim=(0, limit * 1.25), xlabel=xlabel,
           ylabel="presentations to stay in band")
    if not np.isfinite(settle).all():
        ax.text(values[0], top, "× never", fontsize=9, va="center", ha="left",
                transform=ax.transData, color="0.3")
    if logx:
        log_ticks(ax)
    return ax


def principal_power_runs(ax, runs: dict, lam_max: float, lam_min: float,
                         xlabel: str = "iteration"):
    """Estimates of the principal eigenvalue after each iteration of the batch methods:
    ``runs`` maps a label to the estimates (signed or not); the largest and the smallest
    eigenvalue of H (from Lanczos) are dashed lines, so a run that hovers between them,
    or flips sign, shows it."""
    for k, (label, est) in enumerate(runs.items()):
        est = np.asarray(est, dtype=float)
        ax.plot(np.arange(1, est.size + 1), est, "o-" if k == 0 else "s--", ms=4 - k,
                lw=1.2, color=f"C{k}", label=label)
    ax.axhline(lam_max, color="C2", ls="--", lw=1, label=f"λ_max = {lam_max:.4g}")
    ax.axhline(lam_min, color="C3", ls="--", lw=1, label=f"λ_min = {lam_min:.4g}")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set(xlabel=xlabel, ylabel="estimate")
    return ax


__all__ += ["principal_online_curves", "principal_settle_against", "principal_power_runs"]


# ==== page epilogue_optimizers ================================================================
EPIOPT_COLORS = {"SDLM": "C0", "Adam": "C1", "Hutchinson": "C2", "exact": "k"}


def epiopt_race(ax, curves: dict, target: float, xlabel: str = "epochs"):
    """Training error against work for each method at its best rate: ``curves`` maps a
    name to (x, error, label). The target is a dashed line."""
    for name, (x, err, label) in curves.items():
        ax.plot(x, err, "o-", ms=3, lw=1.5, color=EPIOPT_COLORS.get(name), label=label)
    ax.axhline(target, color="0.4", ls="--", lw=1, label=f"target {target:.0%}")
    ax.set(xlabel=xlabel, ylabel="training error", ylim=(0, 0.95))
    return ax


def epiopt_grid(ax, grids: dict, budget: int):
    """Epochs to the target against the learning rate for every method's grid:
    ``grids`` maps a name to (etas, epochs); runs that never reach the target are drawn
    as crosses at the top, above the budget, one row per method so that methods whose
    grids share a rate do not hide each other's crosses."""
    rows = np.linspace(-0.3, 0.3, len(grids)) if len(grids) > 1 else [0.0]
    for (name, (etas, epochs)), dy in zip(grids.items(), rows):
        etas, epochs = np.asarray(etas), np.asarray(epochs, dtype=float)
        ok = np.isfinite(epochs)
        ax.plot(etas[ok], epochs[ok], "o-", ms=4, color=EPIOPT_COLORS.get(name), label=name)
        ax.plot(etas[~ok], np.full((~ok).sum(), budget + 1 + dy), "x", ms=6,
                color=EPIOPT_COLORS.get(name))
    ax.axhline(budget + 0.5, color="0.6", lw=0.8)
    ticks = [t for t in range(0, budget + 1, 2)] + [budget + 1]
    ax.set_yticks(ticks, [str(t) for t in ticks[:-1]] + ["never"])
    ax.set(xscale="log", xlabel="learning rate η", ylabel="epochs to the target",
           ylim=(0, budget + 1.7))
    return ax


def epiopt_diag_scatter(ax, exact, estimate, name: str, corr: float):
    """One method's diagonal against the exact Hessian diagonal, one dot per weight, with
    the least-squares line through 0 (Adam's sqrt(v) has other units, so each estimate is
    drawn against its own scale)."""
    exact, estimate = np.asarray(exact), np.asarray(estimate)
    ax.plot(exact, estimate, ".", ms=3, alpha=0.6, color=EPIOPT_COLORS.get(name))
    c = float(exact @ estimate / (exact @ exact))
    x = np.array([min(exact.min(), 0), exact.max()])
    ax.plot(x, c * x, "k--", lw=1)
    ax.set(xlabel="exact ∂²E/∂w²", title=f"{name}: r = {corr:.2f}")
    return ax


def epiopt_sharpness(ax, runs: dict, upto: int | None = None):
    """lambda_max against epochs under full-batch gradient descent, one curve per rate,
    each with its dashed line 2/eta; ``runs`` maps eta to (epochs, lambda_max). With
    ``upto``, only the epochs up to it, the last point circled. The vertical range covers
    every curve and every line 2/eta whatever ``upto`` is, so a slider's frames share
    their axes and no dashed line sits on the frame."""
    values = np.concatenate([np.asarray(lam, dtype=float) for _, lam in runs.values()]
                            + [np.array([2 / eta for eta in runs])])
    pad = 0.06 * (values.max() - values.min())
    for k, (eta, (ep, lam)) in enumerate(runs.items()):
        color = f"C{k + 3}"
        keep = ep <= (upto if upto is not None else ep[-1])
        ax.plot(ep[keep], lam[keep], "o-", ms=3, lw=1.5, color=color,
                label=f"η = {eta:g} (2/η = {2 / eta:.3g}, dashed)")
        ax.axhline(2 / eta, color=color, ls="--", lw=1.2)
        if upto is not None:
            ax.plot(ep[keep][-1], lam[keep][-1], "o", ms=8, mfc="none", color=color)
    ax.set(xlabel="epoch (one full-batch step each)", ylabel="λ_max of H",
           xlim=(0, max(ep[-1] for ep, _ in runs.values()) * 1.02),
           ylim=(values.min() - pad, values.max() + pad))
    return ax


def epiopt_ratio_bars(ax, ratios: dict, top: float | None = None):
    """eta * lambda_max / 2 for each rate as a bar: 1 is the edge of stability of §5.
    ``top`` fixes the top of the axis (the same for every frame of a slider); by default
    it leaves room for the tallest bar."""
    names = [f"{eta:g}" for eta in ratios]
    ax.bar(names, list(ratios.values()), color=[f"C{k + 3}" for k in range(len(ratios))])
    ax.axhline(1, color="k", ls="--", lw=1.2)
    if top is None:
        top = max(1.6, 1.1 * max(ratios.values()))
    ax.text(1.02, 1.0, "edge\n(η = 2/λ_max)", fontsize=9, va="center", ha="left",
            transform=ax.get_yaxis_transform())
    ax.set(xlabel="η", ylabel="η λ_max / 2", ylim=(0, top))
    return ax


__all__ += ["EPIOPT_COLORS", "epiopt_race", "epiopt_grid", "epiopt_diag_scatter",
            "epiopt_sharpness", "epiopt_ratio_bars"]


# --- helpers of the page book/spectrum (§8, the paper's Figs 19-20) ---

SPECTRUM_COLORS = {"at initialisation": "C0", "after training": "C3"}


def spectrum_signed(ax, spectra: dict, linthresh: float = 1e-2):
    """Signed eigenvalues against their rank (largest first) for each spectrum of
    ``spectra`` (name -> eigenvalues), on a symmetric-log y axis: linear within
    +-``linthresh``, logarithmic beyond, so the few large, the many small and the negative
    ones all show. Negative eigenvalues are drawn hollow. (The paper's Fig. 19.)"""
    for i, (name, values) in enumerate(spectra.items()):
        lam = np.sort(np.asarray(values, dtype=float))[::-1]
        rank = np.arange(1, lam.size + 1)
        color = SPECTRUM_COLORS.get(name, f"C{i}")
        neg = lam < 0
        ax.plot(rank[~neg], lam[~neg], "o", ms=2.5, color=color,
                label=f"{name} ({np.sum(neg)} negative)")
        ax.plot(rank[neg], lam[neg], "o", ms=2.5, mfc="none", color=color, mew=0.7)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axhspan(-linthresh, linthresh, color="0.93", lw=0, zorder=0)
    ax.text(0.02, 0.5 * linthresh, f"linear scale for |λ| < {linthresh:g}",
            transform=ax.get_yaxis_transform(), fontsize=9, color="0.35",
            va="center")
    ax.set_yscale("symlog", linthresh=linthresh)
    ax.set(xlabel="rank k (largest first)", ylabel=r"eigenvalue $\lambda_k$")
    return ax


def spectrum_histogram(ax, values, bins: int = 30, floor: float = 1e-4, color="C3"):
    """How many eigenvalues have each size (the paper's Fig. 20): counts of |lambda| in
    logarithmic bins from ``floor`` to the largest; positive eigenvalues as bars upwards,
    negative ones (by magnitude) as bars downwards. Eigenvalues with |lambda| < floor are
    counted in the first bin. Returns the bin edges."""
    lam = np.asarray(values, dtype=float)
    mag = np.maximum(np.abs(lam), floor * 1.0001)
    edges = np.logspace(np.log10(floor), np.log10(mag.max() * 1.0001), bins + 1)
    up, _ = np.histogram(mag[lam >= 0], edges)
    down, _ = np.histogram(mag[lam < 0], edges)
    widths = np.diff(edges)
    ax.bar(edges[:-1], up, widths, align="edge", color=color, alpha=0.85,
           label=f"positive ({np.sum(lam >= 0)})")
    ax.bar(edges[:-1], -down, widths, align="edge", color="0.55",
           label=f"negative, by size ({np.sum(lam < 0)})")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xscale("log")
    ax.set(xlabel="|λ|", ylabel="eigenvalues per bin")
    ticks = ax.get_yticks()
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{abs(t):g}" for t in ticks])
    return edges


def spectrum_ratio_frame(ax_ratio, spectra: dict, k: int, paper: float = 8.0,
                         k_max: int = 40, ax_top=None):
    """One frame of the page's slider over the eigenvalue index k: lambda_1 / lambda_k
    against k for each spectrum of ``spectra`` (name -> eigenvalues), the slider's k
    dotted and its points marked, the paper's lambda_1 / lambda_11 (``paper``) a star at
    k = 11. With ``ax_top``, also the top ``k_max`` eigenvalues against their rank there,
    lambda_1 and lambda_k circled (the page leaves it out: every frame costs build time)."""
    from ..measure import spectrum_ratio_curve
    ks = np.arange(1, k_max + 1)
    for i, (name, values) in enumerate(spectra.items()):
        color = SPECTRUM_COLORS.get(name, f"C{i}")
        ratio = spectrum_ratio_curve(values, k_max)
        ax_ratio.plot(ks, ratio, "-", lw=1.5, color=color,
                      label=(rf"{name}: $\lambda_1/\lambda_{{{k}}}$ = "
                             f"{ratio[k - 1]:.2f}"))
        # later dots smaller, so a dot hidden under the next one still shows as a ring
        ax_ratio.plot([k], [ratio[k - 1]], "o", ms=max(10 - 3 * i, 5), color=color,
                      zorder=3 + i)
        if ax_top is not None:
            lam = np.sort(np.asarray(values, dtype=float))[::-1][:k_max]
            ax_top.plot(ks, lam, "o-", ms=3, lw=0.8, color=color, label=name)
            ax_top.plot([1, k], [lam[0], lam[k - 1]], "o", ms=9, mfc="none", mew=1.5,
                        color=color)
    ax_ratio.axvline(k, color="0.3", ls=":", lw=1.2)
    ax_ratio.axhline(paper, color="0.6", ls="--", lw=0.8)
    ax_ratio.plot([11], [paper], "k*", ms=11,
                  label=rf"paper: $\lambda_1/\lambda_{{11}}$ ≈ {paper:g}")
    ax_ratio.set(xlabel="eigenvalue index k", ylabel=r"$\lambda_1\,/\,\lambda_k$",
                 xlim=(0, k_max + 1))
    ax_ratio.legend(loc="upper left", fontsize=9, frameon=False)
    if ax_top is not None:
        ax_top.axvline(k, color="0.3", ls=":", lw=1.2)
        ax_top.set(xlabel="rank k", ylabel=r"eigenvalue $\lambda_k$", yscale="log",
                   title=f"top {k_max} eigenvalues")
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
        lo, hi = ax_top.get_ylim()
        ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 500)
                 if lo <= t <= hi]
        ax_top.yaxis.set_major_locator(FixedLocator(ticks))      # plain labels
        ax_top.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax_top.yaxis.set_minor_locator(NullLocator())
        ax_top.legend(loc="upper right", fontsize=9, frameon=False)
    return ax_ratio


__all__ += ["SPECTRUM_COLORS", "spectrum_signed", "spectrum_histogram",
            "spectrum_ratio_frame"]


# --- book/predicted_rate (§9.2): the cost after training against eta / eta_predicted ---

def predicted_rate_curve(ax, ratios, final, current: float | None = None,
                         title: str | None = None, ylim=None, color: str = "C0"):
    """The paper's Figs 25 and 26: the cost after training against the ratio
    eta / eta_predicted on log axes, one thin line per seed and their mean thick; dotted
    verticals (one legend entry) at ratio 1 (the predicted rate) and 2
    (eta_max = 2/lambda_max at the start);
    a run that diverged (NaN) is a cross at the top; ``current`` adds a marker on the mean;
    ``color`` colours the seeds' and the mean's lines (to match another panel).
    """
    ratios = np.asarray(ratios, dtype=float)
    final = np.asarray(final, dtype=float)
    top = ylim[1] if ylim is not None else np.nanmax(final) * 1.5
    for j in range(final.shape[1]):
        ax.loglog(ratios, final[:, j], color=color, lw=0.8, alpha=0.45,
                  label="one seed" if j == 0 else None)
        bad = ~np.isfinite(final[:, j])
        if bad.any():
            ax.plot(ratios[bad], np.full(bad.sum(), top * 0.8), "x", color="C3", ms=5,
                    label="diverged" if j == 0 else None)
    mean = np.mean(final, axis=1)
    ax.loglog(ratios, mean, color=color, lw=2.2, label="mean over seeds")
    for x in (1.0, 2.0):
        ax.axvline(x, color="0.35", ls=":", lw=1,
                   label=("ratio 1: η_predicted; 2: η_max = 2/λ_max\n"
                          "(λ_max of the initial weights)") if x == 1.0 else None)
    if current is not None:
        k = int(np.argmin(np.abs(np.log(ratios) - np.log(current))))
        y = mean[k] if np.isfinite(mean[k]) else top * 0.8
        ax.plot(ratios[k], y, "o", color="C3", ms=8, zorder=5, label="slider's ratio")
    ax.set(xlabel="η / η_predicted", ylabel="E after training", xlim=(ratios[0] / 1.1,
                                                                     ratios[-1] * 1.1))
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title)
    log_ticks(ax)
    ax.set_xticks([0.1, 0.3, 1, 3, 10], ["0.1", "0.3", "1", "3", "10"])
    return ax


def predicted_rate_learning_curves(ax, curves, reference=None, ratio: float | None = None,
                                   ylim=None):
    """The cost after every epoch of each seed's run (``curves``, shape (n_seeds,
    epochs + 1)), log y, with the runs at the predicted rate (``reference``, same shape)
    dashed grey for comparison."""
    curves = np.asarray(curves, dtype=float)
    epochs = np.arange(curves.shape[1])
    if reference is not None:
        for j, c in enumerate(np.asarray(reference, dtype=float)):
            ax.semilogy(epochs, c, color="0.55", ls="--", lw=1,
                        label="η = η_predicted" if j == 0 else None)
    for j, c in enumerate(curves):
        ax.semilogy(epochs, c, color="C3", lw=1.3,
                    label=(f"η = {ratio:.3g} η_predicted" if ratio is not None
                           else "this rate") if j == 0 else None)
    ax.set(xlabel="epoch", ylabel="E (training set)")
    if ylim is not None:
        ax.set_ylim(*ylim)
    log_ticks(ax)
    return ax


def predicted_rate_relative(ax, finals: dict, tolerance: float = 0.2):
    """Each sweep's mean cost over the seeds divided by its lowest mean cost on its grid,
    against eta / eta_predicted (``finals``: label -> (ratios, array (n_ratios, n_seeds))),
    on log axes; the band from 1 to 1 + ``tolerance`` is shaded, ratios 1 and 2 dotted, and
    a dot (one legend entry) marks each sweep's ratio 1."""
    ax.axhspan(1.0, 1.0 + tolerance, color="C2", alpha=0.3, lw=0,
               label=f"within {tolerance:.0%} of the best")
    for k, (label, (ratios, final)) in enumerate(finals.items()):
        ratios = np.asarray(ratios, dtype=float)
        mean = np.mean(np.asarray(final, dtype=float), axis=1)
        ax.loglog(ratios, mean / np.nanmin(mean), color=f"C{k}", lw=2, label=label)
        one = int(np.argmin(np.abs(np.log(ratios))))
        ax.plot(ratios[one], mean[one] / np.nanmin(mean), "o", color=f"C{k}",
                ms=7 - 2 * k, mec="black", mew=0.6, zorder=5,
                label="dot: ratio 1, the predicted rate" if k == 0 else None)
    ax.axvline(1.0, color="0.35", ls=":", lw=1)
    ax.axvline(2.0, color="0.35", ls=":", lw=1)
    ax.set(xlabel="η / η_predicted", ylabel="mean E / lowest mean E", ylim=(0.9, 100))
    log_ticks(ax)
    ax.set_xticks([0.1, 0.3, 1, 3, 10], ["0.1", "0.3", "1", "3", "10"])
    return ax


__all__ += ["predicted_rate_curve", "predicted_rate_learning_curves", "predicted_rate_relative"]


# --- helpers first used by the page "The recipe, run end to end" (§10) ---

def recipe_ablation(ax, values: dict, recipe: str, xlabel: str, title: str | None = None,
                    log: bool = False, xlim=None):
    """The ablation chart: one row per variant (``values``: name -> one value per seed),
    a bar at the mean over seeds, a dot per seed, and a dotted line at the mean of the
    ``recipe`` row, so that a variant worse than the recipe reaches past the line. A
    variant with a NaN seed (a diverged run) is marked "diverged" at the axis' end."""
    names = list(values)
    ref = float(np.nanmean(values[recipe]))
    for k, name in enumerate(names):
        v = np.asarray(values[name], dtype=float)
        y = len(names) - 1 - k
        color = "0.25" if name == recipe else ("C3" if np.nanmean(v) > ref else "C0")
        if np.all(np.isfinite(v)):
            ax.barh(y, v.mean(), color=color, alpha=0.35, height=0.7)
            ax.plot(v, np.full(v.size, y), "o", color=color, ms=3.5)
        else:
            ax.text(0.98, y, "diverged", transform=ax.get_yaxis_transform(),
                    ha="right", va="center", color="C3", fontsize=10)
    ax.axvline(ref, color="0.25", ls=":", lw=1.2)
    ax.set_yticks(range(len(names)), names[::-1])
    ax.tick_params(axis="y", labelsize=11)       # ten names: readable at 1280 px
    if log:
        ax.set_xscale("log")
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set(xlabel=xlabel)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def recipe_curves(ax, curves: dict, colors: dict, upto: int, recipe: str,
                  ylabel: str = "test error", ylim=(0.0, 0.9)):
    """Learning curves of several variants (``curves``: name -> array (seeds, epochs+1)),
    their mean over seeds drawn up to epoch ``upto``, the recipe's thick and dark, and a
    vertical line at ``upto``."""
    for name, runs in curves.items():
        runs = np.asarray(runs, dtype=float)
        x = np.arange(runs.shape[1])[: upto + 1]
        lw, color = (2.6, "0.1") if name == recipe else (1.4, colors[name])
        ax.plot(x, np.nanmean(runs, axis=0)[: upto + 1], color=color, lw=lw, label=name)
    n = np.asarray(next(iter(curves.values()))).shape[1] - 1
    ax.axvline(upto, color="0.5", ls="--", lw=1)
    ax.set(xlim=(0, n), ylim=ylim, xlabel="epoch", ylabel=ylabel)
    return ax


__all__ += ["recipe_ablation", "recipe_curves"]


# --- helpers first used by the page "Stochastic diagonal Levenberg-Marquardt" (§9.1) ---

def sdlm_paths(ax, w1, w2, surface, paths: dict, minimum=None, colors: dict | None = None,
               clip: float = 0.3, every: int | None = None, widths: dict | None = None):
    """Several weight paths over the same contours, one colour each (``paths``: label ->
    array of shape (steps, 2)), drawn in the order given (the last on top; ``widths``
    makes a path broader, so a thin one drawn over it still shows it). ``every`` puts
    a white-rimmed dot on every ``every``-th point (each epoch's end, say), above all the
    lines, so the paths can be compared step for step. The start is a red square, drawn
    once for paths that share it, and the minimum a black cross on top; points farther
    than ``clip`` times the box from the box are dropped (a diverging run). At most seven
    ticks per axis: a slider's frames redraw every label, so fewer are cheaper."""
    from matplotlib.ticker import MaxNLocator

    contour_trajectory(ax, w1, w2, surface, path=None)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(7, steps=[1, 2, 2.5, 5, 10]))
    span = max(w1[-1] - w1[0], w2[-1] - w2[0])
    kept, starts = [], []
    for k, (label, path) in enumerate(paths.items()):
        path = np.asarray(path, dtype=float)
        inside = ((path[:, 0] > w1[0] - clip * span) & (path[:, 0] < w1[-1] + clip * span)
                  & (path[:, 1] > w2[0] - clip * span) & (path[:, 1] < w2[-1] + clip * span))
        path = path[np.cumprod(inside).astype(bool)]
        color = (colors or {}).get(label, f"C{k}")
        lw = (widths or {}).get(label, 1)
        ax.plot(path[:, 0], path[:, 1], "-", color=color, lw=lw, label=label)
        kept.append((path, color))
        if len(path) and not any(np.allclose(path[0], s) for s in starts):
            starts.append(path[0])
    if every:
        for path, color in kept:
            ax.plot(path[every::every, 0], path[every::every, 1], "o", color=color, ms=5,
                    mec="white", mew=0.7)
    for j, s in enumerate(starts):
        ax.plot(s[0], s[1], "s", color=START_COLOR, ms=6, label=None if j else "start")
    if minimum is not None:
        ax.plot(minimum[0], minimum[1], "k+", ms=11, mew=1.5, label="minimum")
    return ax


__all__ += ["sdlm_paths"]
