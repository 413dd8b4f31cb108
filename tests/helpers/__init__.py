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
