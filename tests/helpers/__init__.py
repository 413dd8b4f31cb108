"""Small shared helpers for the test suite (not a test module)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Console script name -> module under vlrkit/tools (setup.py's entry points).
CONSOLE_TOOLS = {'vlrkit-train': 'train', 'vlrkit-test': 'test', 'vlrkit-infer': 'infer',
                 'vlrkit-analyze': 'analyze', 'vlrkit-plot-curves': 'plot_curves', 'vlrkit-sweep': 'sweep'}


def run_tool(*args, cwd=None, timeout=600, env=None):
    """Run ``python tools/<args>`` as a user would; returns the CompletedProcess."""
    full_env = {**os.environ, 'PYTHONUNBUFFERED': '1', **(env or {})}
    return subprocess.run([sys.executable, *map(str, args)], cwd=cwd or REPO, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def write_config(path, text):
    """Write a config that inherits from the repo's configs (absolute _base_ paths)."""
    path = Path(path)
    path.write_text(text.replace('{CONFIGS}', str(REPO / 'configs')))
    return path


def copy_sources(dest):
    """What ``pip install .`` reads (vlrkit/, configs/, setup.py, README.md) copied to ``dest``
    without caches or an earlier build/, so an install or wheel from it has no leftovers."""
    ignore = shutil.ignore_patterns('__pycache__', '*.egg-info', 'build')
    for name in ('vlrkit', 'configs'):
        shutil.copytree(REPO / name, Path(dest) / name, ignore=ignore)
    for name in ('setup.py', 'README.md'):
        shutil.copy(REPO / name, Path(dest) / name)
    return Path(dest)


# Another process holding the lock, started in a fraction of a second: vlrkit.engine's __init__
# (which imports torch and every hook) is skipped, work_dir.py itself needs only the stdlib.
HOLD_LOCK = '''
import sys, time, types
sys.path.insert(0, {repo!r})
engine = types.ModuleType('vlrkit.engine')
engine.__path__ = [{repo!r} + '/vlrkit/engine']
sys.modules['vlrkit.engine'] = engine
from vlrkit.engine.work_dir import WorkDirLock
assert WorkDirLock({work_dir!r}).acquire() is None
print('locked', flush=True)
time.sleep(600)
'''


def hold_lock(work_dir):
    """Another process holding ``work_dir``'s lock; returns it once it holds it."""
    holder = subprocess.Popen([sys.executable, '-c', HOLD_LOCK.format(repo=str(REPO), work_dir=str(work_dir))],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == 'locked'
    return holder
