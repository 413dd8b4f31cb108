"""voc_map vs pycocotools COCOeval on the same detections (5,000 images x 100 detections).

    python tools/benchmark.py voc_map_speed [--images 5000 --dets 100 --classes 20 --repeats 3]

The data are ``vlrkit.datasets.synthetic_detections``, the generator the voc_map tests check
against a devkit loop and pycocotools, at benchmark scale: 1-6 ground-truth boxes per 400 px
image, every one found with jitter (the first of each class twice) plus random boxes, about
``--dets`` detections per image (noise scored below 0.7), no difficult objects, so both tools compute the same AP at
IoU 0.5. Timed from the in-memory lists to the AP:
vlrkit from mmdetection eval_map lists; COCOeval from a ground-truth dict and a results list
(index, loadRes, evaluate, accumulate). COCOeval is timed twice: as configured by default
(10 IoU thresholds x 4 area ranges x 3 maxDets) and restricted to IoU 0.5 / all areas / every
detection of an image (voc_map keeps them all), the like-for-like comparison.
"""
import argparse
import contextlib
import io
import time

import numpy as np

from vlrkit.datasets.synthetic_detections import synthetic_detections
from vlrkit.evaluation.functional import voc_map
from vlrkit.evaluation.functional.coco_format import to_coco_gt, to_coco_results


def run_cocoeval(gt_dict, results, restricted_max_dets=None):
    """COCOeval's AP50; with ``restricted_max_dets`` only IoU 0.5, all areas, that many dets."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = gt_dict
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(results)
        evaluator = COCOeval(coco_gt, coco_dt, 'bbox')
        if restricted_max_dets is not None:
            evaluator.params.iouThrs = np.array([0.5])
            evaluator.params.areaRng = [[0, 1e10]]
            evaluator.params.areaRngLbl = ['all']
            evaluator.params.maxDets = [restricted_max_dets]
        evaluator.evaluate()
        evaluator.accumulate()
    precision = evaluator.eval['precision'][0, :, :, 0, -1]           # IoU 0.5, all areas, max dets
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
    det_results, annotations = synthetic_detections(
        0, args.images, args.classes, difficult_prob=0.0, image_size=400, box_size=(16, 120),
        objects=(1, 6), noise_per_class=(0, 2 * args.dets // args.classes), jitter=6.0,
        noise_score=0.7)
    max_dets = max(sum(len(d) for d in per_class) for per_class in det_results)
    gt_dict = to_coco_gt(annotations, args.classes)
    results = to_coco_results(det_results)
    ours_s, (ours_ap, _) = best_of(args.repeats, lambda: voc_map(det_results, annotations))
    restricted_s, coco_ap = best_of(args.repeats, lambda: run_cocoeval(gt_dict, results, max_dets))
    full_s, _ = best_of(1, lambda: run_cocoeval(gt_dict, results))
    print(f'{args.images} images x {args.dets} detections, {args.classes} classes (best of {args.repeats})')
    print(f'  vlrkit voc_map                      {ours_s:7.2f} s   AP50 {ours_ap:.4f}')
    print(f'  COCOeval IoU 0.5 / all / all dets   {restricted_s:7.2f} s   AP50 {coco_ap:.4f} '
          f'(101-point interpolation)')
    print(f'  COCOeval default (10 IoU x 4 areas) {full_s:7.2f} s')
    print(f'  speed-up vs restricted COCOeval: {restricted_s / ours_s:.1f}x; vs default: {full_s / ours_s:.1f}x')
    return dict(ours_s=ours_s, coco_restricted_s=restricted_s, coco_full_s=full_s, ours_ap=ours_ap,
                coco_ap=coco_ap)
