"""Compare what a student's function returned with what the contract expects.

Received values are already decoded (plain Python numbers, numpy arrays and
``TensorData``), so nothing here can run student code. Tolerances are the
contract's: float64 rtol=1e-6, atol=1e-9; float32 rtol=1e-4, atol=1e-6; integers
and booleans exactly. Shapes, dtypes and devices exactly.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..sandbox.child.wire import CallbackMarker, Rng, TensorData
from .model import CheckFailure, Later

TOLERANCES = {
    "float64": (1e-6, 1e-9),
    "float32": (1e-4, 1e-6),
    "float16": (1e-2, 1e-3),
}


_tolerances: dict = {}  # by dtype: working out a dtype's name costs more than comparing


def tolerance(dtype) -> tuple[float, float]:
    found = _tolerances.get(dtype)
    if found is None:
        found = _tolerances[dtype] = TOLERANCES.get(np.dtype(dtype).name, (0.0, 0.0))
    return found


# ------------------------------------------------------------------ rendering


def render(value, limit: int = 600) -> str:
    """A short, readable text for a value (arrays summarised, long text cut)."""
    text = _render(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...]"


def _render(value) -> str:
    if isinstance(value, Rng):
        return f"numpy.random.default_rng({value.seed})"
    if isinstance(value, CallbackMarker):
        return value.name
    if isinstance(value, TensorData):
        return (f"tensor({_array_text(value.values)}, dtype={value.values.dtype}, "
                f"device={'the grading device' if value.device == 'grading' else value.device})")
    if isinstance(value, np.ndarray):
        return f"array({_array_text(value)}, dtype={value.dtype})"
    if isinstance(value, np.generic):
        return f"numpy.{type(value).__name__}({value.item()!r})"
    if isinstance(value, tuple):
        inner = ", ".join(_render(v) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return repr(value)
    return repr(value)


def _array_text(arr: np.ndarray) -> str:
    if arr.size == 0:
        return f"[] with shape {arr.shape}"
    text = np.array2string(arr, precision=8, threshold=40, edgeitems=3, separator=", ",
                           max_line_width=100)
    if arr.ndim > 1 or arr.size > 40:
        text += f" (shape {arr.shape})"
    return text


def kind_of(value) -> str:
    if isinstance(value, TensorData):
        return f"a torch tensor of dtype {value.values.dtype}"
    if isinstance(value, np.ndarray):
        return f"a numpy array of dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a numpy scalar of dtype {value.dtype}"
    if value is None:
        return "None"
    return f"a Python {type(value).__name__}"


# ------------------------------------------------------------------ comparison


def expect_match(received, expected, *, what: str = "the result", counterexample=None,
                 check_device: bool = True) -> None:
    """Raise CheckFailure naming the first place where ``received`` breaks ``expected``."""
    problem = find_mismatch(received, expected, what, check_device)
    if problem is not None:
        raise mismatch(problem, received, expected, counterexample)


def mismatch(problem: str, received, expected, counterexample=None) -> CheckFailure:
    """The failure for ``problem``, showing both values (rendered only if it is shown)."""
    return CheckFailure(problem, counterexample=counterexample,
                        expected=Later(lambda: render(expected)),
                        received=Later(lambda: render(received)))


def find_mismatch(received, expected, what: str, check_device: bool = True) -> str | None:
    """The first difference as a sentence, or None when they match."""
    if isinstance(expected, TensorData):
        if not isinstance(received, TensorData):
            return f"{what} should be a torch tensor, but it is {kind_of(received)}"
        if check_device and received.device != expected.device:
            where = "the CPU" if received.device == "cpu" else received.device
            return (f"{what} is on {where}, but it must be on the grading device (the device "
                    f"of the inputs): create new tensors with device=x.device and do not call "
                    f".cpu() or .numpy()")
        return _array_mismatch(received.values, expected.values, what)
    if isinstance(expected, (np.ndarray, np.generic)):
        if not isinstance(received, (np.ndarray, np.generic)):
            return f"{what} should be a numpy array, but it is {kind_of(received)}"
        return _array_mismatch(np.asarray(received), np.asarray(expected), what)
    if isinstance(expected, bool):
        if not isinstance(received, (bool, np.bool_)):
            return f"{what} should be a bool, but it is {kind_of(received)}"
        return None if bool(received) == expected else (
            f"{what} is {received!r}, expected {expected!r}")
    if isinstance(expected, numbers.Integral):
        if isinstance(received, (bool, np.bool_)) or not isinstance(received, numbers.Integral):
            return f"{what} should be an int, but it is {kind_of(received)}"
        return None if int(received) == int(expected) else (
            f"{what} is {int(received)}, expected {int(expected)}")
    if isinstance(expected, numbers.Real):
        if isinstance(received, (bool, np.bool_)) or not isinstance(received, numbers.Real):
            return f"{what} should be a float, but it is {kind_of(received)}"
        return _array_mismatch(np.float64(received), np.float64(expected), what, label=False)
    if isinstance(expected, (tuple, list)):
        if not isinstance(received, (tuple, list)):
            return f"{what} should be a {type(expected).__name__}, but it is {kind_of(received)}"
        if len(received) != len(expected):
            return f"{what} has {len(received)} items, expected {len(expected)}"
        for i, (r, e) in enumerate(zip(received, expected, strict=True)):
            problem = find_mismatch(r, e, f"{what}[{i}]", check_device)
            if problem:
                return problem
        return None
    if isinstance(expected, dict):
        if not isinstance(received, dict):
            return f"{what} should be a dict, but it is {kind_of(received)}"
        if set(received) != set(expected):
            return (f"{what} has keys {sorted(map(str, received))}, expected "
                    f"{sorted(map(str, expected))}")
        for key in expected:
            problem = find_mismatch(received[key], expected[key], f"{what}[{key!r}]",
                                    check_device)
            if problem:
                return problem
        return None
    if expected is None:
        return None if received is None else f"{what} should be None, got {kind_of(received)}"
    if received != expected:
        return f"{what} is {render(received)}, expected {render(expected)}"
    return None


def _array_mismatch(got: np.ndarray, want: np.ndarray, what: str, label: bool = True):
    if label and got.dtype != want.dtype:
        return f"{what} has dtype {got.dtype}, expected {want.dtype} (the dtype must be kept)"
    if got.shape != want.shape:
        return f"{what} has shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    if got.size == 0:
        return None
    rtol, atol = tolerance(want.dtype)
    if want.dtype.kind == "f":
        g, w = got.astype(np.float64, copy=False), want.astype(np.float64, copy=False)
        with np.errstate(invalid="ignore", over="ignore"):
            distance, allowed = np.abs(g - w), atol + rtol * np.abs(w)
            if (distance <= allowed).all() and np.isfinite(w).all():
                return None  # the usual case, decided in fewer steps: all finite and close
            same_special = (np.isnan(g) & np.isnan(w)) | (np.isinf(w) & (g == w))
            excess = distance - allowed
        excess = np.where(same_special, -1.0, np.where(np.isnan(excess), np.inf, excess))
        bad = excess > 0
        if not bad.any():
            return None
        idx = np.unravel_index(int(np.argmax(excess)), got.shape)
        where = f" at index {tuple(int(i) for i in idx)}" if got.ndim else ""
        return (f"{what} differs{where}: expected {w[idx].item()!r}, received {g[idx].item()!r} "
                f"(tolerance rtol={rtol:g}, atol={atol:g}); {int(bad.sum())} of {got.size} "
                f"values differ")
    bad = got != want
    if not bad.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    where = f" at index {idx}" if got.ndim else ""
    return (f"{what} differs{where}: expected {want[idx].item()!r}, received {got[idx].item()!r}; "
            f"{int(bad.sum())} of {got.size} values differ")
