"""Hypothesis strategies shared by the exercises' checks.

Inputs are drawn small (so that a failure shrinks to something readable) but cover
the corners the contract names: 0-d and empty arrays, both float dtypes, extreme
magnitudes.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

FLOAT_DTYPES = (np.float32, np.float64)


def float_dtypes():
    return st.sampled_from(FLOAT_DTYPES).map(np.dtype)


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 5):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def float_arrays(*, dtype=None, shape=None, low: float = -10.0, high: float = 10.0,
                 min_dims: int = 0, max_dims: int = 3, min_side: int = 0):
    """Finite float arrays whose values lie in [low, high] (any shape, 0-d included)."""

    @st.composite
    def draw(draw_):
        dt = draw_(float_dtypes()) if dtype is None else np.dtype(dtype)
        shp = draw_(shapes(min_dims, max_dims, min_side)) if shape is None else draw_(shape)
        elements = st.floats(low, high, width=32 if dt == np.float32 else 64,
                             allow_nan=False, allow_infinity=False, allow_subnormal=False)
        return draw_(hnp.arrays(dt, shp, elements=elements))

    return draw()


def seeds():
    return st.integers(0, 2**32 - 1)
