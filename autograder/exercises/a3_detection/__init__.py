"""a3-detection: box IoU, non-max suppression and YOLO box filtering, in torch."""

FUNCTIONS = {
    "box_iou": "(boxes1, boxes2)",
    "nms": "(boxes, scores, iou_threshold)",
    "batched_nms": "(boxes, scores, classes, iou_threshold)",
    "yolo_boxes_to_corners": "(box_xy, box_wh)",
    "yolo_filter_boxes": "(box_confidence, boxes, box_class_probs, threshold=0.6)",
    "yolo_non_max_suppression": "(scores, boxes, classes, max_boxes=10, iou_threshold=0.5)",
}
LIBRARIES = ("numpy", "torch")
