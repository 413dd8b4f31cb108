"""Proposal recall at 10/100/300 proposals, by hand, on the demo data, and the benchmark."""
import importlib.util

import numpy as np
import pytest
import torch

from vlrkit.errors import ConfigError
from vlrkit.evaluation.functional.proposal_recall import best_overlaps, proposal_recall
from vlrkit.evaluation.metric import EvalContext
from vlrkit.registry import DATASETS, EVALUATORS
from vlrkit.structures import collate

JUNK = 10  # proposals ranked before every real one, each far from any object


def test_best_overlap_grows_with_the_number_of_proposals():
    gt = [[0, 0, 10, 10], [20, 20, 30, 30]]
    proposals = [[0, 0, 10, 5],      # IoU 0.5 with the first object
                 [0, 0, 10, 10],     # IoU 1 with the first
                 [20, 20, 30, 28]]   # IoU 0.8 with the second
    best = best_overlaps(gt, proposals, counts=(1, 2, 3, 10))
    np.testing.assert_allclose(best, [[0.5, 1, 1, 1], [0, 0, 0.8, 0.8]])
    out = proposal_recall(best, (1, 2, 3, 10))
    assert out['recall@1'] == 0.5 and out['recall@2'] == 0.5 and out['recall@3'] == 1.0
    # AR: IoU 0.5 reaches 1 of the 10 thresholds, 1.0 all of them, 0.8 the 7 up to 0.8
    assert out['AR@1'] == pytest.approx(0.1 / 2)
    assert out['AR@3'] == pytest.approx((1 + 0.7) / 2)
    assert best_overlaps(gt, np.zeros((0, 4)), (10,)).tolist() == [[0], [0]]


class GroundTruthProposals:
    """A proposal source with a recall known by hand: ``JUNK`` 1-pixel boxes first, then per
    object, in annotation order, its exact box (even objects) or its top-left quarter (odd
    objects, IoU 0.25)."""

    def prepare(self, data_infos):
        self.objects = {info['img_id']: info['gt_boxes'] for info in data_infos}

    def get(self, img_id, img_path, ori_shape):
        objects = self.objects[img_id].copy()
        odd = np.arange(len(objects)) % 2 == 1
        objects[odd, 2:] = (objects[odd, :2] + objects[odd, 2:]) / 2
        junk = np.float32([[i, 0, i + 1, 1] for i in range(JUNK)])
        boxes = np.concatenate([junk, objects]).astype(np.float32)
        return boxes, np.linspace(1, 0.01, len(boxes)).astype(np.float32)


def test_recall_on_the_demo_data_is_the_fraction_of_objects_given_their_box(demo_voc_root):
    dataset = DATASETS.build(dict(
        type='VOCDataset', data_root=str(demo_voc_root), split='test', mode='classification',
        pipeline=[dict(type='LoadImage'), dict(type='LoadProposals', source=GroundTruthProposals()),
                  dict(type='Resize', scale=(64, 64), keep_ratio=False), dict(type='PackSample')]))
    hits = total = 0
    for info in dataset.data_infos:  # by hand: the non-difficult objects with an even index
        easy = ~info['gt_difficult']
        hits += int((easy & (np.arange(len(easy)) % 2 == 0)).sum())
        total += int(easy.sum())
    expected = hits / total
    assert 0 < expected < 1

    metric = EVALUATORS.build(dict(type='ProposalRecallMetric'))
    for start in range(0, len(dataset), 8):
        batch = collate([dataset[i] for i in range(start, min(start + 8, len(dataset)))])
        metric.process(batch, preds=None)
    out = metric.set_context(EvalContext()).compute(len(dataset))
    assert out['proposals/recall@10'] == 0.0 and out['proposals/AR@10'] == 0.0
    for count in (100, 300):
        assert out[f'proposals/recall@{count}'] == pytest.approx(expected)
        assert out[f'proposals/AR@{count}'] == pytest.approx(expected)  # exact box: every IoU
    num_objects = np.mean([len(info['gt_boxes']) for info in dataset.data_infos])
    assert out['proposals/per_image'] == pytest.approx(JUNK + num_objects)


def test_detection_batches_and_difficult_objects():
    batch = dict(proposals=[torch.tensor([[0., 0., 10., 10.], [50., 50., 60., 60.]])],
                 proposal_scores=[torch.tensor([0.1, 0.9])],
                 boxes=[torch.tensor([[0., 0., 10., 10.], [50., 50., 60., 60.]])],
                 difficult=[torch.tensor([False, True])])
    metric = EVALUATORS.build(dict(type='ProposalRecallMetric', counts=(1, 2)))
    metric.process(batch, None)
    out = metric.compute()
    # ranked by score, the first proposal is the difficult object's: the easy one needs two
    assert out['proposals/recall@1'] == 0.0 and out['proposals/recall@2'] == 1.0
    metric = EVALUATORS.build(dict(type='ProposalRecallMetric', counts=(1,), use_difficult=True))
    metric.process(batch, None)
    assert metric.compute()['proposals/recall@1'] == 0.5


def test_a_batch_without_proposals_says_how_to_add_them():
    metric = EVALUATORS.build(dict(type='ProposalRecallMetric'))
    with pytest.raises(ConfigError, match='LoadProposals'):
        metric.process(dict(images=torch.zeros(1, 3, 4, 4)), None)
    with pytest.raises(ConfigError, match='counts'):
        EVALUATORS.build(dict(type='ProposalRecallMetric', counts=(0, 10)))


def test_the_benchmark_scores_selective_search_above_random_windows(demo_voc_root, capsys):
    """tools/benchmarks/proposal_recall.py end to end, shrunk: real OpenCV selective search on
    3 demo images and the 10 VOC sample photos (searched at 128 px)."""
    from helpers import REPO
    spec = importlib.util.spec_from_file_location(
        'proposal_recall_benchmark', REPO / 'tools' / 'benchmarks' / 'proposal_recall.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.main(['--demo-root', str(demo_voc_root), '--demo-images', '3',
                        '--max-side', '128', '--modes', 'fast'])
    assert [(r['data'].split(',')[0], r['source']) for r in rows] == [
        ('demo test', 'selective search fast'), ('demo test', 'random windows'),
        ('VOC samples', 'selective search fast'), ('VOC samples', 'random windows')]
    for row in rows:
        assert row['recall@10'] <= row['recall@100'] <= row['recall@300'] <= 1
        assert row['AR@300'] <= row['recall@300']
    search, windows = rows[2], rows[3]
    assert search['seconds'] > 0 and windows['seconds'] is None
    assert search['recall@10'] > windows['recall@10']  # ranked proposals beat a random order
    assert rows[0]['recall@300'] >= 0.8  # the demo's shapes stand out from their background
    assert '| VOC samples, 10 photos | selective search fast |' in capsys.readouterr().out
