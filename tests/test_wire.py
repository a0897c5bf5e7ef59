"""The wire format decodes strictly: declared types only, sizes checked, no pickle."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.checks.trial import received_form
from autograder.sandbox.child import wire


def roundtrip(value, **kw):
    tree, buffers = wire.encode(value, **kw)
    return wire.decode(tree, [bytes(b) for b in buffers])


def test_values_round_trip():
    value = {"a": [1, 2.5, None, True, "s", (np.float32(1.5), np.arange(6).reshape(2, 3))],
             "inf": float("inf"), 3: np.zeros((0, 4), np.float32)}
    back = roundtrip(value)
    assert back["a"][:5] == [1, 2.5, None, True, "s"]
    assert isinstance(back["a"][5], tuple) and back["a"][5][0].dtype == np.float32
    np.testing.assert_array_equal(back["a"][5][1], np.arange(6).reshape(2, 3))
    assert back["inf"] == float("inf") and back[3].shape == (0, 4)


@pytest.mark.parametrize("value", [np.array([1.5, -2.0, 3e300], dtype=">f8"),
                                   np.array([[7, -1]], dtype=">i4"), np.array(0.25, ">f4")])
def test_arrays_in_either_byte_order_keep_their_values(value):
    back = roundtrip(value)
    assert back.dtype == value.dtype.newbyteorder("=") and back.dtype.isnative
    np.testing.assert_array_equal(back, value)


def test_tensors_carry_dtype_device_and_grad_flag():
    t = torch.ones(2, 3, dtype=torch.float64, requires_grad=True)
    back = roundtrip(t)
    assert isinstance(back, wire.TensorData)
    assert back.values.dtype == np.float64 and back.shape == (2, 3)
    assert back.device == "cpu" and back.requires_grad


@pytest.mark.parametrize("value", [object(), np.array(["a"]), {1j}, np.zeros(2, complex)])
def test_unsupported_values_are_refused(value):
    with pytest.raises(wire.WireError):
        wire.encode(value)


@pytest.mark.parametrize("tree, buffers, words", [
    ({"$array": 0, "dtype": "float64", "shape": [3], "kind": "numpy"}, [b"\0" * 8], "byte count"),
    ({"$array": 0, "dtype": "object", "shape": [1], "kind": "numpy"}, [b"\0" * 8], "not allowed"),
    ({"$array": 1, "dtype": "int8", "shape": [1], "kind": "numpy"}, [b"\0"], "missing buffer"),
    ({"$array": 0, "dtype": "int8", "shape": [-1], "kind": "numpy"}, [b"\0"], "shape"),
    ({"$pickle": "gASV"}, [], "unknown value tag"),
    ({"$rng": 1}, [], "unexpected $rng"),
    ({"$float": "1e999"}, [], "malformed float"),
])
def test_malformed_values_are_refused(tree, buffers, words):
    with pytest.raises(wire.WireError, match=words.replace("$", r"\$")):
        wire.decode(tree, buffers)


def test_deep_nesting_and_size_limits():
    deep = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.encode(deep)
    limits = wire.Limits(max_array_bytes=64)
    with pytest.raises(wire.WireError, match="over the limit"):
        wire.encode(np.zeros(100), limits=limits)


ARRAYS = hnp.arrays(st.sampled_from(sorted(wire.DTYPES)).flatmap(
    lambda name: st.sampled_from([np.dtype(name), np.dtype(name).newbyteorder()])),
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
GRADER_VALUES = st.one_of(
    ARRAYS, ARRAYS.map(lambda a: a.T), ARRAYS.map(lambda a: a[..., ::-1] if a.ndim else a),
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), st.text(max_size=3),
    st.floats(width=32).map(np.float32), st.floats().map(np.float64))


@given(GRADER_VALUES)
def test_a_grader_side_value_looks_as_it_would_after_the_wire(value):
    try:
        through_wire = roundtrip(value)
    except wire.WireError:
        through_wire = value
    seen = received_form(value)
    assert type(seen) is type(through_wire)
    if isinstance(seen, np.ndarray):
        assert (seen.dtype, seen.shape, seen.tobytes()) == (
            through_wire.dtype, through_wire.shape, through_wire.tobytes())
        assert seen.flags.c_contiguous and seen.flags.writeable
    else:
        assert repr(seen) == repr(through_wire)
