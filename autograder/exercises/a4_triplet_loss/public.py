"""Public checks of a4-triplet-loss: values and gradients worked by hand, the reductions, the
error for an unknown reduction, the analytic gradient of the triplet loss, and the connected
zero of a batch without a valid anchor. No reference needed."""

import numpy as np
from hypothesis import strategies as st

from ...checks import CheckList
from .support import (
    expect_gradients,
    margin_kwargs,
    margin_value,
    on_device,
    squared_distances,
    student_gradients,
    to_send,
    triplet_batches,
)

CHECKS = CheckList(hidden=False)
DTYPES = (np.float64, np.float32)
INPUTS = ("anchor", "positive", "negative")

# (anchor, positive, negative, margin (None: the default), loss of each row), worked by hand.
# The notebook's example: d(a, p) = 1, 1 and d(a, n) = 4, 1, so the rows lose 0 and 0.2.
NOTEBOOK_TRIPLETS = ([[0, 0], [0, 0]], [[1, 0], [1, 0]], [[0, 2], [0, 1]], None, [0.0, 0.2])
# d(a, p) = 1, 2, 3 and d(a, n) = 1, 4, 0; margin 1: 1 - 1 + 1 = 1, 2 - 4 + 1 < 0, 3 - 0 + 1 = 4.
# Its second row is easy only with squared distances (sqrt 2 - 2 + 1 > 0).
THREE_D_TRIPLETS = ([[1, 2, 3], [0, 0, 0], [1, 1, 1]], [[1, 2, 4], [1, 1, 0], [2, 2, 2]],
                    [[2, 2, 3], [2, 0, 0], [1, 1, 1]], 1.0, [1.0, 0.0, 4.0])
TRIPLET_EXAMPLES = (NOTEBOOK_TRIPLETS, THREE_D_TRIPLETS)


def reduce(losses, reduction):
    """The reduction, worked on the hand-computed losses."""
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](losses)


@CHECKS.add("triplet_loss", "worked-examples", weight=2,
            rule="loss_i = max(d(a_i, p_i) - d(a_i, n_i) + margin, 0) with squared Euclidean "
            "distances, averaged by default; the default margin is 0.2; a 0-d tensor with "
            "the inputs' dtype and device")
def triplet_worked_examples(t):
    for dtype in DTYPES:
        for anchor, positive, negative, margin, losses in TRIPLET_EXAMPLES:
            arrays = [to_send(x, dtype) for x in (anchor, positive, negative)]
            received = t.call(*arrays, **margin_kwargs(margin))
            t.expect(received, on_device(t, np.mean(losses), dtype))


@CHECKS.add("triplet_loss", "reductions",
            rule='reduction="mean" gives the mean of the loss_i and "sum" their sum (0-d '
            'tensors); "none" gives the [B] tensor of all loss_i')
def triplet_reductions(t):
    for dtype in DTYPES:
        for anchor, positive, negative, margin, losses in TRIPLET_EXAMPLES:
            arrays = [to_send(x, dtype) for x in (anchor, positive, negative)]
            for reduction in ("none", "sum", "mean"):
                received = t.call(*arrays, **margin_kwargs(margin, reduction=reduction))
                t.expect(received, on_device(t, reduce(losses, reduction), dtype),
                         what=f'the result for reduction="{reduction}"')


@CHECKS.add("triplet_loss", "unknown-reduction-raises",
            rule='a reduction other than "mean", "sum" or "none" (matched exactly: "Mean", '
            '"avg" or None too) raises ValueError')
def triplet_unknown_reduction(t):
    anchor, positive, negative = (to_send(x, np.float32) for x in NOTEBOOK_TRIPLETS[:3])
    for reduction in ("avg", "max", "Mean", "NONE", "", None):
        t.expect_raises("ValueError", anchor, positive, negative, reduction=reduction)


@CHECKS.add("triplet_loss", "analytic-gradients", weight=2,
            rule="differentiable with autograd: on a triplet with a positive loss, "
            "d loss_i / d a_i = 2 (n_i - p_i), d / d p_i = 2 (p_i - a_i) and "
            "d / d n_i = 2 (a_i - n_i), times 1/B for the mean; 0 on a triplet with loss 0")
def triplet_analytic_gradients(t):
    @t.for_all(batch=triplet_batches(max_batch=5, max_dim=3),
               reduction=st.sampled_from(("mean", "sum")), max_examples=25)
    def prop(batch, reduction):
        anchor, positive, negative, margin = batch
        z = (squared_distances(anchor, positive) - squared_distances(anchor, negative)
             + margin_value(margin))
        weight = (z > 0) / (len(z) if reduction == "mean" else 1)
        expected = [2 * (negative - positive), 2 * (positive - anchor), 2 * (anchor - negative)]
        expected = [on_device(t, g * weight[:, None], anchor.dtype) for g in expected]
        _, grads = student_gradients(t, (anchor, positive, negative),
                                     margin_kwargs(margin, reduction=reduction), [0, 1, 2])
        expect_gradients(t, grads, expected, INPUTS)


# ---------------------------------------------------------------- batch_hard_triplet_loss

# (embeddings, labels, margin, loss, gradient), worked by hand.
# The notebook's example: anchors 0-3 lose 1.95, 3.95, 12.2 and 3.45 (hardest pairs (1, 2),
# (0, 2), (3, 1), (2, 1)); anchor 4 has no positive and is left out. Each active anchor i with
# hardest positive j and negative k adds 2(k - j), -2(i - j) and 2(i - k) to the gradients of
# e_i, e_j and e_k (over 4 anchors).
NOTEBOOK_BATCH = ([[0], [2], [1.5], [5], [10]], [0, 0, 1, 1, 2], None, 5.3875,
                  [[-1.25], [3.0], [-3.75], [2.0], [0.0]])
# The same with margin 1 (every loss 0.8 larger), and shuffled with other person ids.
NOTEBOOK_MARGIN_1 = (*NOTEBOOK_BATCH[:2], 1.0, 6.1875, NOTEBOOK_BATCH[4])
NOTEBOOK_SHUFFLED = ([[10], [1.5], [0], [5], [2]], [9, 4, 7, 4, 7], None, 5.3875,
                     [[0.0], [-3.75], [-1.25], [2.0], [3.0]])
# d01 = 9, d02 = 16, d03 = 100, d12 = 25, d13 = 73, d23 = 52. Only anchor 2 is hard:
# 52 - 16 + 0.2 = 36.2; anchors 0, 1, 3 lose 0 and still count: 36.2 / 4 = 9.05.
EASY_ANCHORS = ([[0, 0], [3, 0], [0, 4], [6, 8]], [0, 0, 1, 1], None, 9.05,
                [[0, 2], [0, 0], [-3, -4], [3, 2]])
# Images 0 and 1 are the same point: each is the other's positive at distance 0, so both
# lose 0 - 0.0625 + 0.2 = 0.1375; image 2 has no positive. Its gradient is not graded: the
# hardest negative ties with entries a correct submission may hide by adding the largest
# distance, which could send the gradient elsewhere.
DUPLICATE_POINT = ([[0, 0], [0, 0], [0.25, 0]], [5, 5, 2], None, 0.1375, None)
# Three images of each person: 0, 1, 3 for person 3 and 4, 6, 10 for person 8, shuffled.
# Anchors at 3, 4 and 6 lose 9 - 1 + 0.2 = 8.2, 36 - 1 + 0.2 = 35.2 and 16 - 9 + 0.2 = 7.2
# (hardest pairs (0, 4), (10, 3) and (10, 3)); the others lose 0: 50.6 / 6.
THREE_EACH = ([[6], [0], [10], [3], [1], [4]], [8, 3, 8, 3, 3, 8], None, 50.6 / 6,
              [[-7 / 3], [-1], [10 / 3], [8 / 3], [0], [-8 / 3]])
GRADIENT_EXAMPLES = (NOTEBOOK_BATCH, NOTEBOOK_MARGIN_1, NOTEBOOK_SHUFFLED, EASY_ANCHORS,
                     THREE_EACH)
BATCH_EXAMPLES = (*GRADIENT_EXAMPLES, DUPLICATE_POINT)

# Batches where no anchor has both a positive and a negative. In the second, every distance is
# below the margin: an anchor counted as its own positive would lose more than 0.
NO_VALID_ANCHOR = (
    ([[0, 0], [1, 0], [0, 2]], [3, 3, 3]),
    ([[0, 0], [0.125, 0], [0, 0.25]], [0, 1, 2]),
    ([[1.5, -2]], [7]),
    ([[0], [1]], [4, 4]),
)


@CHECKS.add("batch_hard_triplet_loss", "worked-examples", weight=2,
            rule="for each anchor, the farthest positive (same label, other index) against "
            "the nearest negative, squared distances; the mean over every anchor with a "
            "positive and a negative, those with loss 0 included; default margin 0.2; a 0-d "
            "tensor with the dtype and device of embeddings")
def batch_worked_examples(t):
    for dtype in DTYPES:
        for embeddings, labels, margin, loss, _ in BATCH_EXAMPLES:
            received = t.call(to_send(embeddings, dtype), to_send(labels, np.int64),
                              **margin_kwargs(margin))
            t.expect(received, on_device(t, loss, dtype))


@CHECKS.add("batch_hard_triplet_loss", "worked-gradients", weight=2,
            rule="differentiable with autograd: each anchor with a positive loss adds "
            "2(e_k - e_j), 2(e_j - e_i) and 2(e_i - e_k) to the gradients of the anchor e_i, "
            "its hardest positive e_j and its hardest negative e_k, divided by the number of "
            "anchors in the mean")
def batch_worked_gradients(t):
    for dtype in DTYPES:
        for embeddings, labels, margin, _, gradient in GRADIENT_EXAMPLES:
            _, grads = student_gradients(
                t, (np.array(embeddings, dtype), np.array(labels, np.int64)),
                margin_kwargs(margin), [0])
            expect_gradients(t, grads, [on_device(t, gradient, dtype)], ["embeddings"])


@CHECKS.add("batch_hard_triplet_loss", "no-valid-anchor", weight=2,
            rule="when no anchor has both a positive and a negative (one label, all labels "
            "different, a single image) the result is a 0-d zero with the dtype and device "
            "of embeddings, still connected to embeddings: its gradient is zero, not None "
            "and not NaN")
def batch_no_valid_anchor(t):
    for dtype in DTYPES:
        for embeddings, labels in NO_VALID_ANCHOR:
            embeddings = np.array(embeddings, dtype)
            value, grads = student_gradients(t, (embeddings, np.array(labels, np.int64)), {},
                                             [0])
            t.expect(value, on_device(t, 0.0, dtype))
            expect_gradients(t, grads, [on_device(t, np.zeros_like(embeddings))],
                             ["embeddings"])
