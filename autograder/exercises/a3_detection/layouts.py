"""Box layouts whose overlaps are known by construction, and the greedy-NMS rules checked on them.

A layout is a few chains of equal boxes, far apart from each other. Along a chain, box k is
the chain's first box moved by k * step of its own width (or height), so two boxes of a chain
k places apart share (1 - k*step) of their area: their IoU is (1 - k*step) / (1 + k*step), and
0 once k*step >= 1. Boxes of different chains never touch. Each threshold is drawn with steps
that keep every such IoU at least 0.02 away from it, so which pairs overlap by more than the
threshold is known exactly, without computing an IoU, and whichever way a submission computes
IoUs it cannot decide a pair differently.

Greedy NMS is then characterised by three rules that need no reference: the kept boxes come in
decreasing order of score, no two of them overlap, and every removed box overlaps a kept box
with a higher score (with distinct scores, one list of indices satisfies them).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

THRESHOLDS = (0.1, 0.3, 0.45, 0.5, 0.6, 0.75, 0.9)
STEPS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.55, 0.7, 1.2)
MAX_CHAIN = 5
CLEARANCE = 0.02  # no IoU of a layout comes closer than this to its threshold
CHAIN_SPACING = 150.0  # a chain spans at most (4 * 1.2 + 1) * 20 = 116 along its axis


def chain_iou(distance: float) -> float:
    """IoU of two equal boxes, one moved by ``distance`` of its side along one axis."""
    return max(0.0, 1.0 - distance) / (1.0 + distance)


def clear_steps(threshold: float) -> tuple[float, ...]:
    """The steps whose chains keep every IoU at least CLEARANCE away from ``threshold``."""
    return tuple(s for s in STEPS if all(abs(chain_iou(k * s) - threshold) >= CLEARANCE
                                         for k in range(1, MAX_CHAIN)))


STEPS_FOR = {thr: clear_steps(thr) for thr in THRESHOLDS}


@dataclass(frozen=True)
class Layout:
    """Boxes [n, 4] (float64), their IoUs known by construction, scores, classes, threshold."""

    boxes: np.ndarray
    iou: np.ndarray  # [n, n], known by construction
    scores: np.ndarray  # distinct, in (0, 1)
    classes: np.ndarray  # int64 [n]
    threshold: float
    n_classes: int = 1

    def __len__(self) -> int:
        return len(self.boxes)

    def suppresses(self, i: int, j: int) -> bool:
        """Whether box i (if kept) removes box j: same class and IoU above the threshold."""
        return bool(self.classes[i] == self.classes[j] and self.iou[i, j] > self.threshold)


@st.composite
def chain(draw, threshold: float):
    """One chain: (corners [m, 4], positions along it, step)."""
    m = draw(st.integers(1, MAX_CHAIN))
    step = draw(st.sampled_from(STEPS_FOR[threshold]))
    w, h = draw(st.integers(4, 80)) / 4, draw(st.integers(4, 80)) / 4
    along_y = draw(st.booleans())
    y0 = float(draw(st.integers(-60, 40)))
    k = np.arange(m, dtype=np.float64)
    x1 = np.zeros(m) if along_y else k * step * w
    y1 = y0 + (k * step * h if along_y else np.zeros(m))
    return np.stack([x1, y1, x1 + w, y1 + h], axis=1), k, step


@st.composite
def layouts(draw, *, n_classes: int = 1):
    """A shuffled layout of 1 to 4 chains, with negative coordinates too; ``n_classes`` > 1
    gives every box a random class in [0, n_classes)."""
    thr = draw(st.sampled_from(THRESHOLDS))
    chains = [draw(chain(thr)) for _ in range(draw(st.integers(1, 4)))]
    first = -float(draw(st.integers(0, 2))) * CHAIN_SPACING  # chains left of 0 as well
    boxes, ious = [], []
    for c, (corners, k, step) in enumerate(chains):
        shift = first + c * CHAIN_SPACING
        boxes.append(corners + np.array([shift, 0.0, shift, 0.0]))
        ious.append(np.vectorize(chain_iou)(np.abs(k[:, None] - k[None, :]) * step))
    n = sum(len(b) for b in boxes)
    iou = np.zeros((n, n))
    start = 0
    for block in ious:
        iou[start:start + len(block), start:start + len(block)] = block
        start += len(block)
    rng = np.random.default_rng(draw(st.integers(0, 1023)))
    order = rng.permutation(n)  # box order: chains interleaved
    ranks = rng.permutation(n)
    classes = rng.integers(0, n_classes, n)
    return Layout(boxes=np.concatenate(boxes)[order], iou=iou[np.ix_(order, order)],
                  scores=(ranks + 1.0) / (n + 1.0), classes=classes, threshold=thr,
                  n_classes=n_classes)


def greedy_problem(layout: Layout, kept: list[int], *, max_boxes: int | None = None):
    """Why ``kept`` is not the greedy NMS answer on ``layout`` (a sentence), or None.

    With ``max_boxes``, ``kept`` must be the ``max_boxes`` highest-scoring survivors (all of
    them when there are fewer): only boxes scoring above the lowest kept one must be accounted
    for, unless fewer than ``max_boxes`` came back.
    """
    scores, thr = layout.scores, layout.threshold
    classed = layout.n_classes > 1
    same, of_class = (" and the same class", " of its class") if classed else ("", "")
    if len(set(kept)) != len(kept):
        return f"an index appears twice in the result {kept}"
    if max_boxes is not None and len(kept) > max_boxes:
        return f"{len(kept)} boxes came back, more than max_boxes={max_boxes}"
    for a, b in itertools.pairwise(kept):
        if scores[a] < scores[b]:
            return (f"the result is not in decreasing order of score: box {a} (score "
                    f"{scores[a]:.4g}) comes before box {b} (score {scores[b]:.4g})")
    for pos, a in enumerate(kept):
        for b in kept[pos + 1:]:
            if layout.suppresses(a, b):
                return (f"boxes {a} and {b} were both kept, but they have IoU "
                        f"{layout.iou[a, b]:.4g} > {thr}{same}, so box {b}, whose score is "
                        f"lower, should have been removed by box {a}")
    floor = -np.inf
    if max_boxes is not None and len(kept) == max_boxes and kept:
        floor = scores[kept[-1]]
    for j in np.argsort(-scores):
        if j in kept or scores[j] <= floor:
            continue
        if not any(scores[a] > scores[j] and layout.suppresses(a, j) for a in kept):
            overlapping = [int(a) for a in range(len(layout)) if a != j
                           and layout.suppresses(a, j)]
            why = (f"it has IoU > {thr} with no other box{of_class}"
                   if not overlapping else f"the boxes{of_class} with which it has IoU > {thr} "
                   f"({', '.join(map(str, overlapping))}) were removed or score lower")
            if max_boxes is None:
                verdict = "so greedy NMS keeps it"
            elif floor > -np.inf:
                verdict = "so it survives NMS, and it scores higher than the last box returned"
            else:
                verdict = f"so it survives NMS, and fewer than max_boxes={max_boxes} came back"
            return (f"box {int(j)} (score {scores[j]:.4g}) is missing from the result, but "
                    f"{why}, {verdict}")
    return None
