"""Reference for assignment a3-detection: IoU, non-max suppression and YOLO post-processing.

Device-agnostic torch: results stay on the inputs' device and dtype, with no host round trip.
"""

import torch
from torch import Tensor

_NMS_BLOCK_ROWS = 128  # rows of the IoU matrix that nms computes at a time


def box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """IoU of every pair of corner-form boxes, [N, 4] x [M, 4] -> [N, M]; 0 where the union is 0."""
    x1a, y1a, x2a, y2a = boxes1[:, None, :].unbind(-1)  # [N, 1] each
    x1b, y1b, x2b, y2b = boxes2[None, :, :].unbind(-1)  # [1, M] each
    inter_w = (torch.minimum(x2a, x2b) - torch.maximum(x1a, x1b)).clamp_(min=0)
    inter_h = (torch.minimum(y2a, y2b) - torch.maximum(y1a, y1b)).clamp_(min=0)
    inter = inter_w * inter_h
    union = (x2a - x1a) * (y2a - y1a) + (x2b - x1b) * (y2b - y1b) - inter
    return torch.where(union > 0, inter / union, 0.0)


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Greedy non-max suppression: int64 indices of the kept boxes, in decreasing order of score.

    Visits the boxes in score order; each one not yet suppressed is kept and suppresses every
    later box whose IoU with it exceeds the threshold. The IoUs are computed a block of rows at a
    time, each row against the later boxes only: the temporaries then fit in the cache, which on
    5,000 boxes is several times faster than building the whole N x N matrix at once.
    """
    order = scores.argsort(descending=True, stable=True)
    boxes = boxes[order]
    suppressed = torch.zeros(len(boxes), dtype=torch.bool, device=boxes.device)
    for start in range(0, len(boxes), _NMS_BLOCK_ROWS):
        block = boxes[start : start + _NMS_BLOCK_ROWS]
        overlaps = box_iou(block, boxes[start:]) > iou_threshold
        for row in range(len(block)):
            if not suppressed[start + row]:
                suppressed[start + row + 1 :] |= overlaps[row, row + 1 :]
    return order[~suppressed]


def batched_nms(boxes: Tensor, scores: Tensor, classes: Tensor, iou_threshold: float) -> Tensor:
    """nms within each class separately; the kept int64 indices in decreasing order of score.

    Each class runs on its own rather than through the coordinate-offset trick, whose shifted
    coordinates would change float32 IoU values.
    """
    keep = torch.empty(0, dtype=torch.int64, device=boxes.device)
    for c in torch.unique(classes):
        members = torch.nonzero(classes == c).flatten()
        keep = torch.cat([keep, members[nms(boxes[members], scores[members], iou_threshold)]])
    return keep[scores[keep].argsort(descending=True, stable=True)]


def yolo_boxes_to_corners(box_xy: Tensor, box_wh: Tensor) -> Tensor:
    """Centres (x, y) and sizes (w, h), [..., 2] each, to corners [..., 4].

    The corners are (x - w/2, y - h/2, x + w/2, y + h/2).
    """
    half_wh = box_wh / 2
    return torch.cat([box_xy - half_wh, box_xy + half_wh], dim=-1)


def yolo_filter_boxes(
    box_confidence: Tensor, boxes: Tensor, box_class_probs: Tensor, threshold: float = 0.6
) -> tuple[Tensor, Tensor, Tensor]:
    """Keep the anchors whose best class score (confidence * class probability) is >= threshold.

    Returns scores [K], boxes [K, 4] and classes [K] (int64, torch.argmax's: the lowest index on a
    tie) in the row-major order of the [S, S, A] grid.
    """
    box_scores = box_confidence * box_class_probs
    classes = box_scores.argmax(dim=-1)
    scores = box_scores.amax(dim=-1)
    keep = scores >= threshold
    return scores[keep], boxes[keep], classes[keep]


def yolo_non_max_suppression(
    scores: Tensor, boxes: Tensor, classes: Tensor, max_boxes: int = 10, iou_threshold: float = 0.5
) -> tuple[Tensor, Tensor, Tensor]:
    """Per-class NMS, then the max_boxes best survivors: (scores, boxes, classes), best first."""
    keep = batched_nms(boxes, scores, classes, iou_threshold)[:max_boxes]
    return scores[keep], boxes[keep], classes[keep]
