"""The vectorised activations against the scalar ones and against NumPy's tanh."""
import numpy as np
import pytest

from ebtricks._engine import units as A


def grid():
    tiny = np.geomspace(1e-300, 1.0, 3001)
    return np.concatenate([np.linspace(-30, 30, 60001), tiny, -tiny,
                           [0.0, -0.0, 0.625, -0.625, np.nextafter(0.625, 0), 19.0, 19.1, 25.0,
                            np.inf, -np.inf, 1e300, -1e300]])


def scratch(n):
    return np.empty(n), np.empty(n, dtype=np.int64)


@pytest.mark.small
@pytest.mark.parametrize("scale, gain", [(1.0, 1.0), (A.LECUN_S, A.LECUN_A), (-3.0, 0.5)])
def test_tanh_into_matches_numpy_to_a_few_ulps(scale, gain):
    x = grid()
    out = np.empty_like(x)
    A.tanh_into(x, scale, gain, out, *scratch(x.size))
    ref = gain * np.tanh(scale * x)
    rel = np.abs(out - ref) / np.maximum(np.abs(ref), np.finfo(float).tiny)
    assert rel.max() <= 5e-16
    # odd, exactly +-gain once tanh rounds to 1, and signed zeros kept
    np.testing.assert_array_equal(out[x == np.inf], gain * np.sign(scale))
    assert np.signbit(out[np.nonzero(x == 0)[0]]).tolist() == (
        np.signbit(scale * x[x == 0])).tolist()


@pytest.mark.small
def test_tanh_into_keeps_nan_and_works_in_place():
    x = np.array([np.nan, 1.0, -2.0, np.nan, 0.3])
    ref = np.tanh(x)
    A.tanh_into(x, 1.0, 1.0, x, *scratch(x.size))
    np.testing.assert_array_equal(np.isnan(x), np.isnan(ref))
    np.testing.assert_allclose(x[~np.isnan(x)], ref[~np.isnan(ref)], rtol=5e-16)


@pytest.mark.small
@pytest.mark.parametrize("name", sorted(A.CODES))
def test_vector_activations_equal_the_scalar_ones(name):
    code = A.CODES[name]
    y = np.random.default_rng(0).normal(scale=3.0, size=257)
    fy = np.empty_like(y)
    A.act_f_into(code, y, 0.2, fy, *scratch(y.size))
    ref_f = np.array([A.act_f(code, v, 0.2) for v in y])
    np.testing.assert_allclose(fy, ref_f, rtol=1e-15, atol=1e-300)
    d = np.empty_like(y)
    A.act_df_into(code, y, fy, 0.2, d)
    ref_d = np.array([A.act_df_from(code, v, fv, 0.2) for v, fv in zip(y, ref_f)])
    np.testing.assert_allclose(d, ref_d, rtol=1e-13, atol=1e-15)
    # f'' from f (no tanh recomputed) against act_d2f from y alone; near saturation
    # 1 - t^2 cancels, so the absolute tolerance is a few ulps of f'''s scale
    d2 = np.empty_like(y)
    A.act_d2f_into(code, y, fy, 0.2, d2)
    ref_d2 = np.array([A.act_d2f(code, v, 0.2) for v in y])
    np.testing.assert_allclose(d2, ref_d2, rtol=1e-12, atol=1e-14)


@pytest.mark.small
def test_float32_arrays_stay_float32():
    y = np.linspace(-4, 4, 33).astype(np.float32)
    out = np.empty_like(y)
    A.act_f_into(A.LECUN_TANH, y, 0.0, out, *scratch(y.size))
    np.testing.assert_allclose(out, A.LECUN_A * np.tanh(A.LECUN_S * y.astype(float)), rtol=1e-6)


@pytest.mark.small
@pytest.mark.parametrize("name", sorted(A.CODES))
def test_derivatives_equal_autograd(name):
    """f' and f'', scalar and over a layer, against autograd applied to the reference's
    definition of f (tests/reference.py, no code shared with the package)."""
    import warnings

    from autograd import elementwise_grad

    import reference

    code, a = A.CODES[name], 0.2
    y = np.random.default_rng(1).normal(scale=3.0, size=257)
    f = lambda x: reference.activation(name, x, a)   # noqa: E731
    with warnings.catch_warnings():    # identity's f'' "does not depend on the input"
        warnings.simplefilter("ignore")
        d1_ref = elementwise_grad(f)(y)
        d2_ref = elementwise_grad(elementwise_grad(f))(y)
    fy = np.empty_like(y)
    A.act_f_into(code, y, a, fy, *scratch(y.size))
    d1, d2 = np.empty_like(y), np.empty_like(y)
    A.act_df_into(code, y, fy, a, d1)
    A.act_d2f_into(code, y, fy, a, d2)
    g1, g2 = np.empty_like(y), np.empty_like(y)
    A.derivatives_from(code, y, fy, a, g1, g2)
    scalar1 = np.array([A.act_df(code, v, a) for v in y])
    scalar2 = np.array([A.act_d2f(code, v, a) for v in y])
    for got in (d1, g1, scalar1):
        np.testing.assert_allclose(got, d1_ref, rtol=1e-12, atol=1e-14)
    for got in (d2, g2, scalar2):
        np.testing.assert_allclose(got, d2_ref, rtol=1e-11, atol=1e-14)
