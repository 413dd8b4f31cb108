"""Small shared helpers for the test suite (not a test module)."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


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
