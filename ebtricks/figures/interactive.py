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

Frames cost build time and page weight: their number is the product of the sliders'
sizes, every value of every slider is rendered (the static slider reaches each position
the live one does), and a figure that would need more than ``max_frames`` (default 64)
is refused. A slider over a continuous parameter has at least 25 evenly spaced positions,
so one continuous slider per figure, perhaps with a small discrete one, is the pattern.
"""
from __future__ import annotations

import html
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ._render import DPI, check_caption, escape, figure_html, min_font_px, next_number, png_data_uri

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
    # Fewest positions of a slider over a continuous (float) range.
    MIN_POSITIONS = 25
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
                if n < self.MIN_POSITIONS:
                    raise ValueError(
                        f"Slider {self.label!r}: a continuous parameter needs at least "
                        f"{self.MIN_POSITIONS} positions, got {n} (make step smaller)")
            if abs(values[-1] - self.stop) > 1e-9 * max(1.0, abs(self.stop)):
                raise ValueError(f"Slider {self.label!r}: (stop - start) must be a whole "
                                 f"number of steps, or stop={self.stop} is never reached")
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
    """Values pre-rendered for each slider: every value of every slider, no thinning.

    The static slider must reach each position the live one can, so a figure whose full
    grid (the product of the sliders' sizes) exceeds ``max_frames`` is refused: split it
    into figures with one continuous slider each, or make a slider coarser or discrete.
    """
    if max_frames < 1:
        raise ValueError(f"max_frames must be at least 1, got {max_frames}")
    total = math.prod(len(s.values) for s in sliders.values())
    if total > max_frames:
        sizes = " x ".join(f"{s.label} ({len(s.values)})" for s in sliders.values())
        raise ValueError(
            f"this figure needs {total} frames ({sizes}), more than max_frames={max_frames}: "
            f"give each continuous parameter its own figure, or fewer positions")
    return {name: s.values for name, s in sliders.items()}


def _caption_text(caption: str, sliders: dict[str, Slider]) -> str:
    defaults = ", ".join(f"{s.label} = {s.format(s.default)}" for s in sliders.values())
    return f"{caption} Default view: {defaults}." if caption else f"Default view: {defaults}."


# Frames other than the default one stay out of the page's initial load: the book build
# moves every frame into its own image file (see _ext/ebt_html.py), and a slider's frames
# are fetched when the reader first touches that slider (pointer, keyboard focus or input).
_JS = """
(function () {
  var root = document.currentScript.parentElement;
  var frames = JSON.parse(root.querySelector('script.ebt-frames').textContent);
  var img = root.querySelector('img.ebt-frame');
  var inputs = Array.prototype.slice.call(root.querySelectorAll('input.ebt-slider'));
  var labels = inputs.map(function (input) { return JSON.parse(input.dataset.labels); });
  var fetched = {};
  function index(pos) {
    var k = 0;
    pos.forEach(function (p, j) { k = k * labels[j].length + p; });
    return k;
  }
  function position() { return inputs.map(function (i) { return parseInt(i.value, 10); }); }
  function fetchSlider(j) {
    var pos = position();
    for (var v = 0; v < labels[j].length; v++) {
      pos[j] = v;
      var k = index(pos);
      if (!fetched[k]) { fetched[k] = true; (new Image()).src = frames[k]; }
    }
  }
  function update() {
    var pos = position();
    inputs.forEach(function (input, j) {
      input.parentElement.querySelector('output').textContent = labels[j][pos[j]];
      input.setAttribute('aria-valuetext', labels[j][pos[j]]);
    });
    var k = index(pos);
    img.src = frames[k];
    img.dataset.frame = String(k);
  }
  inputs.forEach(function (input, j) {
    ['pointerdown', 'focus', 'input'].forEach(function (ev) {
      input.addEventListener(ev, function () { fetchSlider(j); });
    });
    input.addEventListener('input', update);
  });
})();
"""


def _share_layout(fig, boxes: list) -> None:
    """Place the axes of every frame where the first frame's layout put them.

    The frames of one figure differ in what they plot, not in their axes and labels, so
    the constrained layout, which takes about half the time of drawing a frame, runs on
    the first frame only. Later frames drop the layout engine altogether (with one, even
    "none", savefig lays the figure out again) and reuse the first frame's boxes.
    """
    import matplotlib as mpl

    if not boxes:
        fig.draw_without_rendering()
        boxes.extend(ax.get_position(original=True) for ax in fig.axes)
    elif len(boxes) == len(fig.axes):
        with mpl.rc_context({"figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)
        for ax, box in zip(fig.axes, boxes):
            ax.set_position(box)


def static_html(draw: Callable[..., Any], sliders: dict[str, Slider], caption: str = "",
                max_frames: int = 64, dpi: int = DPI, alt: str = "",
                number: int | None = None) -> str:
    """The kernel-free view: every frame of the grid as a palette PNG, and range inputs.

    Frames are data URIs here; the book build moves each into a file of its own, so the
    page loads only the default frame until a slider is touched.
    """
    import matplotlib.pyplot as plt

    grid = frame_grid(sliders, max_frames)
    names = list(sliders)
    frames, min_px, boxes = [], None, []
    for combo in itertools.product(*(grid[n] for n in names)):
        fig = draw(**dict(zip(names, combo)))
        _share_layout(fig, boxes)
        frames.append(png_data_uri(fig, dpi))
        px = min_font_px(fig, dpi)
        min_px = px if min_px is None else min(min_px, px)
        plt.close(fig)
    default = [grid[n].index(sliders[n].default) for n in names]
    default_index = 0
    for n, d in zip(names, default):
        default_index = default_index * len(grid[n]) + d
    controls = []
    for n, d in zip(names, default):
        s, vals = sliders[n], grid[n]
        labels = json.dumps([s.format(v) for v in vals])
        controls.append(
            f'<label class="ebt-control">{escape(s.label)} '
            f'<input type="range" class="ebt-slider" name="{escape(n)}" min="0" '
            f'max="{len(vals) - 1}" step="1" value="{d}" '
            f"data-labels='{escape(labels)}' aria-label=\"{escape(s.label)}\" "
            f'aria-valuetext="{escape(s.format(s.default))}">'
            f'<output>{escape(s.format(s.default))}</output></label>')
    caption_text = _caption_text(caption, sliders)
    number = next_number() if number is None else number
    img = (f'class="ebt-frame" src="{frames[default_index]}" data-frame="{default_index}" '
           f'data-min-font-px="{min_px}" alt="{escape(alt or caption_text)}"')
    body = (f'<div class="ebt-controls">{"".join(controls)}</div>'
            f'<script type="application/json" class="ebt-frames">{json.dumps(frames)}</script>'
            f'<script>{_JS}</script>')
    note = (f' <em>({len(frames)} pre-computed frames; run the notebook to move the '
            f'sliders freely.)</em>')
    return figure_html(img, escape(caption_text) + note, number, body,
                       classes="ebt-figure ebt-interactive")


def _live_widget(draw, sliders, caption, number):
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
        png = png_data_uri(fig, DPI).split(",", 1)[1]
        plt.close(fig)
        out.outputs = ({"output_type": "display_data", "metadata": {},
                        "data": {"image/png": png, "text/plain": "<figure>"}},)

    for c in controls.values():
        c.observe(redraw, names="value")
    redraw()
    box = widgets.VBox([widgets.HBox(list(controls.values()),
                                     layout=widgets.Layout(flex_flow="row wrap")),
                        out, widgets.HTML(f"<b>Figure {number}.</b> "
                                          + html.escape(_caption_text(caption, sliders)))])
    return box


def interactive(draw: Callable[..., Any], sliders: dict[str, Slider], caption: str,
                alt: str, max_frames: int = 64, dpi: int = DPI):
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
        Text under the figure, naming the paper's figure it reproduces (or saying "not in
        the paper"); "Figure N." is put before it and "Default view: ..." after it.
    alt : str
        What the picture shows, for a reader who cannot see it.
    max_frames : int
        Most frames the static view may need (build time and page weight); a figure
        whose sliders need more is refused.
    dpi : int
        Resolution of the frames.

    Example
    -------
    >>> interactive(lambda eta: plot_descent(eta),              # doctest: +SKIP
    ...             {"eta": Slider("η/η_opt", 0.5, 0, 2.5, 0.1)},
    ...             caption="The paper's Figure 6.", alt="Steps down a parabola.")
    """
    from IPython.display import display

    if not callable(draw):
        raise TypeError(f"draw must be callable, got {type(draw).__name__}")
    if not isinstance(sliders, dict) or not sliders or not all(
            isinstance(s, Slider) for s in sliders.values()):
        raise TypeError("sliders must be a non-empty dict of name -> Slider")
    check_caption(caption, alt)
    frame_grid(sliders, max_frames)          # refuse an oversized grid before drawing
    number = next_number()
    bundle = {"text/html": static_html(draw, sliders, caption, max_frames, dpi, alt, number),
              "text/plain": f"<Figure {number}: {_caption_text(caption, sliders)}>"}
    try:
        box = _live_widget(draw, sliders, caption, number)
        bundle.update({k: v for k, v in box._repr_mimebundle_().items()
                       if k == "application/vnd.jupyter.widget-view+json"})
    except ImportError:  # no ipywidgets: the static view still works everywhere
        pass
    display(bundle, raw=True)
