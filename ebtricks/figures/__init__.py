"""Plotting and widgets for the book (optional extra: ``pip install ebtricks[figures]``).

Importing :mod:`ebtricks` never imports this package; matplotlib and ipywidgets are
imported only when a figure is drawn.
"""
from .interactive import Slider, frame_grid, interactive, static_html

__all__ = ["Slider", "interactive", "frame_grid", "static_html"]
