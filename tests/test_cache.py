"""Numba's disk cache never serves stale kernels: a change to a kernel in one file reaches
its callers in other files the next time the package is imported (ebtricks/_cache.py).

Numba alone keys each cached kernel on its own file only, so ``caller`` below would keep
the old ``callee``; the test adds two tiny kernel modules to a copy of the package so that
it compiles in seconds."""
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

CALLEE = ("from numba import njit\n\n\n@njit(cache=True)\ndef callee(x):\n"
          "    return x + {k}.0\n")
CALLER = ("from numba import njit\n\nfrom ._probe_callee import callee\n\n\n"
          "@njit(cache=True)\ndef caller(x):\n    return 2.0 * callee(x)\n")
PROBE = "import ebtricks\nfrom ebtricks._probe_caller import caller\nprint(caller(1.0))\n"


def _run(parent):
    res = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         cwd=parent, env={"PYTHONPATH": str(parent), "PATH": "/usr/bin"})
    assert res.returncode == 0, res.stderr[-2000:]
    return float(res.stdout.split()[-1])


def test_changing_a_callee_in_another_file_recompiles_its_callers(tmp_path):
    pkg = tmp_path / "ebtricks"
    shutil.copytree(ROOT / "ebtricks", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / "_probe_callee.py").write_text(CALLEE.format(k=1))
    (pkg / "_probe_caller.py").write_text(CALLER)
    assert _run(tmp_path) == 4.0                      # 2 * (1 + 1), now cached on disk
    assert list(pkg.rglob("_probe_caller*.nbi")), "the caller was not cached"
    assert _run(tmp_path) == 4.0                      # loaded from the cache
    (pkg / "_probe_callee.py").write_text(CALLEE.format(k=2))
    assert _run(tmp_path) == 6.0                      # 2 * (1 + 2): the caller saw the change


def test_the_stamp_covers_every_engine_file():
    """layout.py has no kernel, but its column numbers are compiled into every kernel."""
    from ebtricks import _cache
    sources = {p.relative_to(_cache.PACKAGE).as_posix() for p in _cache._kernel_sources()}
    engine = {p.relative_to(_cache.PACKAGE).as_posix()
              for p in (_cache.PACKAGE / "_engine").glob("*.py")}
    assert "_engine/layout.py" in engine
    assert engine <= sources


DENSE_ONLY_PROBE = """
import numpy as np
from numba.core.registry import CPUDispatcher
import ebtricks as eb
from ebtricks._engine import conv, dense, rbf, shared
net = eb.mlp([3, 4, 2], seed=0)
X, D = np.ones((3, 3)), np.ones((3, 2))   # fewer rows than BATCH_MIN: the per-sample driver
net.gradient(X, D)
other = [f"{m.__name__}.{k}" for m in (conv, rbf, shared) for k, f in vars(m).items()
         if isinstance(f, CPUDispatcher) and f.py_func.__module__ == m.__name__
         and f.signatures]   # the module's own kernels (not the units it imports)
print(len(dense.forward.signatures), len(dense.backward.signatures), other)
"""


def test_a_dense_only_net_compiles_no_other_layer_type(tmp_path):
    """Issue #21: the first gradient of a dense-only net, from an empty cache, compiles the
    dense passes and no convolution, shared-weight or RBF pass (the family marker of
    drivers.py). A fresh process with its own empty cache, so that nothing is loaded."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin",
           "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    res = subprocess.run([sys.executable, "-c", DENSE_ONLY_PROBE], capture_output=True,
                         text=True, cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    n_forward, n_backward, other = res.stdout.split(maxsplit=2)
    assert (n_forward, n_backward) == ("1", "1")
    assert other.strip() == "[]", other
    # issue #13: a first use that compiles for more than a second says so, once
    from ebtricks._compiling import MESSAGE
    assert res.stderr.count(MESSAGE) == 1, res.stderr[-2000:]
    # ... and a second process, which loads the kernels from the disk cache, says nothing
    again = subprocess.run([sys.executable, "-c", DENSE_ONLY_PROBE], capture_output=True,
                           text=True, cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr[-2000:]
    assert MESSAGE not in again.stderr


ONLINE_PROBE = """
import numpy as np
import ebtricks as eb
from ebtricks._engine import sgd
rng = np.random.default_rng(0)
X, D = rng.standard_normal((9, 3)), np.sign(rng.standard_normal((9, 2)))
eb.train_sgd(eb.mlp([3, 4, 2], seed=0), X, D, epochs=1, eta=0.1, progress=False)
print([len(f.signatures) for f in (sgd._online_rows_epoch, sgd._block_rows,
                                   sgd._online_weights_epoch, sgd._block2_rows_per_weight)])
"""


def test_plain_online_sgd_compiles_only_its_own_pass_over_the_first_layer(tmp_path):
    """Issue #13: online_dense_epoch is two kernels over one body whose case flag is a
    constant, and Numba drops the other case's branches before typing, so a first plain
    online SGD run (rates constant along W_0's rows) compiles the blocked row pass and not
    the per-weight one, nor the per-weight kernel. A fresh process, empty cache: a kernel
    loaded from a disk cache compiles no callee, and would give [1, 0, 0, 0]."""
    res = subprocess.run([sys.executable, "-c", ONLINE_PROBE], capture_output=True,
                         text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin",
                              "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
                              "EBTRICKS_COMPILE_NOTE": "0"})
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split("\n")[-2] == "[1, 1, 0, 0]", res.stdout


def test_a_mixed_net_gets_only_the_layer_passes_a_call_needs():
    """Issue #13: a network that is not all dense calls its layer passes through their
    addresses (indirect.py), and only the passes a call runs, of the layer types the network
    has, are compiled: a first gradient compiles no R-pass, no diagonal and no RBF pass."""
    import ebtricks as eb
    from ebtricks._engine import indirect, layout
    net = eb.Network([eb.Conv2D(1, 6, 2, kernel=3), eb.Subsample(2, 4, 2), eb.Dense(8, 2)],
                     seed=0)
    fam = indirect.family(net.table, ("forward", "backward"))
    present = {layout.CONV, layout.SHARED, layout.DENSE}
    wanted = {indirect.FORWARD, indirect.BACKWARD}
    for t in range(indirect.N_TYPES):
        for k in range(len(indirect.PASSES)):
            assert (fam.addr[t, k] != 0) == (t in present and k in wanted), (t, k)
    assert isinstance(indirect.family(eb.mlp([3, 2]).table, indirect.PASSES), layout.DenseOnly)


def test_layer_passes_by_address_take_non_contiguous_weights_and_vectors():
    """The passes read arrays through raw pointers, so the engine's door makes the weights
    and the vector of H v C-contiguous: a strided view gives the same numbers."""
    import numpy as np
    import ebtricks as eb
    from ebtricks import curvature as cv
    net = eb.Network([eb.Conv2D(1, 6, 2, kernel=3), eb.Subsample(2, 4, 2), eb.Dense(8, 2)],
                     seed=0)
    rng = np.random.default_rng(0)
    X, D = rng.normal(size=(3, 36)), np.sign(rng.normal(size=(3, 2)))
    v = rng.normal(size=net.n_params)
    strided = np.zeros((net.n_params, 2))
    strided[:, 0] = v
    np.testing.assert_array_equal(cv.hessian_vector_product(net, X, D, strided[:, 0]),
                                  cv.hessian_vector_product(net, X, D, v))
    from ebtricks import _engine
    strided[:, 0] = net.params
    e1, g1 = _engine.gradient(net, strided[:, 0], X, D)
    e2, g2 = _engine.gradient(net, net.params, X, D)
    assert e1 == e2
    np.testing.assert_array_equal(g1, g2)


def test_the_warm_up_groups_cover_every_feature_once():
    """The two-process warm-up of the book build (python -m ebtricks._warmup --jobs 2)
    compiles every feature: its groups hold each feature name exactly once."""
    from ebtricks import _warmup
    names = [name for name, _ in _warmup._features()]
    grouped = [name for group in _warmup.GROUPS for name in group]
    assert sorted(names) == sorted(grouped)
    assert len(set(grouped)) == len(grouped)


@pytest.mark.small
def test_a_helper_process_takes_the_costliest_layer_type():
    """Issue #13: which cold passes of a first call go to the helper process (indirect.py):
    the layer type costing most when another is cold too, all but the first pass when only
    one type is, nothing when fewer than two passes are cold."""
    from ebtricks._engine import indirect as I
    from ebtricks._engine.layout import CONV, DENSE, RBF, SHARED
    F, B, RF, RB = I.FORWARD, I.BACKWARD, I.R_FORWARD, I.R_BACKWARD
    cold = [(DENSE, F), (DENSE, B), (SHARED, F), (SHARED, B), (CONV, F), (CONV, B)]
    assert I.helper_share(cold) == [(CONV, F), (CONV, B)]
    assert I.helper_share([(DENSE, F), (DENSE, B), (SHARED, F)]) == [(DENSE, F), (DENSE, B)]
    assert I.helper_share([(DENSE, RF), (RBF, RF), (RBF, RB)]) == [(RBF, RF), (RBF, RB)]
    assert I.helper_share([(CONV, F), (CONV, RF), (CONV, RB)]) == [(CONV, RF), (CONV, RB)]
    assert I.helper_share([(CONV, F)]) == []
    assert I.helper_share([]) == []


TWO_CORES_PROBE = """
import sys
import numpy as np
import ebtricks as eb
from ebtricks._engine import indirect
if len(sys.argv) > 1:
    sys.executable = sys.argv[1]     # what the helper process runs
net = eb.Network([eb.Conv2D(1, 6, 2, kernel=3), eb.Subsample(2, 4, 2), eb.Dense(8, 2)],
                 seed=0)
rng = np.random.default_rng(0)
X, D = rng.normal(size=(5, 36)), np.sign(rng.normal(size=(5, 2)))
two = indirect._two_cores()
e, g = net.gradient(X, D)
cold_after = [k for k in indirect._COMPILED
              if not indirect._in_disk_cache(indirect._c_callable(k))]
# the helper's passes were loaded from the disk cache here, not compiled again
loaded = all(indirect._COMPILED[k]._cache_hits == 1 for k in indirect.last_helper["passes"])
from ebtricks._engine import drivers
print(two, indirect.last_helper["passes"], indirect.last_helper["returncode"], cold_after,
      loaded, len(drivers.batch_loss_grad.overloads), np.r_[e, g].tobytes().hex(), sep=";")
"""


def _first_gradient(tmp_path, *argv):
    """A convolutional net's first gradient in a new process with an empty disk cache."""
    tmp_path.mkdir()
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
           "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "EBTRICKS_COMPILE_NOTE": "0"}
    res = subprocess.run([sys.executable, "-c", TWO_CORES_PROBE, *argv], capture_output=True,
                         text=True, cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    two, passes, code, cold_after, loaded, n_drivers, values = (
        res.stdout.strip().splitlines()[-1].split(";"))
    assert n_drivers == "1"   # the driver compiled once, while the helper ran or after
    return two == "True", passes, code, cold_after, loaded == "True", values


def test_a_first_call_compiles_its_layer_passes_on_two_cores(tmp_path):
    """Issue #13: from an empty cache, a convolutional net's first gradient hands the
    convolution's passes to a helper process on the second core (when there is one), and
    every pass then sits in the disk cache. If the helper fails (here it runs `false`),
    this process compiles its passes itself. The gradient is bit for bit the same either
    way (both compiled from nothing), and agrees with this process's to rounding (whose
    kernels, compiled in another order, may differ in the last bit)."""
    import numpy as np
    import ebtricks as eb
    from ebtricks._engine import indirect
    from ebtricks._engine.layout import CONV
    two, passes, code, cold_after, loaded, values = _first_gradient(tmp_path / "helper")
    if two:
        assert passes == str([(CONV, indirect.FORWARD), (CONV, indirect.BACKWARD)])
        assert code == "0"
    else:
        assert passes == "[]"
    assert cold_after == "[]"
    assert loaded
    net = eb.Network([eb.Conv2D(1, 6, 2, kernel=3), eb.Subsample(2, 4, 2), eb.Dense(8, 2)],
                     seed=0)
    rng = np.random.default_rng(0)
    X, D = rng.normal(size=(5, 36)), np.sign(rng.normal(size=(5, 2)))
    e, g = net.gradient(X, D)
    np.testing.assert_allclose(np.frombuffer(bytes.fromhex(values)), np.r_[e, g],
                               rtol=1e-12, atol=1e-15)
    false = shutil.which("false")
    if false is None:
        pytest.skip("no `false` program")
    two, _, code, cold_after, _, values_here = _first_gradient(tmp_path / "failed", false)
    if two:
        assert code == "1"
    assert cold_after == "[]"
    assert values_here == values


@pytest.mark.small
def test_the_faster_flag_comparison_agrees_with_numbas_and_is_undone_after_a_compile():
    """Issue #13: while ebtricks compiles, Numba's compile flags compare through
    _compiling._FastFlags, which must give what Numba's own __eq__ and __hash__ give, on
    flags set in any way; and Numba's own methods are back once the compile ends."""
    import random
    from numba.core.compiler import Flags
    from numba.core.targetconfig import TargetConfig
    from ebtricks import _compiling
    fast = _compiling._FLAGS
    assert fast is not None and fast.usable
    rng = random.Random(0)
    names = [n for n, o in Flags.options.items() if o.type is bool][:12]
    assert len(names) >= 6
    flags = []
    for _ in range(40):
        f = Flags()
        for n in rng.sample(names, rng.randint(0, 4)):
            setattr(f, n, rng.random() < 0.5)   # sometimes set to the default value
        flags.append(f)
    flags += [Flags(), flags[3].copy()]
    for a in flags:
        assert fast.hash(a) == fast.orig_hash(a)
        for b in flags:
            assert fast.eq(a, b) == fast.orig_eq(a, b)
    assert any(fast.eq(a, b) for a in flags for b in flags if a is not b)
    assert not all(fast.eq(a, b) for a in flags for b in flags)
    # non-boolean options, and keys a class does not know (a config copied from a subclass)
    g, h = Flags(), Flags()
    g.fastmath = {"reassoc", "contract"}
    h.fastmath = {"contract", "reassoc"}

    class MoreFlags(Flags):
        extra = Flags.options["nrt"].__class__(type=bool, default=False, doc="")

    m = MoreFlags()
    m.extra = True
    copied = Flags(m)
    for a in (g, h, copied, Flags()):
        for b in (g, h, copied, Flags(), flags[0]):
            assert fast.eq(a, b) == fast.orig_eq(a, b)
    # installed only inside a compile of ebtricks, where == and hash() use it
    assert TargetConfig.__eq__ is fast.orig_eq
    with _compiling.compiling():
        assert TargetConfig.__eq__ is not fast.orig_eq
        assert [a == b for a in flags for b in flags] == [fast.orig_eq(a, b) for a in flags
                                                          for b in flags]
        assert {hash(a) for a in flags} == {fast.orig_hash(flags[0])}
        with _compiling.compiling():
            pass
        assert TargetConfig.__eq__ is not fast.orig_eq
    assert TargetConfig.__eq__ is fast.orig_eq and TargetConfig.__hash__ is fast.orig_hash
    # ... and Numba's are back after an error inside a compile
    with pytest.raises(ZeroDivisionError):
        with _compiling.compiling():
            1 / 0
    assert TargetConfig.__eq__ is fast.orig_eq and TargetConfig.__hash__ is fast.orig_hash


def test_convolution_passes_call_the_two_products_by_symbol():
    """Issue #13: the convolution's passes call its two matrix products through an external
    symbol (conv.register_products), so no pass links and re-optimises their code; the
    products still compute Y += A B^T and Y += A B, from compiled code and from Python."""
    import numpy as np
    from numba import njit
    from ebtricks._engine import conv, indirect, layout
    from numba.core.ccallback import CFunc
    conv.register_products()
    # compiled here, not loaded from the disk cache (which keeps no IR to inspect)
    fn = CFunc(indirect.conv_backward, indirect._SIGNATURE, locals={},
               options=indirect._FLAGS[layout.CONV])
    fn.compile()
    ir = fn.inspect_llvm()
    for symbol, product in (("ebtricks_conv_mm_dot", "_mm_dot"),
                            ("ebtricks_conv_mm_axpy", "_mm_axpy")):
        assert f"declare void @{symbol}(" in ir
        assert f"conv{len(product)}{product}" not in ir   # no mangled body of the product
    rng = np.random.default_rng(0)
    A, B, BT = rng.standard_normal((5, 7)), rng.standard_normal((7, 3)), rng.standard_normal((3, 7))

    @njit
    def both(A, B, BT, Y1, Y2):
        conv.mm_axpy(A, B, Y1)
        conv.mm_dot(A, BT, Y2)

    Y1, Y2 = np.ones((5, 3)), np.ones((5, 3))
    both(A, B, BT, Y1, Y2)
    np.testing.assert_allclose(Y1, 1 + A @ B, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(Y2, 1 + A @ BT.T, rtol=1e-13, atol=1e-13)
    Z = np.ones((5, 3))
    conv.mm_axpy(A, B, Z)
    np.testing.assert_allclose(Z, Y1, rtol=1e-13, atol=1e-13)
    from numba.core.errors import TypingError
    with pytest.raises(TypingError, match="C-contiguous"):
        both(A[:, ::2], B[::2], BT[:, ::2], Y1, Y2)   # strided views: refused when typed


LOADS_A_PRODUCT_CALLER = """
import sys
import numpy as np
from ebtricks._engine import conv
A, P = np.ones((2, 3)), np.ones((3, 4))
Y = np.zeros((2, 4))
conv._times_patches(A, P, Y, True)         # calls the products by symbol
print(sum(conv._times_patches.stats.cache_hits.values()), Y[0, 0])
"""


def test_a_kernel_calling_the_products_loads_from_the_cache_in_a_fresh_process(tmp_path):
    """A kernel whose machine code calls the products by symbol, loaded from the disk cache
    by a process that has not registered them yet (here, called straight from Python):
    the products are registered first (conv._register_before_loading), else the process
    would die when LLVM cannot resolve the symbol."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin", "EBTRICKS_COMPILE_NOTE": "0",
           "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", LOADS_A_PRODUCT_CALLER], capture_output=True,
                           text=True, cwd=tmp_path, env=env) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
    compiled, loaded = (run.stdout.split() for run in runs)
    assert compiled == ["0", "3.0"] and loaded == ["1", "3.0"]   # compiled, then loaded
