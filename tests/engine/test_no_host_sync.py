"""The training step reads nothing back from the device (issue 15).

Each read of a device value on the host (``.item()``, ``.tolist()``, ``bool(t)``, ...) waits for
the GPU to finish all work queued before it; once per iteration, it keeps the GPU idle while the
host prepares the next step. These tests count the reads made while ``Runner.train_step`` (or
FCOS's loss and backward) runs, on the CPU, by patching the ``torch.Tensor`` methods that read;
a read that slips back into the step fails them on any machine.
"""
import collections
import json

import pytest
import torch

from helpers.fcos import batch_of, tiny_fcos
from helpers.toys import toy_config
from vlrkit.engine.hooks.hook import Hook
from vlrkit.engine.runner import Runner
from vlrkit.registry import HOOKS

HOST_READS = ('item', 'tolist', '__bool__', '__int__', '__float__', 'cpu', 'numpy')


@pytest.fixture
def host_reads(monkeypatch):
    """A Counter of the host reads made while ``host_reads.on`` is true, per method name
    (``synchronize``: ``torch.cuda.synchronize``)."""

    class Reads(collections.Counter):
        on = False

    reads = Reads()

    def counted(name, original):
        def read(*args, **kwargs):
            if reads.on:
                reads[name] += 1
            return original(*args, **kwargs)
        return read

    for name in HOST_READS:
        monkeypatch.setattr(torch.Tensor, name, counted(name, getattr(torch.Tensor, name)))
    monkeypatch.setattr(torch.cuda, 'synchronize', counted('synchronize', torch.cuda.synchronize))
    return reads


@HOOKS.register_module(force=True)
class RecordLosses(Hook):
    """This iteration's ``loss_cls`` as the step returned it (read here, outside the step)."""

    def __init__(self):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        self.losses.append(outputs['loss_cls'].detach().clone())


def test_train_steps_read_nothing_on_the_host_and_the_logger_logs_the_window_means(
        tmp_path, monkeypatch, host_reads):
    cfg = toy_config(tmp_path, **{
        'train_cfg': dict(_delete_=True, by_epoch=False, max_iters=4, val_interval=0),
        'default_hooks.logger.interval': 2, 'default_hooks.tensorboard.interval': 2,
        'default_hooks.checkpoint': None, 'optim_wrapper.clip_grad': dict(max_norm=10.0),
        'optim_wrapper.optimizer': dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4),
        'custom_hooks': [dict(type='RecordLosses')]})
    runner = Runner.from_cfg(cfg)
    train_step = Runner.train_step

    def counted_step(self, batch):
        host_reads.on = True
        try:
            return train_step(self, batch)
        finally:
            host_reads.on = False

    monkeypatch.setattr(Runner, 'train_step', counted_step)
    runner.train()
    assert runner.progress.iter == 4
    assert dict(host_reads) == {}, f'Runner.train_step read device values on the host: {dict(host_reads)}'
    losses = next(h for h in runner.hooks if isinstance(h, RecordLosses)).losses
    logged = [json.loads(line) for line in (tmp_path / 'work' / 'log.jsonl').read_text().splitlines()]
    train_lines = [r for r in logged if r['mode'] == 'train' and 'loss_cls' in r]
    assert [r['iter'] for r in train_lines] == [2, 4]
    for line, window in zip(train_lines, (losses[:2], losses[2:])):
        assert line['loss_cls'] == pytest.approx(float(sum(window) / 2), rel=1e-6)
        assert isinstance(line['grad_norm'], float) and line['grad_norm'] > 0
    assert runner.log_vars['loss_cls'] == pytest.approx(float(losses[-1]), rel=1e-6)


@pytest.mark.parametrize('num_pos_ema', [None, 0.9])
def test_fcos_loss_and_backward_read_nothing_on_the_host(host_reads, num_pos_ema):
    model = tiny_fcos(num_pos_ema=num_pos_ema).train()
    batches = [batch_of([[[8, 8, 40, 56]], [[0, 0, 64, 64], [30, 30, 50, 40]]], [[1], [0, 3]]),
               batch_of([[], []], [[], []])]                       # and one without positives
    for batch in batches:
        host_reads.on = True
        losses = model.loss(batch)
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        host_reads.on = False
        assert all(torch.isfinite(v) for v in losses.values())
    assert dict(host_reads) == {}, f'FCOS loss read device values on the host: {dict(host_reads)}'
