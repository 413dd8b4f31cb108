import ast
import sys

import pytest
import torch

from helpers import REPO, write_config
from vlrkit.config import ConfigError, known_keys, load_config
from vlrkit.engine.runner import CONFIG_KEYS
from vlrkit.registry import BACKBONES, MODELS, OPTIMIZERS, PARAM_SCHEDULERS


def test_build_by_type_from_registry():
    model = MODELS.build(dict(type='ImageClassifier', backbone=dict(type='SimpleCNN'),
                              head=dict(type='LinearClsHead', in_channels=128, num_classes=10)))
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_unknown_type_names_registry_and_closest_names():
    with pytest.raises(KeyError) as info:
        BACKBONES.build(dict(type='SimpelCNN'))
    message = str(info.value)
    assert "'backbone' registry" in message and "did you mean 'SimpleCNN'" in message


def test_every_torch_optimizer_and_scheduler_is_registered():
    for name in ('SGD', 'Adam', 'AdamW', 'RMSprop'):
        assert OPTIMIZERS.get(name) is getattr(torch.optim, name)
    for name in ('MultiStepLR', 'LinearLR', 'CosineAnnealingLR', 'OneCycleLR'):
        assert PARAM_SCHEDULERS.get(name) is getattr(torch.optim.lr_scheduler, name)


def test_base_inheritance_and_cfg_options(tmp_path):
    path = write_config(tmp_path / 'child.py', (
        "_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']\n"
        "train_cfg = dict(max_epochs=2)\n"))
    cfg = load_config(path, cfg_options={'optim_wrapper.optimizer.lr': 0.5})
    assert cfg.train_cfg.max_epochs == 2 and cfg.train_cfg.by_epoch is True  # merged, not replaced
    assert cfg.optim_wrapper.optimizer.lr == 0.5 and cfg.optim_wrapper.optimizer.type == 'SGD'
    assert cfg.model.backbone.type == 'SimpleCNN'          # from the base's base chain
    assert cfg.default_hooks.logger.type == 'LoggerHook'   # from default_runtime.py


def test_typo_in_top_level_key_is_an_error(tmp_path):
    path = write_config(tmp_path / 'typo.py', (
        "_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']\n"
        "train_cgf = dict(max_epochs=2)\n"))
    with pytest.raises(ConfigError, match=r"typo.py: unknown top-level key 'train_cgf'; did you mean 'train_cfg'"):
        load_config(path)


def test_typo_in_cfg_option_key_is_an_error():
    with pytest.raises(ConfigError, match=r"'max_epoch' is not a key of train_cfg.*did you mean 'max_epochs'"):
        load_config('configs/simple_cnn/simple_cnn_digits.py', cfg_options={'train_cfg.max_epoch': 2})


def test_custom_imports_register_a_user_module(tmp_path, monkeypatch):
    (tmp_path / 'my_nets.py').write_text(
        "import torch.nn as nn\n"
        "from vlrkit.registry import BACKBONES\n"
        "@BACKBONES.register_module()\n"
        "class TinyUserNet(nn.Module):\n"
        "    def __init__(self, width=4):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(28 * 28, width)\n"
        "    def forward(self, x):\n"
        "        return (self.fc(x.flatten(1)),)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = write_config(tmp_path / 'user.py', (
        "_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']\n"
        "custom_imports = dict(imports=['my_nets'], allow_failed_imports=False)\n"
        "model = dict(backbone=dict(_delete_=True, type='TinyUserNet', width=7),\n"
        "             head=dict(in_channels=7))\n"))
    cfg = load_config(path)
    model = MODELS.build(cfg.model)
    assert type(model.backbone).__name__ == 'TinyUserNet'
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    sys.modules.pop('my_nets', None)


def top_level_keys_read(source):
    """Keys read as ``self.cfg.get('k')``, ``self.cfg['k']`` or ``self.cfg.k`` (or ``runner.cfg``)."""
    from mmengine.config import Config, ConfigDict

    def is_cfg(node):
        return isinstance(node, ast.Attribute) and node.attr == 'cfg'
    keys = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == 'get' and is_cfg(node.func.value) and node.args:
            keys.add(node.args[0].value)
        elif isinstance(node, ast.Subscript) and is_cfg(node.value) and isinstance(node.slice, ast.Constant):
            keys.add(node.slice.value)
        elif isinstance(node, ast.Attribute) and is_cfg(node.value) and \
                not hasattr(Config, node.attr) and not hasattr(ConfigDict, node.attr):
            keys.add(node.attr)
    return keys


def test_the_runners_config_keys_are_the_keys_its_code_reads():
    engine = REPO / 'vlrkit' / 'engine'
    read = set().union(*(top_level_keys_read(f.read_text()) for f in engine.glob('*.py')))
    assert read == set(CONFIG_KEYS)


def test_a_key_nothing_reads_is_not_a_known_key(tmp_path):
    # 'log_level' was once listed but never read: a config setting it must not look valid.
    assert 'log_level' not in known_keys()
    assert set(known_keys()) == set(CONFIG_KEYS) | {'custom_imports', 'analysis'}
    path = write_config(tmp_path / 'typo.py', (
        "_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']\n"
        "val_evaluater = dict(type='Accuracy')\n"))
    with pytest.raises(ConfigError, match="did you mean 'val_evaluator'"):
        load_config(path)


def user_config(folder, imports):
    return write_config(folder / 'user.py', "_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']\n"
                                            f"custom_imports = dict(imports={imports!r})\n")


def test_custom_imports_are_found_beside_the_config_and_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, 'path', list(sys.path))
    beside, cwd = tmp_path / 'project', tmp_path / 'cwd'
    (beside / 'beside_pkg').mkdir(parents=True)
    (beside / 'beside_pkg' / '__init__.py').write_text('LOADED = True\n')
    cwd.mkdir()
    (cwd / 'cwd_module.py').write_text('LOADED = True\n')
    monkeypatch.chdir(cwd)
    try:
        load_config(user_config(beside, ['beside_pkg', 'cwd_module']))
        assert sys.modules['beside_pkg'].LOADED and sys.modules['cwd_module'].LOADED
    finally:
        sys.modules.pop('beside_pkg', None)
        sys.modules.pop('cwd_module', None)


def test_a_custom_import_that_fails_inside_raises_its_own_import_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, 'path', list(sys.path))
    (tmp_path / 'typo_module.py').write_text('from collections import OrderedDictt\n')
    with pytest.raises(ImportError, match="cannot import name 'OrderedDictt' from 'collections'") as error:
        load_config(user_config(tmp_path, ['typo_module']))
    assert not isinstance(error.value, ConfigError) and 'PYTHONPATH' not in str(error.value)
    sys.modules.pop('typo_module', None)


def test_a_custom_import_found_nowhere_says_where_it_was_looked_for(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, 'path', list(sys.path))
    with pytest.raises(ConfigError, match=r"custom_imports names 'no_such_module', but no module "
                                          r"'no_such_module' is next to the config \(" + str(tmp_path)):
        load_config(user_config(tmp_path, ['no_such_module']))
