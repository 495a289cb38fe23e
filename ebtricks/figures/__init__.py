"""Plotting and widgets for the book (optional extra: ``pip install ebtricks[figures]``).

Importing :mod:`ebtricks` never imports this package; matplotlib and ipywidgets are
imported only when a figure is drawn.

* :func:`interactive` -- a figure with sliders: live in Jupyter, pre-rendered frames in
  the static book.
* :func:`show` -- a static figure, numbered, with caption and alt text.
* :func:`table` -- rows of results as an HTML table.
* :func:`subplots` -- ``plt.subplots`` at the book's column width and font sizes.
"""
from ._render import WIDTH, apply_style, reset_numbers, subplots
from .interactive import Slider, frame_grid, interactive, static_html
from .page import show, table, table_html

__all__ = ["Slider", "interactive", "frame_grid", "static_html", "show", "table",
           "table_html", "subplots", "apply_style", "reset_numbers", "WIDTH"]
