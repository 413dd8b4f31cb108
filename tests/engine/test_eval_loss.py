"""Validation and test loss (``val_cfg`` / ``test_cfg = dict(compute_loss=True)``): the training
step's ``model.loss`` in eval mode over the evaluation set, the mean over images, logged beside the
metrics. Runs the toy config of tests/helpers/toys.py."""
import json

import pytest
import torch
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from helpers.toys import ToyClassifier, ToyColours, toy_config
from vlrkit.dist import leave_process_group_at_exit
from vlrkit.engine.dataloader import ResumableSampler
from vlrkit.engine.loops import EvalLoss
from vlrkit.engine.runner import Runner
from vlrkit.errors import ConfigError
from vlrkit.registry import MODELS


class DropoutToy(ToyClassifier):
    """The toy with dropout before its classifier: a loss computed in train mode would be random."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.head = nn.Sequential(nn.Dropout(0.5), self.head.fc)


def toy_runner(folder, **options):
    MODELS.register_module(name='DropoutToy', module=DropoutToy, force=True)
    # val: 9 images in batches of 4, 4 and 1, so batch means must be weighted by batch size
    return Runner.from_cfg(toy_config(folder, **{
        'model.type': 'DropoutToy', 'env_cfg.device': 'cpu', 'val_dataloader.batch_size': 4,
        'val_cfg': dict(compute_loss=True), **options}))


def hand_loss(model, dataset):
    """BCE over every image and class at once, in eval mode: the mean over images of the batch means."""
    model.eval()
    with torch.no_grad():
        return F.binary_cross_entropy_with_logits(model(dataset.images), dataset.labels).item()


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    runner = toy_runner(tmp_path_factory.mktemp('eval_loss'), test_cfg=dict(compute_loss=True))
    runner.train()
    runner.test()
    return runner


def test_val_loss_is_the_eval_mode_loss_over_the_val_images_by_hand(tmp_path):
    runner = toy_runner(tmp_path)
    runner.val_dataloader = runner.build_dataloader(runner.cfg.val_dataloader)
    runner.val_evaluators = runner.build_evaluators(runner.cfg.val_evaluator)
    runner.model.train()
    metrics = runner.val()
    assert runner.model.training          # evaluation puts the model back in train mode
    expected = hand_loss(runner.model, ToyColours(num=9, seed=1))
    assert metrics['loss'] == pytest.approx(expected, rel=1e-5)
    assert metrics['loss_cls'] == pytest.approx(expected, rel=1e-5)
    # the metrics first: CheckpointHook(save_best='auto') takes the first key
    assert list(metrics)[0] == 'multilabel/mAP' and list(metrics)[-2:] == ['loss', 'loss_cls']


def test_without_compute_loss_no_loss_is_computed(tmp_path):
    runner = toy_runner(tmp_path, val_cfg=None)
    runner.val_dataloader = runner.build_dataloader(runner.cfg.val_dataloader)
    runner.val_evaluators = runner.build_evaluators(runner.cfg.val_evaluator)
    assert not any(k.startswith('loss') for k in runner.val())


def test_val_and_test_loss_reach_log_jsonl_console_log_and_tensorboard(trained):
    records = [json.loads(line) for line in (trained.work_dir / 'log.jsonl').read_text().splitlines()]
    val = [r for r in records if r['mode'] == 'val']
    test = [r for r in records if r['mode'] == 'test']
    assert len(val) == 2 and len(test) == 1
    final = hand_loss(trained.model, ToyColours(num=9, seed=1))   # the test split is the val split
    assert val[-1]['loss'] == pytest.approx(final, rel=1e-5) and test[0]['loss_cls'] == pytest.approx(final, rel=1e-5)
    assert val[0]['loss'] != pytest.approx(val[-1]['loss'])      # the first epoch's model differed
    lines = [line for line in (trained.work_dir / 'run.log').read_text().splitlines() if 'Epoch(val)' in line]
    assert len(lines) == 2 and all(' loss: ' in line and ' loss_cls: ' in line for line in lines)
    events = EventAccumulator(str(trained.work_dir / 'tensorboard'))
    events.Reload()
    assert [e.step for e in events.Scalars('val/loss')] == [3, 6]
    assert {'val/loss_cls', 'test/loss', 'test/loss_cls'} <= set(events.Tags()['scalars'])


def test_save_best_can_keep_the_lowest_val_loss(tmp_path):
    runner = toy_runner(tmp_path, **{'default_hooks.checkpoint.save_best': 'loss',
                                     'default_hooks.checkpoint.rule': 'less'})
    runner.train()
    best = [h for h in runner.hooks if type(h).__name__ == 'CheckpointHook'][0]
    records = [json.loads(line) for line in (runner.work_dir / 'log.jsonl').read_text().splitlines()]
    assert best.best_score == min(r['loss'] for r in records if r['mode'] == 'val')


@pytest.mark.parametrize('key', ['val_cfg', 'test_cfg'])
def test_an_unknown_eval_cfg_key_fails_at_build_naming_the_key_and_the_valid_ones(tmp_path, key):
    with pytest.raises(ConfigError, match=rf"{key} has no setting 'compute_los' \(did you mean 'compute_loss'\?\); "
                                          r"it takes compute_loss"):
        toy_runner(tmp_path, **{key: dict(compute_los=True)})


def fake_batch(values):
    """Images whose "loss" is their mean value: a batch's loss is the mean over its images."""
    return dict(images=torch.as_tensor(values, dtype=torch.float32).reshape(-1, 1, 1, 1),
                img_id=[f'img{int(v)}' for v in values])


def mean_loss_over_sampler_share(rank, world_size, dataset, batch_size):
    """What ``Runner.evaluate`` does with the loss, over this rank's share of ``dataset``."""
    indices = list(ResumableSampler(dataset, num_replicas=world_size, rank=rank, shuffle=False))
    eval_loss = EvalLoss(len(dataset), rank, world_size)
    for start in range(0, len(indices), batch_size):
        batch = fake_batch([dataset[i] for i in indices[start:start + batch_size]])
        real = eval_loss.real_part(batch)
        if real is not None:
            eval_loss.add({'loss_cls': real['images'].mean(), 'num_pos': torch.tensor(99.)}, real)
    return eval_loss.compute(torch.device('cpu'))


DATASET = [1., 2., 3., 4., 100.]   # mean 22; rank 1 of 2 gets 2, 4 and a repeat of 1


def test_in_one_process_the_loss_is_the_mean_over_images_and_only_loss_keys_count():
    assert mean_loss_over_sampler_share(0, 1, DATASET, 2) == {'loss': pytest.approx(22.0),
                                                            'loss_cls': pytest.approx(22.0)}


@pytest.mark.parametrize('batch_size', [2, 3])
def test_the_samplers_repeated_image_is_cut_off_the_last_batch(batch_size):
    # without a process group a rank sums only its own images: rank 1 keeps 2 and 4, not the 1
    assert mean_loss_over_sampler_share(1, 2, DATASET, batch_size)['loss'] == pytest.approx(3.0)


def _ddp_worker(rank, init_file, folder):
    torch.distributed.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                                         world_size=2)
    with leave_process_group_at_exit():
        loss = mean_loss_over_sampler_share(rank, 2, DATASET, 2)['loss']
        torch.save(loss, f'{folder}/loss{rank}.pt')


@pytest.mark.slow   # spawning two processes that import torch: ~10 s quiet, ~50 s on a busy machine
def test_under_ddp_every_rank_gets_the_mean_over_the_datasets_images(tmp_path):
    mp.spawn(_ddp_worker, args=(str(tmp_path / 'init'), str(tmp_path)), nprocs=2, join=True)
    assert [torch.load(tmp_path / f'loss{r}.pt') for r in (0, 1)] == [pytest.approx(22.0)] * 2
