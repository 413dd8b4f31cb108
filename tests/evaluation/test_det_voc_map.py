"""voc_map on hand-made cases, against a straightforward devkit loop, and against pycocotools."""
import numpy as np
import pytest

from vlrkit.datasets.synthetic_detections import synthetic_detections
from vlrkit.evaluation.functional import voc_map


def dets(*per_class):
    return [np.array(d, dtype=np.float64).reshape(-1, 5) for d in per_class]


def ann(boxes, labels, ignore=(), ignore_labels=()):
    return dict(bboxes=np.array(boxes, np.float64).reshape(-1, 4), labels=np.array(labels, np.int64),
                bboxes_ignore=np.array(ignore, np.float64).reshape(-1, 4),
                labels_ignore=np.array(ignore_labels, np.int64))


def test_perfect_detections_give_one():
    anns = [ann([[0, 0, 10, 10], [20, 20, 40, 50]], [0, 1]), ann([[5, 5, 15, 15]], [1])]
    results = [dets([[0, 0, 10, 10, .9]], [[20, 20, 40, 50, .8]]), dets([], [[5, 5, 15, 15, .7]])]
    mean_ap, per_class = voc_map(results, anns)
    assert mean_ap == 1.0 and [c['ap'] for c in per_class] == [1.0, 1.0]


def test_duplicate_detection_is_false_positive():
    anns = [ann([[0, 0, 10, 10]], [0]), ann([[0, 0, 10, 10]], [0])]
    # image 0: a correct box (0.9) and its duplicate (0.8); image 1: correct box at 0.7
    results = [dets([[0, 0, 10, 10, .9], [0, 0, 10, 10, .8]]), dets([[0, 0, 10, 10, .7]])]
    mean_ap, per_class = voc_map(results, anns)
    # ranks: TP, FP, TP -> recall 0.5, 0.5, 1; precision 1, 0.5, 2/3 -> area = 0.5*1 + 0.5*2/3
    assert per_class[0]['precision'].tolist() == pytest.approx([1, 0.5, 2 / 3])
    assert mean_ap == pytest.approx(0.5 + 0.5 * 2 / 3)


def test_no_fallback_to_second_best_ground_truth():
    # two overlapping objects; both detections best-match the first -> second detection is FP
    anns = [ann([[0, 0, 10, 10], [0, 0, 10, 8]], [0, 0])]
    results = [dets([[0, 0, 10, 10, .9], [0, 0, 10, 10, .8]])]
    _, per_class = voc_map(results, anns)
    assert per_class[0]['recall'].tolist() == [0.5, 0.5]


def test_difficult_match_is_ignored():
    anns = [ann([[0, 0, 10, 10]], [0], ignore=[[20, 20, 30, 30]], ignore_labels=[0])]
    # the detection on the difficult object (score 0.95) counts neither way, so AP stays 1
    results = [dets([[20, 20, 30, 30, .95], [0, 0, 10, 10, .9]])]
    mean_ap, per_class = voc_map(results, anns)
    assert mean_ap == 1.0 and per_class[0]['num_gts'] == 1 and per_class[0]['num_dets'] == 1


def test_eleven_points_vs_area():
    # one of two objects found, at rank 1: recall 0.5 with precision 1, then an FP
    anns = [ann([[0, 0, 10, 10], [50, 50, 60, 60]], [0, 0])]
    results = [dets([[0, 0, 10, 10, .9], [80, 80, 90, 90, .5]])]
    area, _ = voc_map(results, anns, eval_mode='area')
    eleven, _ = voc_map(results, anns, eval_mode='11points')
    assert area == pytest.approx(0.5)              # 0.5 recall * precision 1
    assert eleven == pytest.approx(6 / 11)         # thresholds 0, 0.1, ..., 0.5 reach precision 1


def test_legacy_coordinates_add_one_pixel():
    # boxes (0,0,9,9) and (1,0,10,9): IoU 8*9/(10*9) = 0.8... plain; legacy 9*10/(11*10) = 0.818...
    # at iou_thr 0.81 only the legacy convention matches
    anns = [ann([[0, 0, 9, 9]], [0])]
    results = [dets([[1, 0, 10, 9, .9]])]
    assert voc_map(results, anns, iou_thr=0.81)[0] == 0.0
    assert voc_map(results, anns, iou_thr=0.81, use_legacy_coordinate=True)[0] == 1.0


def test_classes_without_ground_truth_do_not_count():
    anns = [ann([[0, 0, 10, 10]], [0])]
    results = [dets([[0, 0, 10, 10, .9]], [[30, 30, 40, 40, .9]])]
    mean_ap, per_class = voc_map(results, anns)
    assert mean_ap == 1.0 and per_class[1]['num_gts'] == 0 and per_class[1]['ap'] == 0.0


def devkit_reference(results, anns, num_classes, iou_thr=0.5):
    """The devkit's loop, written plainly, for agreement on random data."""
    aps = []
    for cls in range(num_classes):
        entries = [(d[4], i, d[:4]) for i, r in enumerate(results) for d in r[cls]]
        entries.sort(key=lambda e: -e[0])
        gts = {i: (np.vstack([a['bboxes'][a['labels'] == cls], a['bboxes_ignore'][a['labels_ignore'] == cls]]),
                   np.r_[np.zeros((a['labels'] == cls).sum(), bool), np.ones((a['labels_ignore'] == cls).sum(), bool)])
               for i, a in enumerate(anns)}
        npos = sum((~g[1]).sum() for g in gts.values())
        used = {i: np.zeros(len(g[1]), bool) for i, g in gts.items()}
        tp, fp = [], []
        for _, i, box in entries:
            g, ign = gts[i]
            if len(g):
                iw = np.clip(np.minimum(g[:, 2], box[2]) - np.maximum(g[:, 0], box[0]), 0, None)
                ih = np.clip(np.minimum(g[:, 3], box[3]) - np.maximum(g[:, 1], box[1]), 0, None)
                inter = iw * ih
                ious = inter / ((box[2] - box[0]) * (box[3] - box[1]) + (g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1]) - inter)
                j = int(np.argmax(ious))
                if ious[j] >= iou_thr:
                    if ign[j]:
                        continue
                    if not used[i][j]:
                        used[i][j] = True
                        tp.append(1), fp.append(0)
                        continue
            tp.append(0), fp.append(1)
        if npos == 0:
            continue
        tp, fp = np.cumsum(tp), np.cumsum(fp)
        rec, prec = tp / npos, tp / np.maximum(tp + fp, 1e-12)
        mrec, mpre = np.r_[0, rec, 1], np.r_[0, prec, 0]
        for k in range(len(mpre) - 2, -1, -1):
            mpre[k] = max(mpre[k], mpre[k + 1])
        idx = np.where(mrec[1:] != mrec[:-1])[0]
        aps.append(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]))
    return float(np.mean(aps))


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_agrees_with_devkit_loop(seed):
    results, anns = synthetic_detections(seed)
    assert voc_map(results, anns)[0] == pytest.approx(devkit_reference(results, anns, 3), abs=1e-12)


def test_agrees_with_pycocotools_ap50_without_difficult():
    """COCOeval's AP50 for one area range and 101-point recall ~= VOC area AP at IoU 0.5."""
    from vlrkit.evaluation.functional.coco_format import coco_ap50
    results, anns = synthetic_detections(7, num_images=40, difficult_prob=0)
    ours = voc_map(results, anns)[0]
    assert coco_ap50(results, anns) == pytest.approx(ours, abs=0.02)
