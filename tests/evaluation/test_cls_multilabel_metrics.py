"""Multi-label mAP (metric1) and recall / F-beta (metric2) against hand-computed cases."""
import logging
import math

import numpy as np
import pytest
import torch

from vlrkit.evaluation.functional.multilabel import (multilabel_fbeta, multilabel_map,
                                                     multilabel_recall, voc07_11point_ap)
from vlrkit.evaluation.metric import EvalContext
from vlrkit.registry import EVALUATORS

# 4 images, 3 classes. Class 0: ranking pos, neg, pos, neg -> AP = (1/1 + 2/3) / 2 = 5/6.
# Class 1: the positive image 3 is difficult and so dropped; image 1 is the only positive and
# ranks 2nd of the 3 valid images -> AP = 1/2. Class 2: no positive at all -> NaN, not in the mean.
SCORES = np.array([[0.9, 0.8, 0.1],
                   [0.8, 0.6, 0.2],
                   [0.7, 0.1, 0.3],
                   [0.2, 0.95, 0.4]])
TARGETS = np.array([[1, 0, 0],
                    [0, 1, 0],
                    [1, 0, 0],
                    [0, 1, 0]])
DIFFICULT = np.array([[0, 0, 0],
                      [0, 0, 0],
                      [0, 0, 0],
                      [0, 1, 0]], dtype=bool)


def test_map_by_hand_with_difficult_and_empty_class():
    mean_ap, per_class = multilabel_map(SCORES, TARGETS, DIFFICULT)
    assert per_class[0] == pytest.approx(5 / 6)
    assert per_class[1] == pytest.approx(1 / 2)
    assert math.isnan(per_class[2])
    assert mean_ap == pytest.approx((5 / 6 + 1 / 2) / 2)
    # without the difficult mask image 3 counts as a top-ranked positive: AP(1) = (1/1 + 2/3) / 2
    _, no_mask = multilabel_map(SCORES, TARGETS)
    assert no_mask[1] == pytest.approx(5 / 6)


def test_voc07_11point_by_hand():
    # ranking pos, neg, pos, neg: precision 1 up to recall 0.5, then 2/3 up to recall 1.
    # 11-point: levels 0..0.5 (6 levels) -> 1, levels 0.6..1.0 (5 levels) -> 2/3.
    expected = (6 * 1 + 5 * (2 / 3)) / 11
    assert voc07_11point_ap(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.2])) == pytest.approx(expected)
    mean_ap, per_class = multilabel_map(SCORES, TARGETS, DIFFICULT, mode='11points')
    assert per_class[0] == pytest.approx(expected)
    # class 1: valid ranking neg (0.8), pos (0.6), neg (0.1): precision 1/2 at recall 1 -> 0.5
    assert per_class[1] == pytest.approx(0.5) and math.isnan(per_class[2])


def test_perfect_and_all_missing():
    mean_ap, _ = multilabel_map(TARGETS.astype(float), TARGETS)
    assert mean_ap == pytest.approx(1.0)
    mean_ap, per_class = multilabel_map(SCORES, np.zeros_like(TARGETS))
    assert math.isnan(mean_ap) and np.isnan(per_class).all()


def test_recall_precision_fbeta_by_hand():
    # thr 0.5 decisions: class 0 predicts images 0,1,2 -> TP 2, FP 1, FN 0;
    # class 1 (image 3 difficult, dropped): predicts images 0,1 -> TP 1 (image 1), FP 1, FN 0;
    # class 2: nothing predicted, no positives -> precision and recall undefined, left out.
    values = multilabel_fbeta(SCORES, TARGETS, DIFFICULT, thr=0.5, beta=1.0)
    precision, recall = (2 / 3 + 1 / 2) / 2, 1.0
    assert values['precision'] == pytest.approx(precision)
    assert values['recall'] == pytest.approx(recall)
    # per-class F1 = 2TP / (2TP + FN + FP): class 0 -> 4/5, class 1 -> 2/3, class 2 undefined
    assert values['fbeta'] == pytest.approx((4 / 5 + 2 / 3) / 2)
    micro = multilabel_fbeta(SCORES, TARGETS, DIFFICULT, thr=0.5, beta=2.0, average='micro')
    p, r = 3 / 5, 3 / 3
    assert micro['precision'] == pytest.approx(p) and micro['recall'] == pytest.approx(r)
    assert micro['fbeta'] == pytest.approx(5 * p * r / (4 * p + r))
    # nothing predicted: recall 0, precision undefined, F-beta 0 (not NaN)
    nothing = multilabel_fbeta(SCORES, TARGETS, DIFFICULT, thr=0.99)
    assert nothing['recall'] == 0 and math.isnan(nothing['precision']) and nothing['fbeta'] == 0
    # a stricter threshold loses image 2 of class 0 (0.7 < 0.75) and image 1 of class 1
    assert multilabel_recall(SCORES, TARGETS, DIFFICULT, thr=0.75) == pytest.approx((1 / 2 + 0) / 2)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match='multi-hot'):
        multilabel_map(SCORES, TARGETS * 2)
    with pytest.raises(ValueError, match=r'\(N, K\)'):
        multilabel_map(SCORES[:, :2], TARGETS)
    with pytest.raises(ValueError, match='mode'):
        multilabel_map(SCORES, TARGETS, mode='auc')


def _run(evaluator, tmp_path=None, class_names=('cat', 'dog', 'bird')):
    for start in (0, 2):   # two batches of two images
        batch = dict(labels=torch.tensor(TARGETS[start:start + 2], dtype=torch.float32),
                     difficult=torch.tensor(DIFFICULT[start:start + 2]))
        preds = [dict(scores=torch.tensor(s, dtype=torch.float32)) for s in SCORES[start:start + 2]]
        evaluator.process(batch, preds)
    evaluator.set_context(EvalContext(work_dir=tmp_path, class_names=class_names))
    return evaluator.compute(size=4)


def test_map_evaluator_logs_table_and_writes_csv(tmp_path, caplog):
    evaluator = EVALUATORS.build(dict(type='MultiLabelMAP'))
    with caplog.at_level(logging.INFO, logger='vlrkit'):
        metrics = _run(evaluator, tmp_path)
    assert metrics['multilabel/mAP'] == pytest.approx((5 / 6 + 1 / 2) / 2, rel=1e-6)
    assert metrics['multilabel/AP/dog'] == pytest.approx(0.5, rel=1e-6)
    assert math.isnan(metrics['multilabel/AP/bird'])
    assert 'bird' in caplog.text and 'n/a' in caplog.text
    rows = (tmp_path / 'multilabel_per_class_ap.csv').read_text().splitlines()
    assert rows[0] == 'class,ap,positives' and rows[2].startswith('dog,0.5') and rows[3] == 'bird,,0'
    assert evaluator.results == []   # reset for the next evaluation


def test_fbeta_and_recall_evaluators():
    metrics = _run(EVALUATORS.build(dict(type='MultiLabelFBeta', thr=0.5, prefix='metric2')))
    assert set(metrics) == {'metric2/precision@0.5', 'metric2/recall@0.5', 'metric2/f1@0.5'}
    assert metrics['metric2/recall@0.5'] == pytest.approx(1.0)
    recall = _run(EVALUATORS.build(dict(type='MultiLabelRecall', thr=0.75)))
    assert recall == {'multilabel/recall@0.75': pytest.approx(0.25)}


def test_a_detectors_image_scores_are_scored_against_a_detection_batchs_image_labels():
    """WSDDN predicts boxes with their own ``scores``; its class scores are ``img_scores``, and a
    detection batch's ``labels`` are per object, its image labels ``img_labels``."""
    evaluator = EVALUATORS.build(dict(type='MultiLabelMAP'))
    for start in (0, 2):
        batch = dict(labels=[torch.tensor([0]), torch.tensor([2, 2])],   # per-object, ignored
                     img_labels=torch.tensor(TARGETS[start:start + 2], dtype=torch.float32),
                     img_difficult=torch.tensor(DIFFICULT[start:start + 2]))
        preds = [dict(boxes=torch.zeros(1, 4), scores=torch.tensor([0.5]), labels=torch.tensor([0]),
                      img_scores=torch.tensor(s, dtype=torch.float32))
                 for s in SCORES[start:start + 2]]
        evaluator.process(batch, preds)
    evaluator.set_context(EvalContext(class_names=('cat', 'dog', 'bird')))
    assert evaluator.compute(size=4)['multilabel/mAP'] == pytest.approx((5 / 6 + 1 / 2) / 2, rel=1e-6)


def test_single_label_batches_are_refused():
    evaluator = EVALUATORS.build(dict(type='MultiLabelMAP'))
    with pytest.raises(ValueError, match='Accuracy'):
        evaluator.process(dict(labels=torch.tensor([1, 2])), [dict(scores=torch.rand(3))] * 2)
