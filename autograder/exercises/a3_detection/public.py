"""Public checks of a3-detection: worked examples, shapes, dtypes and devices, and the rules of
greedy NMS checked on layouts whose overlaps are known by construction. No reference needed."""

import numpy as np
import torch
from hypothesis import strategies as st

from ...checks import CheckList
from ...checks.compare import kind_of, render
from ...sandbox.child.wire import TensorData
from .layouts import Layout, greedy_problem, layouts
from .support import DTYPES, dtypes, index_list, random_boxes, tensor

CHECKS = CheckList(hidden=False)

# ---------------------------------------------------------------- box_iou

IOU_PAIRS = (  # (box a, box b, IoU): worked by hand
    ([0, 0, 2, 2], [0, 0, 2, 2], 1.0),  # identical
    ([0, 0, 2, 2], [1, 0, 3, 2], 1 / 3),  # half of each: 2 / (4 + 4 - 2)
    ([0, 0, 2, 2], [1, 1, 3, 3], 1 / 7),  # a corner: 1 / (4 + 4 - 1)
    ([0, 0, 4, 4], [1, 1, 3, 3], 1 / 4),  # one inside the other: 4 / 16
    ([0, 0, 4, 1], [1, 0, 2, 3], 1 / 6),  # a cross: 1 / (4 + 3 - 1)
    ([-3, -3, -1, -1], [-2, -2, 0, 0], 1 / 7),  # negative coordinates
    ([0, 0, 1, 1], [1, 0, 2, 1], 0.0),  # sharing an edge only
    ([0, 0, 1, 1], [2, 0, 3, 1], 0.0),  # apart along x, level along y
    ([0, 0, 1, 1], [2, 2, 3, 3], 0.0),  # apart along both axes
)
IOU_MATRIX = (  # boxes1 [2, 4], boxes2 [3, 4], the [2, 3] result
    [[0, 0, 2, 2], [0, 0, 1, 1]],
    [[0, 0, 2, 2], [1, 0, 3, 2], [5, 5, 6, 6]],
    [[1.0, 1 / 3, 0.0], [1 / 4, 0.0, 0.0]],
)
ZERO_UNION = (  # pairs whose IoU is 0: the union is 0, or a degenerate box meets a box
    ([1, 1, 1, 1], [1, 1, 1, 1]),  # the same point
    ([0, 0, 3, 0], [0, 0, 3, 0]),  # the same line
    ([1, 1, 1, 1], [0, 0, 2, 2]),  # a point inside a box
    ([0, 1, 3, 1], [0, 0, 2, 2]),  # a line across a box
)


@CHECKS.add("box_iou", "known-values", weight=2,
            rule="box_iou gives intersection area / union area for every pair (boxes1 along "
            "the rows, boxes2 along the columns), e.g. 1/3 for [0,0,2,2] and [1,0,3,2], 0 for "
            "boxes that are apart or only touch, with the inputs' dtype")
def iou_known_values(t):
    for dtype in DTYPES:
        for a, b, iou in IOU_PAIRS:
            t.expect(t.call(tensor([a], dtype), tensor([b], dtype)),
                     tensor([[iou]], dtype, t.device))
        boxes1, boxes2, want = IOU_MATRIX
        t.expect(t.call(tensor(boxes1, dtype), tensor(boxes2, dtype)),
                 tensor(want, dtype, t.device))


@CHECKS.add("box_iou", "zero-union-is-zero",
            rule="a pair whose union is 0 (two identical points or lines) has IoU 0, never NaN; "
            "a point or a line meeting a box has IoU 0")
def iou_zero_union(t):
    for dtype in DTYPES:
        for a, b in ZERO_UNION:
            t.expect(t.call(tensor([a], dtype), tensor([b], dtype)),
                     tensor([[0.0]], dtype, t.device))
        boxes = [pair[0] for pair in ZERO_UNION] + [[0, 0, 2, 2]]
        want = np.zeros((5, 5))
        want[4, 4] = 1.0
        t.expect(t.call(tensor(boxes, dtype), tensor(boxes, dtype)), tensor(want, dtype, t.device))


@CHECKS.add("box_iou", "empty-inputs",
            rule="N or M may be 0: the result is an empty [N, M] tensor of the inputs' dtype")
def iou_empty(t):
    for dtype in DTYPES:
        for n, m in ((0, 3), (2, 0), (0, 0)):
            boxes1 = np.tile([[0.0, 0.0, 1.0, 1.0]], (n, 1))
            boxes2 = np.tile([[0.5, 0.0, 1.5, 1.0]], (m, 1))
            t.expect(t.call(tensor(boxes1, dtype), tensor(boxes2, dtype)),
                     tensor(np.zeros((n, m)), dtype, t.device))


def iou_matrix(t, boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """The student's [N, M] float64 result, after checking its type and shape."""
    received = t.call(tensor(boxes1), tensor(boxes2))
    shape = (len(boxes1), len(boxes2))
    if not isinstance(received, TensorData) or received.values.shape != shape:
        t.fail(f"box_iou must return a [N, M] = {list(shape)} tensor, but it returned "
               f"{kind_of(received)}", received=render(received))
    return received.values


@CHECKS.add("box_iou", "symmetry-and-range",
            rule="IoU is symmetric (box_iou(b, a) is box_iou(a, b) transposed), lies in [0, 1], "
            "and a box with a positive area has IoU 1 with itself")
def iou_symmetry(t):
    @t.for_all(a=random_boxes(1, 5), b=random_boxes(1, 5), max_examples=20)
    def prop(a, b):
        ab = iou_matrix(t, a, b)
        if np.any(ab < 0) or np.any(ab > 1 + 1e-12) or np.any(np.isnan(ab)):
            t.fail("every IoU must lie in [0, 1]", received=render(ab))
        t.expect(t.call(tensor(b), tensor(a)), torch.from_numpy(ab.T.copy()).to(t.device),
                 what="box_iou(boxes2, boxes1), compared with box_iou(boxes1, boxes2) "
                 "transposed,")
        positive = (a[:, 2] > a[:, 0]) & (a[:, 3] > a[:, 1])
        diagonal = np.diag(iou_matrix(t, a, a)).copy()
        t.expect(diagonal[positive], np.ones(int(positive.sum())),
                 what="the IoU of each box with a positive area with itself")


@CHECKS.add("box_iou", "scale-and-shift-invariance",
            rule="moving every box by the same offset, or scaling all coordinates by the same "
            "factor, leaves every IoU unchanged (areas are (x2 - x1) * (y2 - y1), no +1)")
def iou_invariance(t):
    @t.for_all(a=random_boxes(1, 4), b=random_boxes(1, 4),
               shift=st.tuples(st.integers(-40, 40), st.integers(-40, 40)),
               scale=st.sampled_from((2.0, 3.0, 8.0)), max_examples=20)
    def prop(a, b, shift, scale):
        base = torch.from_numpy(iou_matrix(t, a, b)).to(t.device)
        offset = np.array(shift * 2, dtype=np.float64)
        t.expect(t.call(tensor(a + offset), tensor(b + offset)), base,
                 what="the IoUs of the boxes moved by the same offset")
        t.expect(t.call(tensor(a * scale), tensor(b * scale)), base,
                 what=f"the IoUs of the boxes with every coordinate times {scale}")


# ---------------------------------------------------------------- nms

CHAIN = [[0, 0, 10, 10], [3, 0, 13, 10], [6, 0, 16, 10], [30, 30, 40, 40], [31, 31, 41, 41]]
# IoUs: boxes 0-1 and 1-2: 70/130 = 0.538; 0-2: 40/160 = 0.25; 3-4: 81/119 = 0.681; others 0.
NMS_CASES = (  # (scores, iou_threshold, kept indices), worked by hand
    ([0.6, 0.9, 0.7, 0.8, 0.5], 0.5, [1, 3]),  # 1 removes 0 and 2, 3 removes 4
    ([0.6, 0.9, 0.7, 0.8, 0.5], 0.6, [1, 3, 2, 0]),  # only 3 removes 4
    ([0.9, 0.8, 0.7, 0.5, 0.6], 0.5, [0, 2, 4]),  # 0 removes 1, so 2 survives; 4 removes 3
    ([0.9, 0.8, 0.7, 0.5, 0.6], 0.7, [0, 1, 2, 4, 3]),  # nothing overlaps enough
)


def expect_indices(t, received, want):
    t.expect(received, torch.tensor(want, dtype=torch.int64, device=t.device))


@CHECKS.add("nms", "known-values",
            rule="greedy NMS: keep the highest-scoring remaining box, drop the remaining boxes "
            "whose IoU with it is > iou_threshold, repeat; return the kept indices (int64) in "
            "decreasing order of score")
def nms_known_values(t):
    for dtype in DTYPES:
        for scores, thr, kept in NMS_CASES:
            expect_indices(t, t.call(tensor(CHAIN, dtype), tensor(scores, dtype), thr), kept)


def call_on_layout(t, layout: Layout, dtype, *extra, classes=False):
    args = [tensor(layout.boxes, dtype), tensor(layout.scores, dtype)]
    if classes:
        args.append(torch.from_numpy(layout.classes))
    return t.call(*args, *extra)


def expect_greedy(t, layout: Layout, kept: list[int], **options):
    problem = greedy_problem(layout, kept, **options)
    if problem:
        t.fail(problem, received=f"kept indices {kept}")


@CHECKS.add("nms", "greedy-rules", weight=2,
            rule="the kept boxes come in decreasing order of score, no two of them have IoU > "
            "iou_threshold, and every removed box has IoU > iou_threshold with a kept box of "
            "higher score (these rules single out the greedy NMS answer)")
def nms_greedy_rules(t):
    @t.for_all(layout=layouts(), dtype=dtypes(), max_examples=30)
    def prop(layout, dtype):
        received = call_on_layout(t, layout, dtype, layout.threshold)
        expect_greedy(t, layout, index_list(t, received, len(layout)))


@CHECKS.add("nms", "empty-and-single",
            rule="no boxes give an empty int64 tensor on the input's device; one box is kept; "
            "boxes with no area overlap nothing, so they are all kept")
def nms_small(t):
    for dtype in DTYPES:
        expect_indices(t, t.call(tensor(np.zeros((0, 4)), dtype), tensor([], dtype), 0.5), [])
        expect_indices(t, t.call(tensor([[1, 2, 3, 4]], dtype), tensor([0.3], dtype), 0.5), [0])
        points = [[1, 1, 1, 1]] * 3
        expect_indices(t, t.call(tensor(points, dtype), tensor([0.2, 0.9, 0.5], dtype), 0.3),
                       [1, 2, 0])


# ---------------------------------------------------------------- batched_nms

SAME_BOX = [[0, 0, 10, 10]] * 4


@CHECKS.add("batched_nms", "classes-never-suppress",
            rule="boxes of different classes never suppress each other: identical boxes of "
            "different classes are all kept, in decreasing order of score")
def batched_classes(t):
    cases = (  # (boxes, scores, classes, kept)
        (SAME_BOX[:3], [0.5, 0.9, 0.7], [0, 1, 2], [1, 2, 0]),
        (SAME_BOX, [0.9, 0.8, 0.7, 0.6], [0, 1, 0, 1], [0, 1]),
        (SAME_BOX, [0.6, 0.7, 0.8, 0.9], [5, 2, 5, 0], [3, 2, 1]),
    )
    for dtype in DTYPES:
        for boxes, scores, classes, kept in cases:
            expect_indices(t, t.call(tensor(boxes, dtype), tensor(scores, dtype),
                                     tensor(classes, np.int64), 0.5), kept)


@CHECKS.add("batched_nms", "negative-coordinates",
            rule="coordinates may be negative: classes stay apart however the boxes lie (moving "
            "each class by class * (boxes.max() + 1) does not separate them when coordinates "
            "are negative)")
def batched_negative(t):
    cases = (  # (boxes, scores, classes, kept)
        ([[0, 0, 10, 10], [-11, -11, -1, -1]], [0.9, 0.8], [0, 1], [0, 1]),
        ([[-5, -5, -1, -1], [-5, -5, -1, -1]], [0.4, 0.7], [0, 1], [1, 0]),
        ([[-12, -12, -2, -2], [-11, -11, -3, -3]], [0.9, 0.8], [0, 1], [0, 1]),
    )
    for dtype in DTYPES:
        for boxes, scores, classes, kept in cases:
            expect_indices(t, t.call(tensor(boxes, dtype), tensor(scores, dtype),
                                     tensor(classes, np.int64), 0.5), kept)


@CHECKS.add("batched_nms", "per-class-greedy-rules", weight=2,
            rule="within each class the greedy NMS rules hold (no two kept boxes of a class "
            "have IoU > iou_threshold; every removed box has IoU > iou_threshold with a kept "
            "box of its class and of higher score), and all kept boxes come in decreasing "
            "order of score")
def batched_greedy_rules(t):
    @t.for_all(layout=layouts(n_classes=3), dtype=dtypes(), max_examples=30)
    def prop(layout, dtype):
        received = call_on_layout(t, layout, dtype, layout.threshold, classes=True)
        expect_greedy(t, layout, index_list(t, received, len(layout)))


@CHECKS.add("batched_nms", "empty-input",
            rule="no boxes give an empty int64 tensor on the input's device")
def batched_empty(t):
    for dtype in DTYPES:
        expect_indices(t, t.call(tensor(np.zeros((0, 4)), dtype), tensor([], dtype),
                                 tensor([], np.int64), 0.5), [])


# ---------------------------------------------------------------- yolo_boxes_to_corners

CENTRES = np.array([[2, 3], [0, 0], [-3, 5], [10, -10], [1.5, 0.25]])
SIZES = np.array([[4, 2], [1, 1], [2, 6], [0, 0], [3, 0.5]])
CORNERS = np.array([[0, 2, 4, 4], [-0.5, -0.5, 0.5, 0.5], [-4, 2, -2, 8], [10, -10, 10, -10],
                    [0, 0, 3, 0.5]])  # (x - w/2, y - h/2, x + w/2, y + h/2), by hand


@CHECKS.add("yolo_boxes_to_corners", "known-values", weight=2,
            rule="centre (x, y) and size (w, h) give the corners (x - w/2, y - h/2, x + w/2, "
            "y + h/2), in that order, with the inputs' dtype")
def corners_known_values(t):
    for dtype in DTYPES:
        t.expect(t.call(tensor(CENTRES, dtype), tensor(SIZES, dtype)),
                 tensor(CORNERS, dtype, t.device))


@CHECKS.add("yolo_boxes_to_corners", "any-leading-dims",
            rule="box_xy and box_wh [..., 2] may have any leading dimensions (none, [N], "
            "[S, S, A], empty ones): the result is [..., 4]")
def corners_leading_dims(t):
    rng = np.random.default_rng(t.seed)
    for dtype in DTYPES:
        for lead in ((), (3,), (2, 3), (2, 2, 3), (1, 2, 2, 3), (0,), (2, 0, 3)):
            pick = rng.integers(0, len(CENTRES), size=lead)
            t.expect(t.call(tensor(CENTRES[pick], dtype), tensor(SIZES[pick], dtype)),
                     tensor(CORNERS[pick], dtype, t.device))


# ---------------------------------------------------------------- yolo_filter_boxes

# A 2 x 2 grid with 2 anchors and 3 classes; scores = confidence * probability (exact in binary).
GRID_CONFIDENCE = np.array([1.0, 0.5, 0.75, 0.25, 0.875, 1.0, 0.625, 1.0]).reshape(2, 2, 2, 1)
GRID_PROBS = np.array([
    [0.25, 0.75, 0.0],  # (0,0,0): best 0.75, class 1
    [1.0, 0.0, 0.0],  # (0,0,1): 0.5, class 0
    [0.125, 0.0, 0.875],  # (0,1,0): 0.65625, class 2
    [0.5, 0.5, 0.0],  # (0,1,1): 0.125, a tie: class 0
    [0.0, 1.0, 0.0],  # (1,0,0): 0.875, class 1
    [0.375, 0.25, 0.375],  # (1,0,1): 0.375, a tie: class 0
    [0.5, 0.25, 0.25],  # (1,1,0): 0.3125, class 0
    [0.0625, 0.9375, 0.0],  # (1,1,1): 0.9375, class 1
]).reshape(2, 2, 2, 3)
GRID_BOXES = np.arange(32, dtype=np.float64).reshape(2, 2, 2, 4) * [1, 1, 2, 2]
GRID_KEPT = {  # threshold -> [(anchor in the flattened grid, score, class)], row-major order
    0.6: [(0, 0.75, 1), (2, 0.65625, 2), (4, 0.875, 1), (7, 0.9375, 1)],
    0.4: [(0, 0.75, 1), (1, 0.5, 0), (2, 0.65625, 2), (4, 0.875, 1), (7, 0.9375, 1)],
    0.3: [(0, 0.75, 1), (1, 0.5, 0), (2, 0.65625, 2), (4, 0.875, 1), (5, 0.375, 0),
          (6, 0.3125, 0), (7, 0.9375, 1)],
    0.99: [],
}


def filter_result(t, kept, dtype, boxes=GRID_BOXES):
    """(scores, boxes, classes) of the kept anchors, as the grader expects them."""
    flat = boxes.reshape(-1, 4)
    return (tensor([s for _, s, _ in kept], dtype, t.device),
            tensor(flat[[a for a, _, _ in kept]].reshape(-1, 4), dtype, t.device),
            tensor([c for _, _, c in kept], np.int64, t.device))


def grid_inputs(dtype, confidence=GRID_CONFIDENCE, probs=GRID_PROBS):
    return tensor(confidence, dtype), tensor(GRID_BOXES, dtype), tensor(probs, dtype)


@CHECKS.add("yolo_filter_boxes", "known-values", weight=2,
            rule="box scores are confidence * class probability; each anchor's class is the "
            "argmax and its score the max over classes; the anchors with score >= threshold "
            "come back as (scores [K], boxes [K, 4], classes [K] int64) in row-major grid order")
def filter_known_values(t):
    for dtype in DTYPES:
        for threshold in (0.4, 0.3):
            t.expect(t.call(*grid_inputs(dtype), threshold),
                     filter_result(t, GRID_KEPT[threshold], dtype))


@CHECKS.add("yolo_filter_boxes", "default-threshold",
            rule="the default threshold is 0.6")
def filter_default(t):
    for dtype in DTYPES:
        t.expect(t.call(*grid_inputs(dtype)), filter_result(t, GRID_KEPT[0.6], dtype))


@CHECKS.add("yolo_filter_boxes", "class-ties",
            rule="when several classes share the best score, the class is the lowest of their "
            "indices (as torch.argmax gives)")
def filter_ties(t):
    ties = (  # (class probabilities, best score, class), with a confidence of 1 everywhere
        ([0.75, 0.75, 0.5], 0.75, 0), ([0.25, 0.875, 0.875], 0.875, 1),
        ([0.625, 0.5, 0.625], 0.625, 0), ([0.5, 0.5, 0.5], 0.5, 0), ([0.25, 0.5, 0.5], 0.5, 1),
        ([0.875, 0.0, 0.875], 0.875, 0), ([0.75, 0.75, 0.75], 0.75, 0), ([1.0, 1.0, 0.0], 1.0, 0),
    )
    probs = np.array([p for p, _, _ in ties]).reshape(2, 2, 2, 3)
    kept = [(a, score, c) for a, (_, score, c) in enumerate(ties)]
    for dtype in DTYPES:
        t.expect(t.call(*grid_inputs(dtype, np.ones((2, 2, 2, 1)), probs), 0.25),
                 filter_result(t, kept, dtype))


@CHECKS.add("yolo_filter_boxes", "nothing-passes",
            rule="when no anchor reaches the threshold the result is empty: scores [0], boxes "
            "[0, 4] and classes [0] (int64)")
def filter_nothing(t):
    for dtype in DTYPES:
        t.expect(t.call(*grid_inputs(dtype), 0.99), filter_result(t, [], dtype))


# ---------------------------------------------------------------- yolo_non_max_suppression

YOLO_BOXES = [*CHAIN, [0, 0, 10, 10]]
YOLO_CLASSES = [0, 0, 0, 1, 1, 1]
YOLO_CASES = (  # (scores, max_boxes, iou_threshold, kept indices), worked by hand
    # class 0: 1 removes 0 and 2; class 1: 5 is apart from 3, and 3 removes 4
    ([0.6, 0.9, 0.7, 0.8, 0.5, 0.95], 10, 0.5, [5, 1, 3]),
    ([0.6, 0.9, 0.7, 0.8, 0.5, 0.95], 2, 0.5, [5, 1]),
    ([0.6, 0.9, 0.7, 0.8, 0.5, 0.95], 10, 0.7, [5, 1, 3, 2, 0, 4]),
    # the second best box (0) is removed, so the best two survivors are 1 and 3
    ([0.85, 0.9, 0.3, 0.8, 0.5, 0.2], 2, 0.5, [1, 3]),
)


def yolo_expected(t, scores, boxes, classes, kept, dtype):
    kept = list(kept)
    return (tensor(np.array(scores)[kept], dtype, t.device),
            tensor(np.array(boxes, dtype=np.float64)[kept].reshape(-1, 4), dtype, t.device),
            tensor(np.array(classes)[kept], np.int64, t.device))


def yolo_call(t, scores, boxes, classes, dtype, *extra, **options):
    return t.call(tensor(scores, dtype), tensor(boxes, dtype), tensor(classes, np.int64),
                  *extra, **options)


@CHECKS.add("yolo_non_max_suppression", "known-values",
            rule="NMS within each class, then the max_boxes highest-scoring survivors (all of "
            "them if fewer), as (scores, boxes, classes) in decreasing order of score")
def yolo_known_values(t):
    for dtype in DTYPES:
        for scores, max_boxes, thr, kept in YOLO_CASES:
            t.expect(yolo_call(t, scores, YOLO_BOXES, YOLO_CLASSES, dtype, max_boxes, thr),
                     yolo_expected(t, scores, YOLO_BOXES, YOLO_CLASSES, kept, dtype))


@CHECKS.add("yolo_non_max_suppression", "defaults",
            rule="the defaults are max_boxes=10 and iou_threshold=0.5")
def yolo_defaults(t):
    # two pairs: IoU 0.538 (> 0.5, the lower one goes) and 0.429 (both stay), then 10 apart
    boxes = [[0, 0, 10, 10], [3, 0, 13, 10], [50, 0, 60, 10], [54, 0, 64, 10]]
    boxes += [[100 + 20 * k, 0, 110 + 20 * k, 10] for k in range(10)]
    scores = [0.99, 0.98, 0.97, 0.96] + [0.9 - 0.01 * k for k in range(10)]
    classes = [0] * 14
    kept = [0, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    for dtype in DTYPES:
        t.expect(yolo_call(t, scores, boxes, classes, dtype),
                 yolo_expected(t, scores, boxes, classes, kept, dtype))


def yolo_indices(t, received, layout: Layout, dtype) -> list[int]:
    """Which input boxes came back, found by their (distinct) scores, after checking the
    result's form and that each box and class came back with its own score."""
    if not isinstance(received, (tuple, list)) or len(received) != 3 or not all(
            isinstance(r, TensorData) for r in received):
        t.fail("yolo_non_max_suppression must return a tuple of three tensors (scores, boxes, "
               f"classes), but it returned {kind_of(received)}", received=render(received))
    scores, boxes, classes = received
    k = len(scores.values)
    forms = ((scores, dtype, (k,)), (boxes, dtype, (k, 4)), (classes, np.int64, (k,)))
    for name, (r, want_dtype, shape) in zip(("scores", "boxes", "classes"), forms, strict=True):
        if r.values.dtype != np.dtype(want_dtype) or r.values.shape != shape:
            t.fail(f"the returned {name} must have dtype {np.dtype(want_dtype)} and shape "
                   f"{list(shape)}, but they have dtype {r.values.dtype} and shape "
                   f"{list(r.values.shape)}", received=render(received))
        if r.device != "grading":
            t.fail(f"the returned {name} are not on the grading device (the inputs' device)",
                   received=render(received))
    sent = layout.scores.astype(dtype)
    kept = []
    for pos, score in enumerate(scores.values):
        match = np.flatnonzero(sent == score)
        if len(match) != 1:
            t.fail(f"returned score {score!r} (position {pos}) is not one of the input scores",
                   received=render(received))
        i = int(match[0])
        if not np.array_equal(boxes.values[pos], layout.boxes[i].astype(dtype)) or \
                classes.values[pos] != layout.classes[i]:
            t.fail(f"at position {pos} the box or class is not that of the input box {i}, "
                   "whose score came back there", received=render(received))
        kept.append(i)
    return kept


@CHECKS.add("yolo_non_max_suppression", "per-class-greedy-rules", weight=2,
            rule="the result is the max_boxes highest-scoring survivors of NMS within each "
            "class (all of them if fewer), in decreasing order of score: no two returned boxes "
            "of a class have IoU > iou_threshold, and every box scoring above the last one "
            "returned (every box, if fewer than max_boxes came back) is returned or has IoU > "
            "iou_threshold with a returned box of its class and of higher score")
def yolo_greedy_rules(t):
    @t.for_all(layout=layouts(n_classes=3), dtype=dtypes(), max_boxes=st.integers(1, 8),
               max_examples=30)
    def prop(layout, dtype, max_boxes):
        received = t.call(tensor(layout.scores, dtype), tensor(layout.boxes, dtype),
                          torch.from_numpy(layout.classes), max_boxes, layout.threshold)
        expect_greedy(t, layout, yolo_indices(t, received, layout, dtype), max_boxes=max_boxes)


@CHECKS.add("yolo_non_max_suppression", "empty-input",
            rule="no boxes give empty scores [0], boxes [0, 4] and classes [0] (int64)")
def yolo_empty(t):
    for dtype in DTYPES:
        t.expect(yolo_call(t, [], np.zeros((0, 4)), [], dtype),
                 yolo_expected(t, [], np.zeros((0, 4)), [], [], dtype))
