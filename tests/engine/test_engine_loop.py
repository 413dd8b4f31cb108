"""The TrainLoop, the OptimStep and the runner state hooks read: the contracts of hooks/hook.py."""
import collections
import dataclasses
import re

import pytest
import torch

from vlrkit.config import load_config
from vlrkit.engine.hooks import hook as hook_module
from vlrkit.engine.hooks.hook import Hook
from vlrkit.engine.loops import Progress
from vlrkit.engine.optim_step import OptimStep
from vlrkit.engine.runner import Runner
from vlrkit.registry import HOOKS, LOSSES

DIGITS = 'configs/simple_cnn/simple_cnn_digits.py'


def small_digits(work_dir, **options):
    small = {'train_dataloader.dataset.image_size': 16, 'val_dataloader.dataset.image_size': 16,
             'test_dataloader.dataset.image_size': 16, 'model.backbone.input_size': 16,
             'param_scheduler': [], 'work_dir': str(work_dir)}
    return load_config(DIGITS, cfg_options={**small, **options})


def test_every_attribute_hook_py_lists_exists_before_training(tmp_path):
    runner = Runner.from_cfg(small_digits(tmp_path))
    listed = set()
    section = hook_module.__doc__.split('What a hook may read')[1].split('A hook acts')[0]
    for bullet in section.split('\n- ')[1:]:
        while re.search(r'\([^()]*\)', bullet):          # drop the explanations in parentheses
            bullet = re.sub(r'\([^()]*\)', '', bullet)
        listed |= set(re.findall(r'``(\w+)``', bullet.split(':')[0]))
    assert {'loss_is_finite', 'data_time', 'iter_time', 'train_model', 'log_vars', 'max_iters',
            'progress', 'by_epoch', 'optim_step'} <= listed
    missing = [name for name in sorted(listed) if not hasattr(runner, name)]
    assert not missing, f'hook.py lists runner attributes that __init__ does not set: {missing}'


def test_progress_is_read_only_for_hooks(tmp_path):
    runner = Runner.from_cfg(small_digits(tmp_path))
    with pytest.raises(dataclasses.FrozenInstanceError):
        runner.progress.iter = 3
    assert Progress.from_meta(Progress(iter=7, epoch=1, batch=2).to_meta()) == Progress(7, 1, 2)
    assert Progress(7, 1, 2).to_meta() == dict(iters_done=7, epochs_done=1, batches_done=2)


@LOSSES.register_module(force=True)
class NaNOnFourthCallLoss(torch.nn.Module):
    """Cross-entropy that is NaN on its fourth call only: one diverged step in a healthy run."""

    calls = 0   # counted on the class: the test does not depend on where the head keeps its loss

    def forward(self, pred, target, weight=None, avg_factor=None):
        NaNOnFourthCallLoss.calls += 1
        loss = torch.nn.functional.cross_entropy(pred, target)
        return loss * float('nan') if NaNOnFourthCallLoss.calls == 4 else loss


@HOOKS.register_module(force=True)
class RecordProgress(Hook):
    """Progress, the step's flag, the weights and the optimizer state after every iteration."""

    def __init__(self):
        self.seen, self.weights, self.momentum = [], [], []

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        self.seen.append((batch_idx, runner.progress.iter, runner.loss_is_finite))
        self.weights.append([p.detach().clone() for p in runner.model.parameters()])
        self.momentum.append([runner.optimizer.state[p]['momentum_buffer'].clone()
                              for p in runner.model.parameters()])


def test_a_skipped_step_counts_and_leaves_weights_and_optimizer_state_as_they_were(tmp_path):
    cfg = small_digits(tmp_path, **{'train_cfg': dict(by_epoch=False, max_iters=5, val_interval=0),
                                    'model.head.loss_cls': dict(type='NaNOnFourthCallLoss'),
                                    'default_hooks.nan_guard': None, 'default_hooks.checkpoint': None,
                                    'custom_hooks': [dict(type='RecordProgress')]})
    runner = Runner.from_cfg(cfg)
    NaNOnFourthCallLoss.calls = 0
    runner.train()
    record = next(h for h in runner.hooks if isinstance(h, RecordProgress))
    # the fourth batch's step was skipped on the device, and the loop counted it all the same
    assert record.seen == [(0, 1, True), (1, 2, True), (2, 3, True), (3, 4, False), (4, 5, True)]
    assert runner.progress == Progress(iter=5, epoch=1, batch=0)   # the break ends the epoch
    assert NaNOnFourthCallLoss.calls == 5
    for after_skip, before_skip in ((record.weights[3], record.weights[2]),
                                    (record.momentum[3], record.momentum[2])):
        assert all(torch.equal(a, b) for a, b in zip(after_skip, before_skip))
    assert not torch.equal(record.weights[4][0], record.weights[3][0])   # the next step trains on
    assert all(torch.isfinite(w).all() for w in record.weights[4])


def test_default_hooks_come_from_the_config_alone(tmp_path):
    runner = Runner.from_cfg(small_digits(tmp_path))
    checkpoint = next(h for h in runner.hooks if type(h).__name__ == 'CheckpointHook')
    assert checkpoint.max_keep_ckpts == 3          # configs/_base_/default_runtime.py's value
    cfg = small_digits(tmp_path, default_hooks=dict(_delete_=True, logger=dict(type='LoggerHook')))
    assert [type(h).__name__ for h in Runner.from_cfg(cfg).hooks] == ['LoggerHook']


def test_filter_pictures_follow_the_runs_by_epoch(tmp_path):
    cfg = small_digits(tmp_path, **{'train_cfg': dict(by_epoch=True, max_epochs=2, val_interval=0),
                                    'train_dataloader.batch_size': 512, 'default_hooks.checkpoint': None,
                                    'custom_hooks': [dict(type='FilterVisHook', interval=1)]})
    Runner.from_cfg(cfg).train()
    assert sorted(p.name for p in (tmp_path / 'vis').iterdir()) == [
        'filters_epoch_1.png', 'filters_epoch_2.png', 'filters_iter_0.png']


def linear_step(**kwargs):
    model = torch.nn.Linear(3, 1)
    return model, OptimStep(torch.optim.SGD(model.parameters(), lr=0.1), **kwargs)


def test_optim_step_accumulates_and_always_steps_on_the_last_iteration():
    _, step = linear_step(accumulative_counts=3)
    assert [step.steps_at(i, max_iters=7) for i in range(1, 8)] == [False, False, True, False, False,
                                                                      True, True]


@pytest.fixture(params=['host', 'device'])
def flag_read(request, monkeypatch):
    """Both ways of skipping: reading the flag (the CPU's) and ``torch.where`` on the device (an
    accelerator's, forced here on the CPU)."""
    if request.param == 'device':
        monkeypatch.setattr(OptimStep, 'reads_flag_on_host', staticmethod(lambda device: False))
    return request.param


def test_optim_step_skips_a_group_with_a_non_finite_loss(flag_read):
    model = torch.nn.Linear(3, 1)
    step = OptimStep(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), accumulative_counts=2)
    inputs = torch.ones(1, 3)
    step.backward(model(inputs).sum())
    step.step()                                       # a good step: momentum exists
    before = [p.detach().clone() for p in model.parameters()]
    momentum = [step.optimizer.state[p]['momentum_buffer'].clone() for p in model.parameters()]
    assert step.backward(model(inputs).sum()).item() == 1
    assert step.backward(model(inputs).sum() * float('inf')).item() == 0   # one bad micro-batch ...
    step.step()                                                             # ... skips the group
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before))
    assert all(torch.equal(step.optimizer.state[p]['momentum_buffer'], m)
               for p, m in zip(model.parameters(), momentum))
    assert model.weight.grad is None and step.nonfinite_count.item() == 1
    step.backward(model(inputs).sum())
    step.step()
    assert not torch.equal(model.weight, before[0])   # the next group steps


def test_a_skipped_first_step_leaves_adam_as_if_it_never_ran(flag_read):
    """The state a skipped first step creates is put back to zeros: Adam's fresh state."""
    skipped, fresh = torch.nn.Linear(3, 1), torch.nn.Linear(3, 1)
    fresh.load_state_dict(skipped.state_dict())
    steps = [OptimStep(torch.optim.Adam(m.parameters(), lr=0.1)) for m in (skipped, fresh)]
    steps[0].backward(skipped(torch.ones(1, 3)).sum() * float('nan'))
    steps[0].step()
    assert torch.equal(skipped.weight, fresh.weight)
    for model, step in zip((skipped, fresh), steps):
        step.backward(model(torch.ones(1, 3)).sum())
        step.step()
    assert torch.equal(skipped.weight, fresh.weight) and torch.equal(skipped.bias, fresh.bias)
    assert torch.equal(steps[0].optimizer.state[skipped.weight]['exp_avg_sq'],
                       steps[1].optimizer.state[fresh.weight]['exp_avg_sq'])


def test_on_the_cpu_a_skipped_step_is_not_taken_and_nothing_is_copied(monkeypatch):
    model, step = linear_step()
    calls = collections.Counter()
    monkeypatch.setattr(step.optimizer, 'step', lambda: calls.update(['step']))
    monkeypatch.setattr(OptimStep, '_step_where', lambda self, finite: calls.update(['where']))
    step.backward(model(torch.ones(1, 3)).sum() * float('nan'))
    step.step()
    assert calls == {}
    step.backward(model(torch.ones(1, 3)).sum())
    step.step()
    assert calls == {'step': 1}


def test_optim_step_clips_and_reports_the_norm_before_clipping():
    model, step = linear_step(clip_grad=dict(max_norm=0.5))
    before = model.weight.detach().clone()
    step.backward((model(torch.full((1, 3), 10.0)) ** 2).sum())
    norm = step.step()['grad_norm']
    assert norm > 0.5 and model.weight.grad is None
    assert (model.weight.detach() - before).norm() <= 0.1 * 0.5 + 1e-6
    assert step.loss_scale() == 1.0


def test_train_cfg_mistakes_are_config_errors(tmp_path):
    from vlrkit.errors import ConfigError
    with pytest.raises(ConfigError, match=r"no setting 'max_iter' \(did you mean 'max_iters'\?\)"):
        Runner.from_cfg(small_digits(tmp_path / 'a', **{'train_cfg.max_iter': 5})).train()
    with pytest.raises(ConfigError, match='by_epoch=False needs max_iters'):
        Runner.from_cfg(small_digits(tmp_path / 'b', train_cfg=dict(_delete_=True, by_epoch=False))).train()


def test_optim_step_unscales_before_clipping():
    # A CPU GradScaler stands in for the CUDA one: same scale/unscale/step contract.
    model, plain = linear_step(clip_grad=dict(max_norm=1e9))
    scaled_model, scaled = linear_step(clip_grad=dict(max_norm=1e9))
    scaled_model.load_state_dict(model.state_dict())
    scaled.scaler = torch.amp.GradScaler('cpu', init_scale=1024.0)
    inputs = torch.full((2, 3), 3.0)
    plain.backward(model(inputs).pow(2).mean())
    scaled.backward(scaled_model(inputs).pow(2).mean())
    assert scaled.loss_scale() == 1024.0
    torch.testing.assert_close(scaled.step()['grad_norm'], plain.step()['grad_norm'])   # the true norm
    torch.testing.assert_close(scaled_model.weight, model.weight)
