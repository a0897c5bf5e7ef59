"""Whole-matrix style: the full N x N IoU matrix up front, a greedy pass over its rows, classes
kept apart by masking the matrix, an epsilon in the IoU denominator, and in-place updates of
tensors the function made itself."""
import torch


def box_iou(boxes1, boxes2):
    lt = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    rb = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    inter = torch.clamp(rb - lt, min=0).prod(dim=-1)
    area1 = (boxes1[:, 2:] - boxes1[:, :2]).prod(dim=-1)
    area2 = (boxes2[:, 2:] - boxes2[:, :2]).prod(dim=-1)
    union = area1.unsqueeze(1) + area2.unsqueeze(0) - inter
    return inter / (union + 1e-9)


def _greedy(order, overlaps):
    """Walk the rows of a boolean overlap matrix in score order; return the kept positions."""
    removed = torch.zeros(len(order), dtype=torch.bool, device=order.device)
    keep = []
    for pos in range(len(order)):
        if removed[pos]:
            continue
        keep.append(pos)
        removed |= overlaps[pos]
    return order[torch.tensor(keep, dtype=torch.int64, device=order.device)]


def nms(boxes, scores, iou_threshold):
    order = torch.argsort(-scores)
    ious = box_iou(boxes[order], boxes[order])
    return _greedy(order, ious > iou_threshold)


def batched_nms(boxes, scores, classes, iou_threshold):
    order = torch.argsort(-scores)
    ious = box_iou(boxes[order], boxes[order])
    same = classes[order][:, None] == classes[order][None, :]
    return _greedy(order, (ious > iou_threshold) & same)


def yolo_boxes_to_corners(box_xy, box_wh):
    corners = torch.empty(*box_xy.shape[:-1], 4, dtype=box_xy.dtype, device=box_xy.device)
    corners[..., :2] = box_xy - box_wh * 0.5
    corners[..., 2:] = box_xy + box_wh * 0.5
    return corners


def yolo_filter_boxes(box_confidence, boxes, box_class_probs, threshold=0.6):
    box_scores = box_confidence * box_class_probs
    box_class_scores, box_classes = box_scores.max(dim=-1)
    i, j, a = torch.nonzero(box_class_scores >= threshold, as_tuple=True)
    return box_class_scores[i, j, a], boxes[i, j, a], box_classes[i, j, a]


def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    keep = batched_nms(boxes, scores, classes, iou_threshold)
    keep = keep[: min(max_boxes, len(keep))]
    return scores.index_select(0, keep), boxes.index_select(0, keep), classes.index_select(0, keep)
