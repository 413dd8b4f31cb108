"""CorLoc on hand-made cases whose answers can be counted by hand."""
import math

import numpy as np

from vlrkit.evaluation.functional.corloc import box_iou, corloc


def dets_for(num_classes, **per_class):
    out = [np.zeros((0, 5), np.float32) for _ in range(num_classes)]
    for name, rows in per_class.items():
        out[int(name[1:])] = np.asarray(rows, np.float32).reshape(-1, 5)
    return out


def ann(boxes, labels, ignore_boxes=(), ignore_labels=()):
    return dict(bboxes=np.asarray(boxes, np.float32).reshape(-1, 4),
                labels=np.asarray(labels, np.int64),
                bboxes_ignore=np.asarray(ignore_boxes, np.float32).reshape(-1, 4),
                labels_ignore=np.asarray(ignore_labels, np.int64))


def test_box_iou_of_known_pairs():
    iou = box_iou([[0, 0, 10, 10]], [[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]])
    np.testing.assert_allclose(iou, [[1.0, 50 / 150, 0.0]])


def test_only_the_top_box_counts_and_classes_are_averaged():
    annotations = [
        ann([[0, 0, 10, 10]], [0]),                     # class 0: top box hits
        ann([[0, 0, 10, 10]], [0]),                     # class 0: top box misses, 2nd would hit
        ann([[50, 50, 100, 100], [0, 0, 10, 10]], [1, 0]),  # class 1 hit, class 0 no box at all
    ]
    det_results = [
        dets_for(3, c0=[[1, 1, 10, 10, 0.9], [40, 40, 60, 60, 0.1]]),
        dets_for(3, c0=[[40, 40, 60, 60, 0.9], [0, 0, 10, 10, 0.5]]),
        dets_for(3, c1=[[50, 50, 100, 95, 0.7]], c2=[[0, 0, 5, 5, 0.99]]),
    ]
    out = corloc(det_results, annotations)
    np.testing.assert_allclose(out['per_class'][:2], [1 / 3, 1.0])
    assert math.isnan(out['per_class'][2])  # a false positive class without positives is skipped
    np.testing.assert_array_equal(out['num_positives'], [3, 1, 0])
    assert out['corloc'] == np.mean([1 / 3, 1.0])


def test_iou_threshold_is_inclusive_and_difficult_objects_are_matchable_not_positives():
    # IoU exactly 0.5: [0,0,10,10] vs [0,0,10,20] -> 100 / 200.
    out = corloc([dets_for(1, c0=[[0, 0, 10, 10, 1.0]])], [ann([[0, 0, 10, 20]], [0])])
    assert out['corloc'] == 1.0
    # The only chair is difficult: not a positive image, unless asked ...
    only_difficult = [ann([], [], ignore_boxes=[[0, 0, 10, 10]], ignore_labels=[0])]
    dets = [dets_for(1, c0=[[0, 0, 10, 10, 1.0]])]
    assert math.isnan(corloc(dets, only_difficult)['corloc'])
    assert corloc(dets, only_difficult, use_difficult_positives=True)['corloc'] == 1.0
    # ... and a best box on a difficult chair next to an easy one still counts as correct.
    mixed = [ann([[50, 50, 60, 60]], [0], ignore_boxes=[[0, 0, 10, 10]], ignore_labels=[0])]
    assert corloc(dets, mixed)['corloc'] == 1.0
