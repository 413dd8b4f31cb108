"""Multi-label classification evaluators: metric1 (mAP) and metric2 (recall / F-beta at a threshold).

Both collect, per image, the predicted ``scores`` (K,) with the batch's multi-hot ``labels`` (K,) and
``difficult`` mask (K,), and compute over the whole split with ``evaluation/functional/multilabel``.
A detector trained from image labels (WSDDN) is scored the same way: its predictions' ``scores``
belong to its boxes, so its image-level class scores are ``img_scores``, and a detection batch's
``labels`` belong to its objects, so its image labels are ``img_labels`` / ``img_difficult``.
"""
import logging
import math

import numpy as np

from vlrkit.errors import ConfigError
from vlrkit.evaluation.functional.multilabel import multilabel_fbeta, multilabel_map
from vlrkit.evaluation.metric import BaseMetric, per_class, write_csv
from vlrkit.registry import EVALUATORS
from vlrkit.structures import to_numpy
from vlrkit.visualization.figures import class_ap_bars

logger = logging.getLogger('vlrkit')


class _MultiLabelMetric(BaseMetric):
    """Shared ``process``: one (scores, labels, difficult) triple per image."""

    def process(self, batch, preds):
        if 'img_labels' in batch:
            labels, difficult = batch['img_labels'], batch.get('img_difficult')
        else:
            labels, difficult = batch['labels'], batch.get('difficult')
        for i, pred in enumerate(preds):
            target = to_numpy(labels[i])
            if target.ndim != 1:
                raise ConfigError(f'{type(self).__name__} needs multi-hot (K,) labels per image, got shape '
                                 f'{target.shape}; single-label data wants the Accuracy evaluator')
            mask = np.zeros(target.shape, bool) if difficult is None else to_numpy(difficult[i]).astype(bool)
            scores = pred['img_scores'] if 'img_scores' in pred else pred['scores']
            self.results.append((to_numpy(scores), target, mask))

    @staticmethod
    def _stack(results):
        scores, targets, difficult = (np.stack(part) for part in zip(*results))
        return scores, targets.round().astype(np.int64), difficult

    def _class_names(self, num_classes):
        names = list(self.class_names or [])
        return names if len(names) == num_classes else [f'class_{k}' for k in range(num_classes)]


@EVALUATORS.register_module()
class MultiLabelMAP(_MultiLabelMetric):
    """metric1: mean over classes of the per-class average precision, difficult entries excluded.

    Classes without a positive in the split get AP NaN: they are listed in the table and left out
    of the mean. Returns ``mAP`` and ``AP/<class name>`` per class; logs the per-class table and,
    when the context gives a work_dir, writes it to ``<prefix>_per_class_ap.csv`` there.

    Args:
        mode: 'area' (scikit-learn average precision) or '11points' (VOC2007).
        ap_chart: draw the per-class APs as a bar chart when there is a work_dir,
            ``<work_dir>/analysis/<prefix>_class_ap.png`` and a TensorBoard image.
        prefix: key prefix; default 'multilabel' (keys 'multilabel/mAP', 'multilabel/AP/dog').
    """

    default_prefix = 'multilabel'

    def __init__(self, mode='area', ap_chart=True, prefix=None):
        super().__init__(prefix)
        self.mode, self.ap_chart = mode, ap_chart

    def compute_metrics(self, results):
        if not results:
            raise ConfigError('MultiLabelMAP got no results: the evaluation dataloader was empty')
        scores, targets, difficult = self._stack(results)
        mean_ap, class_aps = multilabel_map(scores, targets, difficult, mode=self.mode)
        names = self._class_names(targets.shape[1])
        positives = (targets.astype(bool) & ~difficult).sum(0)
        self._report(names, class_aps, positives, mean_ap)
        if self.ap_chart and self.work_dir is not None:
            self.add_figure(class_ap_bars(names, class_aps, f'AP per class ({self.mode}), mAP {mean_ap:.4f}'),
                            'class_ap', 'AP per class')
        return {'mAP': mean_ap, **per_class('AP', names, class_aps)}

    def _report(self, names, class_aps, positives, mean_ap):
        width = max(len(n) for n in names + ['class'])
        rows = [f'{"class":<{width}}  {"AP":>6}  {"positives":>9}']
        for name, ap, pos in zip(names, class_aps, positives):
            shown = '   n/a' if math.isnan(ap) else f'{ap:6.4f}'
            rows.append(f'{name:<{width}}  {shown}  {pos:>9d}')
        scored = int(np.sum(~np.isnan(class_aps)))
        rows.append(f'{"mAP":<{width}}  {mean_ap:6.4f}  ({scored} classes with positives)')
        logger.info('per-class average precision (%s):\n%s', self.mode, '\n'.join(rows))
        if self.work_dir is not None:
            write_csv(self.output_path(f'{self.prefix or "multilabel"}_per_class_ap.csv'),
                      ['class', 'ap', 'positives'],
                      [[n, '' if math.isnan(a) else f'{a:.6f}', int(p)]
                       for n, a, p in zip(names, class_aps, positives)])


@EVALUATORS.register_module()
class MultiLabelFBeta(_MultiLabelMetric):
    """metric2: precision, recall and F-beta of the decisions ``score >= thr``, difficult excluded.

    Args:
        thr: score threshold (scores are sigmoid probabilities).
        beta: F-beta weight of recall (1 = F1).
        average: 'macro' (per class, mean over classes where defined) or 'micro' (pooled entries).
        prefix: key prefix; default 'multilabel'.
    Returns keys ``precision@<thr>``, ``recall@<thr>`` and ``f<beta>@<thr>`` (e.g. 'recall@0.5').
    """

    default_prefix = 'multilabel'

    def __init__(self, thr=0.5, beta=1.0, average='macro', prefix=None):
        super().__init__(prefix)
        if average not in ('macro', 'micro'):
            raise ConfigError(f"MultiLabelFBeta average={average!r}; choose 'macro' or 'micro'")
        self.thr, self.beta, self.average = thr, beta, average

    def compute_metrics(self, results):
        if not results:
            raise ConfigError(f'{type(self).__name__} got no results: the evaluation dataloader was empty')
        scores, targets, difficult = self._stack(results)
        values = multilabel_fbeta(scores, targets, difficult, self.thr, self.beta, self.average)
        return {f'precision@{self.thr:g}': values['precision'], f'recall@{self.thr:g}': values['recall'],
                f'f{self.beta:g}@{self.thr:g}': values['fbeta']}


@EVALUATORS.register_module()
class MultiLabelRecall(MultiLabelFBeta):
    """metric2 of the 2020 course recipe for the localiser: recall of ``score >= thr`` only (see MultiLabelFBeta)."""

    def compute_metrics(self, results):
        metrics = super().compute_metrics(results)
        return {f'recall@{self.thr:g}': metrics[f'recall@{self.thr:g}']}
