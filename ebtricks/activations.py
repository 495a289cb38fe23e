"""Units: the activations a layer can use (§4.4, Figure 4), by name.

Each activation's f, f' and f'' are written once, side by side: the paper's units in
:mod:`ebtricks._engine.units`, the others with :func:`define`, from three Python
expressions that are compiled once and called by every pass of every layer (training,
SDLM, H v, the diagonal), with no change to the kernels. ``relu``, ``softplus``,
``softsign`` and ``symmetric_logistic`` are defined that way below.
"""
from __future__ import annotations

import math

import numpy as np

from ._engine import units as _units
from ._engine.units import TANH_TWIST, apply_f, evaluate  # apply_f: used by book pages
from ._validate import check_array, check_choice, check_finite_scalar

__all__ = ["Activation", "CODES", "activation_code", "apply_f", "define"]


class _Codes(dict):
    """The activations by name, with their codes for the kernels. Read-only: a name is
    added only by :func:`define`, which compiles its unit (an unknown code would silently
    compute another function). A defined unit is compiled the first time its code is
    asked for."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("activations.CODES is read-only: add an activation with "
                        "ebtricks.activations.define(name, f, df, d2f) (the ones known: "
                        f"{sorted(self)})")

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = _refuse

    def __getitem__(self, name):
        code = dict.__getitem__(self, name)
        if isinstance(code, _Defined):
            code = code.compile()
            dict.__setitem__(self, name, code)
        return code


class _Defined:
    """A unit given as Python functions of (x, a), compiled on first use."""

    def __init__(self, f, df, d2f):
        self.funcs = (f, df, d2f)

    def compile(self) -> int:
        return _units.compile_unit(*self.funcs)


#: name -> integer code used by the kernels
CODES = _Codes(_units.CODES)


class Activation:
    """An activation with vectorised f, f', f'' for plotting and analysis.

    Call it for f; :meth:`derivative` and :meth:`second_derivative` give f' and f''.

    Parameters
    ----------
    name : str, default "lecun_tanh"
        A name of :data:`CODES`: "identity", "logistic", "tanh", "lecun_tanh"
        (1.7159 tanh(2x/3), §4.4), "rational_tanh", "tanh_twist" (tanh(x) + a x),
        "relu", "softplus", "softsign", "symmetric_logistic" (2 logistic(x) - 1), or one
        added with :func:`define`.
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


_BUILTINS = {"abs": abs, "max": max, "min": min, "float": float}


def _function(name: str, expr):
    """A Python function of (x, a) from an expression string or a callable of x or (x, a)."""
    if isinstance(expr, str):
        try:
            code = compile(f"lambda x, a: ({expr})", f"<{name}>", "eval")
        except SyntaxError as err:
            raise ValueError(f"{name} is not a valid Python expression in x and a: "
                             f"{expr!r} ({err.msg})") from None
        return eval(code, {"np": np, "math": math, "__builtins__": _BUILTINS})
    if not callable(expr):
        raise TypeError(f"{name} must be an expression string in x (and a) or a function, "
                        f"got {type(expr).__name__}")
    import inspect
    try:
        n_args = len(inspect.signature(expr).parameters)
    except (TypeError, ValueError):
        n_args = 2
    if n_args == 1:
        from numba import njit
        of_x = njit(expr)   # compiled kernels can call it (the plain function, without JIT)
        return lambda x, a: of_x(x)
    return expr


def define(name: str, f, df, d2f, *, check: bool = True) -> Activation:
    """Add an activation from its f, f' and f'' written in Python, usable by every layer
    (``Dense(3, 2, "swish")``) and every pass: training, SDLM, H v, the diagonal.

    The three are compiled with Numba for you (the first time a network or an
    :class:`Activation` uses the name, a second or so); write them with plain arithmetic
    and ``np.``/``math.`` functions of a scalar x. Every pass calls f, f' and f'' through
    one compiled function, so a defined unit is somewhat slower than the paper's, which
    are written into the kernels.

    Parameters
    ----------
    name : str
        The new activation's name; not one already in :data:`CODES`.
    f : str or callable
        f(x): an expression in ``x`` (and the layer's parameter ``a``), such as
        ``"x / (1 + np.exp(-x))"``, or a function of x or of (x, a).
    df : str or callable
        f'(x), in the same form.
    d2f : str or callable
        f''(x), in the same form.
    check : bool, default True
        Compare df and d2f with central differences of f and df at 12 points in
        [-3, 3] (relative or absolute error 1e-5), and raise when they disagree.

    Returns
    -------
    Activation
        The new activation (with ``a = 0``), for plotting or a quick look.

    Raises
    ------
    ValueError
        When the name is taken, an expression does not parse or compile, or (with
        ``check``) df or d2f is not the derivative of f or df.
    TypeError
        When name is not a string, or f, df or d2f neither a string nor a function.

    Examples
    --------
    >>> import ebtricks as eb
    >>> swish = define("swish_example", "x / (1 + np.exp(-x))",
    ...                "(1 + np.exp(-x) + x * np.exp(-x)) / (1 + np.exp(-x))**2",
    ...                "np.exp(-x) * (x * np.exp(-x) - x + 2 * np.exp(-x) + 2)"
    ...                " / (1 + np.exp(-x))**3")
    >>> round(swish(1.0), 4)
    0.7311
    >>> net = eb.mlp([2, 3, 1], activation="swish_example")
    """
    _register(name, f, df, d2f, check)
    try:
        return Activation(name)
    except Exception as err:
        dict.__delitem__(CODES, name)
        raise ValueError(f"activation {name!r} did not compile: f, df and d2f must be "
                         f"expressions of a scalar x Numba can compile ({err})") from None


def _register(name, f, df, d2f, check=True):
    """Add the name to CODES; its unit compiles the first time its code is asked for."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if name in CODES:
        raise ValueError(f"name {name!r} is already an activation; choose another name")
    funcs = [_function(arg, expr) for arg, expr in (("f", f), ("df", df), ("d2f", d2f))]
    if check:
        _check_derivatives(name, *funcs)
    dict.__setitem__(CODES, name, _Defined(*funcs))


def _check_derivatives(name, f, df, d2f, h=1e-5):
    x = np.linspace(-3.0, 3.0, 12) + 0.0137    # off 0, where relu-like units have a kink
    for arg, g, dg in (("df", f, df), ("d2f", df, d2f)):
        try:
            num = np.array([(g(t + h, 0.0) - g(t - h, 0.0)) / (2 * h) for t in x])
            val = np.array([dg(t, 0.0) for t in x], dtype=float)
        except Exception as err:
            raise ValueError(f"activation {name!r}: evaluating {arg} or the function it "
                             f"differentiates failed: {err}") from None
        bad = ~(np.abs(val - num) <= 1e-5 * np.maximum(1.0, np.abs(num)))
        if np.any(bad):
            k = int(np.argmax(bad))
            raise ValueError(f"activation {name!r}: {arg} is not the derivative of "
                             f"{'f' if arg == 'df' else 'df'}: at x = {x[k]:.4f} it gives "
                             f"{val[k]:.6g}, central differences {num[k]:.6g}")


# --- built-ins defined through the same path (compiled when first used) -------------------
_register("relu", "max(x, 0.0)", "1.0 if x > 0 else 0.0", "0.0")
_register("softplus", "max(x, 0.0) + np.log1p(np.exp(-abs(x)))", "1.0 / (1.0 + np.exp(-x))",
          "np.exp(-abs(x)) / (1.0 + np.exp(-abs(x)))**2")
_register("softsign", "x / (1.0 + abs(x))", "1.0 / (1.0 + abs(x))**2",
          "-2.0 * np.sign(x) / (1.0 + abs(x))**3")
_register("symmetric_logistic", "2.0 / (1.0 + np.exp(-x)) - 1.0",
          "2.0 * np.exp(-abs(x)) / (1.0 + np.exp(-abs(x)))**2",
          "-2.0 * np.tanh(x / 2) * np.exp(-abs(x)) / (1.0 + np.exp(-abs(x)))**2")
