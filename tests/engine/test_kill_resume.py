"""A run killed (kill -9) again and again, at seeded random moments, resumes each time to the same
weights as a run never interrupted, and leaves only files that load.

The moments: after an iteration, half-way through writing a checkpoint, between a checkpoint's
rename and the ``last_checkpoint`` update (both injected by the hook below, inside the process),
and once from outside after a random delay, wherever the run then is. The config and the
single-kill test this extends are in test_engine_resume_ddp.py.
"""
import json
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

from helpers import REPO, run_tool, write_config
from test_engine_resume_ddp import RESUME_CONFIG   # 40 iterations, a checkpoint every 10, two schedulers
from vlrkit.config import load_config
from vlrkit.engine.checkpoint import load_checkpoint_file

SEED = 13

KILL_HOOK = '''
import io
import os
import signal

import torch

from vlrkit.engine import runner as runner_module
from vlrkit.engine.hooks.hook import Hook
from vlrkit.registry import HOOKS


def die():
    os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class KillAt(Hook):
    """kill -9 at iteration `at`: 'after_iter' (after its checkpoint, if any), 'mid_save' (half of
    its checkpoint's bytes written) or 'before_latest' (its checkpoint renamed into place,
    last_checkpoint not yet updated)."""
    priority = 'LOWEST'

    def __init__(self, at, phase):
        self.at, self.phase = at, phase

    def before_run(self, runner):
        if self.phase == 'mid_save':
            real_save = torch.save

            def half_then_die(obj, f):
                if isinstance(obj, dict) and obj.get('meta', {}).get('iters_done') == self.at:
                    data = io.BytesIO()
                    real_save(obj, data)
                    f.write(data.getvalue()[:len(data.getvalue()) // 2])
                    f.flush()
                    die()
                return real_save(obj, f)
            torch.save = half_then_die
        if self.phase == 'before_latest':
            real_write = runner_module.atomic_write

            def die_before_latest(path, write):
                if path.name == 'last_checkpoint' and runner.progress.iter == self.at:
                    die()
                return real_write(path, write)
            runner_module.atomic_write = die_before_latest

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        if self.phase == 'after_iter' and runner.progress.iter == self.at:
            die()
'''


def kill_moments(seed):
    """One kill in each stretch of 10 iterations (each between two checkpoints, so every resumed
    run gets to its kill), each kind once in a random order: after a random iteration of the
    stretch, or the stretch's checkpoint half-written, or renamed but not yet in last_checkpoint."""
    rng = random.Random(seed)
    phases = ['after_iter', 'mid_save', 'before_latest']
    rng.shuffle(phases)
    return [(rng.randint(start + 1, start + 10) if phase == 'after_iter' else start + 10, phase)
            for start, phase in zip((0, 10, 20), phases)]


def check_every_file_loads(work_dir):
    """Checkpoints with the safe loader, log.jsonl line by line, configs, TensorBoard events; no
    temporary file of a killed save; ``last_checkpoint`` names a checkpoint that is there."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    for path in sorted(p for p in work_dir.rglob('*') if p.is_file()):
        name = path.name
        assert '.tmp-' not in name, f'leftover of a killed save: {path}'
        if name.endswith('.pth'):
            load_checkpoint_file(path)
        elif name == 'log.jsonl':
            for line in path.read_text().splitlines():
                json.loads(line)
        elif name.endswith('.py'):
            load_config(path)
        elif name.startswith('events.out.tfevents'):
            list(EventFileLoader(str(path)).Load())
        elif name == 'last_checkpoint':
            assert (work_dir / path.read_text()).is_file()
        else:
            assert name in ('run.log', '.vlrkit.lock'), f'unexpected file {path}'
            path.read_text()


@pytest.mark.slow
def test_runs_killed_at_random_moments_resume_to_the_uninterrupted_result(tmp_path, monkeypatch):
    (tmp_path / 'kill_hook.py').write_text(KILL_HOOK)
    monkeypatch.syspath_prepend(str(tmp_path))   # the dumped configs import kill_hook
    env = {'PYTHONPATH': str(tmp_path)}
    config = write_config(tmp_path / 'resume.py', RESUME_CONFIG)
    straight = run_tool('tools/train.py', config, '--work-dir', tmp_path / 'straight')
    assert straight.returncode == 0, straight.stderr[-2000:]

    work_dir, moments = tmp_path / 'interrupted', kill_moments(SEED)
    for index, (at, phase) in enumerate(moments):
        killed_config = write_config(tmp_path / f'killed_{index}.py', RESUME_CONFIG + (
            "custom_imports = dict(imports=['kill_hook'])\n"
            f"custom_hooks = [dict(type='KillAt', at={at}, phase={phase!r})]\n"))
        killed = run_tool('tools/train.py', killed_config, '--work-dir', work_dir, '--resume', env=env)
        assert killed.returncode == -signal.SIGKILL, (at, phase, killed.stderr[-2000:])
        if phase == 'mid_save':
            assert list(work_dir.glob(f'.iter_{at}.pth.tmp-*')), 'the killed save left its temporary file'
    # and once from outside, wherever the run is after a random delay (it may even have finished)
    outside = subprocess.Popen([sys.executable, 'tools/train.py', str(config), '--work-dir', str(work_dir),
                                '--resume'], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(random.Random(SEED).uniform(5, 20))
    outside.send_signal(signal.SIGKILL)
    outside.wait()

    final = run_tool('tools/train.py', config, '--work-dir', work_dir, '--resume')
    assert final.returncode == 0, (moments, final.stderr[-2000:])
    a = load_checkpoint_file(tmp_path / 'straight' / 'iter_40.pth')
    b = load_checkpoint_file(work_dir / 'iter_40.pth')
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key in a['state_dict']:
        assert torch.equal(a['state_dict'][key], b['state_dict'][key]), (moments, key)
    assert a['optimizer']['param_groups'] == b['optimizer']['param_groups']
    for index, state in a['optimizer']['state'].items():
        assert torch.equal(state['momentum_buffer'], b['optimizer']['state'][index]['momentum_buffer'])
    assert a['param_schedulers'] == b['param_schedulers']
    check_every_file_loads(work_dir)
    # keep-last-3 counts every checkpoint on disk, those of the killed runs too
    assert sorted(p.name for p in work_dir.glob('iter_*.pth')) == ['iter_20.pth', 'iter_30.pth', 'iter_40.pth']
