"""torch.tensor(keep) without device=: the indices come back on the CPU."""
import torch

# expect-fail: nms/known-values
# expect-fail: nms/greedy-rules
# expect-fail: nms/empty-and-single
# expect-fail: nms/matches-reference


def _nms(boxes, scores, iou_threshold):
    order = torch.argsort(scores, descending=True)
    ordered = boxes[order]
    suppressed = torch.zeros(len(order), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in range(len(order)):
        if suppressed[i]:
            continue
        keep.append(i)
        ious = box_iou(ordered[i:i + 1], ordered[i + 1:])[0]
        suppressed[i + 1:] |= ious > iou_threshold
    return order[torch.tensor(keep, dtype=torch.long, device=boxes.device)]


def box_iou(boxes1, boxes2):
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    lt = torch.max(boxes1[:, None, :2], boxes2[None, :, :2])
    rb = torch.min(boxes1[:, None, 2:], boxes2[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area1[:, None] + area2[None, :] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(union))


def nms(boxes, scores, iou_threshold):
    order = torch.argsort(scores, descending=True)
    ordered = boxes[order]
    suppressed = torch.zeros(len(order), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in range(len(order)):
        if suppressed[i]:
            continue
        keep.append(order[i].item())
        ious = box_iou(ordered[i:i + 1], ordered[i + 1:])[0]
        suppressed[i + 1:] |= ious > iou_threshold
    return torch.tensor(keep, dtype=torch.int64)


def batched_nms(boxes, scores, classes, iou_threshold):
    keep = torch.empty(0, dtype=torch.int64, device=boxes.device)
    for c in classes.unique():
        idx = torch.where(classes == c)[0]
        keep = torch.cat([keep, idx[_nms(boxes[idx], scores[idx], iou_threshold)]])
    return keep[torch.argsort(scores[keep], descending=True)]


def yolo_boxes_to_corners(box_xy, box_wh):
    box_mins = box_xy - box_wh / 2
    box_maxes = box_xy + box_wh / 2
    return torch.cat([box_mins, box_maxes], dim=-1)


def yolo_filter_boxes(box_confidence, boxes, box_class_probs, threshold=0.6):
    box_scores = box_confidence * box_class_probs
    box_classes = torch.argmax(box_scores, dim=-1)
    box_class_scores = torch.max(box_scores, dim=-1).values
    mask = box_class_scores >= threshold
    return box_class_scores[mask], boxes[mask], box_classes[mask]


def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    keep = batched_nms(boxes, scores, classes, iou_threshold)[:max_boxes]
    return scores[keep], boxes[keep], classes[keep]
