"""ebtricks: the tricks of "Efficient BackProp" (LeCun, Bottou, Orr, Müller, 1998).

The numerical core imports only numpy and numba. Plotting and widgets live in
:mod:`ebtricks.figures`, which is never imported from here.
"""
from .descent1d import LogCosh1D, Quadratic1D, gradient_descent_1d

__version__ = "0.1.0"

__all__ = ["Quadratic1D", "LogCosh1D", "gradient_descent_1d"]
