"""The contract's tolerance rule, as ``find_mismatch`` applies it to float arrays: each
value within atol + rtol * |expected| of the expected one, NaN where NaN is expected, the
same infinity where one is expected; anything else (a NaN or inf received where a finite
value is expected) differs."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.checks.compare import find_mismatch, tolerance


def values(dtype):
    largest = float(np.finfo(dtype).max)
    specials = (np.nan, np.inf, -np.inf, 0.0, -0.0, largest, -largest)
    width = 32 if dtype == np.float32 else 64
    return st.one_of(st.sampled_from(specials), st.floats(-1e6, 1e6, width=width))


@st.composite
def array_pairs(draw):
    """An expected array and a received one near it, equal to it, or far from it."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4))
    want = draw(hnp.arrays(dtype, shape, elements=values(dtype)))
    nudge = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from(
        [0.0, 1e-12, -1e-9, 1e-7, 1e-5, 1e-3, 1.0])))
    with np.errstate(all="ignore"):
        got = (want.astype(np.float64) * (1 + nudge) + nudge).astype(dtype)
    replaced = draw(hnp.arrays(bool, shape))
    return np.where(replaced, draw(hnp.arrays(dtype, shape, elements=values(dtype))), got), want


def within_contract(got: np.ndarray, want: np.ndarray) -> bool:
    rtol, atol = tolerance(want.dtype)
    g, w = got.astype(np.float64).ravel(), want.astype(np.float64).ravel()
    for x, y in zip(g, w, strict=True):
        if np.isnan(y) or np.isinf(y):
            if not ((np.isnan(x) and np.isnan(y)) or x == y):
                return False
        elif not (np.isfinite(x) and abs(x - y) <= atol + rtol * abs(y)):
            return False
    return True


@given(array_pairs())
def test_float_arrays_match_exactly_when_every_value_is_within_the_contract(pair):
    got, want = pair
    with np.errstate(all="ignore"):
        assert (find_mismatch(got, want, "the result") is None) == within_contract(got, want)


def test_a_received_nan_or_inf_where_a_finite_value_is_expected_differs():
    want = np.array([1.0, 2.0])
    for bad in (np.nan, np.inf, -np.inf):
        assert "differs at index (1,)" in find_mismatch(np.array([1.0, bad]), want, "r")
    assert find_mismatch(np.array([np.nan, -np.inf]), np.array([np.nan, -np.inf]), "r") is None
    assert find_mismatch(np.array([5.0]), np.array([np.inf]), "r") is not None
