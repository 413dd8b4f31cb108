"""Every config under configs/ loads, builds its model, and inherits at most two levels deep.

A reader should find every number in a config or in the bases it names, not five files away
(mmdetection's deep chains are the anchor to avoid), so a chain of more than three files fails.
"""
import ast

import pytest

from vlrkit.config import load_config
from vlrkit.registry import MODELS
from helpers import REPO

CONFIG_ROOT = REPO / 'configs'
CONFIGS = sorted(p for p in CONFIG_ROOT.rglob('*.py') if '_base_' not in p.parts)


def bases(path):
    """The files ``path`` names in ``_base_`` (read from its source, not executed)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == '_base_':
            names = ast.literal_eval(node.value)
            return [(path.parent / name).resolve() for name in ([names] if isinstance(names, str)
                                                                else names)]
    return []


def chain_length(path):
    """Files in the longest inheritance chain from ``path`` up (a file without bases is 1)."""
    parents = bases(path)
    for parent in parents:
        assert parent.is_file(), f'{path} names a base that does not exist: {parent}'
    return 1 + max((chain_length(parent) for parent in parents), default=0)


@pytest.mark.parametrize('path', CONFIGS, ids=[str(p.relative_to(CONFIG_ROOT)) for p in CONFIGS])
def test_config_loads_builds_and_stays_shallow(path):
    assert chain_length(path) <= 3
    cfg = load_config(path)
    model_cfg = cfg.model.copy()
    for part in ('backbone', 'head'):             # WSDDN's head loads ImageNet fc6 / fc7 too
        if 'pretrained' in model_cfg.get(part, {}):
            model_cfg[part].pretrained = None     # offline: no ImageNet weights
    MODELS.build(model_cfg)


def test_chain_length_counts_the_longest_path(tmp_path):
    (tmp_path / 'a.py').write_text('x = 1\n')
    (tmp_path / 'b.py').write_text("_base_ = ['./a.py']\n")
    (tmp_path / 'c.py').write_text("_base_ = ['./b.py', './a.py']\n")
    assert [chain_length(tmp_path / f'{n}.py') for n in 'abc'] == [1, 2, 3]
