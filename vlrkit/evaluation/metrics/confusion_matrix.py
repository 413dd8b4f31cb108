"""Confusion matrix of a single-label classifier: which classes are taken for which.

Rows are true classes, columns predicted ones; the figure normalises each row so classes of any
size compare. Besides accuracy, the mean per-class accuracy (the diagonal's mean) is reported,
which an imbalanced test set cannot inflate, and every class's own accuracy (``accuracy/<class>``
and a one-row-per-class table), which says which classes the mean hides.
"""
import numpy as np
import torch

from vlrkit.errors import ConfigError
from vlrkit.evaluation.metric import BaseMetric, per_class
from vlrkit.registry import EVALUATORS


def confusion_counts(true, pred, num_classes):
    """(K, K) counts: entry [t, p] is the number of images of class t predicted as p."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(true, np.int64), np.asarray(pred, np.int64)), 1)
    return matrix


@EVALUATORS.register_module()
class ConfusionMatrix(BaseMetric):
    """Confusion matrix, accuracy and mean per-class accuracy of single-label predictions.

    Needs ``labels`` (N,) class indices in the batch and ``pred_label`` (or ``scores``) in the
    predictions. Returns ``accuracy``, ``mean_class_accuracy`` and ``accuracy/<class>`` for every
    class with test images. Writes ``confusion_matrix.png``, ``confusion_matrix.csv`` and
    ``confusion_per_class.csv`` (class, images, correct, accuracy) in ``<work_dir>/analysis``.
    """
    default_prefix = 'confusion'

    def __init__(self, num_classes=None, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def process(self, batch, preds):
        labels = torch.as_tensor(batch['labels']).cpu()
        if labels.ndim != 1:
            raise ConfigError('ConfusionMatrix is for single-label data (labels of shape (N,)); '
                              f'got labels of shape {tuple(labels.shape)}. Use PerClassAP for '
                              'multi-label data.')
        for label, pred in zip(labels.tolist(), preds):
            top = pred.get('pred_label')
            top = int(torch.as_tensor(pred['scores']).argmax()) if top is None else int(top)
            self.results.append((int(label), top))

    def compute_metrics(self, results):
        true, pred = np.array(results).T
        k = self.num_classes or (len(self.class_names) if self.class_names else
                                 int(max(true.max(), pred.max())) + 1)
        matrix = confusion_counts(true, pred, k)
        images, correct = matrix.sum(axis=1), np.diag(matrix)
        class_accuracy = correct / np.maximum(images, 1)
        present = images > 0
        names = self._names(k)
        self.add_figure(matrix_figure(matrix, names), 'matrix', 'Confusion matrix (rows: true class)')
        self.add_table('matrix', 'Confusion matrix counts', ['true \\ predicted', *names],
                       [[name, *row.tolist()] for name, row in zip(names, matrix)])
        self.add_table('per_class', 'Per-class accuracy', ['class', 'images', 'correct', 'accuracy'],
                       [[name, int(n), int(c), f'{a:.4f}' if n else 'n/a']
                        for name, n, c, a in zip(names, images, correct, class_accuracy)])
        return {'accuracy': float(np.trace(matrix) / matrix.sum()),
                'mean_class_accuracy': float(class_accuracy[present].mean()),
                **per_class('accuracy', [n for n, p in zip(names, present) if p],
                            class_accuracy[present])}

    def _names(self, k):
        names = list(self.class_names or [])
        return names if len(names) == k else [str(i) for i in range(k)]


def matrix_figure(matrix, names):
    """The row-normalised matrix as a heat map, counts written in the cells of up to 20 classes."""
    import matplotlib.pyplot as plt
    rates = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 0.4 * len(names) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    shown = ax.imshow(rates, cmap='Blues', vmin=0, vmax=1)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=7)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    if len(names) <= 20:
        for t in range(len(names)):
            for p in range(len(names)):
                if matrix[t, p]:
                    ax.text(p, t, str(matrix[t, p]), ha='center', va='center', fontsize=6,
                            color='white' if rates[t, p] > 0.5 else 'black')
    fig.colorbar(shown, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig
