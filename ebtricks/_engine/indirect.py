"""Layer passes reached through their machine-code addresses, for networks that are not all
dense.

Why: Numba compiles a kernel that calls another kernel by linking the callee's code into
the caller and optimising and emitting the whole again. A driver that could run any of the
four layer types therefore recompiled all twenty layer passes (four types, five passes) for
every driver and every SGD kernel: half a minute per feature, the first time a student used
a convolutional net. Here each layer pass is compiled once, on its own, as a C-callable
function (:func:`address`, cached on disk like every kernel), and the drivers call it
through its address with :func:`call_pass`; a driver's own compile no longer contains any
layer pass, and only the passes a call needs, of the layer types its network has, are ever
compiled (:func:`family`).

The calling convention is one array of int64 slots, on the caller's stack: a 1-D array
argument takes two slots (its data address and its length), a flag or an integer one.
:func:`call_pass` fills it from the pass's argument tuple, in the order of the pass's
parameters (see ``README.md``); the ``_<pass>_args`` functions below read it back in the
same order, and the twenty ``<type>_<pass>`` wrappers hand the arrays to the layer file's
pass. Arrays must be C-contiguous float64 or int64 (checked when a driver is compiled);
the engine's door (``__init__.py``) makes sure of it.

An all-dense network does not come here: its drivers call the dense passes directly (the
``DenseOnly`` family marker), which lets LLVM inline them. With ``NUMBA_DISABLE_JIT=1``
the dispatch calls the Python passes directly and nothing here is compiled.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from llvmlite import ir
from numba import carray, config, njit, types
from numba.core import cgutils, sigutils
from numba.core.ccallback import CFunc
from numba.core.typing.typeof import Purpose, typeof
from numba.core.errors import TypingError
from numba.extending import intrinsic

from .._compiling import compiling
from . import conv, dense, rbf, shared
from .dense import FAST
from .layout import CONV, DENSE, RBF, SHARED, TYPE, AnyLayers, DenseOnly, all_dense

PASSES = ("forward", "backward", "r_forward", "r_backward", "diag")
FORWARD, BACKWARD, R_FORWARD, R_BACKWARD, DIAG = range(len(PASSES))
N_TYPES = 4
LAYER_FILES = {DENSE: dense, SHARED: shared, RBF: rbf, CONV: conv}


# --- the caller's side -------------------------------------------------------------------
def _slots(ty):
    if isinstance(ty, types.Array):
        if ty.ndim != 1 or ty.layout != "C" or ty.dtype not in (types.float64, types.int64):
            raise TypingError(f"a layer pass takes C-contiguous 1-D float64 or int64 arrays, "
                              f"got {ty}")
        return 2
    if isinstance(ty, (types.Boolean, types.Integer)):
        return 1
    raise TypingError(f"a layer pass takes arrays, integers and flags, got {ty}")


@intrinsic
def call_pass(typingctx, address, args):
    """Call the compiled pass at ``address`` (from :func:`address`) on the tuple ``args``."""
    if not isinstance(address, types.Integer) or not isinstance(args, types.BaseTuple):
        return None
    n_slots = sum(_slots(ty) for ty in args)
    sig = types.void(types.int64, args)

    def codegen(context, builder, signature, llargs):
        address_value, values = llargs
        i64 = ir.IntType(64)
        frame = cgutils.alloca_once(builder, i64, size=n_slots, name="pass_frame")
        k = 0
        for i, ty in enumerate(args):
            value = builder.extract_value(values, i)
            if isinstance(ty, types.Array):
                ary = context.make_array(ty)(context, builder, value)
                builder.store(builder.ptrtoint(ary.data, i64), builder.gep(frame, [i64(k)]))
                builder.store(ary.nitems, builder.gep(frame, [i64(k + 1)]))
                k += 2
            else:
                as_int = (builder.zext(value, i64) if isinstance(ty, types.Boolean)
                          else context.cast(builder, value, ty, types.int64))
                builder.store(as_int, builder.gep(frame, [i64(k)]))
                k += 1
        fnty = ir.FunctionType(ir.VoidType(), [i64.as_pointer()])
        builder.call(builder.inttoptr(address_value, fnty.as_pointer()), [frame])
        return context.get_dummy_value()
    return sig, codegen


# --- the callee's side: read the slots back ------------------------------------------------
@intrinsic
def _float_pointer(typingctx, address):
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], ir.DoubleType().as_pointer())
    return types.CPointer(types.float64)(types.int64), codegen


@intrinsic
def _int_pointer(typingctx, address):
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], ir.IntType(64).as_pointer())
    return types.CPointer(types.int64)(types.int64), codegen


@njit(inline="always")
def _f(s, k):
    return carray(_float_pointer(s[k]), (s[k + 1],))


@njit(inline="always")
def _i(s, k):
    return carray(_int_pointer(s[k]), (s[k + 1],))


# row, lfrow, aux, params come first in every pass
@njit(inline="always")
def _forward_args(s):
    return _i(s, 0), _f(s, 2), _i(s, 4), _f(s, 6), _f(s, 8), _f(s, 10)


@njit(inline="always")
def _backward_args(s):
    return (_i(s, 0), _f(s, 2), _i(s, 4), _f(s, 6), _f(s, 8), _f(s, 10), _f(s, 12), _f(s, 14),
            _f(s, 16), s[18] != 0)


@njit(inline="always")
def _r_forward_args(s):
    return (_i(s, 0), _f(s, 2), _i(s, 4), _f(s, 6), _f(s, 8), _f(s, 10), _f(s, 12), _f(s, 14),
            _f(s, 16), s[18] != 0)


@njit(inline="always")
def _r_backward_args(s):
    return (_i(s, 0), _f(s, 2), _i(s, 4), _f(s, 6), _f(s, 8), _f(s, 10), _f(s, 12), _f(s, 14),
            _f(s, 16), _f(s, 18), _f(s, 20), _f(s, 22), s[24] != 0, s[25] != 0)


@njit(inline="always")
def _diag_args(s):
    return (_i(s, 0), _f(s, 2), _i(s, 4), _f(s, 6), _f(s, 8), _f(s, 10), _f(s, 12), _f(s, 14),
            s[16] != 0, _f(s, 17), s[19] != 0)


# The twenty wrappers, one per (layer type, pass), each compiled alone as a C callable. The
# shared-weight, RBF and convolution passes are inline="always" (only these wrappers call
# them), so each is compiled once, here; the dense passes are also called directly by the
# dense-only drivers, so they are compiled on their own and linked in. (Numba cannot inline
# a call with *args: hence the unpacking.)

def dense_forward(s):
    row, lf, aux, params, xs, ys = _forward_args(s)
    dense.forward(row, lf, aux, params, xs, ys)


def dense_backward(s):
    row, lf, aux, params, xs, ys, dxs, dys, grad, need_dx = _backward_args(s)
    dense.backward(row, lf, aux, params, xs, ys, dxs, dys, grad, need_dx)


def dense_r_forward(s):
    row, lf, aux, params, v, xs, ys, rxs, rys, first = _r_forward_args(s)
    dense.r_forward(row, lf, aux, params, v, xs, ys, rxs, rys, first)


def dense_r_backward(s):
    row, lf, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx, first = _r_backward_args(s)
    dense.r_backward(row, lf, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx, first)


def dense_diag(s):
    row, lf, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx = _diag_args(s)
    dense.diag(row, lf, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx)


def shared_forward(s):
    row, lf, aux, params, xs, ys = _forward_args(s)
    shared.forward(row, lf, aux, params, xs, ys)


def shared_backward(s):
    row, lf, aux, params, xs, ys, dxs, dys, grad, need_dx = _backward_args(s)
    shared.backward(row, lf, aux, params, xs, ys, dxs, dys, grad, need_dx)


def shared_r_forward(s):
    row, lf, aux, params, v, xs, ys, rxs, rys, first = _r_forward_args(s)
    shared.r_forward(row, lf, aux, params, v, xs, ys, rxs, rys, first)


def shared_r_backward(s):
    row, lf, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx, first = _r_backward_args(s)
    shared.r_backward(row, lf, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx, first)


def shared_diag(s):
    row, lf, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx = _diag_args(s)
    shared.diag(row, lf, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx)


def rbf_forward(s):
    row, lf, aux, params, xs, ys = _forward_args(s)
    rbf.forward(row, lf, aux, params, xs, ys)


def rbf_backward(s):
    row, lf, aux, params, xs, ys, dxs, dys, grad, need_dx = _backward_args(s)
    rbf.backward(row, lf, aux, params, xs, ys, dxs, dys, grad, need_dx)


def rbf_r_forward(s):
    row, lf, aux, params, v, xs, ys, rxs, rys, first = _r_forward_args(s)
    rbf.r_forward(row, lf, aux, params, v, xs, ys, rxs, rys, first)


def rbf_r_backward(s):
    row, lf, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx, first = _r_backward_args(s)
    rbf.r_backward(row, lf, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx, first)


def rbf_diag(s):
    row, lf, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx = _diag_args(s)
    rbf.diag(row, lf, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx)


def conv_forward(s):
    row, lf, aux, params, xs, ys = _forward_args(s)
    conv.forward(row, lf, aux, params, xs, ys)


def conv_backward(s):
    row, lf, aux, params, xs, ys, dxs, dys, grad, need_dx = _backward_args(s)
    conv.backward(row, lf, aux, params, xs, ys, dxs, dys, grad, need_dx)


def conv_r_forward(s):
    row, lf, aux, params, v, xs, ys, rxs, rys, first = _r_forward_args(s)
    conv.r_forward(row, lf, aux, params, v, xs, ys, rxs, rys, first)


def conv_r_backward(s):
    row, lf, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx, first = _r_backward_args(s)
    conv.r_backward(row, lf, aux, params, v, xs, ys, dxs, rxs, rys, rdxs, hv, need_dx, first)


def conv_diag(s):
    row, lf, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx = _diag_args(s)
    conv.diag(row, lf, aux, params, xs, ys, dxs, d2xs, keep_f2, out, need_dx)


_NAMES = {DENSE: "dense", SHARED: "shared", RBF: "rbf", CONV: "conv"}
_FLAGS = {DENSE: dict(fastmath=FAST), CONV: dict(error_model="numpy")}
_SIGNATURE = sigutils.normalize_signature(types.void(types.CPointer(types.int64)))
_COMPILED = {}


def _c_callable(key):
    """Pass ``key`` = (layer type, pass) as a C callable with its disk cache, not yet
    compiled (what ``numba.cfunc(..., cache=True)`` builds before it compiles; compile it
    with :func:`_compile`)."""
    layer_type, which = key
    wrapper = globals()[f"{_NAMES[layer_type]}_{PASSES[which]}"]
    # the flags of the pass itself: inlined code takes its caller's
    fn = CFunc(wrapper, _SIGNATURE, locals={}, options=_FLAGS.get(layer_type, {}))
    fn.enable_caching()
    return fn


def address(layer_type: int, which: int) -> int:
    """The address of pass ``which`` (FORWARD ... DIAG) of a layer type, compiled (or
    loaded from the disk cache) on first request."""
    key = (layer_type, which)
    if key not in _COMPILED:
        with compiling():
            _compile(key, _c_callable(key))
    return _COMPILED[key].address


# --- a first call's passes, compiled on two cores -------------------------------------------
# Compiling is single-threaded, and a first call on a network that is not all dense
# compiles several passes that share little (a convolutional net's gradient: six, with the
# dense passes and those of its subsampling layer). When at least two of them are in no
# disk cache yet and the process may use two cores, one helper process compiles the passes
# of the layer type that costs most (or, with one layer type, all but the first pass) into
# the disk cache, while this process compiles the others; then this one loads the
# helper's. The kernels are the same code either way. If the helper cannot start, fails,
# or leaves nothing this process can load (say it found another copy of ebtricks), its
# passes compile here, as without it, and no helper starts again in this process.
# EBTRICKS_PARALLEL_COMPILE=0 turns it off.
_COST = {CONV: 3, SHARED: 1, RBF: 1, DENSE: 1}   # rough relative compile time of a pass
HELPER_TIMEOUT = 600.0   # seconds; a helper still compiling then is stopped
_helper_state = {"off": False}


def _cpu_quota() -> float:
    """The CPUs a cgroup (v2) quota allows this process (a container's --cpus), or inf."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        return float("inf") if quota == "max" else float(quota) / float(period)
    except (OSError, ValueError, IndexError):
        return float("inf")


def _two_cores() -> bool:
    """Whether a helper process may compile beside this one: two CPUs to run on (affinity
    and cgroup quota), a Python interpreter to start (not a frozen app, nor a host program
    embedding Python), and not turned off."""
    if (_helper_state["off"] or os.environ.get("EBTRICKS_PARALLEL_COMPILE", "").strip().lower()
            in ("0", "false", "no")):
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        cores = os.cpu_count() or 1
    exe = os.path.basename(sys.executable or "").lower()
    return (min(cores, _cpu_quota()) >= 2 and exe.startswith("python")
            and not getattr(sys, "frozen", False))


def _in_disk_cache(fn) -> bool:
    """Whether the disk cache holds ``fn``'s code (reads the cache's index only). When
    Numba's cache cannot tell, True: then it compiles here, as without a helper."""
    try:
        cache = fn._cache
        key = cache._index_key(fn._sig, fn._targetdescr.target_context.codegen())
        return cache._cache_file._load_index().get(key) is not None
    except Exception:
        return True


def helper_share(cold):
    """Which of the ``cold`` passes (keys (layer type, pass), in the order needed) a helper
    process compiles: those of the layer type costing most, if another type is cold too;
    with one layer type, all passes but the first; nothing for fewer than two passes."""
    if len(cold) < 2:
        return []
    types_cold = sorted({t for t, _ in cold}, key=lambda t: -_COST[t] * sum(
        1 for u, _ in cold if u == t))
    if len(types_cold) == 1:
        return cold[1:]
    return [k for k in cold if k[0] == types_cold[0]]


def _start_helper(keys):
    """``python -P -m ebtricks._warmup --passes ...`` compiling ``keys`` into the disk
    cache, or None if it cannot start. It imports this copy of ebtricks, by the same path
    (Numba names a cache folder after the source's path), and not the working directory's."""
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.environ.get("PYTHONPATH")
    env = dict(os.environ, EBTRICKS_COMPILE_NOTE="0", EBTRICKS_PARALLEL_COMPILE="0",
               PYTHONPATH=package_parent + (os.pathsep + path if path else ""))
    try:
        return subprocess.Popen(
            [sys.executable, "-P", "-m", "ebtricks._warmup", "--passes",
             ",".join(f"{t}:{k}" for t, k in keys)],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
    except (OSError, ValueError):
        return None


#: what the last call of :func:`compile_passes` gave a helper process (for the tests)
last_helper = {"passes": [], "returncode": None}


def compile_passes(keys, meanwhile=None):
    """Compile (or load) the passes ``keys`` = [(layer type, pass)], with a helper process
    on a second core when that saves time (see above); ``meanwhile()`` runs, if a helper
    does, once this process has compiled its share, before it waits for the helper (an
    error in it is left for the call that follows to meet)."""
    todo = [k for k in dict.fromkeys(keys) if k not in _COMPILED]
    if not todo:
        return
    fns = {k: _c_callable(k) for k in todo}
    theirs, helper = [], None
    last_helper.update(passes=[], returncode=None)
    with compiling():
        try:
            if len(todo) > 1 and _two_cores():
                theirs = helper_share([k for k in todo if not _in_disk_cache(fns[k])])
                helper = _start_helper(theirs) if theirs else None
                last_helper["passes"] = theirs if helper is not None else []
            for k in todo:
                if helper is None or k not in theirs:
                    _compile(k, fns[k])
            if helper is not None:
                if meanwhile is not None:
                    try:
                        meanwhile()
                    except Exception:
                        pass
                last_helper["returncode"] = helper.wait(HELPER_TIMEOUT)
                if not all(_in_disk_cache(fns[k]) for k in theirs):
                    _helper_state["off"] = True   # it cannot help this process
        except KeyboardInterrupt:
            if helper is not None and helper.poll() is None:
                helper.kill()
            raise
        except subprocess.TimeoutExpired:
            helper.kill()
            _helper_state["off"] = True
        finally:
            if helper is not None:
                try:   # let it finish writing the disk cache (it also may have been killed)
                    helper.wait(HELPER_TIMEOUT)
                except subprocess.TimeoutExpired:
                    helper.kill()
                    helper.wait()
        for k in todo:   # the helper's, now from the disk cache (compiled here if it failed)
            if k not in _COMPILED:
                _compile(k, fns[k])


def _compile(key, fn):
    """Compile (or load) ``fn`` = ``_c_callable(key)``, after registering what it calls by
    symbol: the convolution's products (conv.py). Only here, just before, so that a
    process whose helper compiles all of the convolution's passes (a net with other layer
    types too) does not compile the products as well: it loads them after the helper."""
    if key[0] == CONV:
        conv.register_products()
    fn.compile()
    _COMPILED[key] = fn


def compile_for(kernel, *args):
    """Compile ``kernel`` (a Numba dispatcher) for these arguments, without running it."""
    kernel.compile(tuple(typeof(a, Purpose.argument) for a in args))


def family(table: np.ndarray, passes=(), meanwhile=None):
    """The family marker the drivers take first: ``DenseOnly()`` for an all-dense network,
    otherwise ``AnyLayers`` holding the addresses of the ``passes`` (names from
    :data:`PASSES`) of the layer types ``table`` has; every other entry is 0.

    ``meanwhile(marker)``, if given, runs while a helper process compiles some of the
    passes (:func:`compile_passes`), on a marker whose addresses are not all there yet: to
    compile the driver that will take it (its type is final; :func:`compile_for`), never
    to run one."""
    key = (table[:, TYPE].tobytes(), passes)
    marker = _FAMILIES.get(key)
    if marker is None:
        if all_dense(table):
            marker = DenseOnly()
        else:
            filled = np.zeros((N_TYPES, len(PASSES)), dtype=np.int64)
            addr = filled.view()
            addr.flags.writeable = False
            marker = AnyLayers(addr)
            if not config.DISABLE_JIT:
                keys = [(int(t), PASSES.index(name)) for t in np.unique(table[:, TYPE])
                        for name in passes]
                compile_passes(keys, None if meanwhile is None else lambda: meanwhile(marker))
                for t, k in keys:
                    filled[t, k] = _COMPILED[(t, k)].address
        _FAMILIES[key] = marker
    return marker


_FAMILIES = {}
