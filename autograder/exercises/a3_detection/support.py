"""Shared by the public and hidden checks of a3-detection: random boxes and YOLO grids that
keep every graded decision clear of rounding, and the reading of results that are indices.

Boxes have corners on a grid of multiples of 1/8, exact in float32, and sides of 0 (degenerate:
a line or a point) or at least 1, so every union that is not 0 is at least 1 and an IoU
computed by any correct formula (with or without a tiny epsilon in the denominator) stays
within tolerance. YOLO confidences and probabilities are multiples of 1/8 or 1/1024 in [0, 1]:
their products are exact in float32 and float64 alike, so class scores tie exactly (a tie the
contract defines) or differ by far more than any rounding.

The arrays are drawn by numpy from a seed that hypothesis draws: few choices, so a failing
input shrinks in a few dozen calls instead of hundreds.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from ...checks.compare import kind_of, render
from ...sandbox.child.wire import TensorData

DTYPES = (np.float32, np.float64)


def tensor(values, dtype=np.float64, device="cpu") -> torch.Tensor:
    """A torch tensor of ``values`` (numpy or nested lists) with a numpy dtype."""
    return torch.from_numpy(np.array(values, dtype=dtype)).to(device)


def dtypes():
    return st.sampled_from(DTYPES)


# ---------------------------------------------------------------- boxes and scores


def streams(seed: int, count: int, first: int = 0) -> list[np.random.Generator]:
    """Independent generators, one per array: with n rows drawn from each, the first n - 1 rows
    do not change when n shrinks, so hypothesis shrinks a failing input by dropping boxes."""
    return [np.random.default_rng([seed, first + i]) for i in range(count)]


@st.composite
def random_boxes(draw, min_n: int = 0, max_n: int = 8, span: int = 20):
    """Corner boxes [n, 4] (float64) with corners in [-span, span]. Coordinates are
    multiples of 1/8 (exact in float32); each side is 0 one time in ten (a degenerate box: a
    line or a point), else between 1 and 0.75 * span."""
    n = draw(st.integers(min_n, max_n))
    corner, side, flat = streams(draw(st.integers(0, 1023)), 3)
    corners = corner.integers(-8 * span, 8 * span + 1, (n, 2))
    sides = np.where(flat.integers(0, 10, (n, 2)) == 0, 0, side.integers(8, 6 * span + 1, (n, 2)))
    return np.concatenate([corners, corners + sides], axis=1) / 8.0


def crowded_boxes(seed: int, n: int, crowds: int) -> np.ndarray:
    """Corner boxes [n, 4] (float64) in ``crowds`` crowds: each box is its crowd's box moved by
    up to half its size and scaled by 0.5 to 1.5, so that IoUs within a crowd spread over
    (0, 1) and chains (A overlaps B, B overlaps C, A hardly C) are common. Coordinates are
    multiples of 1/8; each side is 0 one time in ten, else at least 1."""
    place, scale, member, shake, flat = streams(seed, 5)
    centres = place.integers(-160, 161, (crowds, 2)) / 8
    sizes = scale.integers(16, 121, (crowds, 2)) / 8
    crowd = member.integers(0, crowds, n)
    jitter = shake.integers(-8, 9, (n, 4)) / 16
    size = np.round(sizes[crowd] * (1 + jitter[:, 2:]) * 8) / 8
    size = np.where(flat.integers(0, 10, (n, 2)) == 0, 0.0, size)
    low = np.round((centres[crowd] + jitter[:, :2] * sizes[crowd] - size / 2) * 8) / 8
    return np.concatenate([low, low + size], axis=1)


def clear_of(values: np.ndarray, threshold: float, margin: float) -> bool:
    """Whether no value lies within ``margin`` of ``threshold``."""
    return bool(np.all(np.abs(np.asarray(values, dtype=np.float64) - threshold) > margin))


# ---------------------------------------------------------------- YOLO inputs


@st.composite
def yolo_grids(draw, max_side: int = 3, max_anchors: int = 3, max_classes: int = 4):
    """(box_confidence [S, S, A, 1], boxes [S, S, A, 4], box_class_probs [S, S, A, C]).

    Confidences and probabilities are multiples of 1/8 or 1/1024 in [0, 1]; about a third of
    the anchors have a second class whose probability equals their best one (an exact tie).
    """
    s, a = draw(st.integers(1, max_side)), draw(st.integers(1, max_anchors))
    c, resolution = draw(st.integers(1, max_classes)), draw(st.sampled_from((8, 1024)))
    conf, prob, tie, place = streams(draw(st.integers(0, 1023)), 4)
    confidence = conf.integers(0, resolution + 1, (s, s, a, 1)) / resolution
    probs = prob.integers(0, resolution + 1, (s, s, a, c)) / resolution
    lucky, second = tie.integers(0, 3, (s, s, a, 1)) == 0, tie.integers(0, c, (s, s, a, 1))
    tied = lucky & (np.arange(c) == second)
    probs = np.where(tied, probs.max(axis=-1, keepdims=True), probs)
    centres = place.integers(-640, 641, (s, s, a, 2)) / 64
    sizes = place.integers(0, 641, (s, s, a, 2)) / 64
    return confidence, np.concatenate([centres, centres + sizes], axis=-1), probs


# ---------------------------------------------------------------- reading results


def index_list(t, received, n: int) -> list[int]:
    """The indices in an NMS result, after checking it is an int64 vector on the grading
    device with every index in [0, n)."""
    function = t.function
    if not isinstance(received, TensorData):
        t.fail(f"{function} must return a torch tensor of int64 indices, but it returned "
               f"{kind_of(received)}", received=render(received))
    values = received.values
    if values.dtype != np.int64:
        t.fail(f"{function} must return int64 indices, but the tensor has dtype {values.dtype}",
               received=render(received))
    if values.ndim != 1:
        t.fail(f"{function} must return a 1-D tensor of indices, but it has shape "
               f"{tuple(values.shape)}", received=render(received))
    if received.device != "grading":
        t.fail(f"the indices are on {'the CPU' if received.device == 'cpu' else received.device}"
               ", but they must be on the grading device (the device of the inputs): create "
               "new tensors with device=boxes.device", received=render(received))
    if values.size and (values.min() < 0 or values.max() >= n):
        t.fail(f"an index is out of range for {n} boxes", received=render(received))
    return [int(v) for v in values]
