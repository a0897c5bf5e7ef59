"""Shared by the public and hidden checks of a4-triplet-loss: inputs that keep every graded
decision clear of its hinge and of ties, and gradients taken in the student's process.

Coordinates are multiples of 1/16, at most 4 in size. Every squared distance of such points
is exact in float32, whichever correct formula computes it (differences then squares,
``torch.cdist`` squared, or the expansion |x|^2 - 2 x.y + |y|^2), so two correct submissions
can only differ by the rounding of a final square root, a mean or a margin. Hinges are kept
clear by an amount that grows with the distances, which bounds that rounding well inside the
float32 tolerance.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import assume
from hypothesis import strategies as st

from ...checks.compare import find_mismatch, mismatch, tolerance
from ...checks.strategies import float_dtypes, seeds
from ...sandbox.child.wire import TensorData
from ...sandbox.process import StudentError

GRID = 16
MARGINS = (None, 0.1, 0.5, 1.0, 2.0)  # None: leave the argument out (the default, 0.2)
DEFAULT_MARGIN = 0.2
LABEL_IDS = (0, 1, 2, 5, 17, 1000)  # non-contiguous person ids
SPREADS = (2, 8, 32)  # how far (in 1/16) a person's images lie from their centre
TIE_GAP = 1e-3  # distinct grid distances differ by 1/256 at least

NOT_CONNECTED = (
    "the result is not connected to the autograd graph of the inputs, so no gradient can flow "
    "back to them: build it from torch operations on the input tensors (no .item(), .tolist(), "
    ".detach(), numpy, or new tensors made from the values such as torch.tensor(...))")


# ---------------------------------------------------------------- distances and clearances


def squared_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """d(x_i, y_i) for every row, in float64."""
    return ((x.astype(np.float64) - y.astype(np.float64)) ** 2).sum(axis=-1)


def pairwise_squared_distances(x: np.ndarray) -> np.ndarray:
    """The [B, B] matrix of d(x_i, x_j), in float64."""
    x = x.astype(np.float64)
    return ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=-1)


def clear_of_hinge(positive: np.ndarray, negative: np.ndarray, margin: float) -> bool:
    """Every positive - negative + margin is far from 0 compared with the distances, so
    float32 formulas agree on the side of the hinge and on the value within tolerance."""
    z = positive - negative + margin
    return bool(np.all(np.abs(z) >= 0.02 + 0.01 * (positive + negative)))


def margin_value(margin: float | None) -> float:
    return DEFAULT_MARGIN if margin is None else margin


def hardest_pairs(embeddings: np.ndarray, labels: np.ndarray):
    """For each anchor with a positive and a negative: (anchor, positive distances,
    negative distances), in float64."""
    dist = pairwise_squared_distances(embeddings)
    same = labels[:, None] == labels[None, :]
    positive = same & ~np.eye(len(labels), dtype=bool)
    for i in range(len(labels)):
        if positive[i].any() and (~same[i]).any():
            yield i, dist[i, positive[i]], dist[i, ~same[i]]


def batch_hard_is_clear(embeddings: np.ndarray, labels: np.ndarray, margin: float) -> bool:
    """No tie for any anchor's hardest positive or hardest negative, and every anchor's
    loss clear of its hinge.

    The hardest negative is also never the anchor's farthest point: a correct submission may
    hide the other entries of a row by adding the row's (or the batch's) largest distance,
    which would tie a hidden entry with it and send its gradient elsewhere.
    """
    for _, pos, neg in hardest_pairs(embeddings, labels):
        pos, neg = np.sort(pos), np.sort(neg)
        if len(pos) > 1 and pos[-1] - pos[-2] < TIE_GAP:
            return False
        if len(neg) > 1 and neg[1] - neg[0] < TIE_GAP:
            return False
        if neg[0] > max(pos[-1], neg[-1]) - TIE_GAP:
            return False
        if not clear_of_hinge(pos[-1:], neg[:1], margin):
            return False
    return True


# ---------------------------------------------------------------- strategies


def grid_values(rng: np.random.Generator, shape, dtype) -> np.ndarray:
    """Multiples of 1/16 in [-2, 2] (exact in both float dtypes)."""
    return (rng.integers(-2 * GRID, 2 * GRID + 1, size=shape) / GRID).astype(dtype)


@st.composite
def triplet_batches(draw, max_batch: int = 8, max_dim: int = 6):
    """(anchor, positive, negative, margin or None) with every triplet clear of its hinge.

    Values come from a drawn seed: hypothesis still shrinks the batch size, the dimension,
    the dtype and the margin, and the draws stay fast and varied."""
    dtype = draw(float_dtypes())
    shape = (3, draw(st.integers(1, max_batch)), draw(st.integers(1, max_dim)))
    anchor, positive, negative = grid_values(np.random.default_rng(draw(seeds())), shape, dtype)
    margin = draw(st.sampled_from(MARGINS))
    assume(clear_of_hinge(squared_distances(anchor, positive),
                          squared_distances(anchor, negative), margin_value(margin)))
    return anchor, positive, negative, margin


@st.composite
def labelled_batches(draw, max_dim: int = 5, max_people: int = 6, max_images: int = 4):
    """(embeddings, labels, margin or None): 2 to 6 people with 1 to 4 images each (so both
    repeated and singleton labels), shuffled, each person's images spread around a centre
    by a drawn amount (tight clusters give easy anchors, wide ones hard anchors); no tie in
    any hardest positive or negative, every anchor's loss clear of its hinge."""
    dtype = draw(float_dtypes())
    images = draw(st.lists(st.integers(1, max_images), min_size=2, max_size=max_people))
    dim = draw(st.integers(1, max_dim))
    spread = draw(st.sampled_from(SPREADS))
    rng = np.random.default_rng(draw(seeds()))
    people = rng.permutation(len(images)).repeat(images)
    order = rng.permutation(len(people))
    centres = rng.integers(-2 * GRID, 2 * GRID + 1, size=(len(images), dim))
    noise = rng.integers(-spread, spread + 1, size=(len(people), dim))
    embeddings = ((centres[people] + noise) / GRID)[order].astype(dtype)
    labels = np.array(LABEL_IDS)[people][order]
    margin = draw(st.sampled_from(MARGINS))
    assume(batch_hard_is_clear(embeddings, labels, margin_value(margin)))
    return embeddings, labels, margin


def margin_kwargs(margin: float | None, **kwargs) -> dict:
    """Keyword arguments of a call; a margin of None is left out (the default)."""
    return kwargs if margin is None else {"margin": margin, **kwargs}


# ---------------------------------------------------------------- tensors and gradients


def to_send(array, dtype=None, *, requires_grad: bool = False) -> torch.Tensor:
    """A CPU tensor to pass to the student (the child moves it to the grading device)."""
    return torch.from_numpy(np.array(array, dtype=dtype)).requires_grad_(requires_grad)


def on_device(t, array, dtype=None) -> torch.Tensor:
    """A grader-side tensor on the grading device (what expected values must be)."""
    return torch.from_numpy(np.array(array, dtype=dtype)).to(t.device)


def student_gradients(t, args, kwargs, wrt):
    """Call the function under test on numpy ``args`` (sent as tensors, those at ``wrt``
    requiring grad) and return (its scalar result, gradients with respect to the ``wrt``
    inputs). Only scalar results are differentiated: a grad_output costs the child a
    one-time import of about a second (torch's symbolic shapes)."""
    sent = [to_send(a, requires_grad=i in wrt) for i, a in enumerate(args)]
    try:
        outcome = t.invoke(t.function, sent, kwargs,
                           grad={"wrt": list(wrt), "grad_output": None})
    except StudentError as err:
        if err.type_name == "RuntimeError" and err.message.startswith(
                "the result is not connected"):
            t.fail(NOT_CONNECTED)
        if err.type_name == "TypeError" and err.message.startswith(
                "expected a tensor result"):
            t.fail(f"the result must be a torch tensor ({err.message})")
        raise t.raised(err, t.function, sent, kwargs) from None
    return outcome.value, outcome.grads


def reference_gradients(t, args, kwargs, wrt):
    """The reference's result and gradients, on the grading device, as student_gradients."""
    tensors = [on_device(t, a) for a in args]
    for i in wrt:
        tensors[i].requires_grad_(True)
    value = t.reference()(*tensors, **kwargs)
    grads = torch.autograd.grad(value, [tensors[i] for i in wrt])
    return plus_zero(value.detach()), [g.detach() for g in grads]


def plus_zero(value: torch.Tensor) -> torch.Tensor:
    """The reference's connected zero is -0.0 when the embeddings sum to a negative number;
    show it as 0.0 (the comparison treats both alike)."""
    return value + 0.0


def expect_gradients(t, received, expected, names) -> None:
    """Each received gradient must match the expected one (None: input not connected).

    A gradient entry is a sum of terms as large as the tensor's largest entries, and correct
    formulas round those terms differently, so an entry that cancels to about 0 may differ
    from the reference by a rounding error of the large ones: gradients are compared with
    atol + rtol * (the largest |entry| of the expected gradient), the contract's tolerances
    taken relative to the tensor rather than to the entry.
    """
    for name, got, want in zip(names, received, expected, strict=True):
        what = f"the gradient with respect to {name}"
        if got is None:
            t.fail(f"the result is not connected to {name} in the autograd graph (its "
                   f"gradient is None); {NOT_CONNECTED}")
        want = t.expected(want)
        problem = find_mismatch(got, want, what)
        if problem is None:
            continue
        if same_layout(got, want):
            if close_to_scale(got, want):
                continue
            rtol, atol = tolerance(want.dtype)
            problem += (f"; gradients allow a difference of {atol:g} + {rtol:g} * (the "
                        "largest |entry| of the expected gradient)")
        raise mismatch(problem, got, want, t.described_last_call())


def same_layout(got, want: TensorData) -> bool:
    """A tensor on the same device, with the same dtype and shape."""
    return (isinstance(got, TensorData) and got.device == want.device
            and got.dtype == want.dtype and got.shape == want.shape)


def close_to_scale(got: TensorData, want: TensorData) -> bool:
    """Every entry within atol + rtol * max|want|."""
    rtol, atol = tolerance(want.dtype)
    expected = want.values.astype(np.float64)
    scale = np.abs(expected).max(initial=0.0)
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(got.values.astype(np.float64) - expected)
                           <= atol + rtol * scale))
