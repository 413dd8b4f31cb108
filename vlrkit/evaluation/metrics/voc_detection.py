"""PASCAL VOC detection mAP as an evaluator, with a per-class table and result export.

``process`` keeps, per image, the predictions and the ground truth, both in *original* image
pixels (ground truth in the batch is in input pixels and is divided by ``scale_factor``), so the
numbers match an evaluation against the XML annotations.
"""
import json
import logging
from pathlib import Path

import numpy as np

from ...errors import ConfigError
from ...registry import EVALUATORS
from ...structures import image_pair, to_numpy
from ..functional.coco_format import to_coco_results
from ..functional.voc_map import voc_map_flat
from ..metric import BaseMetric, per_class
from ...visualization.figures import class_ap_bars

logger = logging.getLogger('vlrkit')
AP_MODES = ('area', '11points')


def detection_entries(batch, preds):
    """One plain-numpy record per image: predictions and ground truth in original pixels."""
    entries = []
    for index, pred in enumerate(preds):
        sx, sy = image_pair(batch, 'scale_factor', index, default=(1.0, 1.0))
        gt_boxes = to_numpy(batch['boxes'][index]).reshape(-1, 4).astype(np.float64)
        gt_boxes = gt_boxes / np.array([sx, sy, sx, sy])
        entries.append(dict(
            img_id=str(batch['img_id'][index]) if 'img_id' in batch else str(index),
            ori_shape=image_pair(batch, 'ori_shape', index),
            pred_boxes=to_numpy(pred['boxes']).reshape(-1, 4).astype(np.float64),
            pred_scores=to_numpy(pred['scores']).reshape(-1).astype(np.float64),
            pred_labels=to_numpy(pred['labels']).reshape(-1).astype(np.int64),
            gt_boxes=gt_boxes, gt_labels=to_numpy(batch['labels'][index]).reshape(-1).astype(np.int64),
            gt_difficult=(to_numpy(batch['difficult'][index]).reshape(-1).astype(bool)
                          if 'difficult' in batch else np.zeros(len(gt_boxes), bool))))
    return entries


def flatten_entries(results):
    """Concatenate per-image records into the flat arrays ``voc_map_flat`` takes."""
    def cat(key, width=None):
        arrays = [r[key] for r in results]
        return np.concatenate(arrays) if arrays else np.zeros((0, width) if width else 0)
    det_images = np.repeat(np.arange(len(results)), [len(r['pred_scores']) for r in results])
    gt_images = np.repeat(np.arange(len(results)), [len(r['gt_labels']) for r in results])
    return dict(det_boxes=cat('pred_boxes', 4), scores=cat('pred_scores'), det_images=det_images,
                det_classes=cat('pred_labels').astype(np.int64), gt_boxes=cat('gt_boxes', 4),
                gt_labels=cat('gt_labels').astype(np.int64), gt_images=gt_images,
                gt_ignore=cat('gt_difficult').astype(bool))


def per_class_table(class_names, per_class, title):
    """Markdown table: class, ground truths, detections, recall, AP."""
    lines = [f'### {title}', '', '| class | gts | dets | recall | AP |', '| --- | ---: | ---: | ---: | ---: |']
    for name, result in zip(class_names, per_class):
        recall = result['recall'][-1] if len(result['recall']) else 0.0
        lines.append(f"| {name} | {result['num_gts']} | {result['num_dets']} | {recall:.3f} | "
                     f"{result['ap']:.3f} |")
    return '\n'.join(lines) + '\n'


@EVALUATORS.register_module()
class VOCDetectionMetric(BaseMetric):
    """VOC mAP at an IoU threshold, in both AP modes.

    Args:
        iou_thr: IoU for a match (0.5).
        eval_mode: the mode reported as ``mAP``: 'area' (VOC2010+) or '11points' (VOC2007); the
            other is reported as ``mAP_<mode>``.
        use_legacy_coordinate: +1 pixel widths (the devkit's inclusive pixel boxes).
        export_dir: if set (relative paths are inside the run's work_dir), write
            ``coco_results.json`` (COCO results format, category_id = class index + 1) and the
            Cartucho mAP tool's layout: ``detection-results/<img_id>.txt`` with lines
            ``class score x1 y1 x2 y2`` and ``ground-truth/<img_id>.txt`` with ``class x1 y1 x2 y2
            [difficult]``.
        table: write ``voc_per_class_ap.md`` into the work_dir and log it.
        classwise: also return ``AP/<class>`` per class (TensorBoard curves; long log lines).
        ap_chart: with ``classwise``, also draw the per-class APs as a bar chart,
            ``<work_dir>/analysis/<prefix>_class_ap.png`` and a TensorBoard image.

    Returns ``voc/mAP``, ``voc/mAP_<other mode>`` and, with ``classwise``, ``voc/AP/<class>``.
    The per-class APs are always kept in ``self.per_class``.
    """

    default_prefix = 'voc'

    def __init__(self, iou_thr=0.5, eval_mode='area', use_legacy_coordinate=False, export_dir=None,
                 table=True, classwise=False, ap_chart=True, prefix=None):
        super().__init__(prefix)
        if eval_mode not in AP_MODES:
            raise ConfigError(f'VOCDetectionMetric eval_mode={eval_mode!r}; use one of {AP_MODES}')
        self.iou_thr, self.eval_mode = iou_thr, eval_mode
        self.use_legacy_coordinate = use_legacy_coordinate
        self.export_dir, self.table, self.classwise = export_dir, table, classwise
        self.ap_chart = ap_chart

    def process(self, batch, preds):
        self.results.extend(detection_entries(batch, preds))

    def _num_classes(self, results):
        if self.class_names:
            return len(self.class_names)
        labels = [r['gt_labels'] for r in results] + [r['pred_labels'] for r in results]
        return int(max((l.max() for l in labels if len(l)), default=-1)) + 1

    def compute_metrics(self, results):
        num_classes = self._num_classes(results)
        names = list(self.class_names or [str(c) for c in range(num_classes)])
        flat = flatten_entries(results)
        metrics, per_class_by_mode = {}, {}
        for mode in (self.eval_mode,) + tuple(m for m in AP_MODES if m != self.eval_mode):
            mean_ap, class_results = voc_map_flat(
                **flat, num_classes=num_classes, iou_thr=self.iou_thr, eval_mode=mode,
                use_legacy_coordinate=self.use_legacy_coordinate)
            metrics['mAP' if mode == self.eval_mode else f'mAP_{mode}'] = mean_ap
            per_class_by_mode[mode] = class_results
        self.per_class = {name: r['ap'] for name, r in zip(names, per_class_by_mode[self.eval_mode])}
        if self.classwise:
            metrics.update(per_class('AP', self.per_class, self.per_class.values()))
            if self.ap_chart and self.work_dir is not None:
                self.add_figure(class_ap_bars(names, list(self.per_class.values()),
                                              f'VOC AP@{self.iou_thr} per class, mAP {metrics["mAP"]:.4f}'),
                                'class_ap', 'AP per class')
        if self.table:
            text = per_class_table(names, per_class_by_mode[self.eval_mode],
                                   f'VOC AP@{self.iou_thr} ({self.eval_mode}), mAP {metrics["mAP"]:.4f}')
            logger.info('\n%s', text)
            if self.work_dir is not None:
                self.work_dir.mkdir(parents=True, exist_ok=True)
                self.output_path('voc_per_class_ap.md').write_text(text)
        if self.export_dir is not None:
            self.export(results, names)
        return metrics

    def export(self, results, names):
        """Write COCO results json and the per-image txt files (see the class docstring)."""
        out = self.output_path(self.export_dir)
        export_detections(results, names, out)
        logger.info('detections exported to %s', out)


def export_detections(results, names, out):
    """COCO results json + Cartucho-style txt files for per-image records (original pixels)."""
    out = Path(out)
    (out / 'detection-results').mkdir(parents=True, exist_ok=True)
    (out / 'ground-truth').mkdir(parents=True, exist_ok=True)
    det_results = []
    for r in results:
        det_results.append([np.c_[r['pred_boxes'][r['pred_labels'] == k], r['pred_scores'][r['pred_labels'] == k]]
                            for k in range(len(names))])
        lines = [f'{names[l]} {s:.6f} {b[0]:.1f} {b[1]:.1f} {b[2]:.1f} {b[3]:.1f}'
                 for b, s, l in zip(r['pred_boxes'], r['pred_scores'], r['pred_labels'])]
        (out / 'detection-results' / f"{r['img_id']}.txt").write_text('\n'.join(lines) + '\n' * bool(lines))
        gt_lines = [f'{names[l]} {b[0]:.1f} {b[1]:.1f} {b[2]:.1f} {b[3]:.1f}' + (' difficult' if d else '')
                    for b, l, d in zip(r['gt_boxes'], r['gt_labels'], r['gt_difficult'])]
        (out / 'ground-truth' / f"{r['img_id']}.txt").write_text('\n'.join(gt_lines) + '\n' * bool(gt_lines))
    image_ids = [int(r['img_id']) if r['img_id'].isdigit() else r['img_id'] for r in results]
    (out / 'coco_results.json').write_text(json.dumps(to_coco_results(det_results, image_ids)))
