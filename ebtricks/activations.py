"""Units: the activations a layer can use (§4.4, Figure 4), by name.

Each activation's f, f' and f'' are written once, side by side, in
:mod:`ebtricks._engine.units`, and every pass of every layer uses them.
"""
from __future__ import annotations

import numpy as np

from ._engine.units import CODES, NAMES, TANH_TWIST, evaluate
from ._validate import check_array, check_choice, check_finite_scalar

__all__ = ["Activation", "CODES", "activation_code"]


class Activation:
    """An activation with vectorised f, f', f'' for plotting and analysis.

    Call it for f; :meth:`derivative` and :meth:`second_derivative` give f' and f''.

    Parameters
    ----------
    name : str, default "lecun_tanh"
        A name of :data:`CODES`: "identity", "logistic", "tanh", "lecun_tanh"
        (1.7159 tanh(2x/3), §4.4), "rational_tanh" or "tanh_twist" (tanh(x) + a x).
    a : float, default 0.0
        The slope of the twisting term of "tanh_twist"; unused by the others.

    Raises
    ------
    ValueError
        When the name is unknown or a is not finite.

    Examples
    --------
    >>> f = Activation("lecun_tanh")
    >>> round(float(f(1.0)), 4)
    1.0
    """

    def __init__(self, name: str = "lecun_tanh", a: float = 0.0):
        self.name = check_choice("activation", name, CODES)
        self.code = CODES[name]
        self.a = check_finite_scalar("a", a)

    def _eval(self, which, x):
        x = check_array("x", x, finite=False)
        out = np.empty_like(x)
        evaluate(which, self.code, x.ravel(), self.a, out.ravel())
        return out if out.ndim else float(out)

    def __call__(self, x):
        """f(x), elementwise: a float for a scalar x, else an array of x's shape."""
        return self._eval(0, x)

    def derivative(self, x):
        """f'(x), elementwise.

        Parameters
        ----------
        x : float or array_like
            Total inputs (NaN and infinities allowed).

        Returns
        -------
        float or ndarray
            A float for a scalar x, else an array of x's shape.

        Examples
        --------
        >>> round(Activation("tanh").derivative(0.0), 6)
        1.0
        """
        return self._eval(1, x)

    def second_derivative(self, x):
        """f''(x), elementwise.

        Parameters
        ----------
        x : float or array_like
            Total inputs (NaN and infinities allowed).

        Returns
        -------
        float or ndarray
            A float for a scalar x, else an array of x's shape.

        Examples
        --------
        >>> Activation("identity").second_derivative([1.0, 2.0]).tolist()
        [0.0, 0.0]
        """
        return self._eval(2, x)

    def __repr__(self):
        return f"Activation({self.name!r}" + (f", a={self.a})" if self.code == TANH_TWIST else ")")


def activation_code(name: str) -> int:
    """The kernels' integer code of an activation.

    Parameters
    ----------
    name : str
        A name of :data:`CODES`.

    Returns
    -------
    int
        Its code.

    Raises
    ------
    ValueError
        When the name is unknown.

    Examples
    --------
    >>> activation_code("identity")
    0
    """
    return CODES[check_choice("activation", name, CODES)]
