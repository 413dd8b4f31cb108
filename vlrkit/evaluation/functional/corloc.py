"""CorLoc: how often a weakly-supervised localiser puts its best box on an object it was told about.

Correct Localisation (Deselaers et al. 2012) is the standard score of weakly-supervised object
localisation: for class ``c``, take the images that contain ``c``; an image counts as correct when
the highest-scoring box predicted for ``c`` overlaps some ground-truth box of ``c`` with IoU ≥ 0.5.
CorLoc of ``c`` is the fraction of correct images; the reported CorLoc is the mean over classes
that have at least one positive image. Unlike detection mAP it ignores every box but the best one
and never looks at images without the class, so it measures localisation alone.

Inputs use the mmdetection ``eval_map`` layout so the same lists feed ``voc_map``:
``det_results[i][c]`` is an (n, 5) array x1, y1, x2, y2, score of image ``i`` and class ``c``;
``annotations[i]`` is dict(bboxes (M, 4), labels (M,), optionally bboxes_ignore / labels_ignore
for difficult objects).
"""
import numpy as np


def box_iou(boxes_a, boxes_b):
    """IoU of every pair, (A, 4) × (B, 4) -> (A, B), boxes x1, y1, x2, y2 with exclusive edges."""
    boxes_a = np.asarray(boxes_a, np.float64).reshape(-1, 4)
    boxes_b = np.asarray(boxes_b, np.float64).reshape(-1, 4)
    area_a = (boxes_a[:, 2] - boxes_a[:, 0]).clip(0) * (boxes_a[:, 3] - boxes_a[:, 1]).clip(0)
    area_b = (boxes_b[:, 2] - boxes_b[:, 0]).clip(0) * (boxes_b[:, 3] - boxes_b[:, 1]).clip(0)
    top_left = np.maximum(boxes_a[:, None, :2], boxes_b[None, :, :2])
    bottom_right = np.minimum(boxes_a[:, None, 2:], boxes_b[None, :, 2:])
    inter = (bottom_right - top_left).clip(0).prod(axis=2)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def corloc(det_results, annotations, num_classes=None, iou_thr=0.5, use_difficult_positives=False):
    """Per-class and mean CorLoc.

    Args:
        det_results: list over images of lists over classes of (n, 5) arrays (see module doc).
        annotations: list over images of dicts with ``bboxes`` and ``labels`` (non-difficult) and
            optionally ``bboxes_ignore`` / ``labels_ignore`` (difficult objects).
        num_classes: number of classes, default ``len(det_results[0])``.
        iou_thr: overlap a best box needs with a ground truth of its class to count as correct.
        use_difficult_positives: also count images whose only objects of the class are difficult
            as positives (VOC leaves them out of classification, so the default does too). A best
            box on a difficult object is correct either way.

    Returns:
        dict(corloc=float mean over classes with positives (nan if none),
             per_class=(K,) float array, nan for classes without positive images,
             num_positives=(K,) int array).
    """
    if len(det_results) != len(annotations):
        raise ValueError(f'corloc got {len(det_results)} detection results but '
                         f'{len(annotations)} annotations; they must list the same images')
    if num_classes is None:
        if not det_results:
            raise ValueError('corloc needs num_classes when there are no images')
        num_classes = len(det_results[0])
    hits = np.zeros(num_classes, np.int64)
    positives = np.zeros(num_classes, np.int64)
    for dets, ann in zip(det_results, annotations):
        gt_boxes = np.asarray(ann['bboxes'], np.float64).reshape(-1, 4)
        gt_labels = np.asarray(ann['labels'], np.int64).reshape(-1)
        ignore_boxes = np.asarray(ann.get('bboxes_ignore', np.zeros((0, 4))), np.float64).reshape(-1, 4)
        ignore_labels = np.asarray(ann.get('labels_ignore', np.zeros(0)), np.int64).reshape(-1)
        all_boxes = np.concatenate([gt_boxes, ignore_boxes])
        all_labels = np.concatenate([gt_labels, ignore_labels])
        positive_classes = set(gt_labels.tolist())
        if use_difficult_positives:
            positive_classes |= set(ignore_labels.tolist())
        for cls in positive_classes:
            positives[cls] += 1
            class_dets = np.asarray(dets[cls], np.float64).reshape(-1, 5)
            if len(class_dets) == 0:
                continue
            best = class_dets[np.argmax(class_dets[:, 4]), :4]
            if box_iou(best, all_boxes[all_labels == cls]).max(initial=0.0) >= iou_thr:
                hits[cls] += 1
    with np.errstate(invalid='ignore', divide='ignore'):
        per_class = np.where(positives > 0, hits / np.maximum(positives, 1), np.nan)
    mean = float(np.nanmean(per_class)) if (positives > 0).any() else float('nan')
    return dict(corloc=mean, per_class=per_class, num_positives=positives)
