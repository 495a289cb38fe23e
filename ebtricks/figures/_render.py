"""What every figure of the book shares: the house style, the encoding of a frame, the
figure numbers, and the HTML ``<figure>`` that carries an image, its caption and alt text.

The sizes are chosen for the built book: its text column is about 740 px wide at a
1280 px window, so a figure 7.5 in wide rendered at 100 dpi fills the column at its
natural size, and 10 pt tick labels read as about 13 px on screen. Every image carries
``data-min-font-px``, the smallest text in it in image pixels, so the browser checks can
verify that nothing reads smaller than 10 px on screen.
"""
from __future__ import annotations

import base64
import html
import io
import itertools

#: Width of a full-column figure, in inches (at :data:`DPI` it is 750 px).
WIDTH = 7.5
#: Resolution of every image in the book.
DPI = 100

_STYLE = {
    "font.size": 10, "axes.titlesize": 10.5, "axes.labelsize": 10,
    "xtick.labelsize": 9.5, "ytick.labelsize": 9.5, "legend.fontsize": 9,
    "figure.titlesize": 11, "figure.dpi": DPI, "savefig.dpi": DPI,
    "axes.spines.top": False, "axes.spines.right": False,
    "figure.constrained_layout.use": True,
}
_counter = itertools.count(1)


def apply_style() -> None:
    """Set the book's matplotlib style (font sizes readable at column width)."""
    import matplotlib as mpl

    mpl.rcParams.update(_STYLE)


def subplots(nrows: int = 1, ncols: int = 1, height: float = 3.2, width: float = WIDTH,
             **kwargs):
    """``plt.subplots`` at the book's column width and style.

    Every figure of the book starts here, so that its text stays readable when the image
    is scaled to the text column: ``height`` in inches, ``width`` defaults to the column.
    """
    import matplotlib.pyplot as plt

    apply_style()
    return plt.subplots(nrows, ncols, figsize=(width, height), **kwargs)


def next_number() -> int:
    """The next figure number of this page (one kernel runs one page)."""
    return next(_counter)


def reset_numbers(start: int = 1) -> None:
    """Restart figure numbering (tests, or a notebook re-run from the top)."""
    global _counter
    _counter = itertools.count(start)


def min_font_px(fig, dpi: int = DPI) -> float:
    """The smallest visible, non-empty text in ``fig``, in pixels of an image at ``dpi``."""
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip()]
    return round(min(sizes) * dpi / 72, 2) if sizes else 0.0


def png_data_uri(fig, dpi: int = DPI) -> str:
    """``fig`` as a palette PNG data URI.

    Line plots use few distinct colours, so a 256-colour adaptive palette keeps them
    looking the same at about a third of the size of matplotlib's RGBA PNG; the book's
    static sliders ship dozens of frames per figure, so this is what keeps pages light.
    """
    from PIL import Image

    # Raw RGBA pixels, not a PNG: encoding an RGBA PNG only to decode it again took a
    # third of the time of a slider frame. The pixels are the same.
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=dpi, facecolor="white")
    width, height = (int(v) for v in fig.get_size_inches() * dpi)
    if len(buf.getbuffer()) == 4 * width * height:
        image = Image.frombuffer("RGBA", (width, height), buf.getbuffer(), "raw", "RGBA", 0, 1)
    else:                                   # a size that rounds differently: decode a PNG
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
        buf.seek(0)
        image = Image.open(buf)
    image = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                          dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def check_caption(caption: str, alt: str) -> None:
    """Captions name the paper's figure they reproduce (or say the figure is not in the
    paper); alt text says what the picture shows, in other words than the caption."""
    if not isinstance(caption, str) or not caption.strip():
        raise ValueError("caption must be a non-empty string naming the paper's figure "
                         "(or saying 'not in the paper')")
    if "paper" not in caption.lower():
        raise ValueError(f"caption must name the paper's figure it reproduces, or say "
                         f"'not in the paper': {caption!r}")
    if not isinstance(alt, str) or len(alt.strip()) < 20:
        raise ValueError("alt must describe what the picture shows (at least 20 characters)")
    if alt.strip() == caption.strip():
        raise ValueError("alt must describe the picture, not repeat the caption")


def figure_html(img_attrs: str, caption_html: str, number: int, body_extra: str = "",
                classes: str = "ebt-figure") -> str:
    """One ``<figure>``: an image (with its attributes), extra controls, a numbered caption."""
    return (f'<figure class="{classes}" id="ebt-figure-{number}">'
            f'<img {img_attrs} style="width:100%;height:auto">{body_extra}'
            f'<figcaption class="ebt-caption"><strong>Figure {number}.</strong> '
            f'{caption_html}</figcaption></figure>')


def escape(text: str) -> str:
    return html.escape(text, quote=True)
