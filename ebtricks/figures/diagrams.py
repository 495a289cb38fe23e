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
