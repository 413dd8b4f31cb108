"""VOCDetectionMetric / COCODetectionMetric on hand-made batches and predictions."""
import json

import pytest
import torch

from vlrkit.evaluation.metric import EvalContext
from vlrkit.registry import EVALUATORS

NAMES = ('cat', 'dog', 'bird')


def batch_and_preds(perfect=True):
    # two images shown to the model at half size (scale_factor 0.5): ground truth in input pixels
    batch = dict(img_id=['000001', '000002'], scale_factor=[(0.5, 0.5), (0.5, 0.5)],
                 ori_shape=[(200, 300), (200, 300)],
                 boxes=[torch.tensor([[10., 10., 50., 40.], [60., 20., 90., 80.]]), torch.tensor([[0., 0., 30., 30.]])],
                 labels=[torch.tensor([0, 1]), torch.tensor([2])],
                 difficult=[torch.tensor([False, False]), torch.tensor([False])])
    # predictions in original pixels (twice the input coordinates)
    preds = [dict(boxes=torch.tensor([[20., 20., 100., 80.], [120., 40., 180., 160.]]),
                  scores=torch.tensor([0.9, 0.8]), labels=torch.tensor([0, 1])),
             dict(boxes=torch.tensor([[0., 0., 60., 60.]] if perfect else [[100., 100., 160., 160.]]),
                  scores=torch.tensor([0.7]), labels=torch.tensor([2]))]
    return batch, preds


def run(metric, batch, preds, tmp_path):
    metric.set_context(EvalContext(work_dir=tmp_path, class_names=NAMES))
    metric.process(batch, preds)
    return metric.compute()


def test_voc_metric_perfect_and_missed(tmp_path):
    metrics = run(EVALUATORS.build(dict(type='VOCDetectionMetric')), *batch_and_preds(), tmp_path)
    assert set(metrics) == {'voc/mAP', 'voc/mAP_11points'}
    assert metrics['voc/mAP'] == 1.0 and metrics['voc/mAP_11points'] == 1.0
    missed = run(EVALUATORS.build(dict(type='VOCDetectionMetric', eval_mode='11points', classwise=True)),
                 *batch_and_preds(perfect=False), tmp_path)
    assert missed['voc/AP/bird'] == 0.0 and missed['voc/mAP'] == pytest.approx(2 / 3)
    assert '| bird | 1 | 1 | 0.000 | 0.000 |' in (tmp_path / 'voc_per_class_ap.md').read_text()


def test_voc_metric_exports_coco_json_and_txt(tmp_path):
    metric = EVALUATORS.build(dict(type='VOCDetectionMetric', export_dir='export'))
    run(metric, *batch_and_preds(), tmp_path)
    lines = (tmp_path / 'export/detection-results/000001.txt').read_text().splitlines()
    assert lines[0] == 'cat 0.900000 20.0 20.0 100.0 80.0'
    gt = (tmp_path / 'export/ground-truth/000002.txt').read_text().splitlines()
    assert gt == ['bird 0.0 0.0 60.0 60.0']
    coco = json.loads((tmp_path / 'export/coco_results.json').read_text())
    assert coco[0] == dict(image_id=1, category_id=1, bbox=[20.0, 20.0, 80.0, 60.0], score=0.9)


def test_coco_metric_from_batch_ground_truth(tmp_path):
    metrics = run(EVALUATORS.build(dict(type='COCODetectionMetric', export_json='dets.json')),
                  *batch_and_preds(), tmp_path)
    assert metrics['coco/mAP'] == pytest.approx(1.0) and metrics['coco/mAP_50'] == pytest.approx(1.0)
    assert set(metrics) == {f'coco/{k}' for k in ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')}
    assert len(json.loads((tmp_path / 'dets.json').read_text())) == 3
    missed = run(EVALUATORS.build(dict(type='COCODetectionMetric')), *batch_and_preds(False), tmp_path)
    assert missed['coco/mAP_50'] == pytest.approx(2 / 3)


def test_coco_metric_with_ann_file(tmp_path):
    ann = dict(images=[dict(id=1, height=200, width=300), dict(id=2, height=200, width=300)],
               categories=[dict(id=7, name='cat'), dict(id=8, name='dog'), dict(id=9, name='bird')],
               annotations=[dict(id=1, image_id=1, category_id=7, bbox=[20, 20, 80, 60], area=4800, iscrowd=0),
                            dict(id=2, image_id=1, category_id=8, bbox=[120, 40, 60, 120], area=7200, iscrowd=0),
                            dict(id=3, image_id=2, category_id=9, bbox=[0, 0, 60, 60], area=3600, iscrowd=0)])
    (tmp_path / 'gt.json').write_text(json.dumps(ann))
    metrics = run(EVALUATORS.build(dict(type='COCODetectionMetric', ann_file=str(tmp_path / 'gt.json'))),
                  *batch_and_preds(), tmp_path)
    assert metrics['coco/mAP'] == pytest.approx(1.0)
