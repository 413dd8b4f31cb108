"""The training step reads nothing back from the device (issue 15).

Each read of a device value on the host (``.item()``, ``.tolist()``, ``bool(t)``, ...) waits for
the GPU to finish all work queued before it; once per iteration, it keeps the GPU idle while the
host prepares the next step. These tests count the reads made while ``Runner.train_step`` (or
FCOS's loss and backward) runs, on the CPU, by patching the ``torch.Tensor`` methods that read;
a read that slips back into the step fails them on any machine. On the CPU itself the step reads its
non-finite flag (free there, see optim_step.py); the test takes the accelerator's path instead.
"""
import collections
import json

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from helpers.fcos import batch_of, tiny_fcos
from helpers.toys import toy_config
from vlrkit.engine.hooks.hook import Hook
from vlrkit.engine.optim_step import OptimStep
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


class DataDependentOps(TorchDispatchMode):
    """Records the aten ops whose result the host must wait for: a read of a value
    (``_local_scalar_dense``) or an output whose size only the device knows (``nonzero``, selection
    by a boolean mask). Seen below the Python methods, so a ``x[mask]`` counts too."""

    SIZE_FROM_DATA = {torch.ops.aten.nonzero.default, torch.ops.aten.masked_select.default,
                      torch.ops.aten._local_scalar_dense.default, torch.ops.aten.unique_consecutive.default,
                      torch.ops.aten._unique2.default}

    def __init__(self):
        super().__init__()
        self.seen = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in self.SIZE_FROM_DATA or (func is torch.ops.aten.index.Tensor and any(
                torch.is_tensor(i) and i.dtype == torch.bool for i in args[1])):
            self.seen[str(func)] += 1
        return func(*args, **(kwargs or {}))


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
    monkeypatch.setattr(OptimStep, 'reads_flag_on_host', staticmethod(lambda device: False))
    runner = Runner.from_cfg(cfg)
    train_step = Runner.train_step

    ops = DataDependentOps()

    def counted_step(self, batch):
        host_reads.on = True
        try:
            with ops:
                return train_step(self, batch)
        finally:
            host_reads.on = False

    monkeypatch.setattr(Runner, 'train_step', counted_step)
    runner.train()
    assert runner.progress.iter == 4
    assert dict(host_reads) == {}, f'Runner.train_step read device values on the host: {dict(host_reads)}'
    assert dict(ops.seen) == {}, f'Runner.train_step waits for the device in: {dict(ops.seen)}'
    losses = next(h for h in runner.hooks if isinstance(h, RecordLosses)).losses
    logged = [json.loads(line) for line in (tmp_path / 'work' / 'log.jsonl').read_text().splitlines()]
    train_lines = [r for r in logged if r['mode'] == 'train' and 'loss_cls' in r]
    assert [r['iter'] for r in train_lines] == [2, 4]
    for line, window in zip(train_lines, (losses[:2], losses[2:])):
        assert line['loss_cls'] == pytest.approx(float(sum(window) / 2), rel=1e-6)
        assert isinstance(line['grad_norm'], float) and line['grad_norm'] > 0
    assert runner.log_vars['loss_cls'] == pytest.approx(float(losses[-1]), rel=1e-6)


def test_the_op_recorder_sees_a_boolean_mask_and_an_item():
    x = torch.arange(4.0)
    with DataDependentOps() as ops:
        x[x > 1].sum().item()
    assert ops.seen['aten.index.Tensor'] == 1 and ops.seen['aten._local_scalar_dense.default'] == 1


@pytest.mark.parametrize('num_pos_ema', [None, 0.9])
def test_fcos_loss_and_backward_wait_for_no_device_value(num_pos_ema):
    """No op of the loss and its backward has a size from the data (e.g. ``x[positive]``)."""
    model = tiny_fcos(num_pos_ema=num_pos_ema).train()
    batch = batch_of([[[8, 8, 40, 56]], [[0, 0, 64, 64], [30, 30, 50, 40]]], [[1], [0, 3]], [[True], [False, False]])
    with DataDependentOps() as ops:
        losses = model.loss(batch)
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert losses['num_pos'] > 0
    assert dict(ops.seen) == {}, f'FCOS loss waits for the device in: {dict(ops.seen)}'


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
