"""Public checks of a1-activations: hand-computed values, shapes and dtypes, and
invariants (symmetry, range, finite differences). No reference needed."""

import math

import numpy as np
from hypothesis import strategies as st

from ...checks import CheckList
from ...checks.strategies import float_arrays

CHECKS = CheckList(hidden=False)

LN3 = math.log(3.0)
KNOWN = {  # z -> (sigmoid(z), sigmoid'(z)), worked by hand: s(ln 3) = 3/4
    0.0: (0.5, 0.25),
    LN3: (0.75, 0.1875),
    -LN3: (0.25, 0.1875),
    math.inf: (1.0, 0.0),
    -math.inf: (0.0, 0.0),
}


def exact(function: str, z: np.ndarray) -> np.ndarray:
    """The contract's formula in float64, stable for large |z|."""
    z = np.asarray(z, dtype=np.float64)
    s = np.exp(-np.logaddexp(0.0, -z))
    return s if function == "sigmoid" else s * (1.0 - s)


for _function, _column in (("sigmoid", 0), ("sigmoid_derivative", 1)):

    @CHECKS.add(_function, "known-values", rule="worked values: s(0) = 1/2, s(ln 3) = 3/4, "
                "s'(0) = 1/4, s'(ln 3) = 3/16; at +inf and -inf s is 1 and 0 and s' is 0")
    def known_values(t, column=_column):
        for dtype in (np.float64, np.float32):
            z = np.array(list(KNOWN), dtype=dtype)
            want = np.array([v[column] for v in KNOWN.values()], dtype=dtype)
            t.expect(t.call(z), want)

    @CHECKS.add(_function, "keeps-shape-and-dtype", rule="the result has the shape and dtype "
                "of z; a 0-d array may come back as a numpy scalar; a Python float as a float")
    def keeps_shape_and_dtype(t, function=_function):
        for z in (np.zeros((2, 3), np.float32), np.full((4, 1, 2), 0.5),
                  np.array(1.5, np.float32), np.zeros((0, 3)), np.array(-2.0)):
            t.expect(t.call(z), exact(function, z).astype(z.dtype))
        received = t.call(0.5)
        if isinstance(received, np.ndarray) and received.shape == () and \
                received.dtype == np.float64:
            received = float(received)
        t.expect(received, float(exact(function, 0.5)))


@CHECKS.add("sigmoid", "symmetry-and-range", rule="s(-z) = 1 - s(z) and 0 <= s(z) <= 1")
def sigmoid_symmetry(t):
    @t.for_all(z=float_arrays(dtype=np.float64, low=-50, high=50, min_side=1))
    def prop(z):
        pos, neg = t.call(z), t.call(-z)
        t.expect(np.asarray(neg), (1.0 - np.asarray(pos)).astype(np.float64),
                 what="s(-z) compared with 1 - s(z)")
        if np.any(np.asarray(pos) < 0) or np.any(np.asarray(pos) > 1):
            t.fail("s(z) must lie in [0, 1]")


@CHECKS.add("sigmoid_derivative", "finite-differences",
            rule="s'(z) agrees with the centred difference (s(z + h) - s(z - h)) / 2h")
def derivative_finite_differences(t):
    h = 1e-5

    @t.for_all(z=st.lists(st.floats(-20, 20), min_size=1, max_size=8).map(np.array))
    def prop(z):
        numeric = (exact("sigmoid", z + h) - exact("sigmoid", z - h)) / (2 * h)
        got = np.asarray(t.call(z), dtype=np.float64)
        if got.shape != z.shape or np.max(np.abs(got - numeric)) > 1e-8:
            t.fail("s'(z) does not match the centred finite difference of s",
                   expected=np.array2string(numeric, precision=10),
                   received=np.array2string(got, precision=10))
