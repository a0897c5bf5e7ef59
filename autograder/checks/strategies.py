"""Hypothesis strategies shared by the exercises' checks.

Inputs are drawn small (so that a failure shrinks to something readable) but cover
the corners the contract names: 0-d and empty arrays, both float dtypes, extreme
magnitudes.

Strategies are built once per set of arguments and reused (``functools.cache``): a new
strategy object is validated by hypothesis on its first draw, and strategies built inside a
composite, per drawn shape or dtype, cost more than the drawing itself on the failing
path, where hypothesis runs hundreds of shrinking steps.
"""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

FLOAT_DTYPES = (np.float32, np.float64)


@functools.cache
def float_dtypes():
    return st.sampled_from(FLOAT_DTYPES).map(np.dtype)


@functools.cache
def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 5):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


@functools.cache
def float_arrays(*, dtype=None, shape=None, low: float = -10.0, high: float = 10.0,
                 min_dims: int = 0, max_dims: int = 3, min_side: int = 0):
    """Finite float arrays whose values lie in [low, high] (any shape, 0-d included)."""

    @st.composite
    def draw(draw_):
        dt = draw_(float_dtypes()) if dtype is None else np.dtype(dtype)
        shp = draw_(shapes(min_dims, max_dims, min_side)) if shape is None else draw_(shape)
        return draw_(fixed_shape_arrays(dt, shp, finite_floats(low, high, dt)))

    return draw()


def seeds():
    return st.integers(0, 2**32 - 1)


@functools.cache
def finite_floats(low: float, high: float, dtype: np.dtype):
    """Finite, normal floats of ``dtype``'s width in [low, high]."""
    return st.floats(low, high, width=32 if dtype == np.float32 else 64, allow_nan=False,
                     allow_infinity=False, allow_subnormal=False)


@functools.lru_cache(maxsize=4096)
def fixed_shape_arrays(dtype: np.dtype, shape: tuple, elements):
    """Arrays of one dtype and shape (the shape drawn before, inside a composite)."""
    return hnp.arrays(dtype, shape, elements=elements)
