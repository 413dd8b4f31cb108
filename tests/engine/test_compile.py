"""``env_cfg.compile``: the training loss forward under torch.compile trains like eager.

Inductor compiles C++ kernels on the CPU (gcc), so the first step of a compiled run takes tens
of seconds here; the test is marked slow.
"""
import pytest
import torch
from torch._dynamo.utils import counters

from helpers.toys import toy_config
from vlrkit.engine.checkpoint import load_checkpoint_file
from vlrkit.engine.hooks.hook import Hook
from vlrkit.engine.runner import Runner
from vlrkit.registry import HOOKS


@HOOKS.register_module(force=True)
class RecordLoss(Hook):
    def __init__(self):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        self.losses.append(runner.log_vars['loss'])


def train_toy(folder, compile):
    folder.mkdir()
    cfg = toy_config(folder, **{
        'env_cfg.compile': compile, 'default_hooks.checkpoint': dict(save_best=None, interval=1),
        'train_cfg': dict(_delete_=True, by_epoch=True, max_epochs=1, val_interval=0),
        'custom_hooks': [dict(type='RecordLoss')]})
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner, next(h for h in runner.hooks if isinstance(h, RecordLoss)).losses


@pytest.mark.slow
def test_a_compiled_model_trains_like_eager_and_saves_plain_keys(tmp_path):
    torch._dynamo.reset()
    counters.clear()
    eager, eager_losses = train_toy(tmp_path / 'eager', compile=False)
    compiled, compiled_losses = train_toy(tmp_path / 'compiled', compile=True)
    assert len(compiled_losses) == len(eager_losses) == 3
    assert compiled_losses == pytest.approx(eager_losses, rel=1e-4)
    assert counters['stats']['unique_graphs'] >= 1      # dynamo traced the loss forward
    saved = load_checkpoint_file(tmp_path / 'compiled' / 'work' / 'epoch_1.pth')
    assert saved['state_dict'].keys() == eager.model.state_dict().keys()
    assert not any('_orig_mod' in key for key in saved['state_dict'])
    for key, value in eager.model.state_dict().items():
        torch.testing.assert_close(saved['state_dict'][key], value, rtol=1e-4, atol=1e-6)
