"""Thin helpers over ``mmengine.Config``: load a config, apply ``--cfg-options``, catch typos.

mmengine already does ``_base_`` inheritance; what it does not do is tell a user that
``train_cfg.max_iter`` is not a key (it silently adds it). Typos are the commonest config bug, so
top-level keys and overridden keys are checked against the known ones here.

``vlrkit::fcos/fcos_r18_fpn_demo.py`` names a config shipped with vlrkit (``packaged_configs_dir``),
so an installed vlrkit trains from any directory without a clone.
"""
import ast
import difflib
import importlib
import io
import sys
import tokenize
import warnings
from pathlib import Path

from mmengine.config import Config

from .errors import ConfigError  # noqa: F401  (re-exported: vlrkit.config.ConfigError)

# Top-level keys read by something other than the Runner, with their reader.
OTHER_KEYS = {
    'custom_imports': 'load_config imports the listed modules (import_custom_modules)',
    'analysis': 'tools/analyze.py (vlrkit.evaluation.analysis.analyze) picks its analyses',
}


def known_keys():
    """Every top-level key something reads: the Runner's ``CONFIG_KEYS`` and ``OTHER_KEYS``.

    Other keys are allowed (configs define helper variables), but one that is *nearly* a known key
    is almost certainly a typo.
    """
    from .engine.runner import CONFIG_KEYS  # imported here: the Runner imports this module
    return (*CONFIG_KEYS, *OTHER_KEYS)


# Names a config shipped with vlrkit: ``vlrkit::fcos/fcos_r18_fpn_demo.py``.
PACKAGED_PREFIX = 'vlrkit::'


def packaged_configs_dir():
    """The configs shipped with vlrkit: ``vlrkit/configs`` in an installed copy (setup.py's
    package data), the repository's ``configs/`` in a clone or an editable install."""
    package = Path(__file__).resolve().parent
    installed = package / 'configs'
    return installed if installed.is_dir() else package.parent / 'configs'


def packaged_configs():
    """Every shipped config as the name after ``vlrkit::``, e.g. ``fcos/fcos_r18_fpn_demo.py``."""
    root = packaged_configs_dir()
    return sorted(p.relative_to(root).as_posix() for p in root.rglob('*.py')
                  if '__pycache__' not in p.parts)


def resolve_config_path(config):
    """The file a config argument names: a path, or ``vlrkit::NAME`` for a shipped config."""
    text = str(config)
    if not text.startswith(PACKAGED_PREFIX):
        return Path(config)
    name = text[len(PACKAGED_PREFIX):]
    path = packaged_configs_dir() / name
    if path.is_file():
        return path
    shipped = [n for n in packaged_configs() if not n.startswith('_base_/')]
    close = difflib.get_close_matches(name, shipped, n=3, cutoff=0.6)
    hint = f' (did you mean {" or ".join(PACKAGED_PREFIX + c for c in close)}?)' if close else ''
    raise ConfigError(f'{text}: vlrkit ships no config {name!r}{hint}. The shipped configs are the '
                      f'.py files under {packaged_configs_dir()}: list them with '
                      f'ls -R {packaged_configs_dir()}')


def load_config(path, cfg_options=None):
    """Load ``path`` (with its ``_base_`` chain and ``custom_imports``), then apply overrides.

    ``path`` is a file or ``vlrkit::NAME`` (a config shipped with vlrkit, ``resolve_config_path``).
    ``cfg_options`` maps dotted keys to values, e.g. ``{'train_cfg.max_iters': 20}``.
    """
    path = resolve_config_path(path)
    if not path.is_file():
        raise ConfigError(f'config file {path} does not exist (paths are relative to the current '
                          f'directory, usually the repository root)')
    try:
        cfg = Config.fromfile(str(path), import_custom_modules=False)
    except (ImportError, SyntaxError, KeyError, TypeError, ValueError) as err:
        raise ConfigError(f'{path}: {type(err).__name__}: {err}') from err
    import_custom_modules(cfg, path)
    check_top_level_keys(cfg, path)
    if cfg_options:
        check_override_keys(cfg, cfg_options, path)
        cfg.merge_from_dict(cfg_options)
    return cfg


def import_custom_modules(cfg, path):
    """Import the modules ``custom_imports`` names, looking next to the config and in the cwd too.

    So ``python tools/train.py my_config.py`` finds ``my_project/`` beside the config or in the
    current directory without ``PYTHONPATH=.`` (both go to the end of ``sys.path``: an installed
    package still wins). A module found nowhere is a ConfigError saying where it was looked for; a
    module that breaks while importing (a typo in its own imports) raises its own error, with the
    traceback into the user's file -- mmengine reported both as "set PYTHONPATH".
    """
    custom = cfg.get('custom_imports')
    if not custom:
        return
    names = custom.get('imports', [])
    folders = [str(path.resolve().parent), str(Path.cwd())]
    sys.path.extend(folder for folder in dict.fromkeys(folders) if folder not in sys.path)
    for name in [names] if isinstance(names, str) else names:
        try:
            importlib.import_module(name)
        except ImportError as err:
            if custom.get('allow_failed_imports', False):
                warnings.warn(f'{path}: custom_imports {name!r} skipped: {type(err).__name__}: {err}')
                continue
            missing = getattr(err, 'name', None)
            found = not isinstance(err, ModuleNotFoundError) or \
                not (name == missing or name.startswith(f'{missing}.'))
            if found:
                raise    # the module exists and failed inside: its own error is the message
            raise ConfigError(f'{path}: custom_imports names {name!r}, but no module {missing!r} is next '
                              f'to the config ({folders[0]}), in the working directory ({folders[1]}) '
                              f'or installed (or on PYTHONPATH)') from None


def parse_cfg_options(options):
    """``['a.b=1', 'k=[dict(type=X)]']`` -> ``{'a.b': 1, 'k': [{'type': 'X'}]}`` for ``--cfg-options``.

    A value is read like a Python literal -- numbers, strings, ``None``/``True``/``False``, lists,
    tuples, ``{...}`` and ``dict(key=value)`` -- where a bare word is a string (``pooling=avg``)
    and ``a=1,2`` is a list, as with mmengine's ``DictAction``. A value that is no expression at
    all (a path such as ``/data/weights.pth``) is kept as a string. Nothing is evaluated: a call
    other than ``dict(...)`` is refused, so an option cannot run code.
    """
    parsed = {}
    for option in options:
        key, sep, text = option.partition('=')
        if not sep or not key:
            raise ConfigError(f'--cfg-options {option}: expected KEY=VALUE, e.g. train_cfg.max_epochs=2')
        parsed[key] = _parse_value(option, text)
    return parsed


def _parse_value(option, text):
    text = text.strip()
    structured = text[:1] in '([{' or 'dict(' in text
    try:
        node = ast.parse(text, mode='eval').body
        value = _literal(node)
    except (SyntaxError, _NotALiteral) as err:
        if structured:
            reason = err.msg if isinstance(err, SyntaxError) else err.args[0]
            raise ConfigError(f'--cfg-options {option}: cannot read the value ({reason}); use literals, '
                              f'bare words, [lists], (tuples) and dict(key=value)') from None
        return _words(option, text)
    if isinstance(node, ast.Tuple) and not text.startswith('('):
        return list(value)          # a=1,2 is a list, as in mmengine
    return value


class _NotALiteral(Exception):
    pass


def _literal(node):
    """The value of a literal expression; names are strings; ``dict(k=v)`` is a dict."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return {'true': True, 'false': False}.get(node.id.lower(), node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) \
            and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float)):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    if isinstance(node, ast.List):
        return [_literal(item) for item in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_literal(item) for item in node.elts)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict' \
            and not node.args and all(kw.arg for kw in node.keywords):
        return {kw.arg: _literal(kw.value) for kw in node.keywords}
    raise _NotALiteral(f'{ast.unparse(node)!r} is not a literal')


def _words(option, text):
    """A value that is not an expression: one string, or a comma-separated list of them."""
    if ',' not in text:
        return text.strip('\'"')
    return [_parse_value(option, word) for word in text.split(',')]


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


def config_text(cfg):
    """The config as Python source that loads back: ``cfg.pretty_text`` with ``float('inf')``.

    mmengine writes an infinite float (FCOS's last ``regress_ranges`` bound) as the bare name
    ``inf``, which is no Python value, so a dumped config or a checkpoint's copy failed to load.
    """
    tokens = list(tokenize.generate_tokens(io.StringIO(cfg.pretty_text).readline))
    for i, token in enumerate(tokens):
        following = tokens[i + 1].string if i + 1 < len(tokens) else ''
        preceding = tokens[i - 1].string if i else ''
        if token.type == tokenize.NAME and token.string in ('inf', 'nan') \
                and following != '=' and preceding != '.':        # not a key, not an attribute
            tokens[i] = token._replace(string=f"float('{token.string}')")
    return tokenize.untokenize(tokens)


def dump_config(cfg, path):
    """Write ``cfg`` to ``path`` as a config file that ``load_config`` reads back unchanged."""
    Path(path).write_text(config_text(cfg), encoding='utf-8')


def config_name(cfg):
    """The config's file stem: ``configs/fcos/fcos_r18_fpn_demo.py`` -> ``fcos_r18_fpn_demo``."""
    return Path(cfg.filename).stem if cfg.filename else 'config'
