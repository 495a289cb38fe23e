"""Kernels called by an external symbol instead of being linked into their callers.

Numba compiles a kernel's callees as libraries of their own and links each into every
caller, where LLVM optimises and emits its code again (README.md, "Compile time"). For a
callee that many kernels call and that is large (the convolution's matrix products), that
repeated work is a good part of a first call's compile. So such a callee is compiled once
as a C callable (cached on disk like every kernel, and loaded once per process):
:func:`register` gives the JIT its address under a symbol, and kernels call it through
:func:`caller`, an intrinsic that emits a call of that symbol.

The one rule: a symbol must be registered before any code calling it is compiled or
loaded from the disk cache; LLVM cannot resolve it otherwise, and the process dies. The
convolution's products (conv.py) are registered when code calling them is typed (so before
any compile), before Numba loads a kernel of conv.py that calls them, and before a
convolution pass's C callable is compiled or loaded (``indirect._compile``). (The units'
vector loops went this way too, as a trial: a first call then compiled about 5 % less,
but the units had to be registered when ebtricks is imported, which moved four seconds of
compiling into the import, in one process, ahead of any helper process: slower first
calls on two cores.)

Arguments of a symbol, by kind: ``"i8"`` (an integer, passed as int64), ``"f8"`` (a
float64), and C-contiguous arrays ``"f8[:]"``, ``"i8[:]"``, ``"f8[:,:]"``, passed as their
data address followed by their length along each dimension.
"""
from __future__ import annotations

import threading

from llvmlite import binding as llvm, ir
from numba import cfunc, config, types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic

from .._compiling import compiling

_SCALARS = {"i8": types.int64, "f8": types.float64}
_ARRAYS = {"f8[:]": (types.float64, 1), "i8[:]": (types.int64, 1), "f8[:,:]": (types.float64, 2)}
_REGISTERED = {}   # symbol -> its compiled C callable, alive as long as the process
_LOCK = threading.Lock()


def c_signature(kinds):
    """The C signature (void) of a symbol taking arguments of these kinds."""
    args = []
    for kind in kinds:
        if kind in _SCALARS:
            args.append(_SCALARS[kind])
        else:
            dtype, ndim = _ARRAYS[kind]
            args += [types.CPointer(dtype)] + [types.int64] * ndim
    return types.void(*args)


def register(symbol, kinds, fn, **flags):
    """Compile (or load from the disk cache) ``fn``, a Python function of the C arguments
    of ``kinds``, as a C callable, and make ``symbol`` resolve to it. Once per process."""
    if config.DISABLE_JIT or symbol in _REGISTERED:
        return
    with _LOCK:
        if symbol in _REGISTERED:
            return
        with compiling():
            compiled = cfunc(c_signature(kinds), cache=True, **flags)(fn)
            llvm.add_symbol(symbol, compiled.address)
        _REGISTERED[symbol] = compiled


def registered(symbol) -> bool:
    return symbol in _REGISTERED


def caller(symbol, kinds):
    """An intrinsic that calls ``symbol`` with arguments of ``kinds`` (see above)."""
    n = len(kinds)

    def check(args):
        for k, (kind, ty) in enumerate(zip(kinds, args)):
            if kind in _SCALARS:
                ok = isinstance(ty, (types.Integer, types.Boolean)) or (
                    kind == "f8" and isinstance(ty, types.Float))
            else:
                dtype, ndim = _ARRAYS[kind]
                ok = (isinstance(ty, types.Array) and ty.dtype == dtype and ty.ndim == ndim
                      and ty.layout == "C")
            if not ok:
                raise TypingError(f"{symbol}: argument {k} must be {kind} (C-contiguous if an "
                                  f"array), got {ty}")

    def codegen(context, builder, signature, args):
        c_args = c_signature(kinds).args
        values = []
        for kind, ty, value in zip(kinds, signature.args, args):
            if kind in _SCALARS:
                values.append(context.cast(builder, value, ty, _SCALARS[kind]))
            else:
                ary = context.make_array(ty)(context, builder, value)
                values += [ary.data, *cgutils.unpack_tuple(builder, ary.shape, ty.ndim)]
        fnty = ir.FunctionType(ir.VoidType(), [context.get_value_type(t) for t in c_args])
        fn = cgutils.get_or_insert_function(builder.module, fnty, symbol)
        builder.call(fn, values)
        return context.get_dummy_value()

    def typer(args):
        check(args)
        return types.void(*args), codegen

    if n != 3:   # Numba's intrinsics take no *args; three arguments is what is used
        raise ValueError(f"no intrinsic for {n} arguments")

    @intrinsic
    def call(typingctx, a0, a1, a2):
        return typer((a0, a1, a2))
    return call
