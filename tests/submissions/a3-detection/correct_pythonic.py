"""py-faster-rcnn port and Python bookkeeping: NMS with .item() and clamp against the current
box, batched NMS by walking the boxes in score order with a per-class greedy pass over a
.tolist() overlap matrix, YOLO filtering with a flattened grid."""
import torch


def box_iou(boxes1, boxes2):
    n, m = boxes1.shape[0], boxes2.shape[0]
    a = boxes1.unsqueeze(1).expand(n, m, 4)
    b = boxes2.unsqueeze(0).expand(n, m, 4)
    iw = (torch.min(a[..., 2], b[..., 2]) - torch.max(a[..., 0], b[..., 0])).clamp(min=0)
    ih = (torch.min(a[..., 3], b[..., 3]) - torch.max(a[..., 1], b[..., 1])).clamp(min=0)
    inter = iw * ih
    union = ((a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
             + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1]) - inter)
    iou = inter / union.clamp(min=torch.finfo(union.dtype).tiny)
    return torch.nan_to_num(iou, nan=0.0)


def nms(boxes, scores, iou_threshold):
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    order = scores.sort(descending=True)[1]
    keep = []
    while order.numel() > 0:
        i = order[0].item()
        keep.append(i)
        rest = order[1:]
        xx1 = x1[rest].clamp(min=x1[i].item())
        yy1 = y1[rest].clamp(min=y1[i].item())
        xx2 = x2[rest].clamp(max=x2[i].item())
        yy2 = y2[rest].clamp(max=y2[i].item())
        inter = (xx2 - xx1).clamp(min=0) * (yy2 - yy1).clamp(min=0)
        union = areas[i] + areas[rest] - inter
        ovr = torch.where(union > 0, inter / union, torch.zeros_like(inter))
        inds = torch.nonzero(ovr <= iou_threshold).squeeze(1)
        order = rest[inds]
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)


def batched_nms(boxes, scores, classes, iou_threshold):
    order = sorted(range(len(scores)), key=lambda k: scores[k].item(), reverse=True)
    overlaps = (box_iou(boxes, boxes) > iou_threshold).tolist()
    labels = classes.tolist()
    keep = []
    for i in order:
        if not any(labels[k] == labels[i] and overlaps[k][i] for k in keep):
            keep.append(i)
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)


def yolo_boxes_to_corners(box_xy, box_wh):
    mins = box_xy - box_wh / 2.0
    maxes = box_xy + box_wh / 2.0
    return torch.cat((mins[..., 0:1], mins[..., 1:2], maxes[..., 0:1], maxes[..., 1:2]), -1)


def yolo_filter_boxes(box_confidence, boxes, box_class_probs, threshold=0.6):
    box_scores = (box_confidence * box_class_probs).reshape(-1, box_class_probs.shape[-1])
    flat_boxes = boxes.reshape(-1, 4)
    classes = box_scores.argmax(dim=1)
    scores = box_scores.gather(1, classes[:, None]).squeeze(1)
    keep = torch.nonzero(scores >= threshold).flatten()
    return scores[keep], flat_boxes[keep], classes[keep]


def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    keep = batched_nms(boxes, scores, classes, iou_threshold)
    if len(keep) > max_boxes:
        keep = keep[:max_boxes]
    return scores[keep], boxes[keep], classes[keep]
