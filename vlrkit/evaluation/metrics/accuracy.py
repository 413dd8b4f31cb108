"""Top-k and per-class accuracy for single-label classification."""
import logging

import numpy as np

from ...registry import EVALUATORS
from ..metric import BaseMetric


def topk_accuracy(scores, labels, k):
    """scores (N, K), labels (N,) -> fraction of images whose label is among the k best scores."""
    topk = np.argsort(-scores, axis=1)[:, :k]
    return float((topk == labels[:, None]).any(axis=1).mean())


def per_class_accuracy(scores, labels, num_classes):
    """Accuracy of the images of each class (NaN for a class without images)."""
    predicted = scores.argmax(axis=1)
    return np.array([(predicted[labels == c] == c).mean() if (labels == c).any() else np.nan
                     for c in range(num_classes)])


@EVALUATORS.register_module()
class Accuracy(BaseMetric):
    """Reports ``accuracy/top1``, ``accuracy/top5`` (k above the class count are skipped) and
    ``accuracy/mean_class`` (the mean of per-class accuracies, robust to class imbalance)."""

    default_prefix = 'accuracy'

    def __init__(self, topk=(1, 5), prefix=None):
        super().__init__(prefix)
        self.topk = tuple(topk)

    def process(self, batch, preds):
        for label, pred in zip(batch['labels'], preds):
            self.results.append((pred['scores'].numpy(), int(label)))

    def compute_metrics(self, results):
        scores = np.stack([s for s, _ in results])
        labels = np.array([label for _, label in results])
        metrics = {f'top{k}': topk_accuracy(scores, labels, k) for k in self.topk if k <= scores.shape[1]}
        per_class = per_class_accuracy(scores, labels, scores.shape[1])
        metrics['mean_class'] = float(np.nanmean(per_class))
        names = self.class_names or [str(c) for c in range(scores.shape[1])]
        self.per_class = dict(zip(names, per_class.tolist()))
        table = '\n'.join(f'  {name:>12}: {acc:.4f}' for name, acc in self.per_class.items())
        logging.getLogger('vlrkit').info(f'per-class accuracy:\n{table}')
        return metrics
