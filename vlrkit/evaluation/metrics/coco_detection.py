"""COCO-style detection AP (pycocotools COCOeval) as an evaluator.

AP averaged over IoU 0.50:0.95, AP50, AP75, and AP for small / medium / large objects. Ground
truth comes from ``ann_file`` when the data has a COCO json, else it is built from the batches'
ground truth in original pixels (difficult objects become ``iscrowd=1``), so any detection
dataset, VOC included, gets COCO numbers.
"""
import json
from pathlib import Path

from ...registry import EVALUATORS
from ..functional.coco_format import COCO_STAT_NAMES, coco_evaluate, to_coco_gt, xyxy_to_xywh
from ..metric import BaseMetric
from .voc_detection import detection_entries


@EVALUATORS.register_module()
class COCODetectionMetric(BaseMetric):
    """Args:
        ann_file: optional COCO json of the evaluated split. Its images are matched by ``img_id``
            (the COCO image id) and its categories, sorted by id, are the class indices.
        export_json: optional path (relative: inside the work_dir) for the COCO results json.

    Returns ``coco/mAP``, ``coco/mAP_50``, ``coco/mAP_75``, ``coco/mAP_s``, ``coco/mAP_m``,
    ``coco/mAP_l``.
    """

    default_prefix = 'coco'

    def __init__(self, ann_file=None, export_json=None, prefix=None):
        super().__init__(prefix)
        self.ann_file = ann_file
        self.export_json = export_json

    def process(self, batch, preds):
        self.results.extend(detection_entries(batch, preds))

    def compute_metrics(self, results):
        if self.ann_file is not None:
            gt = json.loads(Path(self.ann_file).read_text())
            category_ids = sorted(c['id'] for c in gt['categories'])
            image_ids = [int(r['img_id']) if r['img_id'].isdigit() else r['img_id'] for r in results]
        else:
            num_classes = len(self.class_names) if self.class_names else 1 + int(max(
                [l.max() for r in results for l in (r['gt_labels'], r['pred_labels']) if len(l)],
                default=0))
            annotations = [dict(bboxes=r['gt_boxes'][~r['gt_difficult']], labels=r['gt_labels'][~r['gt_difficult']],
                                bboxes_ignore=r['gt_boxes'][r['gt_difficult']],
                                labels_ignore=r['gt_labels'][r['gt_difficult']]) for r in results]
            image_ids = list(range(len(results)))
            sizes = [r['ori_shape'] for r in results] if all(r['ori_shape'] for r in results) else None
            gt = to_coco_gt(annotations, num_classes, self.class_names, image_ids, sizes)
            category_ids = [c['id'] for c in gt['categories']]
        detections = []
        for image_id, r in zip(image_ids, results):
            for box, score, label in zip(xyxy_to_xywh(r['pred_boxes']), r['pred_scores'], r['pred_labels']):
                detections.append(dict(image_id=image_id, category_id=int(category_ids[label]),
                                       bbox=[float(v) for v in box], score=float(score)))
        if self.export_json is not None:
            path = self.output_path(self.export_json)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(detections))
        stats = coco_evaluate(gt, detections)
        return {name: stats[name] for name in COCO_STAT_NAMES}
