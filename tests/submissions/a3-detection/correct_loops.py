"""Loop-minded: IoU one row at a time, NMS over the sorted boxes with a suppressed mask and a
Python list of kept positions, batched NMS by separating classes with a coordinate offset that
is larger than the whole span of the boxes, YOLO filtering anchor by anchor."""
import torch


def box_iou(boxes1, boxes2):
    result = torch.zeros((boxes1.shape[0], boxes2.shape[0]), dtype=boxes1.dtype,
                         device=boxes1.device)
    x1, y1, x2, y2 = boxes2[:, 0], boxes2[:, 1], boxes2[:, 2], boxes2[:, 3]
    area2 = (x2 - x1) * (y2 - y1)
    for i in range(boxes1.shape[0]):
        a = boxes1[i]
        w = torch.clamp(torch.minimum(a[2], x2) - torch.maximum(a[0], x1), min=0)
        h = torch.clamp(torch.minimum(a[3], y2) - torch.maximum(a[1], y1), min=0)
        inter = w * h
        union = (a[2] - a[0]) * (a[3] - a[1]) + area2 - inter
        row = inter / union
        row[union == 0] = 0
        result[i] = row
    return result


def nms(boxes, scores, iou_threshold):
    order = scores.sort(descending=True).indices
    ordered = boxes[order]
    x1, y1, x2, y2 = ordered.unbind(1)
    areas = (x2 - x1) * (y2 - y1)
    suppressed = torch.zeros(len(order), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in range(len(order)):
        if suppressed[i]:
            continue
        keep.append(i)
        w = (torch.minimum(x2[i], x2[i + 1:]) - torch.maximum(x1[i], x1[i + 1:])).clamp(min=0)
        h = (torch.minimum(y2[i], y2[i + 1:]) - torch.maximum(y1[i], y1[i + 1:])).clamp(min=0)
        inter = w * h
        union = areas[i] + areas[i + 1:] - inter
        iou = torch.where(union > 0, inter / union, torch.zeros_like(union))
        suppressed[i + 1:] |= iou > iou_threshold
    return order[torch.tensor(keep, dtype=torch.long, device=boxes.device)]


def batched_nms(boxes, scores, classes, iou_threshold):
    if boxes.numel() == 0:
        return torch.zeros(0, dtype=torch.long, device=boxes.device)
    low = boxes.min()
    span = boxes.max() - low + 1
    shifted = boxes - low + (classes.to(boxes.dtype) * span)[:, None]
    return nms(shifted, scores, iou_threshold)


def yolo_boxes_to_corners(box_xy, box_wh):
    x, y = box_xy[..., 0], box_xy[..., 1]
    w, h = box_wh[..., 0], box_wh[..., 1]
    return torch.stack([x - 0.5 * w, y - 0.5 * h, x + 0.5 * w, y + 0.5 * h], dim=-1)


def yolo_filter_boxes(box_confidence, boxes, box_class_probs, threshold=0.6):
    box_scores = box_confidence * box_class_probs
    s1, s2, a = box_scores.shape[:3]
    kept_scores, kept_boxes, kept_classes = [], [], []
    for i in range(s1):
        for j in range(s2):
            for k in range(a):
                best = torch.argmax(box_scores[i, j, k])
                if box_scores[i, j, k, best] >= threshold:
                    kept_scores.append(box_scores[i, j, k, best])
                    kept_boxes.append(boxes[i, j, k])
                    kept_classes.append(best)
    if not kept_scores:
        return (box_scores.new_zeros(0), boxes.new_zeros((0, 4)),
                torch.zeros(0, dtype=torch.int64, device=boxes.device))
    return torch.stack(kept_scores), torch.stack(kept_boxes), torch.stack(kept_classes)


def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    survivors = []
    for c in torch.unique(classes).tolist():
        members = torch.nonzero(classes == c).flatten()
        survivors.append(members[nms(boxes[members], scores[members], iou_threshold)])
    if survivors:
        keep = torch.cat(survivors)
    else:
        keep = torch.zeros(0, dtype=torch.long, device=scores.device)
    keep = keep[scores[keep].argsort(descending=True)]
    keep = keep[:max_boxes]
    return scores[keep], boxes[keep], classes[keep]
