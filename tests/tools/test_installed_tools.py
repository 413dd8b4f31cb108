"""A non-editable install works outside the clone: console scripts, packaged configs, demo data in cwd."""
import os
import shutil
import subprocess
import sys

import pytest

from helpers import CONSOLE_TOOLS, copy_sources


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """vlrkit installed with ``pip install --target`` from a copy of the sources (no build/ leftovers),
    and a working directory far from the clone; returns (target, cwd, env)."""
    root = tmp_path_factory.mktemp('installed')
    source, target, cwd = root / 'src', root / 'site', root / 'user'
    copy_sources(source)
    done = subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--no-build-isolation',
                           '--target', str(target), str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    shutil.rmtree(source)      # the installed copy must stand alone
    cwd.mkdir()
    env = {**os.environ, 'PYTHONPATH': str(target), 'PYTHONUNBUFFERED': '1'}
    return target, cwd, env


def run(installed, *command):
    target, cwd, env = installed
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_console_scripts_of_the_installed_copy_answer_help(installed):
    target, _, _ = installed
    where = run(installed, sys.executable, '-c', 'import vlrkit; print(vlrkit.__file__)')
    assert where.stdout.startswith(str(target)), where.stdout + where.stderr
    for script in CONSOLE_TOOLS:
        done = run(installed, target / 'bin' / script, '--help')
        assert done.returncode == 0 and 'usage: vlrkit-' in done.stdout, done.stderr[-2000:]


@pytest.mark.slow
def test_installed_vlrkit_train_runs_a_packaged_config_from_anywhere(installed):
    target, cwd, _ = installed
    done = run(installed, target / 'bin' / 'vlrkit-train', 'vlrkit::fcos/fcos_r18_fpn_demo.py',
               '--work-dir', 'work', '--cfg-options', 'train_cfg.max_iters=1', 'train_cfg.val_interval=0',
               'train_dataloader.batch_size=2', 'train_dataloader.dataset.num_trainval=4',
               'train_dataloader.dataset.num_test=2', 'default_hooks.checkpoint.interval=1',
               'default_hooks.checkpoint.save_best=None')
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert (cwd / 'work' / 'iter_1.pth').is_file()
    assert (cwd / 'data' / 'demo').is_dir()                       # demo data in the user's cwd,
    assert not list(target.rglob('JPEGImages'))                   # never inside the installed package
    missing = run(installed, target / 'bin' / 'vlrkit-train', 'vlrkit::fcos/fcos_r18.py')
    assert missing.returncode == 2 and 'ls -R ' + str(target / 'vlrkit' / 'configs') in missing.stderr
