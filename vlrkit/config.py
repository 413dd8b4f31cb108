"""Thin helpers over ``mmengine.Config``: load a config, apply ``--cfg-options``, catch typos.

mmengine already does ``_base_`` inheritance and ``custom_imports``; what it does not do is tell a
user that ``train_cfg.max_iter`` is not a key (it silently adds it). Typos are the commonest config
bug, so top-level keys and overridden keys are checked against the known ones here.
"""
import difflib
from pathlib import Path

from mmengine.config import Config

from .errors import ConfigError  # noqa: F401  (re-exported: vlrkit.config.ConfigError)

# Top-level keys read by something other than the Runner, with their reader.
OTHER_KEYS = {
    'custom_imports': 'mmengine.Config imports the listed modules while loading',
    'analysis': 'tools/analyze.py (vlrkit.evaluation.analysis.analyze) picks its analyses',
}


def known_keys():
    """Every top-level key something reads: the Runner's ``CONFIG_KEYS`` and ``OTHER_KEYS``.

    Other keys are allowed (configs define helper variables), but one that is *nearly* a known key
    is almost certainly a typo.
    """
    from .engine.runner import CONFIG_KEYS  # imported here: the Runner imports this module
    return (*CONFIG_KEYS, *OTHER_KEYS)


def load_config(path, cfg_options=None):
    """Load ``path`` (with its ``_base_`` chain and ``custom_imports``), then apply overrides.

    ``cfg_options`` maps dotted keys to values, e.g. ``{'train_cfg.max_iters': 20}``.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f'config file {path} does not exist (paths are relative to the current '
                          f'directory, usually the repository root)')
    try:
        cfg = Config.fromfile(str(path))
    except (ImportError, SyntaxError, KeyError, TypeError, ValueError) as err:
        raise ConfigError(f'{path}: {type(err).__name__}: {err}') from err
    check_top_level_keys(cfg, path)
    if cfg_options:
        check_override_keys(cfg, cfg_options, path)
        cfg.merge_from_dict(cfg_options)
    return cfg


def check_top_level_keys(cfg, path):
    known = known_keys()
    for key in cfg.keys():
        if key in known or key.startswith('_'):
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
        if close:
            raise ConfigError(f'{path}: unknown top-level key {key!r}; did you mean {close[0]!r}?')


def check_override_keys(cfg, cfg_options, path):
    """An override must extend an existing dict, and must not be one letter off an existing key."""
    for dotted in cfg_options:
        node, parts = cfg, dotted.split('.')
        for depth, part in enumerate(parts):
            siblings = list(node.keys()) if hasattr(node, 'keys') else []
            if part in siblings:
                node = node[part]
                continue
            if part.isdigit() and isinstance(node, (list, tuple)):
                node = node[int(part)]
                continue
            close = difflib.get_close_matches(part, siblings, n=1, cutoff=0.8)
            if close:
                where = '.'.join(parts[:depth]) or 'the top level'
                raise ConfigError(f'--cfg-options {dotted}: {part!r} is not a key of {where} in '
                                  f'{path}; did you mean {close[0]!r}?')
            break


def config_name(cfg):
    """The config's file stem: ``configs/fcos/fcos_r18_fpn_demo.py`` -> ``fcos_r18_fpn_demo``."""
    return Path(cfg.filename).stem if cfg.filename else 'config'
