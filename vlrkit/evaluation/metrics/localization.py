"""Localisation quality of a weakly-supervised localiser: CorLoc and VOC mAP of its heatmap boxes.

The localiser's predictions carry per-class maps covering the padded input: ``heatmap_logits``
(K, h, w), or only probabilities ``heatmaps``, which are turned back into logits (boxes are drawn
on logits, where a strong peak is not flattened by the sigmoid). ``process`` turns them into boxes
in original image pixels right away (so only a few boxes per image are kept, not the maps) and
pairs them with the annotated ``objects`` of the sample, mapped back from input to original pixels
with ``scale_factor``.

Two scores, two questions:
* CorLoc — given that the image contains class c, is the best box for c on a c object? Boxes are
  made for the ground-truth classes only, as the definition asks.
* VOC detection mAP — is it a detector? Boxes are made for the classes the model *predicts*
  (image score ≥ ``det_score_thr``), never from ground truth, and ranked across images by
  ``image score × sigmoid(region peak) / sigmoid(map peak)``: the best region of a class carries
  the image-level confidence, weaker regions proportionally less.

A weakly-supervised *detector* (WSDDN) predicts boxes itself: ``boxes`` (D, 4) in original
pixels, ``scores`` (D,), ``labels`` (D,) and its image-level ``img_scores`` (K,). Its CorLoc takes
the best of its boxes for each ground-truth class and its mAP all of them, as they are; its
annotated objects come from ``objects`` or, in a detection batch, from ``boxes`` / ``labels`` /
``difficult``.
"""
import numpy as np
import torch
from scipy.special import expit

from vlrkit.errors import ConfigError
from vlrkit.evaluation.functional.corloc import corloc
from vlrkit.evaluation.functional.heatmap_boxes import boxes_from_class_maps
from vlrkit.evaluation.functional.voc_map import voc_map
from vlrkit.evaluation.metric import BaseMetric, per_class
from vlrkit.registry import EVALUATORS
from vlrkit.structures import image_pair, to_numpy


def class_map_logits(pred):
    """(K, h, w) float32 logit maps of one prediction: ``heatmap_logits``, else the logits of the
    probabilities in ``heatmaps`` (clamped, so a saturated 1.0 stays finite)."""
    if 'heatmap_logits' in pred:
        return to_numpy(pred['heatmap_logits']).astype(np.float32)
    if 'heatmaps' in pred:
        return torch.logit(torch.as_tensor(to_numpy(pred['heatmaps']), dtype=torch.float32),
                           eps=1e-6).numpy()
    raise ConfigError(f"CorLocMetric needs 'heatmap_logits' or 'heatmaps' in the predictions; "
                      f'the model gave {sorted(pred)}. Use a localiser model (e.g. '
                      'LocalizerAlexNet).')


def heatmap_geometry(pred):
    """``stride`` / ``offset`` of the heatmap cells on the input, when the model states them."""
    return {key: float(to_numpy(pred[f'heatmap_{key}'])) for key in ('stride', 'offset')
            if f'heatmap_{key}' in pred}


def objects_in_original_pixels(objects, scale_factor):
    """mmdetection-style annotation dict from a sample's ``objects`` (input pixels) and its
    ``scale_factor`` (sx, sy) or None: difficult objects go to ``bboxes_ignore`` as VOC evaluation
    does."""
    boxes = to_numpy(objects['boxes']).astype(np.float32).reshape(-1, 4)
    labels = to_numpy(objects['labels']).astype(np.int64).reshape(-1)
    difficult = to_numpy(objects.get('difficult', np.zeros(len(labels), bool))).astype(bool).reshape(-1)
    if scale_factor is not None:
        sx, sy = scale_factor
        boxes = boxes / np.asarray([sx, sy, sx, sy], np.float32)
    return dict(bboxes=boxes[~difficult], labels=labels[~difficult],
                bboxes_ignore=boxes[difficult], labels_ignore=labels[difficult])


def of_classes(dets, classes):
    """The detections (dict of boxes, scores, labels) whose label is in ``classes``."""
    keep = np.isin(dets['labels'], classes)
    return {key: value[keep] for key, value in dets.items()}


def per_class_lists(dets, num_classes):
    """dict(boxes, scores, labels) -> list over classes of (n, 5) arrays (eval_map layout)."""
    rows = np.concatenate([dets['boxes'], dets['scores'][:, None]], axis=1).astype(np.float32)
    return [rows[dets['labels'] == c] for c in range(num_classes)]


@EVALUATORS.register_module()
class CorLocMetric(BaseMetric):
    """CorLoc of the heatmap boxes of ground-truth classes, and VOC mAP of predicted classes' boxes.

    Args:
        rel_threshold: heatmap threshold relative to the map's maximum (see heatmap_boxes).
        background_quantile: quantile of each map the threshold is measured from: 0 its minimum,
            0.5 its median (see heatmap_boxes).
        iou_thr: overlap for a correct localisation and a true positive detection.
        det_score_thr: image score a class needs before its heatmap becomes detections.
        with_map: also compute VOC detection mAP of the predicted classes' boxes.
        prefix: key prefix of the results, default 'loc' (``loc/corloc``, ``loc/mAP``).
    """

    default_prefix = 'loc'

    def __init__(self, rel_threshold=0.5, background_quantile=0.0, iou_thr=0.5, det_score_thr=0.05,
                 with_map=True, prefix=None):
        super().__init__(prefix=prefix)
        self.rel_threshold, self.background_quantile = rel_threshold, background_quantile
        self.iou_thr, self.det_score_thr, self.with_map = iou_thr, det_score_thr, with_map

    def process(self, batch, preds):
        if 'objects' not in batch and 'boxes' not in batch:
            raise ConfigError("CorLocMetric needs the annotated boxes of each image under "
                              "batch['objects'] (or a detection batch's 'boxes'); use a VOCDataset "
                              "in classification mode whose pipeline ends with PackSample (it "
                              "packs 'objects').")
        input_shape = tuple(batch['images'].shape[-2:])
        for index, pred in enumerate(preds):
            annotation = objects_in_original_pixels(image_objects(batch, index),
                                                    image_pair(batch, 'scale_factor', index))
            if 'boxes' in pred:
                self.results.append(self.detector_entry(pred, annotation))
                continue
            maps = class_map_logits(pred)
            scores = to_numpy(pred['scores']).astype(np.float32)
            geometry = dict(input_shape=input_shape, img_shape=image_shape(batch, 'img_shape', index),
                            ori_shape=image_shape(batch, 'ori_shape', index),
                            rel_threshold=self.rel_threshold,
                            background_quantile=self.background_quantile, **heatmap_geometry(pred))
            num_classes = len(scores)
            gt_classes = np.unique(annotation['labels'])
            predicted = (np.flatnonzero(scores >= self.det_score_thr) if self.with_map
                         else np.zeros(0, np.int64))
            # One pass over the classes needed by either score: most present classes are also
            # predicted, and resampling and labelling a map is the costly part.
            boxes = boxes_from_class_maps(maps, np.union1d(gt_classes, predicted), **geometry)
            loc = of_classes(boxes, gt_classes)
            entry = dict(annotation=annotation, loc=per_class_lists(loc, num_classes))
            if self.with_map:
                dets = of_classes(boxes, predicted)
                peaks = expit(maps.reshape(num_classes, -1).max(axis=1))
                labels = dets['labels']
                dets['scores'] = (scores[labels] * expit(dets['scores'])
                                  / np.maximum(peaks[labels], 1e-12)).astype(np.float32)
                entry['det'] = per_class_lists(dets, num_classes)
            self.results.append(entry)

    def detector_entry(self, pred, annotation):
        """A detector's own boxes: the best box of each ground-truth class for CorLoc, all of its
        boxes for mAP (scores as predicted)."""
        if 'img_scores' not in pred:
            raise ConfigError(f"CorLocMetric scores a detector's boxes with its image-level class "
                              f"scores 'img_scores' (K,) beside them; the model gave {sorted(pred)}")
        num_classes = len(to_numpy(pred['img_scores']).reshape(-1))
        dets = dict(boxes=to_numpy(pred['boxes']).astype(np.float32).reshape(-1, 4),
                    scores=to_numpy(pred['scores']).astype(np.float32).reshape(-1),
                    labels=to_numpy(pred['labels']).astype(np.int64).reshape(-1))
        entry = dict(annotation=annotation,
                     loc=per_class_lists(of_classes(dets, np.unique(annotation['labels'])),
                                         num_classes))
        if self.with_map:
            entry['det'] = per_class_lists(dets, num_classes)
        return entry

    def compute_metrics(self, results):
        annotations = [r['annotation'] for r in results]
        num_classes = len(results[0]['loc']) if results else len(self.class_names or ())
        out = corloc([r['loc'] for r in results], annotations, num_classes, self.iou_thr)
        names = self.class_names or [str(c) for c in range(num_classes)]
        scored = [c for c, count in enumerate(out['num_positives']) if count > 0]
        metrics = {'corloc': out['corloc'],
                   **per_class('corloc', [names[c] for c in scored],
                               [out['per_class'][c] for c in scored])}
        if self.with_map:
            mean_ap, _ = voc_map([r['det'] for r in results], annotations, iou_thr=self.iou_thr)
            metrics['mAP'] = float(mean_ap)
        return metrics


def image_objects(batch, index):
    """Image ``index``'s annotated objects: a classification batch's ``objects`` entry, or a
    detection batch's per-object ``boxes`` / ``labels`` / ``difficult``."""
    if 'objects' in batch:
        return batch['objects'][index]
    objects = dict(boxes=batch['boxes'][index], labels=batch['labels'][index])
    if 'difficult' in batch:
        objects['difficult'] = batch['difficult'][index]
    return objects


def image_shape(batch, key, index):
    """Image ``index``'s (h, w) in whole pixels from ``batch[key]``, None without the key."""
    shape = image_pair(batch, key, index)
    return None if shape is None else tuple(int(v) for v in shape)
