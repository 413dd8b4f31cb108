"""Multi-label classification metrics over a whole split, as plain numpy functions.

Shapes: ``scores`` (N, K) float, higher = more confident; ``targets`` (N, K) in {0, 1};
``difficult`` (N, K) bool, True where class k of image n is present only as difficult objects.
A difficult entry counts neither as a positive nor as a negative: it is dropped from class k.
"""
import warnings

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve

AP_MODES = ('area', '11points')


def _as_arrays(scores, targets, difficult):
    scores = np.asarray(scores, dtype=np.float64)
    targets = np.asarray(targets)
    if scores.ndim != 2 or scores.shape != targets.shape:
        raise ValueError(f'scores {scores.shape} and targets {targets.shape} must both be (N, K)')
    if not np.isin(targets, (0, 1)).all():
        raise ValueError('targets must be multi-hot (0/1); got values '
                         f'{np.unique(targets)[:10].tolist()}')
    if difficult is None:
        difficult = np.zeros(targets.shape, dtype=bool)
    difficult = np.asarray(difficult, dtype=bool)
    if difficult.shape != targets.shape:
        raise ValueError(f'difficult {difficult.shape} must match targets {targets.shape}')
    return scores, targets.astype(np.int64), difficult


def voc07_11point_ap(labels, scores):
    """VOC2007 AP: mean over recall levels 0, 0.1, ..., 1 of the best precision at recall >= level."""
    precision, recall, _ = precision_recall_curve(labels, scores)
    # sklearn appends the point (recall 0, precision 1) for "predict nothing"; VOC07 does not have it.
    precision, recall = precision[:-1], recall[:-1]
    levels = np.linspace(0, 1, 11)
    return float(np.mean([precision[recall >= t].max() if (recall >= t).any() else 0.0 for t in levels]))


def multilabel_map(scores, targets, difficult=None, mode='area'):
    """Mean average precision over classes, each class ranked over the whole split.

    Args:
        scores, targets, difficult: see the module docstring.
        mode: 'area' (scikit-learn's average_precision_score, the step-wise area under the PR
            curve) or '11points' (VOC2007's interpolated 11-point AP).
    Returns:
        (mAP, per_class_ap): per_class_ap is a (K,) array with NaN for classes that have no
        positive (non-difficult) entry; the mean is over the other classes (NaN if there are none).
    """
    if mode not in AP_MODES:
        raise ValueError(f'multilabel_map mode={mode!r}; choose one of {AP_MODES}')
    scores, targets, difficult = _as_arrays(scores, targets, difficult)
    per_class = np.full(targets.shape[1], np.nan)
    for k in range(targets.shape[1]):
        valid = ~difficult[:, k]
        labels = targets[valid, k]
        if labels.sum() == 0:
            continue  # AP is undefined without positives; reported as NaN, left out of the mean
        if mode == 'area':
            per_class[k] = average_precision_score(labels, scores[valid, k])
        else:
            per_class[k] = voc07_11point_ap(labels, scores[valid, k])
    return _nanmean(per_class), per_class


def multilabel_precision_recall(scores, targets, difficult=None, thr=0.5, average='macro'):
    """Precision and recall of the decisions ``scores >= thr``, difficult entries excluded.

    Args:
        average: 'macro' — per class, then the mean over classes where it is defined (recall needs
            a positive, precision a predicted positive); 'micro' — over all valid entries pooled.
    Returns:
        (precision, recall) floats; per-class arrays are available from ``per_class_counts``.
    """
    tp, fp, fn = per_class_counts(scores, targets, difficult, thr)
    if average == 'micro':
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
        return _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    if average != 'macro':
        raise ValueError(f"average={average!r}; choose 'macro' or 'micro'")
    with np.errstate(invalid='ignore', divide='ignore'):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), np.nan)
        recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), np.nan)
    return _nanmean(precision), _nanmean(recall)


def multilabel_recall(scores, targets, difficult=None, thr=0.5, average='macro'):
    """Recall at threshold ``thr`` (metric2 of the 2020 course recipe for the localiser); see multilabel_precision_recall."""
    return multilabel_precision_recall(scores, targets, difficult, thr, average)[1]


def multilabel_fbeta(scores, targets, difficult=None, thr=0.5, beta=1.0, average='macro'):
    """Precision, recall and F-beta of the decisions ``scores >= thr``; beta > 1 favours recall.

    F-beta = (1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP): 0 when nothing right was predicted,
    undefined (left out of the macro mean) only for a class with neither positives nor predictions.
    'macro' averages the per-class F-beta (as scikit-learn's fbeta_score); 'micro' pools the counts.

    Returns:
        dict(precision=..., recall=..., fbeta=...) floats, with ``average`` applied to each.
    """
    if beta <= 0:
        raise ValueError(f'beta must be > 0, got {beta}')
    precision, recall = multilabel_precision_recall(scores, targets, difficult, thr, average)
    tp, fp, fn = per_class_counts(scores, targets, difficult, thr)
    if average == 'micro':
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    b2 = beta * beta
    num, den = (1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp
    with np.errstate(invalid='ignore', divide='ignore'):
        fbeta = np.where(den > 0, num / np.maximum(den, 1), np.nan)
    return dict(precision=precision, recall=recall, fbeta=_nanmean(fbeta))


def per_class_counts(scores, targets, difficult=None, thr=0.5):
    """(K,) true positives, false positives, false negatives of ``scores >= thr`` over valid entries."""
    scores, targets, difficult = _as_arrays(scores, targets, difficult)
    valid = ~difficult
    predicted = scores >= thr
    positive = targets.astype(bool)
    tp = (predicted & positive & valid).sum(0)
    fp = (predicted & ~positive & valid).sum(0)
    fn = (~predicted & positive & valid).sum(0)
    return tp, fp, fn


def _ratio(num, den):
    return float(num / den) if den > 0 else float('nan')


def _nanmean(values):
    values = np.asarray(values, dtype=np.float64)
    if np.isnan(values).all():
        return float('nan')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)
        return float(np.nanmean(values))
