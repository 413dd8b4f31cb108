"""voc_map vs pycocotools COCOeval on the same detections (5,000 images x 100 detections).

    python tools/benchmark.py voc_map_speed [--images 5000 --dets 100 --classes 20 --repeats 3]

The data are synthetic and seeded: ground truth of 1-6 boxes per image, detections made of
jittered copies of the ground truth (some duplicated) plus random boxes, no difficult objects,
so both tools compute the same AP at IoU 0.5. Timed from the in-memory lists to the AP:
vlrkit from mmdetection eval_map lists; COCOeval from a ground-truth dict and a results list
(index, loadRes, evaluate, accumulate). COCOeval is timed twice: as configured by default
(10 IoU thresholds x 4 area ranges x 3 maxDets) and restricted to IoU 0.5 / all areas /
100 detections, the like-for-like comparison.
"""
import argparse
import contextlib
import io
import time

import numpy as np

from vlrkit.evaluation.functional import voc_map
from vlrkit.evaluation.functional.coco_format import to_coco_gt, to_coco_results


def synthetic(num_images, dets_per_image, num_classes, seed=0):
    rng = np.random.default_rng(seed)
    det_results, annotations = [], []
    for _ in range(num_images):
        count = rng.integers(1, 7)
        xy = rng.uniform(0, 400, (count, 2))
        boxes = np.c_[xy, xy + rng.uniform(16, 120, (count, 2))]
        labels = rng.integers(0, num_classes, count)
        annotations.append(dict(bboxes=boxes, labels=labels, bboxes_ignore=np.zeros((0, 4)),
                                labels_ignore=np.zeros(0, np.int64)))
        hits = rng.integers(0, count, dets_per_image // 4)
        found = boxes[hits] + rng.normal(0, 6, (len(hits), 4))
        noise_xy = rng.uniform(0, 400, (dets_per_image - len(hits), 2))
        noise = np.c_[noise_xy, noise_xy + rng.uniform(16, 120, (len(noise_xy), 2))]
        det_boxes = np.r_[found, noise]
        det_labels = np.r_[labels[hits], rng.integers(0, num_classes, len(noise))]
        det_scores = np.r_[rng.uniform(0.3, 1, len(hits)), rng.uniform(0, 0.7, len(noise))]
        dets = np.c_[det_boxes, det_scores]
        det_results.append([dets[det_labels == k] for k in range(num_classes)])
    return det_results, annotations


def run_cocoeval(gt_dict, results, restricted):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = gt_dict
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(results)
        evaluator = COCOeval(coco_gt, coco_dt, 'bbox')
        if restricted:
            evaluator.params.iouThrs = np.array([0.5])
            evaluator.params.areaRng = [[0, 1e10]]
            evaluator.params.areaRngLbl = ['all']
            evaluator.params.maxDets = [100]
        evaluator.evaluate()
        evaluator.accumulate()
    precision = evaluator.eval['precision'][0, :, :, 0, -1]           # IoU 0.5, all areas, 100 dets
    return float(np.mean(precision[precision > -1]))


def best_of(repeats, fn):
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--images', type=int, default=5000)
    parser.add_argument('--dets', type=int, default=100)
    parser.add_argument('--classes', type=int, default=20)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args(argv)
    det_results, annotations = synthetic(args.images, args.dets, args.classes)
    gt_dict = to_coco_gt(annotations, args.classes)
    results = to_coco_results(det_results)
    ours_s, (ours_ap, _) = best_of(args.repeats, lambda: voc_map(det_results, annotations))
    restricted_s, coco_ap = best_of(args.repeats, lambda: run_cocoeval(gt_dict, results, True))
    full_s, _ = best_of(1, lambda: run_cocoeval(gt_dict, results, False))
    print(f'{args.images} images x {args.dets} detections, {args.classes} classes (best of {args.repeats})')
    print(f'  vlrkit voc_map                      {ours_s:7.2f} s   AP50 {ours_ap:.4f}')
    print(f'  COCOeval IoU 0.5 / all / 100 dets   {restricted_s:7.2f} s   AP50 {coco_ap:.4f} '
          f'(101-point interpolation)')
    print(f'  COCOeval default (10 IoU x 4 areas) {full_s:7.2f} s')
    print(f'  speed-up vs restricted COCOeval: {restricted_s / ours_s:.1f}x; vs default: {full_s / ours_s:.1f}x')
    return dict(ours_s=ours_s, coco_restricted_s=restricted_s, coco_full_s=full_s)
