"""At resume, optimizer settings changed in the config or by --cfg-options win over the checkpoint's."""
import logging

import pytest
import torch

from vlrkit.config import load_config
from vlrkit.engine.checkpoint import load_checkpoint_file
from vlrkit.engine.runner import Runner


def digits(work_dir, max_iters, **options):
    """Digits at 16 px, SGD lr 0.01 (momentum 0.9, weight_decay 1e-4), lr x0.1 after iteration 2."""
    return Runner.from_cfg(load_config('configs/simple_cnn/simple_cnn_digits.py', cfg_options={
        'work_dir': str(work_dir), 'train_dataloader.dataset.image_size': 16,
        'model.backbone.input_size': 16, 'train_dataloader.batch_size': 16,
        'optim_wrapper.optimizer': dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
        'param_scheduler': [dict(type='MultiStepLR', milestones=[2], gamma=0.1, by_epoch=False)],
        'train_cfg': dict(by_epoch=False, max_iters=max_iters, val_interval=0),
        'default_hooks.checkpoint': dict(type='CheckpointHook', interval=1), **options}))


@pytest.fixture
def trained(tmp_path):
    """A work_dir whose run stopped after 3 iterations (lr 0.001 by then: 0.01, decayed once)."""
    digits(tmp_path, max_iters=3).train()
    return tmp_path


def test_a_lower_lr_on_the_command_line_wins_at_resume_and_is_logged(trained, caplog):
    checkpoint = load_checkpoint_file(trained / 'iter_3.pth')
    assert checkpoint['optimizer']['param_groups'][0]['lr'] == pytest.approx(0.001)
    runner = digits(trained, max_iters=3, resume=True,
                    **{'optim_wrapper.optimizer.lr': 0.002, 'optim_wrapper.optimizer.weight_decay': 0.0})
    with caplog.at_level(logging.INFO, logger='vlrkit'):
        runner.train()
    group = runner.optimizer.param_groups[0]
    # the schedule goes on where it was (decayed once), from the new base: 0.002 * 0.1
    assert group['lr'] == pytest.approx(0.0002) and group['initial_lr'] == 0.002
    assert group['weight_decay'] == 0.0 and group['momentum'] == 0.9
    scheduler = runner.param_schedulers[0][0]
    assert scheduler.base_lrs == [0.002] and scheduler.get_last_lr() == [pytest.approx(0.0002)]
    text = caplog.text
    assert 'optim_wrapper.optimizer.lr: 0.01 (checkpoint) -> 0.002 (this run' in text
    assert 'optim_wrapper.optimizer.weight_decay: 0.0001 (checkpoint) -> 0.0 (this run' in text
    assert 'optim_wrapper.optimizer.momentum' not in text   # unchanged settings are not reported


def test_training_after_the_resume_steps_at_the_new_rate(trained):
    runner = digits(trained, max_iters=4, resume=True, **{'optim_wrapper.optimizer.lr': 0.002})
    runner.train()
    saved = load_checkpoint_file(trained / 'iter_4.pth')
    assert saved['optimizer']['param_groups'][0]['lr'] == pytest.approx(0.0002)
    assert saved['param_schedulers'][0]['base_lrs'] == [0.002]


def test_a_resume_without_changes_restores_the_checkpoint_exactly(trained, caplog):
    checkpoint = load_checkpoint_file(trained / 'iter_3.pth')
    runner = digits(trained, max_iters=3, resume=True)
    with caplog.at_level(logging.INFO, logger='vlrkit'):
        runner.train()
    assert '(checkpoint) ->' not in caplog.text
    loaded = runner.optimizer.state_dict()
    for key, value in checkpoint['optimizer']['param_groups'][0].items():
        assert loaded['param_groups'][0][key] == value, key
    for index, state in checkpoint['optimizer']['state'].items():
        assert torch.equal(loaded['state'][index]['momentum_buffer'], state['momentum_buffer'])
