"""One helper for every interactive figure of the book.

In a live Jupyter kernel, :func:`interactive` shows ipywidgets sliders that re-run the
drawing function and redraw at once. The same output also carries a *static* view: the
default picture plus kernel-free HTML sliders over frames rendered in advance, switched by
a few lines of JavaScript. A plain ``ipywidgets.interact`` output is an empty box in the
built (static) book; the static view is what the book's reader sees there.

The two views live in one display bundle: front ends with a widget manager (JupyterLab,
Notebook, VS Code) pick the widget view, while the book build is configured
(``nb_mime_priority_overrides`` in ``_config.yml``) to drop the widget view and render the
``text/html`` static view.

Frames cost build time: their number is the product of the sliders' grid sizes, and is
bounded by ``max_frames`` (default 48). When the full grid is larger, each slider's grid
is thinned evenly (always keeping its default value) until the product fits.
"""
from __future__ import annotations

import base64
import html
import io
import itertools
import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

__all__ = ["Slider", "interactive", "frame_grid", "static_html"]


@dataclass(frozen=True)
class Slider:
    """A control: a numeric range (``start``, ``stop``, ``step``) or a list of ``options``.

    ``default`` is the value drawn first, shown in the caption, and where both the live
    and the static slider start.
    """

    label: str
    default: Any
    start: float | None = None
    stop: float | None = None
    step: float | None = None
    options: Sequence[Any] | None = None
    fmt: str = "{:g}"
    _values: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.options is not None:
            values = tuple(self.options)
            if not values:
                raise ValueError(f"Slider {self.label!r}: options must not be empty")
        else:
            if None in (self.start, self.stop, self.step):
                raise ValueError(
                    f"Slider {self.label!r}: give start, stop and step, or options")
            if not self.step > 0 or not self.stop > self.start:
                raise ValueError(
                    f"Slider {self.label!r}: need step > 0 and stop > start, got "
                    f"start={self.start}, stop={self.stop}, step={self.step}")
            n = int(round((self.stop - self.start) / self.step)) + 1
            if all(isinstance(v, int) for v in (self.start, self.stop, self.step)):
                values = tuple(self.start + i * self.step for i in range(n))   # integers stay ints
            else:
                values = tuple(_clean(self.start + i * self.step) for i in range(n))
        if self.default not in values:
            raise ValueError(
                f"Slider {self.label!r}: default {self.default!r} is not one of its values "
                f"(start/stop/step or options)")
        object.__setattr__(self, "_values", values)

    @property
    def values(self) -> tuple:
        """Every value the live slider can take."""
        return self._values

    def format(self, value) -> str:
        return self.fmt.format(value) if self.options is None else str(value)


def _clean(x: float) -> float:
    """Round away the float noise of start + i*step, so 0.1*3 prints as 0.3."""
    return float(f"{x:.12g}")


def frame_grid(sliders: dict[str, Slider], max_frames: int) -> dict[str, tuple]:
    """Values pre-rendered for each slider: the full grids, thinned evenly until the
    product of their sizes is at most ``max_frames``. Each keeps its default and both ends."""
    if max_frames < 1:
        raise ValueError(f"max_frames must be at least 1, got {max_frames}")
    sizes = {name: len(s.values) for name, s in sliders.items()}
    while math.prod(sizes.values()) > max_frames:
        name = max(sizes, key=sizes.get)
        if sizes[name] == 1:
            break
        sizes[name] -= 1
    grid = {}
    for name, s in sliders.items():
        full, k = s.values, sizes[name]
        if k >= len(full):
            grid[name] = full
            continue
        picks = {round(i * (len(full) - 1) / max(k - 1, 1)) for i in range(k)} if k > 1 else set()
        picks.add(full.index(s.default))
        # Adding the default may have pushed us one over k: drop the pick nearest to it.
        while len(picks) > max(k, 1):
            d = full.index(s.default)
            nearest = min((p for p in picks if p != d), key=lambda p: abs(p - d))
            picks.discard(nearest)
        grid[name] = tuple(full[i] for i in sorted(picks))
    return grid


def _png(fig, dpi: int) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _caption_text(caption: str, sliders: dict[str, Slider]) -> str:
    defaults = ", ".join(f"{s.label} = {s.format(s.default)}" for s in sliders.values())
    return f"{caption} Default view: {defaults}." if caption else f"Default view: {defaults}."


_JS = """
(function () {
  var root = document.currentScript.parentElement;
  var frames = JSON.parse(root.querySelector('script.ebt-frames').textContent);
  var img = root.querySelector('img.ebt-frame');
  var inputs = Array.prototype.slice.call(root.querySelectorAll('input.ebt-slider'));
  function update() {
    var index = 0;
    inputs.forEach(function (input) {
      var labels = JSON.parse(input.dataset.labels);
      var i = parseInt(input.value, 10);
      index = index * labels.length + i;
      input.parentElement.querySelector('output').textContent = labels[i];
    });
    img.src = frames[index];
    img.dataset.frame = String(index);
  }
  inputs.forEach(function (input) { input.addEventListener('input', update); });
  update();
})();
"""


def static_html(draw: Callable[..., Any], sliders: dict[str, Slider], caption: str = "",
                max_frames: int = 48, dpi: int = 80, alt: str = "") -> str:
    """The kernel-free view: every frame of the thinned grid as a PNG, and range inputs."""
    import matplotlib.pyplot as plt

    grid = frame_grid(sliders, max_frames)
    names = list(sliders)
    frames = []
    for combo in itertools.product(*(grid[n] for n in names)):
        fig = draw(**dict(zip(names, combo)))
        frames.append(_png(fig, dpi))
        plt.close(fig)
    default_index = 0
    for n in names:
        default_index = default_index * len(grid[n]) + grid[n].index(sliders[n].default)
    uid = "ebt-" + uuid.uuid4().hex[:10]
    controls = []
    for n in names:
        s, vals = sliders[n], grid[n]
        labels = json.dumps([s.format(v) for v in vals])
        controls.append(
            f'<label class="ebt-control">{html.escape(s.label)} '
            f'<input type="range" class="ebt-slider" name="{html.escape(n)}" min="0" '
            f'max="{len(vals) - 1}" step="1" value="{vals.index(s.default)}" '
            f"data-labels='{html.escape(labels, quote=True)}' "
            f'aria-label="{html.escape(s.label)}">'
            f'<output>{html.escape(s.format(s.default))}</output></label>')
    caption_text = _caption_text(caption, sliders)
    return (
        f'<div class="ebt-interactive" id="{uid}">'
        f'<img class="ebt-frame" src="{frames[default_index]}" data-frame="{default_index}" '
        f'alt="{html.escape(alt or caption_text)}" style="max-width:100%">'
        f'<div class="ebt-controls" style="display:flex;flex-wrap:wrap;gap:0.5em 1.5em">'
        f'{"".join(controls)}</div>'
        f'<p class="ebt-caption">{html.escape(caption_text)} '
        f'<em>({len(frames)} pre-computed frames; run the notebook to move the sliders '
        f'freely.)</em></p>'
        f'<script type="application/json" class="ebt-frames">{json.dumps(frames)}</script>'
        f'<script>{_JS}</script></div>'
    )


def _live_widget(draw, sliders, caption):
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    controls = {}
    for name, s in sliders.items():
        common = dict(description=s.label, value=s.default, continuous_update=True,
                      style={"description_width": "initial"})
        if s.options is not None:
            controls[name] = widgets.SelectionSlider(options=list(s.options), **common)
        elif all(isinstance(v, int) for v in (s.start, s.stop, s.step)):
            controls[name] = widgets.IntSlider(min=int(s.start), max=int(s.stop),
                                               step=int(s.step), **common)
        else:
            controls[name] = widgets.FloatSlider(min=s.start, max=s.stop, step=s.step,
                                                 readout_format=".3g", **common)
    out = widgets.Output()

    def redraw(_change=None):
        fig = draw(**{n: c.value for n, c in controls.items()})
        # Set the Output widget's state directly (rather than capturing display() calls):
        # the kernel then knows what is shown, and the picture is replaced in one message.
        png = _png(fig, 100).split(",", 1)[1]
        plt.close(fig)
        out.outputs = ({"output_type": "display_data", "metadata": {},
                        "data": {"image/png": png, "text/plain": "<figure>"}},)

    for c in controls.values():
        c.observe(redraw, names="value")
    redraw()
    box = widgets.VBox([widgets.HBox(list(controls.values()),
                                     layout=widgets.Layout(flex_flow="row wrap")),
                        out, widgets.HTML(html.escape(_caption_text(caption, sliders)))])
    return box


def interactive(draw: Callable[..., Any], sliders: dict[str, Slider], caption: str = "",
                max_frames: int = 48, dpi: int = 80, alt: str = ""):
    """Show an interactive figure: live sliders in Jupyter, pre-rendered ones in the book.

    Parameters
    ----------
    draw : callable
        ``draw(**values) -> matplotlib.figure.Figure``; called with one keyword per slider.
        It must create and return a new figure each call.
    sliders : dict
        Keyword name -> :class:`Slider`. The slider's ``default`` is the first view, and
        the caption names it.
    caption : str
        Text under the figure; "Default view: ..." with the defaults is appended.
    max_frames : int
        Upper bound on the number of frames rendered for the static view (build time).
    dpi : int
        Resolution of the static frames.

    Example
    -------
    >>> interactive(lambda eta: plot_descent(eta),              # doctest: +SKIP
    ...             {"eta": Slider("η/η_opt", 0.5, 0, 2.5, 0.1)})
    """
    from IPython.display import display

    if not callable(draw):
        raise TypeError(f"draw must be callable, got {type(draw).__name__}")
    if not isinstance(sliders, dict) or not sliders or not all(
            isinstance(s, Slider) for s in sliders.values()):
        raise TypeError("sliders must be a non-empty dict of name -> Slider")
    bundle = {"text/html": static_html(draw, sliders, caption, max_frames, dpi, alt),
              "text/plain": f"<interactive figure: {_caption_text(caption, sliders)}>"}
    try:
        box = _live_widget(draw, sliders, caption)
        bundle.update({k: v for k, v in box._repr_mimebundle_().items()
                       if k == "application/vnd.jupyter.widget-view+json"})
    except ImportError:  # no ipywidgets: the static view still works everywhere
        pass
    display(bundle, raw=True)
