"""PASCAL VOC detection mAP, vectorised over all images and detections.

Data format is mmdetection's ``eval_map``:
    det_results   per image, per class an (k, 5) array ``x1, y1, x2, y2, score``
    annotations   per image a dict with ``bboxes`` (m, 4), ``labels`` (m,), and optionally
                  ``bboxes_ignore`` (i, 4), ``labels_ignore`` (i,) for difficult objects

Semantics are the VOC devkit's (``VOCevaldet``): per class, detections are taken in descending
score; each takes the ground truth (difficult included) of its image and class with the highest
IoU; at IoU >= ``iou_thr`` it is a true positive if that ground truth is normal and not yet
taken, ignored (neither TP nor FP) if it is difficult, and a false positive otherwise. There is no
fall-back to the second-best box. Difficult objects do not count in the recall denominator.

Why this can be vectorised: because a detection never falls back, whether it is a TP depends
only on whether an earlier (higher-scoring) detection picked the *same* ground truth. So: compute
every detection's best ground truth from the (detection, same-image-same-class ground truth)
pairs, then the first detection per ground truth in score order is the TP, later ones are FPs.
"""
import numpy as np

EPS = np.finfo(np.float32).eps


def _flatten_detections(det_results):
    """-> boxes (D, 4), scores (D,), image index (D,), class index (D,)."""
    num_classes = len(det_results[0]) if det_results else 0
    arrays = [np.asarray(a, dtype=np.float64).reshape(-1, 5) for image in det_results for a in image]
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    if any(len(image) != num_classes for image in det_results):
        raise ValueError('voc_map: every image of det_results needs one array per class '
                         f'({num_classes} classes in the first image)')
    flat = np.concatenate(arrays) if arrays else np.zeros((0, 5))
    slot = np.repeat(np.arange(len(arrays)), lengths)             # image * K + class
    return flat[:, :4], flat[:, 4], slot // max(num_classes, 1), slot % max(num_classes, 1), num_classes


def _flatten_annotations(annotations):
    """-> boxes (G, 4), labels (G,), image index (G,), ignore flag (G,), normal first per image."""
    boxes, labels, images, ignore = [], [], [], []
    for index, ann in enumerate(annotations):
        for key, flag in (('bboxes', False), ('bboxes_ignore', True)):
            label_key = 'labels' if key == 'bboxes' else 'labels_ignore'
            b = np.asarray(ann.get(key, np.zeros((0, 4))), dtype=np.float64).reshape(-1, 4)
            lab = np.asarray(ann.get(label_key, np.zeros(0)), dtype=np.int64).reshape(-1)
            if len(b) != len(lab):
                raise ValueError(f'voc_map: annotation {index} has {len(b)} {key} but {len(lab)} '
                                 f'{label_key}')
            boxes.append(b), labels.append(lab)
            images.append(np.full(len(b), index)), ignore.append(np.full(len(b), flag))
    if not boxes:
        return np.zeros((0, 4)), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool)
    return np.concatenate(boxes), np.concatenate(labels), np.concatenate(images), np.concatenate(ignore)


def average_precision(recall, precision, mode='area'):
    """AP of one precision/recall curve (arrays in detection order).

    'area': area under the monotone (max-to-the-right) precision envelope, VOC2010+ devkit;
    '11points': mean of the best precision at recall >= 0, 0.1, ..., 1 (VOC2007 devkit).
    """
    if mode == '11points':
        thresholds = np.linspace(0, 1, 11)
        reached = recall[None, :] >= thresholds[:, None]                   # (11, D)
        best = np.where(reached, precision[None, :], 0.0).max(axis=1, initial=0.0)
        return float(best.mean())
    if mode != 'area':
        raise ValueError(f"voc_map eval_mode={mode!r}; use 'area' or '11points'")
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    steps = np.nonzero(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


def voc_map(det_results, annotations, iou_thr=0.5, eval_mode='area', use_legacy_coordinate=False):
    """Mean AP over classes that have ground truth, and per-class results.

    Args:
        det_results / annotations: mmdetection ``eval_map`` format (see the module docstring).
        iou_thr: IoU at which a detection matches (0.5 for VOC).
        eval_mode: 'area' (VOC2010+) or '11points' (VOC2007 test as published).
        use_legacy_coordinate: widths are ``x2 - x1 + 1`` (the devkit's inclusive pixel boxes).
    Returns:
        (mAP, per_class): per_class is a list of dicts with ``num_gts`` (normal objects),
        ``num_dets`` (detections not ignored), ``recall`` and ``precision`` (arrays in score
        order) and ``ap``. A match needs IoU >= ``iou_thr``, as in mmdetection (the devkit's ``>``
        differs only on exact ties).
    """
    if len(det_results) != len(annotations):
        raise ValueError(f'voc_map: {len(det_results)} images of detections but '
                         f'{len(annotations)} annotations; they must correspond one to one')
    det_boxes, scores, det_images, det_classes, num_classes = _flatten_detections(det_results)
    gt_boxes, gt_labels, gt_images, gt_ignore = _flatten_annotations(annotations)
    return voc_map_flat(det_boxes, scores, det_images, det_classes, gt_boxes, gt_labels, gt_images,
                        gt_ignore, num_classes, iou_thr, eval_mode, use_legacy_coordinate)


def voc_map_flat(det_boxes, scores, det_images, det_classes, gt_boxes, gt_labels, gt_images,
                 gt_ignore, num_classes, iou_thr=0.5, eval_mode='area', use_legacy_coordinate=False):
    """``voc_map`` on flat arrays, the form an evaluator collects without per-class splitting.

    Detections: boxes (D, 4), scores (D,), image index (D,), class (D,); ground truth: boxes (G, 4),
    labels (G,), image index (G,), ignore flag (G,) (difficult). Returns what ``voc_map`` returns.
    """
    det_boxes = np.asarray(det_boxes, np.float64).reshape(-1, 4)
    scores = np.asarray(scores, np.float64).reshape(-1)
    det_images, det_classes = np.asarray(det_images, np.int64), np.asarray(det_classes, np.int64)
    gt_boxes = np.asarray(gt_boxes, np.float64).reshape(-1, 4)
    gt_labels, gt_images = np.asarray(gt_labels, np.int64), np.asarray(gt_images, np.int64)
    gt_ignore = np.asarray(gt_ignore, bool)
    extra = 1.0 if use_legacy_coordinate else 0.0
    if len(gt_labels) and (gt_labels.min() < 0 or gt_labels.max() >= num_classes):
        raise ValueError(f'voc_map: annotation labels must lie in 0..{num_classes - 1} (one per '
                         f'class array of det_results); found {gt_labels.min()}..{gt_labels.max()}')
    # Difficult objects are not in the recall denominator.
    num_gts = np.bincount(gt_labels[~gt_ignore], minlength=num_classes)

    # Ground truths grouped by (image, class): each detection looks at one contiguous range.
    gt_key = gt_images * num_classes + gt_labels
    gt_order = np.argsort(gt_key, kind='stable')                 # stable: normal before ignored
    gt_boxes, gt_ignore, gt_key = gt_boxes[gt_order], gt_ignore[gt_order], gt_key[gt_order]
    det_key = det_images * num_classes + det_classes
    starts = np.searchsorted(gt_key, det_key, side='left')
    counts = np.searchsorted(gt_key, det_key, side='right') - starts   # (D,)

    # Every (detection, candidate ground truth) pair, detections in order.
    pair_det = np.repeat(np.arange(len(det_key)), counts)        # (Q,)
    first_pair = np.cumsum(counts) - counts
    pair_gt = starts[pair_det] + np.arange(len(pair_det)) - first_pair[pair_det]
    a, b = det_boxes[pair_det], gt_boxes[pair_gt]
    inter_w = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]) + extra, 0, None)
    inter_h = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]) + extra, 0, None)
    inter = inter_w * inter_h
    area_a = (a[:, 2] - a[:, 0] + extra) * (a[:, 3] - a[:, 1] + extra)
    area_b = (b[:, 2] - b[:, 0] + extra) * (b[:, 3] - b[:, 1] + extra)
    iou = inter / np.maximum(area_a + area_b - inter, EPS)

    # Best ground truth of each detection (first one on ties, like argmax).
    best_iou = np.full(len(det_key), -1.0)
    has_pairs = counts > 0
    if len(iou):
        best_iou[has_pairs] = np.maximum.reduceat(iou, first_pair[has_pairs])
    is_best = iou == best_iou[pair_det]
    first_best = np.unique(pair_det[is_best], return_index=True)[1]
    best_gt = np.full(len(det_key), -1)
    best_gt[pair_det[is_best][first_best]] = pair_gt[is_best][first_best]

    matched = best_iou >= iou_thr
    ignored = matched & gt_ignore[np.maximum(best_gt, 0)] if len(gt_ignore) else np.zeros_like(matched)
    candidate = matched & ~ignored                               # would be a TP if first

    # Score order per class (stable: ties keep image order, as the devkit's concatenation does).
    order = np.lexsort((-scores, det_classes))
    order = order[~ignored[order]]                               # ignored detections vanish
    true_pos = np.zeros(len(det_key), dtype=bool)
    cand_sorted = order[candidate[order]]
    first_per_gt = np.unique(best_gt[cand_sorted], return_index=True)[1]
    true_pos[cand_sorted[first_per_gt]] = True

    class_sorted = det_classes[order]
    bounds = np.searchsorted(class_sorted, np.arange(num_classes + 1))
    per_class, aps = [], []
    for cls in range(num_classes):
        tp = true_pos[order[bounds[cls]:bounds[cls + 1]]]
        tp_cum = np.cumsum(tp)
        fp_cum = np.cumsum(~tp)
        recall = tp_cum / max(num_gts[cls], 1)
        precision = tp_cum / np.maximum(tp_cum + fp_cum, EPS)
        ap = average_precision(recall, precision, eval_mode) if num_gts[cls] else 0.0
        per_class.append(dict(num_gts=int(num_gts[cls]), num_dets=int(len(tp)), recall=recall,
                              precision=precision, ap=ap))
        if num_gts[cls]:
            aps.append(ap)
    return (float(np.mean(aps)) if aps else 0.0), per_class
