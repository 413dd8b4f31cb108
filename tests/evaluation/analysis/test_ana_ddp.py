"""Under DDP (2 CPU processes, gloo) the analyses give what one process gives on the whole split."""
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from helpers.toys import ToyClassifier, colour_batch
from vlrkit.dist import leave_process_group_at_exit
from vlrkit.evaluation.metric import EvalContext

NUM_IMAGES = 11  # odd: DistributedSampler pads rank 1 with image 0, which compute() must drop


def make_evaluators():
    from vlrkit.evaluation.analysis.filter_ablation import FilterAblation
    from vlrkit.evaluation.analysis.filter_identification import FilterIdentification
    from vlrkit.evaluation.analysis.knn_retrieval import KNNRetrieval
    from vlrkit.evaluation.analysis.per_class_ap import PerClassAP
    return [KNNRetrieval(layer='backbone.pool1', k=3, num_queries=3),
            FilterIdentification(filters={'backbone.conv2': [0, 1]}, top_k=3),
            FilterAblation(filters={'backbone.conv2': [0, 1, 2, 3]}),
            PerClassAP()]


def evaluate(indices, work_dir):
    torch.manual_seed(0)
    model = ToyClassifier().eval()
    full = colour_batch([i % 3 for i in range(NUM_IMAGES)], seed=5)
    evaluators = make_evaluators()
    for evaluator in evaluators:
        evaluator.bind(model)
        evaluator.set_context(EvalContext(work_dir=work_dir))
    for start in range(0, len(indices), 4):  # batches of 4, as a DataLoader would cut them
        part = indices[start:start + 4]
        batch = dict(images=full['images'][part], labels=full['labels'][part],
                     img_id=[full['img_id'][i] for i in part])
        with torch.no_grad():
            preds = model.predict(batch)
        for evaluator in evaluators:
            evaluator.process(batch, preds)
    metrics = {}
    for evaluator in evaluators:
        metrics.update(evaluator.compute(size=NUM_IMAGES))
    tables = [a['rows'] for e in evaluators for a in e.artifacts if a['kind'] == 'table']
    return metrics, tables


def worker(rank, init_file, work_dir, out_file):
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    with leave_process_group_at_exit():
        padded = list(range(NUM_IMAGES)) + [0]
        result = evaluate(padded[rank::2], Path(work_dir) / f'rank{rank}')
        if rank == 0:
            torch.save(result, out_file)


@pytest.mark.slow
def test_two_ranks_match_one_process(tmp_path):
    single = evaluate(list(range(NUM_IMAGES)), tmp_path / 'single')
    mp.spawn(worker, args=(str(tmp_path / 'init'), str(tmp_path), str(tmp_path / 'ddp.pt')),
             nprocs=2, join=True)
    metrics, tables = torch.load(tmp_path / 'ddp.pt', weights_only=False)
    assert metrics == pytest.approx(single[0])
    assert tables == single[1]  # same top-k patches, same per-class AP table
    assert not (tmp_path / 'rank1' / 'analysis').exists()  # only rank 0 writes files
