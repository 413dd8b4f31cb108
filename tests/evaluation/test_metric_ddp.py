"""Under DDP (2 CPU processes, gloo) metrics are computed on rank 0 and broadcast: both ranks
return the same numbers, and only rank 0 writes files."""
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from vlrkit.dist import leave_process_group_at_exit
from vlrkit.evaluation.metric import BaseMetric, EvalContext
from vlrkit.registry import EVALUATORS

NAMES = ('cat', 'dog', 'bird')
NUM_IMAGES = 5  # odd: DistributedSampler pads rank 1 with image 0, which compute() must drop


def detection_sample(index):
    """One image's batch entries and prediction; image 2 misses its bird, the rest are found."""
    box = torch.tensor([[10. + index, 10., 50., 40. + index]])
    label = torch.tensor([index % 3])
    found = box * 2 if index != 2 else box * 2 + 100   # predictions in original pixels
    batch = dict(img_id=[f'{index:06d}'], scale_factor=[(0.5, 0.5)], ori_shape=[(200, 300)],
                 boxes=[box], labels=[label], difficult=[torch.tensor([False])])
    return batch, [dict(boxes=found, scores=torch.tensor([0.9 - 0.1 * index]), labels=label)]


def multilabel_sample(index):
    labels = torch.eye(3)[[index % 3]] + torch.eye(3)[[(index + 1) % 3]]
    scores = torch.tensor([[0.9, 0.2, 0.6]]).roll(index, dims=1)
    return dict(labels=labels, difficult=torch.zeros(1, 3, dtype=torch.bool)), [dict(scores=scores[0])]


def make_metrics():
    return [EVALUATORS.build(dict(type='VOCDetectionMetric', export_dir='export', classwise=True)),
            EVALUATORS.build(dict(type='COCODetectionMetric', export_json='coco.json')),
            EVALUATORS.build(dict(type='MultiLabelMAP'))]


def evaluate(indices, context):
    metrics = make_metrics()
    for index in indices:
        for metric, sample in zip(metrics, (detection_sample, detection_sample, multilabel_sample)):
            metric.process(*sample(index))
    out = {}
    for metric in metrics:
        out.update(metric.set_context(context).compute(size=NUM_IMAGES))
    return out


class CountingMetric(BaseMetric):
    """Records in which processes compute_metrics ran."""
    default_prefix = 'count'

    def process(self, batch, preds):
        self.results.extend(batch)

    def compute_metrics(self, results):
        (self.work_dir / f'computed_on_rank{self.context.rank}').touch()
        return {'images': float(len(results)), 'sum': float(sum(results))}


def worker(rank, init_file, tmp_path):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    with leave_process_group_at_exit():
        padded = list(range(NUM_IMAGES)) + [0]
        # Each rank names its own work_dir, so a file written by rank 1 would show up there.
        context = EvalContext(work_dir=Path(tmp_path) / f'rank{rank}', class_names=NAMES)
        assert (context.rank, context.world_size) == (rank, 2)  # by default, from the group
        metrics = evaluate(padded[rank::2], context)
        counting = CountingMetric().set_context(EvalContext(work_dir=Path(tmp_path)))
        counting.process([1, 3, 5] if rank == 0 else [2, 4, 1], None)  # 1: the sampler's padding
        metrics.update(counting.compute(size=5))
        torch.save(metrics, Path(tmp_path) / f'metrics{rank}.pt')


def test_rank0_computes_writes_and_broadcasts(tmp_path):
    single = evaluate(range(NUM_IMAGES), EvalContext(work_dir=tmp_path / 'single', class_names=NAMES))
    mp.spawn(worker, args=(str(tmp_path / 'init'), str(tmp_path)), nprocs=2, join=True)
    rank0, rank1 = (torch.load(tmp_path / f'metrics{r}.pt') for r in (0, 1))
    assert rank0 == rank1
    assert {k: v for k, v in rank0.items() if not k.startswith('count/')} == pytest.approx(single)
    assert single['voc/AP/bird'] == 0.0  # the per-class key format, and the missed bird
    written = sorted(p.relative_to(tmp_path / 'single') for p in (tmp_path / 'single').rglob('*'))
    assert written == sorted(p.relative_to(tmp_path / 'rank0') for p in (tmp_path / 'rank0').rglob('*'))
    assert Path('multilabel_per_class_ap.csv') in written and Path('coco.json') in written
    assert not (tmp_path / 'rank1').exists()  # only rank 0 writes
    # compute_metrics ran once, on rank 0, over the gathered results without the padding
    assert rank0['count/images'] == 5.0 and rank0['count/sum'] == 15.0
    assert [p.name for p in tmp_path.glob('computed_on_rank*')] == ['computed_on_rank0']


def test_context_is_one_call_and_read_only():
    metric = CountingMetric()
    assert metric.work_dir is None and metric.class_names is None and metric.step == 0
    context = EvalContext(work_dir='runs/x', step=7, class_names=['a', 'b'])
    assert metric.set_context(context) is metric
    assert metric.work_dir == Path('runs/x') and metric.class_names == ('a', 'b') and metric.step == 7
    with pytest.raises(AttributeError):
        metric.work_dir = 'elsewhere'
    with pytest.raises(TypeError, match='EvalContext'):
        metric.set_context(dict(work_dir='runs/x'))
