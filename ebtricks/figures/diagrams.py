"""Network diagrams drawn with matplotlib (the paper's Figures 9 and 14), so the book draws
them from code rather than pasting images."""
from __future__ import annotations


def network_diagram(ax, layer_sizes, node_labels=None, edge_labels=None, bias_labels=None,
                    layer_names=None, activation_labels=None):
    """Draw a fully connected network on ``ax``.

    layer_sizes : units per layer, inputs first, e.g. [2, 1]
    node_labels : per layer, a list of labels for its units (optional)
    edge_labels : {(layer, from_unit, to_unit): label} for weights of layer ``layer`` (1-based)
    bias_labels : {(layer, unit): label}; draws a bias input "+1" feeding that unit
    layer_names : a caption under each layer
    activation_labels : per layer (1-based list aligned with layer_sizes[1:]), text in its units
    """
    from matplotlib.patches import Circle

    n_layers = len(layer_sizes)
    xs = [i * 2.2 for i in range(n_layers)]
    tall = max(layer_sizes)
    pos = []
    for l, n in enumerate(layer_sizes):
        offset = (tall - n) / 2
        pos.append([(xs[l], (tall - 1) / 2 - offset - i) for i in range(n)])
    r = 0.32
    for l in range(1, n_layers):
        for j, (x1, y1) in enumerate(pos[l]):
            for i, (x0, y0) in enumerate(pos[l - 1]):
                ax.annotate("", xy=(x1 - r, y1), xytext=(x0 + r, y0),
                            arrowprops=dict(arrowstyle="->", color="0.35", lw=1.1))
                label = (edge_labels or {}).get((l, i, j))
                if label:
                    ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.14, label, ha="center",
                            va="bottom", fontsize=11, color="C3")
            blabel = (bias_labels or {}).get((l, j))
            if blabel:
                bx, by = x1 - 1.0, y1 - 0.95
                ax.text(bx, by, "+1", ha="center", va="center", fontsize=9, color="0.3",
                        bbox=dict(boxstyle="round,pad=0.2", fc="0.95", ec="0.6"))
                ax.annotate("", xy=(x1 - r * 0.7, y1 - r * 0.7), xytext=(bx + 0.15, by + 0.12),
                            arrowprops=dict(arrowstyle="->", color="0.55", lw=0.9, ls="--"))
                ax.text((bx + x1) / 2 + 0.12, (by + y1) / 2 - 0.12, blabel, fontsize=10,
                        color="C0", ha="left")
    for l, layer in enumerate(pos):
        for i, (x, y) in enumerate(layer):
            ax.add_patch(Circle((x, y), r, fc="white" if l == 0 else "#e8f0fb", ec="0.2", lw=1.2))
            text = None
            if node_labels and node_labels[l]:
                text = node_labels[l][i]
            elif l > 0 and activation_labels:
                text = activation_labels[l - 1]
            if text:
                ax.text(x, y, text, ha="center", va="center", fontsize=10)
    if layer_names:         # one baseline under the lowest unit (or bias box) of any layer
        bottom = -(tall - 1) / 2 - 0.75 - (0.5 if bias_labels else 0)
        for l, name in enumerate(layer_names):
            ax.text(xs[l], bottom, name, ha="center", va="top", fontsize=9, color="0.3")
    ax.set_xlim(-1.6, xs[-1] + 1.0)
    ax.set_ylim(-(tall - 1) / 2 - 1.8, (tall - 1) / 2 + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# --- pages learning_machine and backprop (§2-3: the paper's Fig. 1, eqs 2-10) ---

def _box(ax, x, y, w, h, text, fc="#e8f0fb", ec="0.2", fontsize=10, lw=1.2):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, fc=fc, ec=ec, lw=lw,
                                boxstyle="round,pad=0.02,rounding_size=0.12"))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color="0.25", ls="-", lw=1.3, rad=0.0):
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=lw, ls=ls,
                                shrinkA=0, shrinkB=0, mutation_scale=13,
                                connectionstyle=f"arc3,rad={rad}"))


def learning_machine_diagram(ax, show_update: bool = True):
    """Draw the paper's Fig. 1, the gradient-based learning machine, on ``ax``.

    The input Z^p enters the machine M(Z, W); its output and the desired output D^p enter
    the cost C(D, .), which gives E^p; E is the average of E^p over the training set.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw; its axis is switched off and its aspect made equal.
    show_update : bool, default True
        Also draw the dashed loop that the paper's Fig. 1 leaves implicit: the gradient
        dE/dW sent back to adjust W (eq 10).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Examples
    --------
    >>> from ebtricks.figures import subplots
    >>> fig, ax = subplots(height=2.6)
    >>> ax = learning_machine_diagram(ax)
    """
    _box(ax, 3.0, 0.0, 2.5, 1.1, "learning machine\n$M(Z, W)$")
    _box(ax, 7.2, 0.0, 2.3, 1.1, "cost function\n$C(D, \\cdot\\,)$", fc="#fdeee3")
    ax.text(0.0, 0.0, "input\n$Z^p$", ha="center", va="center", fontsize=10)
    _arrow(ax, (0.55, 0.0), (1.75, 0.0))
    _arrow(ax, (4.25, 0.0), (6.05, 0.0))
    ax.text(5.15, 0.12, "output\n$M(Z^p, W)$", ha="center", va="bottom", fontsize=10)
    ax.text(7.2, 1.55, "desired output $D^p$", ha="center", va="bottom", fontsize=10)
    _arrow(ax, (7.2, 1.5), (7.2, 0.55))
    _arrow(ax, (8.35, 0.0), (9.2, 0.0))
    ax.text(9.3, 0.0, "$E^p$", ha="left", va="center", fontsize=12)
    # E^p of every sample, averaged: the one number E that the gradient step uses
    _arrow(ax, (9.55, -0.3), (9.55, -0.95))
    ax.text(9.7, -0.62, "mean over\nthe P samples", ha="left", va="center", fontsize=10,
            color="0.25")
    ax.text(9.55, -1.45, "$E = \\dfrac{1}{P}\\sum_{p=1}^{P} E^p$", ha="center",
            va="center", fontsize=11)
    ax.text(3.0, -1.5, "parameters $W$", ha="center", va="center", fontsize=10)
    _arrow(ax, (3.0, -1.3), (3.0, -0.55))
    if show_update:
        ax.plot([8.45, 4.3], [-1.5, -1.5], color="C3", lw=1.3, ls="--")
        _arrow(ax, (4.35, -1.5), (4.1, -1.5), color="C3")
        ax.text(6.4, -1.62, "adjust $W$ against the gradient of $E$:\n"
                "$W \\leftarrow W - \\eta\\, \\partial E/\\partial W$",
                ha="center", va="top", fontsize=10, color="C3")
    ax.set_xlim(-0.6, 11.0)
    ax.set_ylim(-2.5, 2.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def backprop_step_count(n_layers: int) -> int:
    """Steps of :func:`backprop_steps` for a stack of ``n_layers`` dense layers: the input,
    Y_n and X_n of every layer and the cost (forward), then dE/dX_N and, per layer, dE/dY_n
    and (dE/dW_n, dE/dX_{n-1}) (backward): 4 n_layers + 3.

    Parameters
    ----------
    n_layers : int
        Number of layers N, at least 1.

    Returns
    -------
    int
        The number of steps; the slider runs from 0 to this minus 1.

    Examples
    --------
    >>> backprop_step_count(2)
    11
    """
    if int(n_layers) != n_layers or n_layers < 1:
        raise ValueError(f"n_layers must be an integer >= 1, got {n_layers!r}")
    return 4 * int(n_layers) + 3


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(name, n):
    """``name`` with the index ``n`` as Unicode subscripts (plain text draws much faster
    than mathtext, and a slider figure draws every frame)."""
    return f"{name}{str(n).translate(_SUB)}"


def _backprop_stage(n_layers, step):
    """(kind, layer, active module, equation) of one step: kind is 'X', 'Y', 'E' forward,
    'dX', 'dY', 'dW' backward; the module is ('W', n), ('F', n) or ('C', 0)."""
    N = n_layers
    X, Y, W, b = (lambda k, s=s: _sub(s, k) for s in "XYWb")
    dX, dY, dW = (lambda k, s=s: "∂E/∂" + _sub(s, k) for s in "XYW")
    if step == 0:
        return "X", 0, None, f"{X(0)} = Zᵖ: the input enters the stack"
    if step <= 2 * N:
        n = (step + 1) // 2
        if step % 2:
            return "Y", n, ("W", n), f"{Y(n)} = {W(n)} {X(n - 1)} + {b(n)}   (eq 3)"
        return "X", n, ("F", n), f"{X(n)} = F({Y(n)})   (eq 3)"
    if step == 2 * N + 1:
        return "E", N, ("C", 0), f"Eᵖ = ½ ‖Dᵖ − {X(N)}‖²   (eq 1)"
    if step == 2 * N + 2:
        return "dX", N, ("C", 0), (f"{dX(N)} = {X(N)} − Dᵖ: the backward pass starts at "
                                   "the cost")
    k = step - (2 * N + 3)
    n = N - k // 2
    if k % 2 == 0:
        return "dY", n, ("F", n), (f"{dY(n)} = F′({Y(n)}) {dX(n)}   (eq 7);   "
                                   f"∂E/∂{_sub('b', n)} = {dY(n)}")
    return "dW", n, ("W", n), (f"{dW(n)} = {dY(n)} {X(n - 1)}ᵀ  (eq 8),   "
                               f"{dX(n - 1)} = {W(n)}ᵀ {dY(n)}  (eq 9)")


def backprop_steps(ax, xs, ys, dxs, dys, dws, target, step: int):
    """Draw one step of backpropagation through a stack of dense layers on ``ax``.

    Each vector is a column of cells holding its values: the forward quantities X_0, Y_1,
    X_1, ..., E^p on top, the backward ones dE/dX_n and dE/dY_n under them, and each
    layer's weight gradient dE/dW_n as a matrix under its module. The cells computed by
    ``step`` are orange, those of earlier steps blue (forward) or red (backward), later ones
    empty; the module that works in this step is outlined and its equation is the title.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    xs : sequence of 1-D arrays
        X_0 (the input), X_1, ..., X_N: every module's output.
    ys : sequence of 1-D arrays
        Y_1, ..., Y_N: the layers' total inputs.
    dxs : sequence of 1-D arrays
        dE/dX_0, ..., dE/dX_N, shaped as ``xs``.
    dys : sequence of 1-D arrays
        dE/dY_1, ..., dE/dY_N, shaped as ``ys``.
    dws : sequence of 2-D arrays
        dE/dW_1, ..., dE/dW_N, each (len(Y_n), len(X_{n-1})).
    target : 1-D array
        The desired output D^p, shaped as X_N.
    step : int
        0 to ``backprop_step_count(N) - 1``: the forward steps, then the backward ones.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Raises
    ------
    ValueError
        When the lists' lengths or shapes do not fit one stack, or ``step`` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from ebtricks.figures import subplots
    >>> fig, ax = subplots(height=4)
    >>> v = np.ones(2)
    >>> ax = backprop_steps(ax, [v, v], [v], [v, v], [v], [np.eye(2)], v, step=3)
    """
    import numpy as np
    from matplotlib.patches import FancyBboxPatch, Rectangle

    N = len(ys)
    if N < 1 or len(xs) != N + 1 or len(dxs) != N + 1 or len(dys) != N or len(dws) != N:
        raise ValueError("need N >= 1 layers: len(ys) = len(dys) = len(dws) = N and "
                         f"len(xs) = len(dxs) = N + 1, got {len(xs)}, {len(ys)}, "
                         f"{len(dxs)}, {len(dys)}, {len(dws)}")
    xs, ys, dxs, dys = ([np.ravel(np.asarray(v, float)) for v in a]
                        for a in (xs, ys, dxs, dys))
    dws = [np.atleast_2d(np.asarray(w, float)) for w in dws]
    target = np.ravel(np.asarray(target, float))
    for n in range(N):
        if (ys[n].size != xs[n + 1].size or dys[n].size != ys[n].size
                or dws[n].shape != (ys[n].size, xs[n].size)):
            raise ValueError(f"layer {n + 1}: shapes of Y, X, dE/dY, dE/dW do not fit")
    if any(a.size != b.size for a, b in zip(xs, dxs)) or target.size != xs[-1].size:
        raise ValueError("each dE/dX_n must be shaped as X_n, and target as X_N")
    K = backprop_step_count(N)
    if int(step) != step or not 0 <= step < K:
        raise ValueError(f"step must be an integer from 0 to {K - 1}, got {step!r}")
    step = int(step)
    kind, layer, module, equation = _backprop_stage(N, step)

    # when each quantity appears: forward step numbers, then backward ones
    t_x = [0] + [2 * n for n in range(1, N + 1)]
    t_y = [2 * n - 1 for n in range(1, N + 1)]
    t_e = 2 * N + 1
    t_dx = [2 * N + 4 + 2 * (N - n) for n in range(1, N + 1)] + [2 * N + 2]   # dX_0..dX_N
    t_dy = [2 * N + 3 + 2 * (N - n) for n in range(1, N + 1)]
    t_dw = [2 * N + 4 + 2 * (N - n) for n in range(1, N + 1)]

    cw, ch = 0.92, 0.42                               # cell size
    gap_w, gap_f, gap_c = 2.8, 1.55, 1.75             # widths of the W, F and cost modules
    col_x = [0.0]
    col_y = []
    for n in range(N):
        col_y.append(col_x[-1] + gap_w)
        col_x.append(col_y[-1] + gap_f)
    col_e = col_x[-1] + gap_c
    tall = max(max(v.size for v in xs), max(v.size for v in ys))
    wide = max(w.shape[0] for w in dws)
    y_fwd = 0.0
    y_bwd = -(tall * ch + 1.35)
    y_dw = y_bwd - (tall * ch / 2 + 1.0 + wide * ch / 2)

    # the quantities this step reads (besides the module's own W_n, b_n): outlined in green
    reads = {"X": [("Y", layer)] if kind == "X" and layer > 0 else [],
             "Y": [("X", layer - 1)], "E": [("X", N), ("D", 0)],
             "dX": [("X", N), ("D", 0)], "dY": [("Y", layer), ("dX", layer)],
             "dW": [("dY", layer), ("X", layer - 1)]}[kind]
    green = "#1a9e3a"

    def cells(x, yc, values, t_shown, kind_color, label=None, label_below=False,
              fmt="{:+.2f}", key=None):
        values = np.asarray(values, float)
        values = values.reshape(-1, 1) if values.ndim < 2 else values   # vectors: columns
        rows, cols = values.shape
        x0, top = x - cols * cw / 2, yc + rows * ch / 2
        shown = step >= t_shown
        fc = ("#ffd27f" if step == t_shown else kind_color) if shown else "white"
        for i in range(rows):
            for j in range(cols):
                ax.add_patch(Rectangle((x0 + j * cw, top - (i + 1) * ch), cw, ch, fc=fc,
                                       ec="0.35" if shown else "0.75", lw=0.8))
                if shown:
                    ax.text(x0 + (j + 0.5) * cw, top - (i + 0.5) * ch,
                            fmt.format(values[i, j]).replace("-", "−"), ha="center",
                            va="center", fontsize=9)
        if key in reads:                 # a thick green frame round the whole vector
            ax.add_patch(Rectangle((x0 - 0.05, top - rows * ch - 0.05), cols * cw + 0.1,
                                   rows * ch + 0.1, fc="none", ec=green, lw=2.4,
                                   zorder=3))
        if label:
            ly = (yc - rows * ch / 2 - 0.12) if label_below else (top + 0.12)
            ax.text(x, ly, label, ha="center", va="top" if label_below else "bottom",
                    fontsize=10, color="0.1" if shown else "0.6")

    blue, red = "#dbe8f7", "#f7dcdc"
    for n in range(N + 1):
        cells(col_x[n], y_fwd, xs[n], t_x[n], blue, _sub("X", n), key=("X", n))
        cells(col_x[n], y_bwd, dxs[n], t_dx[n], red,
              "∂E/∂" + _sub("X", n) + ("\n(not needed\nfor learning)" if n == 0 else ""),
              label_below=True, key=("dX", n))
    for n in range(N):
        cells(col_y[n], y_fwd, ys[n], t_y[n], blue, _sub("Y", n + 1), key=("Y", n + 1))
        cells(col_y[n], y_bwd, dys[n], t_dy[n], red, "∂E/∂" + _sub("Y", n + 1),
              label_below=True, key=("dY", n + 1))
        mid = (col_x[n] + col_y[n]) / 2
        cells(mid, y_dw, dws[n], t_dw[n], red,
              "∂E/∂" + _sub("W", n + 1), label_below=True)
    cells(col_e, y_fwd, [cost_of(xs[-1], target)], t_e, blue, "Eᵖ")
    cells(col_e, y_bwd, target, -1, "0.92", "Dᵖ", label_below=True, key=("D", 0))

    # the modules: tall boxes crossed by the forward (top) and backward (bottom) passes
    half = tall * ch / 2 + 0.05
    boxes = [(("W", n + 1), (col_x[n] + col_y[n]) / 2, gap_w - cw - 0.75,
              f"{_sub('W', n + 1)} {_sub('X', n)}\n+ {_sub('b', n + 1)}") for n in range(N)]
    boxes += [(("F", n + 1), (col_y[n] + col_x[n + 1]) / 2, gap_f - cw - 0.3, "F")
              for n in range(N)]
    boxes += [(("C", 0), (col_x[-1] + col_e) / 2, gap_c - cw - 0.45, "C")]
    def bw_gap(key):
        return {"W": gap_w, "F": gap_f, "C": gap_c}[key[0]]

    for key, xc, bw, text in boxes:
        on = key == module
        ax.add_patch(FancyBboxPatch((xc - bw / 2, y_bwd - half), bw, y_fwd - y_bwd + 2 * half,
                                    boxstyle="round,pad=0.02,rounding_size=0.1",
                                    fc="#fff4df" if on else "#f4f4f4",
                                    ec="C1" if on else "0.6", lw=2.0 if on else 0.9))
        ax.text(xc, (y_fwd + y_bwd) / 2, text, ha="center", va="center", fontsize=10)
        g = (bw_gap(key) - bw) / 2 - 0.12 - cw / 2     # room between box and cells
        for yy, sign in ((y_fwd, 1), (y_bwd, -1)):
            left, right = xc - bw / 2, xc + bw / 2
            a, b = (left - 0.12 - g, left), (right, right + 0.12 + g)
            if sign > 0:
                _arrow(ax, (a[0], yy), (a[1], yy), color="C0", lw=1.1)
                _arrow(ax, (b[0], yy), (b[1], yy), color="C0", lw=1.1)
            else:
                _arrow(ax, (b[1], yy), (b[0], yy), color="C3", lw=1.1)
                _arrow(ax, (a[1], yy), (a[0], yy), color="C3", lw=1.1)
        if key[0] == "W":
            _arrow(ax, (xc, y_bwd - half), (xc, y_dw + wide * ch / 2 + 0.05),
                   color="C3", lw=1.1)
    # a key in the free corner under the cost: what the colours and the green frame mean
    kx, ky = col_e + cw / 2, y_dw + wide * ch / 2
    for i, (fc, ec, lw, text) in enumerate((
            ("#ffd27f", "0.35", 0.8, "computed in this step"),
            ("white", green, 2.4, "read by this step"),
            (blue, "0.35", 0.8, "earlier step, forward"),
            (red, "0.35", 0.8, "earlier step, backward"))):
        yy = ky - i * 0.42
        ax.add_patch(Rectangle((kx - 0.36, yy - 0.3), 0.36, 0.3, fc=fc, ec=ec, lw=lw))
        ax.text(kx - 0.48, yy - 0.15, text, ha="right", va="center", fontsize=10)
    phase = "forward" if step <= 2 * N + 1 else "backward"
    ax.set_title(f"step {step} of {K - 1} ({phase}):  {equation}", fontsize=10.5,
                 loc="left")
    ax.set_xlim(-cw / 2 - 0.6, col_e + cw / 2 + 0.4)
    ax.set_ylim(y_dw - wide * ch / 2 - 0.75, y_fwd + tall * ch / 2 + 0.55)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def cost_of(output, target) -> float:
    """E^p = 1/2 ||D^p - X_N||^2, the squared-error cost of one sample (eq 1).

    Parameters
    ----------
    output : array_like
        The network's output X_N.
    target : array_like
        The desired output D^p, of the same size.

    Returns
    -------
    float
        The cost.

    Examples
    --------
    >>> cost_of([1.0, 0.0], [0.0, 0.0])
    0.5
    """
    import numpy as np

    d = np.ravel(np.asarray(target, float)) - np.ravel(np.asarray(output, float))
    return 0.5 * float(d @ d)


# --- page backprop_diagonal (§7.4, the paper's Fig. 18, eqs 54-58) ---

def diag_backprop_block(ax, kind: str = "sigmoid"):
    """Draw one layer of the paper's Fig. 18 on ``ax``: what flows forward through a unit,
    and which diagonal second derivatives flow backward through it (eqs 54-58).

    Top row, left to right: input x_i, the unit's combination (the weighted sum of a
    sigmoid unit, or the squared distance to the centre of an RBF unit), its total input
    y_k, the nonlinearity f and the output o_k. Bottom row, right to left: d2E/do_k^2,
    multiplied by f'(y_k)^2 (eq 54) into d2E/dy_k^2, which gives the weight's second
    derivative (eq 55 or 57) and, summed over the units k, the input's (eq 56 or 58).
    The RBF steps carry the factor 4 of y_k = ||w_k - x||^2, which the paper's eqs 57-58
    leave out (they hold for y_k = 1/2 ||w_k - x||^2); the labels say so.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw; its axis is switched off and its aspect made equal.
    kind : {"sigmoid", "rbf"}, default "sigmoid"
        The paper's left panel (a sigmoid unit, o_k = f(sum_i w_ki x_i)) or right panel
        (an RBF unit, o_k = f(||w_k - x||^2) with a Gaussian f).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Raises
    ------
    ValueError
        When ``kind`` is not "sigmoid" or "rbf".

    Examples
    --------
    >>> from ebtricks.figures import subplots
    >>> fig, ax = subplots(height=2.6)
    >>> ax = diag_backprop_block(ax, "rbf")
    """
    if kind not in ("sigmoid", "rbf"):
        raise ValueError(f"kind must be 'sigmoid' or 'rbf', got {kind!r}")
    sig = kind == "sigmoid"
    blue, red = "C0", "C3"
    top, bot, low = 1.0, -0.9, -2.35          # forward row, backward row, weight row
    x_in, x_mix, x_y, x_f, x_o = 0.0, 2.6, 5.0, 6.8, 8.8
    # forward: x_i -> combination -> y_k -> f -> o_k
    mix = ("$\\sum_i w_{ki}\\, x_i$" if sig else "$\\Vert w_k - x \\Vert^2$")
    _box(ax, x_mix, top, 2.1, 0.75, mix, fontsize=11)
    _box(ax, x_f, top, 1.0, 0.75, "$f$" if sig else "$f$\n(Gauss)", fontsize=10)
    ax.text(x_in, top, "$x_i$", ha="center", va="center", fontsize=12)
    ax.text(x_y, top, "$y_k$", ha="center", va="center", fontsize=12)
    ax.text(x_o, top, "$o_k$", ha="center", va="center", fontsize=12)
    for a, b in ((x_in + 0.3, x_mix - 1.1), (x_mix + 1.1, x_y - 0.35),
                 (x_y + 0.35, x_f - 0.55), (x_f + 0.55, x_o - 0.35)):
        _arrow(ax, (a, top), (b, top), color=blue)
    ax.text(x_mix, top + 0.55, "weights $w_{ki}$" if sig else "centre $w_k$",
            ha="center", va="bottom", fontsize=10, color="0.3")
    ax.text(-1.0, top, "forward", ha="center", va="center", fontsize=10, color=blue,
            rotation=90)
    # backward: d2E/do^2 -> x f'^2 -> d2E/dy^2 -> x w^2 (or 4 (x - w)^2), sum_k -> d2E/dx^2
    d2 = "\\partial^2 E/\\partial"
    ax.text(x_o, bot, f"${d2} o_k^2$", ha="center", va="center", fontsize=11)
    ax.text(x_y, bot, f"${d2} y_k^2$", ha="center", va="center", fontsize=11)
    ax.text(x_in, bot, f"${d2} x_i^2$", ha="center", va="center", fontsize=11)
    _arrow(ax, (x_o - 0.75, bot), (x_y + 0.75, bot), color=red)
    ax.text(x_f, bot + 0.12, "$\\times f'(y_k)^2$", ha="center", va="bottom",
            fontsize=10, color=red)
    ax.text(x_f, bot - 0.12, "eq 54", ha="center", va="top", fontsize=9, color="0.35")
    _arrow(ax, (x_y - 0.75, bot), (x_in + 0.75, bot), color=red)
    into_x = ("$\\times\\, w_{ki}^2$, sum over $k$" if sig
              else "$\\times\\, 4(x_i - w_{ki})^2$, sum over $k$")
    ax.text(x_mix, bot + 0.12, into_x, ha="center", va="bottom", fontsize=10, color=red)
    ax.text(x_mix, bot - 0.12, "eq 56" if sig else "eq 58, with this page's 4",
            ha="center", va="top", fontsize=9, color="0.35")
    # the weight's own second derivative branches off d2E/dy^2
    _arrow(ax, (x_y, bot - 0.3), (x_y, low + 0.3), color=red)
    ax.text(x_y + 0.15, (bot + low) / 2, ("$\\times x_i^2$  (eq 55)" if sig
                                          else "$\\times 4(x_i - w_{ki})^2$  (eq 57,\n"
                                               "with this page's 4)"),
            ha="left", va="center", fontsize=10, color=red)
    ax.text(x_y, low, f"${d2} w_{{ki}}^2$", ha="center", va="center", fontsize=11)
    ax.text(-1.0, (bot + low) / 2, "backward\n(diagonal only)", ha="center",
            va="center", fontsize=10, color=red, rotation=90)
    ax.set_xlim(-1.5, 9.6)
    ax.set_ylim(low - 0.45, top + 0.95)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
