"""Input checks: the fast finiteness test agrees with np.isfinite everywhere."""
import warnings

import numpy as np
import pytest

from ebtricks._validate import _all_finite, check_array


@pytest.mark.small
@pytest.mark.parametrize("values, expected", [
    ([1.0, -2.0], True), ([1e200, -1e200, 3.0], True), ([1e308] * 4, True),
    ([np.nan, 1.0], False), ([1.0, np.inf], False), ([-np.inf, np.inf], False),
    ([1e200, np.nan], False), ([], True)])
def test_all_finite_agrees_with_isfinite_without_warnings(values, expected):
    arr = np.array(values, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _all_finite(arr) is expected is bool(np.all(np.isfinite(arr)))
        assert _all_finite(arr.reshape(-1, 1)) is expected


@pytest.mark.small
def test_check_array_names_the_argument_with_non_finite_values():
    with pytest.raises(ValueError, match="X contains NaN"):
        check_array("X", np.array([[1.0, np.nan]]))
