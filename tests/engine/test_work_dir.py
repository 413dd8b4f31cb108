"""One run per work_dir (a lock that kill -9 frees), leftovers of killed saves, write failures."""
import builtins
import errno
import io
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from helpers import REPO, hold_lock, run_tool, write_config
from vlrkit.config import load_config
from vlrkit.engine.runner import Runner
from vlrkit.engine.work_dir import LOCK_NAME, WorkDirLockedError

DIGITS = 'configs/simple_cnn/simple_cnn_digits.py'

def digits_runner(work_dir, **options):
    return Runner.from_cfg(load_config(DIGITS, cfg_options={'work_dir': str(work_dir), **options}))


def snapshot(folder):
    """Every file under ``folder`` with its bytes and modification time."""
    return {p.relative_to(folder): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob('*')) if p.is_file()}


def test_a_run_into_a_work_dir_another_process_holds_is_refused_naming_it(tmp_path):
    holder = hold_lock(tmp_path)
    try:
        before = snapshot(tmp_path)
        with pytest.raises(WorkDirLockedError) as info:
            digits_runner(tmp_path)
        message = str(info.value)
        assert f'PID {holder.pid} on host {socket.gethostname()}' in message and str(tmp_path) in message
        assert snapshot(tmp_path) == before            # not even a run.log was started
    finally:
        holder.kill()                                  # kill -9: no clean-up of its own
        holder.wait()
    assert holder.returncode == -signal.SIGKILL
    runner = digits_runner(tmp_path)                   # the kernel freed the lock with the process
    assert runner.work_dir_lock.held and f'PID {os.getpid()}' in (tmp_path / LOCK_NAME).read_text()


def test_the_lock_is_given_up_when_the_run_ends(tmp_path):
    runner = digits_runner(tmp_path, **{'train_cfg': dict(by_epoch=False, max_iters=1, val_interval=0),
                                        'default_hooks.checkpoint': None, 'param_scheduler': []})
    runner.train()
    assert not runner.work_dir_lock.held
    hold_lock(tmp_path).kill()                         # another process could take it


def test_temporaries_of_killed_saves_are_removed_at_start_up(tmp_path, caplog):
    dead = [f'.iter_10.pth.tmp-{4_000_000 + i}' for i in range(2)] + ['.last_checkpoint.tmp-4000002']
    for name in dead:
        (tmp_path / name).write_bytes(b'half a checkpoint')
    mine = tmp_path / f'.epoch_1.pth.tmp-{os.getpid()}'
    mine.write_bytes(b'being written')
    (tmp_path / 'notes.tmp-1').write_text('not ours: not hidden')
    digits_runner(tmp_path)
    assert not any((tmp_path / name).exists() for name in dead)
    assert mine.exists() and (tmp_path / 'notes.tmp-1').exists()
    assert f'removed 3 temporary files of interrupted saves in {tmp_path}' in (tmp_path / 'run.log').read_text()


# ----------------------------------------------------------------------------- two real runs
PAUSE_HOOK = '''
import time
from pathlib import Path
from vlrkit.engine.hooks.hook import Hook
from vlrkit.registry import HOOKS


@HOOKS.register_module()
class PauseAfterIter(Hook):
    """Stops (alive, holding the work_dir) after the checkpoint of iteration `at`, and says so."""
    priority = 'LOWEST'

    def __init__(self, at, marker):
        self.at, self.marker = at, marker

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        if runner.progress.iter == self.at:
            Path(self.marker).write_text('paused')
            time.sleep(600)
'''

SHORT_CONFIG = '''
_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']
train_dataloader = dict(batch_size=16, dataset=dict(image_size=16))
model = dict(backbone=dict(input_size=16))
train_cfg = dict(_delete_=True, by_epoch=False, max_iters=4, val_interval=0)
param_scheduler = []
default_hooks = dict(checkpoint=dict(interval=2, save_best=None), logger=dict(interval=1))
'''


@pytest.mark.slow
def test_two_training_processes_in_one_work_dir_then_kill_9_and_resume(tmp_path):
    (tmp_path / 'pause_hook.py').write_text(PAUSE_HOOK)
    marker, work_dir = tmp_path / 'paused', tmp_path / 'work'
    config = write_config(tmp_path / 'short.py', SHORT_CONFIG + (
        "custom_imports = dict(imports=['pause_hook'])\n"
        f"custom_hooks = [dict(type='PauseAfterIter', at=2, marker={str(marker)!r})]\n"))
    env = {**os.environ, 'PYTHONPATH': str(tmp_path), 'PYTHONUNBUFFERED': '1'}
    first = subprocess.Popen([sys.executable, 'tools/train.py', str(config), '--work-dir', str(work_dir)],
                             cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert first.poll() is None and time.monotonic() < deadline, 'the first run did not get to iteration 2'
            time.sleep(0.2)
        before = snapshot(work_dir)
        second = run_tool('tools/train.py', config, '--work-dir', work_dir, '--resume', env={'PYTHONPATH': str(tmp_path)})
        assert second.returncode == 2
        refusal = [line for line in second.stderr.splitlines() if line.startswith('vlrkit: error:')]
        assert len(refusal) == 1 and 'Traceback' not in second.stderr, second.stderr[-2000:]
        assert f'WorkDirLockedError: {work_dir} is in use by another run (PID {first.pid} on host' in refusal[0]
        assert snapshot(work_dir) == before            # the first run's files, byte for byte
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # the killed run's lock is gone with it: a resume (without the pause) goes on from iteration 2
    resume_config = write_config(tmp_path / 'resume.py', SHORT_CONFIG)
    resumed = run_tool('tools/train.py', resume_config, '--work-dir', work_dir, '--resume')
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert 'iteration 2' in resumed.stdout + resumed.stderr and (work_dir / 'iter_4.pth').is_file()


# ----------------------------------------------------------------------------- write failures
@pytest.fixture
def read_only(monkeypatch):
    """Make a folder read-only: chmod, and where that does not stop writes (tests run as root),
    refuse them as a read-only mount does, with EROFS from os.open/open/mkdir under the folder."""
    folders = []

    def make(folder):
        folder.chmod(0o555)
        folders.append(folder)
        try:
            (folder / '.probe').write_bytes(b'')
        except PermissionError:
            return folder
        (folder / '.probe').unlink()
        inside = lambda path: str(os.path.abspath(path)).startswith(str(folder))   # noqa: E731

        def refuse(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

        real_os_open, real_open, real_mkdir = os.open, builtins.open, os.mkdir
        writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

        def os_open(path, flags, *args, **kwargs):
            return refuse(path) if flags & writes and inside(path) else real_os_open(path, flags, *args, **kwargs)

        def open_(file, mode='r', *args, **kwargs):
            writing = isinstance(file, (str, os.PathLike)) and set(mode) & set('wax+')
            return refuse(file) if writing and inside(file) else real_open(file, mode, *args, **kwargs)

        def mkdir(path, *args, **kwargs):
            return refuse(path) if inside(path) else real_mkdir(path, *args, **kwargs)

        for module, name, fake in ((os, 'open', os_open), (builtins, 'open', open_), (io, 'open', open_),
                                   (os, 'mkdir', mkdir)):
            monkeypatch.setattr(module, name, fake)
        return folder

    yield make
    for folder in folders:
        folder.chmod(0o755)


def cli_train(capsys, *args):
    """tools/train.py's main in this process; returns (exit status, stderr)."""
    from vlrkit.tools.train import main
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    return info.value.code, capsys.readouterr().err


def test_a_read_only_work_dir_is_one_line_naming_it_and_keeps_its_files(tmp_path, read_only, capsys):
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    (work_dir / 'iter_10.pth').write_bytes(b'earlier run')
    (work_dir / 'last_checkpoint').write_text('iter_10.pth')
    read_only(work_dir)
    status, err = cli_train(capsys, DIGITS, '--work-dir', work_dir, '--resume')
    assert status == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f'vlrkit: error: WorkDirWriteError: cannot write {work_dir}')
    assert 'Read-only file system' in err or 'Permission denied' in err
    assert (work_dir / 'iter_10.pth').read_bytes() == b'earlier run'


class FullDisk:
    """A file on a disk with ``room`` bytes left: a write beyond fails as write(2) does, ENOSPC
    with no file name (torch.save then raises a RuntimeError "unexpected pos" from it)."""

    def __init__(self, f, room=4096):
        self.f, self.room = f, room

    def write(self, data):
        size = memoryview(data).nbytes
        if size > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= size
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def test_a_full_disk_is_one_line_naming_the_checkpoint_and_keeps_the_earlier_one(tmp_path, monkeypatch, capsys):
    from vlrkit.engine import checkpoint as checkpoint_module
    from vlrkit.engine.checkpoint import load_checkpoint_file
    work_dir = tmp_path / 'work'

    def open_on_a_filling_disk(path, mode='r', *args, **kwargs):
        f = builtins.open(path, mode, *args, **kwargs)
        return FullDisk(f) if '.iter_4.pth.tmp-' in str(path) else f

    monkeypatch.setattr(checkpoint_module, 'open', open_on_a_filling_disk, raising=False)
    config = write_config(tmp_path / 'short.py', SHORT_CONFIG)
    status, err = cli_train(capsys, config, '--work-dir', work_dir)
    errors = [line for line in err.splitlines() if 'error' in line.lower() or 'Traceback' in line]
    assert status == 2 and len(errors) == 1, err
    assert errors[0].startswith(f'vlrkit: error: WorkDirWriteError: cannot write {work_dir / "iter_4.pth"}: '
                                f'No space left on device')
    assert load_checkpoint_file(work_dir / 'iter_2.pth')['meta']['iters_done'] == 2
    assert (work_dir / 'last_checkpoint').read_text() == 'iter_2.pth'
    assert not list(work_dir.glob('.*tmp-*')) and not (work_dir / 'iter_4.pth').exists()


@pytest.mark.slow
def test_under_torchrun_every_rank_refuses_a_locked_work_dir_with_one_message(tmp_path):
    from test_engine_resume_ddp import free_port
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    holder = hold_lock(work_dir)
    try:
        config = write_config(tmp_path / 'short.py', SHORT_CONFIG)
        train = run_tool('-m', 'torch.distributed.run', '--nproc_per_node', 2, '--master_port', free_port(),
                         'tools/train.py', config, '--work-dir', work_dir, '--launcher', 'pytorch')
    finally:
        holder.kill()
        holder.wait()
    output = train.stdout + train.stderr
    refusals = [line for line in output.splitlines() if line.startswith('vlrkit: error: WorkDirLockedError')]
    assert len(refusals) == 1 and f'PID {holder.pid}' in refusals[0], output[-3000:]
    worker_frames = [l for l in output.splitlines() if 'File "' in l and ('vlrkit' in l or 'train.py' in l)]
    assert 'exitcode  : 2' in output and not worker_frames, output[-3000:]   # torchrun's summary aside
    assert sorted(p.name for p in work_dir.iterdir()) == [LOCK_NAME]
