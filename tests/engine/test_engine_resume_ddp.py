"""Processes as users start them: a killed run resumed to the same weights, and DDP on CPU (gloo)."""
import json
import socket

import pytest
import torch

from helpers import run_tool, write_config
from vlrkit.engine.checkpoint import load_checkpoint_file

KILL_HOOK = '''
import os
import signal
from vlrkit.engine.hooks.hook import Hook
from vlrkit.registry import HOOKS


@HOOKS.register_module()
class KillAfterIter(Hook):
    """Simulates `kill -9` right after the checkpoint of iteration `at` is written."""
    priority = 'LOWEST'

    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        if runner.progress.iter == self.at:
            os.kill(os.getpid(), signal.SIGKILL)
'''

# 1,437 training images at batch 64 are 23 iterations an epoch: 40 iterations cross an epoch
# boundary, and the kill at 30 lands in the middle of the second epoch.
RESUME_CONFIG = '''
_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']
train_dataloader = dict(batch_size=64, dataset=dict(image_size=16))
val_dataloader = dict(dataset=dict(image_size=16))
test_dataloader = dict(dataset=dict(image_size=16))
model = dict(backbone=dict(input_size=16))
train_cfg = dict(_delete_=True, by_epoch=False, max_iters=40, val_interval=0)
param_scheduler = [dict(type='LinearLR', start_factor=0.1, total_iters=5, by_epoch=False),
                   dict(type='MultiStepLR', milestones=[25], gamma=0.1, by_epoch=False)]
default_hooks = dict(checkpoint=dict(interval=10, save_best=None), logger=dict(interval=10))
'''


def test_killed_run_resumes_to_identical_weights(tmp_path):
    (tmp_path / 'kill_hook.py').write_text(KILL_HOOK)
    config = write_config(tmp_path / 'resume.py', RESUME_CONFIG)
    killed_config = write_config(tmp_path / 'killed.py', RESUME_CONFIG + (
        "custom_imports = dict(imports=['kill_hook'])\n"
        "custom_hooks = [dict(type='KillAfterIter', at=30)]\n"))
    env = {'PYTHONPATH': str(tmp_path)}

    straight = run_tool('tools/train.py', config, '--work-dir', tmp_path / 'straight', env=env)
    assert straight.returncode == 0, straight.stderr[-2000:]
    killed = run_tool('tools/train.py', killed_config, '--work-dir', tmp_path / 'interrupted', env=env)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert (tmp_path / 'interrupted' / 'iter_30.pth').is_file()
    assert not (tmp_path / 'interrupted' / 'iter_40.pth').exists()
    resumed = run_tool('tools/train.py', config, '--work-dir', tmp_path / 'interrupted', '--resume', env=env)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert 'resumed from' in resumed.stdout and 'iteration 30' in resumed.stdout

    a = load_checkpoint_file(tmp_path / 'straight' / 'iter_40.pth')
    b = load_checkpoint_file(tmp_path / 'interrupted' / 'iter_40.pth')
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key in a['state_dict']:
        assert torch.equal(a['state_dict'][key], b['state_dict'][key]), key
    assert a['optimizer']['param_groups'][0]['lr'] == b['optimizer']['param_groups'][0]['lr']


def errors(process):
    """The lines that explain a failure, not torchrun's 40-line summary of it; C++ aborts
    ("terminate called ...", gloo's "what(): ...") and signals included."""
    lines = (process.stdout + process.stderr).splitlines()
    marks = ('error', 'traceback', 'terminate', 'what()', 'signal', 'exitcode')
    return '\n'.join(l for l in lines if any(m in l.lower() for m in marks))[-3000:]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_ddp_two_cpu_processes_train_and_evaluate_like_one(tmp_path):
    # 201 test images: two ranks get 101 each, one padded duplicate the evaluator must drop.
    config = write_config(tmp_path / 'ddp.py', RESUME_CONFIG + (
        "train_cfg = dict(_delete_=True, by_epoch=False, max_iters=12, val_interval=0)\n"
        "optim_wrapper = dict(optimizer=dict(lr=0.1))\n"
        "val_dataloader = dict(batch_size=32, dataset=dict(image_size=16, test_size=201))\n"
        "test_dataloader = dict(batch_size=32, dataset=dict(image_size=16, test_size=201))\n"
        "default_hooks = dict(checkpoint=dict(interval=12, save_best=None))\n"))
    work_dir = tmp_path / 'work'
    train = run_tool('-m', 'torch.distributed.run', '--nproc_per_node', 2, '--master_port', free_port(),
                     'tools/train.py', config, '--work-dir', work_dir, '--launcher', 'pytorch')
    assert train.returncode == 0, errors(train)
    checkpoint = work_dir / 'iter_12.pth'
    assert load_checkpoint_file(checkpoint)['meta']['iters_done'] == 12

    # each test run writes its metrics.json into <work_dir>/test_<stamp>/, and --out the predictions
    single = run_tool('tools/test.py', config, checkpoint, '--work-dir', tmp_path / 'one',
                      '--out', tmp_path / 'one.json')
    assert single.returncode == 0, errors(single)
    ddp = run_tool('-m', 'torch.distributed.run', '--nproc_per_node', 2, '--master_port', free_port(),
                   'tools/test.py', config, checkpoint, '--work-dir', tmp_path / 'two', '--launcher', 'pytorch',
                   '--out', tmp_path / 'two.json')
    assert ddp.returncode == 0, errors(ddp)
    one, two = (json.loads(next((tmp_path / run).glob('test_*/metrics.json')).read_text())
                for run in ('one', 'two'))
    assert one == two
    preds_one, preds_two = (json.loads((tmp_path / f'{run}.json').read_text()) for run in ('one', 'two'))
    assert len(preds_one) == len(preds_two) == 201   # the padded duplicate is dropped
    assert [p['img_id'] for p in preds_one] == [p['img_id'] for p in preds_two]
    assert [p['pred']['pred_label'] for p in preds_one] == [p['pred']['pred_label'] for p in preds_two]
    assert 0.2 < one['accuracy/top1'] < 1.0   # trained a little: not chance, not perfect


def test_two_ranks_refuse_a_work_dir_in_use_with_one_message_and_no_gloo_traceback(tmp_path):
    # Rank 0 used to raise alone while rank 1 trained on into a closed process group; then rank 1
    # left first and torchrun could SIGTERM rank 0 before it printed the refusal.
    config = write_config(tmp_path / 'ddp.py', RESUME_CONFIG)
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    (work_dir / 'iter_10.pth').write_bytes(b'precious')
    train = run_tool('-m', 'torch.distributed.run', '--nproc_per_node', 2, '--master_port', free_port(),
                     'tools/train.py', config, '--work-dir', work_dir, '--launcher', 'pytorch')
    output = train.stdout + train.stderr
    assert train.returncode != 0
    refusals = [l for l in output.splitlines() if l.startswith('vlrkit: error: WorkDirInUseError')]
    assert len(refusals) == 1 and '--work-dir-exists' in refusals[0], output[-3000:]
    worker_frames = [l for l in output.splitlines() if 'File "' in l and ('vlrkit' in l or 'train.py' in l)]
    assert not worker_frames, output[-3000:]     # torchrun's own summary of the exit status aside
    for crash in ('Connection closed', 'terminate called', 'what()', 'Signal'):
        assert crash not in output, errors(train)
    assert 'exitcode  : 2' in output and (work_dir / 'iter_10.pth').read_bytes() == b'precious'
