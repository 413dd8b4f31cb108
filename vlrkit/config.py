"""Thin helpers over ``mmengine.Config``: load a config, apply ``--cfg-options``, catch typos.

mmengine already does ``_base_`` inheritance; what it does not do is tell a user that
``train_cfg.max_iter`` is not a key (it silently adds it). Typos are the commonest config bug, so
top-level keys and overridden keys are checked against the known ones here, and every key the
Runner reads -- the sections and the top-level scalars such as ``amp`` -- is checked against the
``Setting`` schemas their readers declare (``check_sections``).

A ``.py`` config is code and runs when loaded; a ``.yaml``/``.json`` config is data and is read
with YAML's safe loader (``SafeYamlHandler``), so a tag such as ``!!python/object/apply`` is
refused instead of executed.

``vlrkit::fcos/fcos_r18_fpn_demo.py`` names a config shipped with vlrkit (``packaged_configs_dir``),
so an installed vlrkit trains from any directory without a clone.
"""
import ast
import dataclasses
import difflib
import importlib
import inspect
import io
import os
import sys
import tokenize
import warnings
from pathlib import Path

import yaml
from mmengine.config import Config
from mmengine.fileio.handlers import YamlHandler, register_handler

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
    except yaml.YAMLError as err:
        mark = getattr(err, 'problem_mark', None)
        line = f', line {mark.line + 1}' if mark else ''
        raise ConfigError(f'{path}{line}: {getattr(err, "problem", None) or err}. A YAML or JSON '
                          f'config is data, read with the safe loader: a tag that builds a Python '
                          f'object (!!python/...) is refused, not run; write a .py config for '
                          f'anything that needs code') from None
    except (ImportError, SyntaxError, KeyError, TypeError, ValueError) as err:
        raise ConfigError(f'{path}: {type(err).__name__}: {err}') from err
    import_custom_modules(cfg, path)
    check_top_level_keys(cfg, path)
    check_sections(cfg, path)
    if cfg_options:
        check_override_keys(cfg, cfg_options, path)
        try:
            cfg.merge_from_dict(cfg_options)
        except (TypeError, KeyError, ValueError) as err:    # e.g. a key below a number
            raise ConfigError(f'--cfg-options (on {path}): {err.args[0] if err.args else err}') from None
        check_sections(cfg, path, cfg_options)
    return cfg


@register_handler(['yaml', 'yml'])
class SafeYamlHandler(YamlHandler):
    """mmengine reads YAML (a config and every YAML ``_base_``) with PyYAML's full ``Loader``, whose
    ``!!python/object/apply:os.system`` runs a command while the file loads. A data format must
    not be code: vlrkit registers this handler for ``.yaml``/``.yml`` in mmengine's file-handler
    table, so ``Config.fromfile`` and ``mmengine.load`` read YAML with the safe loader instead."""

    def load_from_fileobj(self, file, **kwargs):
        kwargs['Loader'] = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
        return yaml.load(file, **kwargs)


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
                if int(part) >= len(node):
                    where = '.'.join(parts[:depth])
                    what = (f'is a list of {len(node)}, so index {part} is out of range; use an index '
                            f'from 0 to {len(node) - 1}, or' if node else 'is an empty list;')
                    raise ConfigError(f'--cfg-options {dotted}: {where} in {path} {what} replace the '
                                      f'whole list ({where}=[...])')
                node = node[int(part)]
                continue
            close = difflib.get_close_matches(part, siblings, n=1, cutoff=0.8)
            if close:
                where = '.'.join(parts[:depth]) or 'the top level'
                raise ConfigError(f'--cfg-options {dotted}: {part!r} is not a key of {where} in '
                                  f'{path}; did you mean {close[0]!r}?')
            break


@dataclasses.dataclass(frozen=True)
class Setting:
    """What one config key takes, declared next to the code that reads it (``TRAIN_CFG_KEYS`` in
    engine/loops.py, ``ENV_CFG_KEYS`` in engine/runner.py, ...), so a typo or a wrong type stops
    the run when the config loads, naming the key, instead of deep inside training.

    ``kind`` is a type or a tuple of types (``int`` excludes ``bool``; ``float`` takes an ``int``);
    ``optional``: ``None`` is allowed (the reader's default). A dict value is checked against
    ``keys`` (any other key is a typo), its ``values`` (a name -> component table such as
    ``default_hooks``) or, ``built``, is a component a registry builds from its ``type``: with
    ``registry``, its other keys are checked against the class's arguments here already (less
    ``extras``, the keys its reader takes out before building), else when it is built. A list (or
    one dict standing for a list of one) is checked item by item against ``items``. ``choices``:
    the only values the reader accepts (``amp`` is one of False, True, 'bf16', 'fp16').
    """

    kind: object = object
    minimum: float = None
    optional: bool = False
    required: bool = False
    keys: dict = None
    values: 'Setting' = None
    items: 'Setting' = None
    built: bool = False
    registry: object = None
    extras: tuple = ()
    choices: tuple = None

    def expects(self):
        """The accepted values in words: 'an integer >= 1', 'None or True/False', ..."""
        if self.choices is not None:
            text = f'one of {", ".join(map(repr, self.choices))}'
            return f'None or {text}' if self.optional else text
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        words = [_KIND_WORDS.get(k, f'a {k.__name__}') for k in kinds if k is not object]
        text = ' or '.join(words) or 'any value'
        if self.minimum is not None:
            text += f' >= {self.minimum}'
        return f'None or {text}' if self.optional else text


_KIND_WORDS = {int: 'an integer', float: 'a number', bool: 'True or False', str: 'a string',
               dict: 'a dict', list: 'a list', tuple: 'a tuple', os.PathLike: 'a path'}


def _is_kind(value, kind):
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if object in kinds:
        return True
    if isinstance(value, bool):
        return bool in kinds
    return isinstance(value, kinds) or (float in kinds and isinstance(value, int))


def setting_problems(value, setting, key):
    """``(dotted key, message)`` for each way ``value`` breaks ``setting``; nothing when it fits."""
    if value is None and setting.optional:
        return
    if not _is_kind(value, setting.kind):
        yield key, f'{key}={value!r} is {_a(value)}; {key} takes {setting.expects()}'
        return
    if setting.minimum is not None and value < setting.minimum:
        yield key, f'{key}={value!r}; {key} takes {setting.expects()}'
    if setting.choices is not None and value not in setting.choices:
        words = [c for c in setting.choices if isinstance(c, str)]
        yield key, f'{key}={value!r}; {key} takes {setting.expects()}{_did_you_mean(value, words)}'
    if setting.items is not None:
        for i, item in enumerate([value] if isinstance(value, dict) else value):
            yield from setting_problems(item, setting.items, key if isinstance(value, dict) else f'{key}.{i}')
    if not isinstance(value, dict):
        return
    if setting.built and 'type' not in value:
        yield key, (f"{key} has no 'type', so nothing can build it; name the class to build, e.g. "
                    f"{key}=dict(type='...', ...)")
    elif setting.registry is not None:
        yield from _argument_problems(value, setting, key)
    if setting.values is not None:
        for name, entry in value.items():
            if setting.values.built and isinstance(entry, dict) and 'type' not in entry:
                typed = [n for n, e in value.items() if isinstance(e, dict) and 'type' in e]
                yield f'{key}.{name}', (f"{key}.{name} has no 'type', so it is no {key} entry of "
                                        f"its own{_did_you_mean(name, typed)}")
            else:
                yield from setting_problems(entry, setting.values, f'{key}.{name}')
    if setting.keys is not None:
        for name, entry in value.items():
            if name in setting.keys:
                yield from setting_problems(entry, setting.keys[name], f'{key}.{name}')
            elif not str(name).startswith('_'):
                yield f'{key}.{name}', (f'{key} has no setting {name!r}{_did_you_mean(name, setting.keys)}; '
                                        f'it takes {", ".join(setting.keys)}')
        for name, wanted in setting.keys.items():
            if wanted.required and name not in value:
                yield key, f'{key} needs {name!r} ({wanted.expects()})'


def _argument_problems(value, setting, key):
    """The registry's own argument check (``check_arguments``), run at load time so that it names
    the file; an unknown ``type`` is left to the build, which lists the registered ones."""
    from .registry import UnknownArgumentError, check_arguments
    cls = setting.registry.get(value['type']) if isinstance(value['type'], str) else value['type']
    if cls is None:
        return
    try:
        check_arguments(cls, {k: v for k, v in value.items() if k not in setting.extras},
                        setting.registry.name)
    except UnknownArgumentError as err:
        yield key, f'{key}: {err.args[0]}'


def _a(value):
    name = type(value).__name__
    return f'{"an" if name[0] in "aeiou" else "a"} {name}'


def _did_you_mean(word, known):
    close = difflib.get_close_matches(str(word), list(known), n=1, cutoff=0.6)
    return f' (did you mean {close[0]!r}?)' if close else ''


_PLAIN_TYPES = {'int': int, 'float': float, 'bool': bool, 'str': str, 'None': type(None),
                int: int, float: float, bool: bool, str: str, type(None): type(None)}


def signature_settings(func, skip=()):
    """A ``Setting`` per keyword argument of ``func``: required where it has no default, typed
    where its annotation is plain (``int``, ``'bool | None'``, ``Optional[float]``). So a dict of
    a function's keyword arguments (a DataLoader's, ``clip_grad_norm_``'s) is checked against the
    function itself, with no second list to keep in step."""
    settings = {}
    for name, param in inspect.signature(func).parameters.items():
        if name in skip or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = param.annotation
        if isinstance(annotation, str):
            parts = [part.strip() for part in annotation.split('|')]
        else:
            parts = list(getattr(annotation, '__args__', None) or [annotation])
        kinds = [_PLAIN_TYPES.get(part) for part in parts]     # None: not a plain type
        plain = tuple(k for k in kinds if k is not type(None))
        kind = object if None in kinds or not plain else plain
        settings[name] = Setting(kind, optional=type(None) in kinds or param.default is None,
                                 required=param.default is param.empty)
    return settings


def section_settings():
    """The ``Setting`` of every top-level key the Runner reads (its sections, then its scalars
    ``runner.TOP_LEVEL_SETTINGS``), taken from its readers."""
    from torch.utils.data import DataLoader

    from .engine import dataloader, loops, optim, runner
    from .registry import DATASETS, EVALUATORS, HOOKS, MODELS, PARAM_SCHEDULERS
    evaluators = Setting((dict, list, tuple), optional=True, items=Setting(dict, built=True, registry=EVALUATORS))
    # Runner._build_hooks takes out `priority`, build_param_schedulers `by_epoch`, before building.
    hook = Setting(dict, built=True, registry=HOOKS, extras=('priority',))
    scheduler = Setting(dict, built=True, registry=PARAM_SCHEDULERS, extras=('by_epoch',))
    loader_keys = {'dataset': Setting(dict, required=True, built=True, registry=DATASETS),
                   **signature_settings(DataLoader.__init__, skip=('self', 'dataset', *dataloader.SET_BY_BUILDER)),
                   # build_dataloader's default 'auto' too; it checks the value when it builds
                   'num_workers': Setting((int, str))}
    loader = Setting(dict, keys=loader_keys)
    return {
        'model': Setting(dict, built=True, registry=MODELS),
        'train_cfg': Setting(dict, keys=loops.TRAIN_CFG_KEYS),
        'val_cfg': Setting(dict, optional=True, keys=loops.EVAL_CFG_KEYS),
        'test_cfg': Setting(dict, optional=True, keys=loops.EVAL_CFG_KEYS),
        'env_cfg': Setting(dict, keys=runner.ENV_CFG_KEYS),
        'optim_wrapper': Setting(dict, keys=optim.OPTIM_WRAPPER_KEYS),
        'param_scheduler': Setting((dict, list, tuple), optional=True, items=scheduler),
        'default_hooks': Setting(dict, values=dataclasses.replace(hook, optional=True)),
        'custom_hooks': Setting((list, tuple), items=hook),
        'train_dataloader': loader, 'test_dataloader': loader,
        'val_dataloader': dataclasses.replace(loader, optional=True),
        'val_evaluator': evaluators, 'test_evaluator': evaluators,
        **runner.TOP_LEVEL_SETTINGS,
    }


def check_sections(cfg, path, cfg_options=None):
    """Check every key the Runner reads against ``section_settings``; the first problem is a
    ConfigError naming the config file, or the ``--cfg-options`` entry that set the key."""
    for section, setting in section_settings().items():
        if section not in cfg:
            continue
        for key, message in setting_problems(cfg[section], setting, section):
            option = next((o for o in cfg_options or () if o == key or key.startswith(f'{o}.')
                           or o.startswith(f'{key}.')), None)
            where = f'--cfg-options {option}={cfg_options[option]!r} (on {path})' if option else str(path)
            raise ConfigError(f'{where}: {message}')


def require_keys(cfg, keys, reader):
    """Stop with the file and the missing top-level key when ``reader`` needs it and it is absent."""
    for key in keys:
        if cfg.get(key) is None:
            present = [k for k in cfg.keys() if not k.startswith('_')]
            raise ConfigError(f'{cfg.filename or "the config"}: no {key!r}{_did_you_mean(key, present)}; '
                              f'{reader} needs it (inherit a base config that sets it, or set {key} '
                              f'= ... in the file)')


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
