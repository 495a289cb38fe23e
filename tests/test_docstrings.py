"""Every public callable of the documented modules names each of its parameters in the
numpy-style ``Parameters`` section of its docstring, so that a student never has to read
the source (the API page of the book is rendered from these docstrings).

For a class the constructor's parameters are looked for in the class docstring (that is
the docstring the book shows); for a dataclass they are its fields (``init=False`` fields
excluded). Public methods, inherited ones included, are checked against their own
docstring. ``self``/``cls`` are skipped; ``*args``/``**kwargs`` must be documented too,
under their own name with or without the stars. A documented name that is not a parameter
fails as well, so renamed arguments cannot leave stale entries behind.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import re

import pytest

import ebtricks

MODULES = ["ebtricks", "ebtricks.curvature", "ebtricks.data", "ebtricks.preprocessing",
           "ebtricks.optimizers", "ebtricks.sgd", "ebtricks.network", "ebtricks.layers",
           "ebtricks.lenet", "ebtricks.measure", "ebtricks.descent", "ebtricks.activations",
           "ebtricks.adaptive"]

_HEADER = re.compile(r"^(\S[^\n]*)\n[ \t]*-{3,}[ \t]*$", re.M)
_ENTRY = re.compile(r"^([\\*\w][\\*\w, ]*?)(?:\s+:.*)?$")


def documented_parameters(doc: str | None) -> set[str] | None:
    """Names in the Parameters (and Other Parameters) sections of a numpy-style docstring;
    None when there is no such section. An entry is a line at the section's own
    indentation: ``name : type``, ``name``, or ``a, b : type``."""
    if not doc:
        return None
    doc = inspect.cleandoc(doc)
    headers = list(_HEADER.finditer(doc))
    names = None
    for k, h in enumerate(headers):
        if h.group(1).strip() not in ("Parameters", "Other Parameters"):
            continue
        names = names or set()
        end = headers[k + 1].start() if k + 1 < len(headers) else len(doc)
        lines = [l for l in doc[h.end():end].splitlines() if l.strip()]
        if not lines:
            continue
        indent = min(len(l) - len(l.lstrip()) for l in lines)
        for line in lines:
            if len(line) - len(line.lstrip()) != indent:
                continue
            m = _ENTRY.match(line.strip())
            if m:
                names.update(n.strip().replace("\\", "").lstrip("*")
                             for n in m.group(1).split(",") if n.strip())
    return names


def _parameters(fn) -> list[str]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):     # a builtin constructor (an exception's *args)
        return []
    return [p.name for p in sig.parameters.values() if p.name not in ("self", "cls")]


def _public_names(module):
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [name for name, obj in vars(module).items()
            if not name.startswith("_")
            and getattr(inspect.unwrap(obj), "__module__", None) == module.__name__
            and (inspect.isclass(obj) or callable(obj))]


def _methods(cls):
    """Public methods of cls defined in ebtricks (inherited ones included)."""
    seen = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("ebtricks"):
            continue
        for name, attr in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(attr, (staticmethod, classmethod)):
                attr = attr.__func__
            if inspect.isfunction(attr):
                yield name, attr


def _cases():
    cases = {}
    for modname in MODULES:
        module = importlib.import_module(modname)
        for name in _public_names(module):
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            key = f"{obj.__module__}.{obj.__qualname__}"
            if inspect.isclass(obj):
                if dataclasses.is_dataclass(obj):
                    params = [f.name for f in dataclasses.fields(obj) if f.init]
                else:
                    params = _parameters(obj)
                cases[key] = (obj.__doc__, params)
                for mname, meth in _methods(obj):
                    cases[f"{key}.{mname}"] = (meth.__doc__, _parameters(meth))
            else:
                cases[key] = (obj.__doc__, _parameters(obj))
    return cases


CASES = _cases()


def test_the_modules_have_callables():
    assert len(CASES) > 100
    assert "ebtricks.optimizers.train" in CASES
    assert "ebtricks.network.Network.gradient" in CASES
    assert "ebtricks.activations.Activation" in CASES


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_parameter_is_documented(name):
    doc, params = CASES[name]
    assert doc and doc.strip(), f"{name} has no docstring"
    if not params:
        return
    documented = documented_parameters(doc)
    assert documented, f"{name} takes {params} but its docstring has no Parameters section"
    missing = [p for p in params if p not in documented]
    assert not missing, f"{name}: parameters not in its Parameters section: {missing}"
    stale = sorted(documented - set(params))
    assert not stale, f"{name}: Parameters section names what is not a parameter: {stale}"


def test_the_parser_reads_numpy_sections():
    doc = """Purpose.

    Parameters
    ----------
    X, D : ndarray
        Data.
    eta : float
        Rate; a line ``like : this`` inside a description is not an entry.
    **kw
        Passed on.

    Returns
    -------
    float
    """
    assert documented_parameters(doc) == {"X", "D", "eta", "kw"}
    assert documented_parameters("No sections here.") is None
