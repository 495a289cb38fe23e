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

What is called this way so far takes three C-contiguous 2-D float64 arrays (Y += a product
of A and B), passed as each one's data address, rows and columns: the only signature
here, until another kernel needs one.
"""
from __future__ import annotations

import threading

from llvmlite import binding as llvm, ir
from numba import cfunc, config, types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic

from .._compiling import compiling

_MATRIX = (types.CPointer(types.float64), types.int64, types.int64)
C_SIGNATURE = types.void(*_MATRIX, *_MATRIX, *_MATRIX)   # (A, B, Y), each (data, rows, cols)
_REGISTERED = {}   # symbol -> its compiled C callable, alive as long as the process
_LOCK = threading.Lock()


def register(symbol, fn):
    """Compile (or load from the disk cache) ``fn``, a Python function of the arguments of
    :data:`C_SIGNATURE`, as a C callable, and make ``symbol`` resolve to it. Once per
    process."""
    if config.DISABLE_JIT or symbol in _REGISTERED:
        return
    with _LOCK:
        if symbol in _REGISTERED:
            return
        with compiling():
            compiled = cfunc(C_SIGNATURE, cache=True)(fn)
            llvm.add_symbol(symbol, compiled.address)
        _REGISTERED[symbol] = compiled


def caller(symbol):
    """An intrinsic ``call(A, B, Y)`` that calls ``symbol`` with three C-contiguous 2-D
    float64 arrays (anything else is a TypingError when the caller is typed)."""
    @intrinsic
    def call(typingctx, A, B, Y):
        for name, ty in (("A", A), ("B", B), ("Y", Y)):
            if not (isinstance(ty, types.Array) and ty.dtype == types.float64
                    and ty.ndim == 2 and ty.layout == "C"):
                raise TypingError(f"{symbol}: {name} must be a C-contiguous 2-D float64 "
                                  f"array, got {ty}")

        def codegen(context, builder, signature, args):
            values = []
            for ty, value in zip(signature.args, args):
                ary = context.make_array(ty)(context, builder, value)
                values += [ary.data, *cgutils.unpack_tuple(builder, ary.shape, 2)]
            fnty = ir.FunctionType(ir.VoidType(),
                                   [context.get_value_type(t) for t in C_SIGNATURE.args])
            builder.call(cgutils.get_or_insert_function(builder.module, fnty, symbol), values)
            return context.get_dummy_value()
        return types.void(A, B, Y), codegen
    return call
