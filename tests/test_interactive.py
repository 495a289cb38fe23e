"""The interactive-figure helper: frame bounds, defaults, and the static HTML it emits."""
import json
import math
import re

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ebtricks.figures import Slider, frame_grid, static_html  # noqa: E402


def test_slider_values_and_validation():
    s = Slider("eta", default=0.3, start=0.0, stop=1.0, step=0.1)
    assert s.values[3] == 0.3 and len(s.values) == 11
    with pytest.raises(ValueError, match="default"):
        Slider("eta", default=0.35, start=0.0, stop=1.0, step=0.1)
    with pytest.raises(ValueError, match="step"):
        Slider("eta", default=0.0, start=0.0, stop=1.0, step=0.0)
    with pytest.raises(ValueError, match="options"):
        Slider("kind", default="a", options=[])
    assert Slider("kind", default="b", options=["a", "b"]).values == ("a", "b")
    ints = Slider("seed", default=2, start=0, stop=3, step=1).values
    assert ints == (0, 1, 2, 3) and all(type(v) is int for v in ints)


@pytest.mark.parametrize("max_frames", [1, 7, 20, 48, 1000])
def test_frame_grid_is_bounded_and_keeps_defaults(max_frames):
    sliders = {"a": Slider("a", default=0.7, start=0, stop=2.5, step=0.05),
               "b": Slider("b", default=3, start=1, stop=9, step=1),
               "c": Slider("c", default="y", options=["x", "y", "z"])}
    grid = frame_grid(sliders, max_frames)
    full = math.prod(len(s.values) for s in sliders.values())
    assert math.prod(len(v) for v in grid.values()) <= max(max_frames, 1)
    if max_frames >= full:
        assert all(grid[k] == s.values for k, s in sliders.items())
    for k, s in sliders.items():
        assert s.default in grid[k]
        assert list(grid[k]) == sorted(grid[k], key=s.values.index)


def _draw(a, kind):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, (a + 1) if kind == "up" else -(a + 1)])
    return fig


def test_static_html_frames_controls_and_caption():
    sliders = {"a": Slider("slope a", default=1.0, start=0.0, stop=2.0, step=0.5),
               "kind": Slider("direction", default="down", options=["up", "down"])}
    out = static_html(_draw, sliders, caption="A test.", max_frames=6, dpi=30)
    frames = json.loads(re.search(r'<script type="application/json" class="ebt-frames">(.*?)'
                                  r'</script>', out, re.S).group(1))
    assert len(frames) == 6 and len(set(frames)) == 6          # every frame differs
    inputs = re.findall(r'<input type="range"[^>]*>', out)
    assert len(inputs) == 2
    # the caption states the defaults the sliders start at
    assert "Default view: slope a = 1, direction = down." in out
    first = re.search(r'data-frame="(\d+)"', out).group(1)
    grid = frame_grid(sliders, 6)
    assert int(first) == grid["a"].index(1.0) * 2 + 1
    assert plt.get_fignums() == []                              # no figure leaked


def test_static_html_rejects_bad_budget():
    with pytest.raises(ValueError, match="max_frames"):
        frame_grid({"a": Slider("a", default=0, start=0, stop=1, step=1)}, 0)


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

box = _live_widget(draw, {"a": Slider("a", default=1.0, start=0.0, stop=2.0, step=0.5)}, "")
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
