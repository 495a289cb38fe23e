"""Static figures and tables for a page of the book.

:func:`show` puts a matplotlib figure on the page as a numbered ``<figure>`` with its
caption and alt text (the same frame as :func:`~ebtricks.figures.interactive`, without
sliders). :func:`table` shows rows of results as an HTML table that fits the text
column, instead of printed lines that scroll sideways.
"""
from __future__ import annotations

import html
import numbers
from typing import Any, Sequence

from ._render import DPI, check_caption, escape, figure_html, min_font_px, next_number, \
    png_data_uri

__all__ = ["show", "table", "table_html"]


def show(fig, caption: str, alt: str, dpi: int = DPI) -> None:
    """Display ``fig`` as the page's next numbered figure and close it.

    ``caption`` names the paper's figure it reproduces (or says "not in the paper");
    ``alt`` says what the picture shows.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    check_caption(caption, alt)
    number = next_number()
    img = (f'class="ebt-img" src="{png_data_uri(fig, dpi)}" '
           f'data-min-font-px="{min_font_px(fig, dpi)}" alt="{escape(alt)}"')
    plt.close(fig)
    display({"text/html": figure_html(img, escape(caption), number),
             "text/plain": f"<Figure {number}: {caption}>"}, raw=True)


def _cell(value: Any, fmt: str) -> str:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{value:d}"
    return format(value, fmt)


def table_html(rows: Sequence[Sequence[Any]], header: Sequence[str], caption: str = "",
               fmt: str = ".4g") -> str:
    """Rows as an HTML table; numbers right-aligned, floats formatted with ``fmt``."""
    header = list(header)
    body = []
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) != len(header):
            raise ValueError(f"rows[{i}] has {len(row)} cells, header has {len(header)}")
        cells = "".join(
            f'<td class="{"num" if isinstance(v, numbers.Real) and not isinstance(v, bool) else "txt"}">'
            f"{html.escape(_cell(v, fmt))}</td>" for v in row)
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    return (f'<table class="ebt-table">{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def table(rows: Sequence[Sequence[Any]], header: Sequence[str], caption: str = "",
          fmt: str = ".4g") -> None:
    """Display rows of results as a table that fits the text column.

    >>> table([("quadratic", 0.5, 12)], ["cost", "η/η_opt", "steps"])   # doctest: +SKIP
    """
    from IPython.display import display

    text = "\n".join(["  ".join(map(str, header))]
                     + ["  ".join(_cell(v, fmt) for v in row) for row in rows])
    display({"text/html": table_html(rows, header, caption, fmt), "text/plain": text},
            raw=True)
