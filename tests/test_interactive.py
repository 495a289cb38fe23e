"""The interactive-figure helper: frame bounds, defaults, and the static HTML it emits."""
import base64
import io
import json
import re

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ebtricks.figures import (Slider, frame_grid, interactive, show, static_html,  # noqa: E402
                              subplots, table_html)
from ebtricks.figures._render import min_font_px  # noqa: E402


def test_slider_values_and_validation():
    s = Slider("eta", default=0.3, start=0.0, stop=2.4, step=0.1)
    assert s.values[3] == 0.3 and len(s.values) == 25
    with pytest.raises(ValueError, match="default"):
        Slider("eta", default=0.35, start=0.0, stop=2.4, step=0.1)
    with pytest.raises(ValueError, match="step"):
        Slider("eta", default=0.0, start=0.0, stop=1.0, step=0.0)
    with pytest.raises(ValueError, match="options"):
        Slider("kind", default="a", options=[])
    assert Slider("kind", default="b", options=["a", "b"]).values == ("a", "b")
    ints = Slider("seed", default=2, start=0, stop=3, step=1).values
    assert ints == (0, 1, 2, 3) and all(type(v) is int for v in ints)


def test_continuous_slider_has_25_evenly_spaced_positions():
    with pytest.raises(ValueError, match="at least 25 positions"):
        Slider("eta", default=0.5, start=0.0, stop=1.0, step=0.1)
    with pytest.raises(ValueError, match="whole number of steps"):
        Slider("eta", default=0.0, start=0.0, stop=1.0, step=0.03)
    s = Slider("eta", default=1.0, start=0.0, stop=2.5, step=0.05)
    gaps = [b - a for a, b in zip(s.values, s.values[1:])]
    assert len(s.values) == 51 and max(gaps) - min(gaps) < 1e-9


def test_frame_grid_keeps_every_value_or_refuses():
    sliders = {"a": Slider("a", default=0.7, start=0, stop=2.5, step=0.05),
               "c": Slider("c", default="y", options=["x", "y"])}
    grid = frame_grid(sliders, 102)
    assert all(grid[k] == s.values for k, s in sliders.items())
    with pytest.raises(ValueError, match="more than max_frames=64"):
        frame_grid(sliders, 64)
    with pytest.raises(ValueError, match="max_frames"):
        frame_grid(sliders, 0)


def _draw(a, kind="up"):
    fig, ax = subplots(height=1.5, width=2.5)
    ax.plot([0, 1], [0, (a + 1) if kind == "up" else -(a + 1)])
    return fig


SLIDERS = {"a": Slider("slope a", default=1.0, start=0.0, stop=2.4, step=0.1),
           "kind": Slider("direction", default="down", options=["up", "down"])}


def _frames(out):
    return json.loads(re.search(r'<script type="application/json" class="ebt-frames">(.*?)'
                                r'</script>', out, re.S).group(1))


def test_static_html_frames_controls_and_caption():
    before = plt.get_fignums()          # figures other tests left open are not ours
    out = static_html(_draw, SLIDERS, caption="The paper's nothing.", dpi=30, alt="A line.",
                      number=7)
    frames = _frames(out)
    assert len(frames) == 50 and len(set(frames)) == 50            # every frame differs
    assert all(f.startswith("data:image/png;base64,") for f in frames)
    inputs = re.findall(r'<input type="range"[^>]*>', out)
    assert len(inputs) == 2
    assert "Default view: slope a = 1, direction = down." in out
    assert "<strong>Figure 7.</strong>" in out and 'alt="A line."' in out
    first = int(re.search(r'data-frame="(\d+)"', out).group(1))
    assert first == SLIDERS["a"].values.index(1.0) * 2 + 1
    assert frames[first] in re.search(r'<img [^>]*>', out).group(0)
    assert float(re.search(r'data-min-font-px="([\d.]+)"', out).group(1)) > 0
    assert plt.get_fignums() == before                          # no figure leaked


def test_frames_are_palette_pngs():
    from PIL import Image

    out = static_html(_draw, {"a": SLIDERS["a"]}, caption="Not in the paper.", dpi=60,
                      alt="A rising line.", number=1)
    raw = base64.b64decode(_frames(out)[0].split(",", 1)[1])
    assert Image.open(io.BytesIO(raw)).mode == "P"


def test_caption_and_alt_are_required():
    with pytest.raises(ValueError, match="paper"):
        interactive(_draw, SLIDERS, caption="A figure.", alt="A line that rises or falls.")
    with pytest.raises(ValueError, match="alt"):
        interactive(_draw, SLIDERS, caption="Not in the paper.", alt="")
    with pytest.raises(ValueError, match="not repeat"):
        show(plt.figure(), caption="Not in the paper: the same words.",
             alt="Not in the paper: the same words.")
    plt.close("all")


def test_min_font_px_measures_the_smallest_text():
    fig, ax = subplots()
    ax.set_title("big", fontsize=20)
    ax.set_xlabel("small", fontsize=7.2)
    assert min_font_px(fig, dpi=100) == pytest.approx(10.0)
    plt.close(fig)


def test_table_html_formats_and_checks_rows():
    out = table_html([("raw", 5714.2, 16279), ("whitened", 1.0, 1)], ["inputs", "κ", "epochs"],
                     caption="Condition numbers")
    assert out.count("<tr>") == 3 and '<td class="num">5714</td>' in out
    assert "<caption>Condition numbers</caption>" in out
    with pytest.raises(ValueError, match="rows\\[0\\]"):
        table_html([(1, 2)], ["a", "b", "c"])


def test_core_import_does_not_pull_in_plotting():
    import subprocess
    import sys
    code = ("import sys, ebtricks; bad = [m for m in ('matplotlib', 'ipywidgets', 'IPython') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_live_widget_redraws_when_a_slider_moves():
    """In a real kernel: moving the live slider re-runs draw() and replaces the picture."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    code = '''
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from ebtricks.figures import Slider
from ebtricks.figures.interactive import _live_widget

def draw(a):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, a])
    return fig

box = _live_widget(draw, {"a": Slider("a", default=1.0, start=0.0, stop=2.4, step=0.1)}, "", 1)
slider, out = box.children[0].children[0], box.children[1]
def picture():
    return [o["data"]["image/png"] for o in out.outputs if "image/png" in o.get("data", {})]
first = picture()
slider.value = 2.0
second = picture()
assert len(first) == 1 and len(second) == 1, (first, second)
assert first != second
print("redrawn")
'''
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert "redrawn" in nb.cells[0].outputs[-1]["text"]
