"""Detections and ground truth in mmdetection ``eval_map`` form <-> COCO json, and COCOeval.

One conversion shared by the COCO metric, the COCO results export and the voc_map benchmark, so
all three agree on ids: image ids are the images' positions (or given ids), category ids are
class index + 1 (COCO reserves nothing for 0, but many tools read 0 as background), boxes are
``x, y, w, h`` in the same pixel convention as the input (no +1).
"""
import contextlib
import io

import numpy as np

# COCOeval.stats order, named as mmdetection logs them.
COCO_STAT_NAMES = ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')


def xyxy_to_xywh(boxes):
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.c_[boxes[:, :2], boxes[:, 2:] - boxes[:, :2]]


def to_coco_gt(annotations, num_classes, class_names=None, image_ids=None, image_sizes=None):
    """A COCO ground-truth dataset dict.

    Difficult objects (``bboxes_ignore``) become ``iscrowd=1``: COCOeval's only way to say
    "matching this neither rewards nor punishes" (crowd regions may absorb several detections).
    ``image_sizes``: optional (h, w) per image, written as height/width.
    """
    image_ids = list(range(len(annotations))) if image_ids is None else list(image_ids)
    names = class_names or [str(i) for i in range(num_classes)]
    images, objects = [], []
    for index, (image_id, ann) in enumerate(zip(image_ids, annotations)):
        entry = dict(id=image_id)
        if image_sizes is not None:
            entry['height'], entry['width'] = (int(v) for v in image_sizes[index])
        images.append(entry)
        for key, label_key, crowd in (('bboxes', 'labels', 0), ('bboxes_ignore', 'labels_ignore', 1)):
            boxes = xyxy_to_xywh(ann.get(key, np.zeros((0, 4))))
            labels = np.asarray(ann.get(label_key, np.zeros(0)), dtype=np.int64).reshape(-1)
            for box, label in zip(boxes, labels):
                objects.append(dict(id=len(objects) + 1, image_id=image_id, category_id=int(label) + 1,
                                    bbox=[float(v) for v in box], area=float(box[2] * box[3]),
                                    iscrowd=crowd))
    categories = [dict(id=i + 1, name=name) for i, name in enumerate(names)]
    return dict(images=images, annotations=objects, categories=categories)


def to_coco_results(det_results, image_ids=None):
    """COCO results list (``image_id, category_id, bbox (xywh), score``) from per-class arrays."""
    image_ids = list(range(len(det_results))) if image_ids is None else list(image_ids)
    results = []
    for image_id, per_class in zip(image_ids, det_results):
        for label, dets in enumerate(per_class):
            dets = np.asarray(dets, dtype=np.float64).reshape(-1, 5)
            for box, score in zip(xyxy_to_xywh(dets[:, :4]), dets[:, 4]):
                results.append(dict(image_id=image_id, category_id=label + 1,
                                    bbox=[round(float(v), 2) for v in box], score=round(float(score), 5)))
    return results


def coco_evaluate(gt_dict, results, quiet=True):
    """Run pycocotools' COCOeval (bbox); returns the named stats (AP, AP50, AP75, APs/m/l)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
        coco_gt = COCO()
        coco_gt.dataset = gt_dict
        coco_gt.createIndex()
        if not results:   # loadRes refuses an empty list; no detections means zero AP
            return {name: 0.0 for name in COCO_STAT_NAMES}
        coco_dt = coco_gt.loadRes(results)
        evaluator = COCOeval(coco_gt, coco_dt, 'bbox')
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return {name: float(value) for name, value in zip(COCO_STAT_NAMES, evaluator.stats)}


def coco_ap50(det_results, annotations):
    """COCOeval's AP at IoU 0.5 for detections/annotations in ``eval_map`` form."""
    num_classes = len(det_results[0])
    return coco_evaluate(to_coco_gt(annotations, num_classes), to_coco_results(det_results))['mAP_50']
