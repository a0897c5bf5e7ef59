"""Hidden checks of a1-activations: the student's functions against the reference on
random arrays (both dtypes, 0-d and empty included) and at extreme magnitudes."""

import functools

import numpy as np
from hypothesis import strategies as st

from ...checks import CheckList
from ...checks.strategies import fixed_shape_arrays, float_arrays, float_dtypes, shapes

CHECKS = CheckList(hidden=True)

EXTREMES = (1e4, -1e4, 1e3, -1e3, 710.0, -710.0, 100.0, -100.0, 40.0, -40.0, 0.0,
            np.inf, -np.inf)


@functools.cache
def extreme_elements(dtype: np.dtype):
    return st.one_of(st.sampled_from(EXTREMES),
                     st.floats(-1e4, 1e4, width=32 if dtype == np.float32 else 64))


@st.composite
def extreme_arrays(draw):
    """Arrays mixing huge magnitudes, infinities and ordinary values."""
    dtype = draw(float_dtypes())
    shape = draw(shapes(min_dims=0, max_dims=2, min_side=1))
    return draw(fixed_shape_arrays(dtype, shape, extreme_elements(dtype)))


for _function in ("sigmoid", "sigmoid_derivative"):

    @CHECKS.add(_function, "matches-reference", weight=3,
                rule=f"{_function}(z) matches the contract's formula elementwise, within "
                "tolerance, with z's shape and dtype (any shape, 0-d and empty included)")
    def matches_reference(t):
        @t.for_all(z=float_arrays(low=-30, high=30))
        def prop(z):
            t.expect(t.call(z), t.reference()(z.copy()))

    @CHECKS.add(_function, "extreme-values", weight=2,
                rule="finite and within tolerance for every finite z with |z| up to 1e4; "
                "s(+inf) = 1, s(-inf) = 0, s'(+-inf) = 0; NaN or inf results are wrong")
    def extreme_values(t):
        @t.for_all(z=extreme_arrays())
        def prop(z):
            with np.errstate(all="ignore"):
                t.expect(t.call(z), t.reference()(z.copy()))

    @CHECKS.add(_function, "python-float-input",
                rule="a Python float gives a float (or a 0-d float64 array)")
    def python_float(t):
        @t.for_all(z=st.floats(-50, 50), max_examples=10)
        def prop(z):
            received = t.call(z)
            if isinstance(received, np.ndarray) and received.shape == () \
                    and received.dtype == np.float64:
                received = float(received)
            t.expect(received, float(t.reference()(z)))

    @CHECKS.add(_function, "does-not-modify-input",
                rule="z must not be modified in place (and the result must still be right)")
    def unchanged(t):
        @t.for_all(z=float_arrays(low=-30, high=30, min_dims=1, min_side=1), max_examples=10)
        def prop(z):
            t.expect(t.expect_unchanged(z), t.reference()(z.copy()))
