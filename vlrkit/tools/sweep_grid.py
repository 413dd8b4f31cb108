"""The variants of a sweep: ``--grid KEY=V1,V2`` expanded into a cross product, each named.

A variant's name is its work_dir's name and its row in the results table, so it must be readable
(``lr0.01_bs8`` for ``optim_wrapper.optimizer.lr=0.01 train_dataloader.batch_size=8``), the same
on every run of the command (that is how a re-run finds the variants it already finished) and safe
as a folder name. Values are read by ``vlrkit.config.parse_cfg_options``, the ``--cfg-options``
parser, so a grid value means what the same text means after ``--cfg-options``.
"""
import difflib
import hashlib
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..config import parse_cfg_options
from ..errors import ConfigError

# A value's text in a name is cut to this many characters (plus a hash that keeps it unique).
LONGEST_VALUE = 32


@dataclass(frozen=True)
class Variant:
    """One run of a sweep: a config and the grid values it gets on top of the sweep's options."""

    name: str
    config: str
    overrides: tuple      # ((grid key, value), ...) in --grid order

    def cfg_options(self):
        """The overrides as ``--cfg-options`` words that read back to the same values."""
        return [f'{key}={value_option(value)}' for key, value in self.overrides]


def value_option(value):
    """The value as ``--cfg-options`` text that reads back the same: a word as itself (``relu``),
    anything else as its ``repr``, a literal the parser reads (``[1, 2]``, ``{'type': 'SGD'}``,
    ``'1'``, which bare would come back as the number 1)."""
    if isinstance(value, str) and re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', value) \
            and parse_cfg_options([f'k={value}'])['k'] == value:
        return value
    return repr(value)


def parse_grid(items):
    """``['a.b=1,2', 'c=x']`` -> ``{'a.b': [1, 2], 'c': ['x']}``, with an error for each way it is wrong."""
    grid = {}
    for item in items:
        key, sep, text = item.partition('=')
        if not sep or not key:
            raise ConfigError(f'--grid {item}: expected KEY=V1,V2,..., e.g. '
                              f'--grid optim_wrapper.optimizer.lr=0.01,0.1')
        if key in grid:
            raise ConfigError(f'--grid names {key} twice; give all its values in one {key}=V1,V2')
        if not text.strip():
            raise ConfigError(f'--grid {item}: the value list is empty; give at least one value, '
                              f'e.g. {key}=V1,V2')
        grid[key] = grid_values(item, key, text)
    return grid


def grid_values(item, key, text):
    """The values of ``KEY=V1,V2``: its top-level comma-separated items, each read as a
    ``--cfg-options`` value. The text is read as one tuple, so ``k=[1,2]`` is one list value and
    ``k=[1,2],[3,4]`` two; text that is no expression (paths) is the parser's comma-split words."""
    try:
        values = list(parse_cfg_options([f'{key}=({text},)'])[key])
    except ConfigError:
        try:
            value = parse_cfg_options([item])[key]
        except ConfigError as err:
            raise ConfigError(str(err).replace('--cfg-options', '--grid', 1)) from None
        values = value if isinstance(value, list) else [value]
    if any(value == '' for value in values):
        raise ConfigError(f'--grid {item}: an empty value between commas; remove the extra comma')
    repeated = [value for value, count in Counter(map(repr, values)).items() if count > 1]
    if repeated:
        raise ConfigError(f'--grid {item}: {", ".join(repeated)} is given twice; each value runs once')
    return values


def check_grid_keys(cfg, keys, config):
    """Every grid key must name a key the config has: a sweep over a key nothing reads would train
    the same model N times. A near miss gets a "did you mean"."""
    for dotted in keys:
        node, parts = cfg, dotted.split('.')
        for depth, part in enumerate(parts):
            if isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
                continue
            if hasattr(node, 'keys') and part in node.keys():
                node = node[part]
                continue
            where = '.'.join(parts[:depth]) or 'the top level'
            siblings = [str(k) for k in node.keys()] if hasattr(node, 'keys') else []
            close = difflib.get_close_matches(part, siblings, n=3, cutoff=0.6)
            hint = (f'did you mean {" or ".join(map(repr, close))}?' if close else
                    f'its keys are {", ".join(sorted(siblings))}' if siblings else
                    f'{where} is a {type(node).__name__}, not a dict')
            raise ConfigError(f'--grid {dotted}: {config} has no key {part!r} in {where}; {hint} '
                              f'(a sweep varies keys the config has: set a new one first with '
                              f'--cfg-options {dotted}=VALUE)')


def key_labels(keys):
    """Short labels for the grid keys in names: the initials of the last part (``bs`` for
    ``batch_size``, ``lr``), else the last part, the last two parts or the whole key, the first of
    these that tells all the keys apart."""
    def initials(key):
        words = key.split('.')[-1].split('_')
        return ''.join(w[:1] for w in words) if len(words) > 1 else words[0]

    for label in (initials, lambda k: k.split('.')[-1], lambda k: '.'.join(k.split('.')[-2:]),
                  lambda k: k):
        labels = [label(key) for key in keys]
        if len(set(labels)) == len(labels):
            return labels
    return list(keys)   # not reached: whole keys are distinct


def value_text(value):
    """A value as folder-name text: ``0.01``, ``relu``, ``1-2`` for ``[1, 2]``; long ones cut, with
    a hash of the full value so two long values stay apart."""
    text = value if isinstance(value, str) else repr(value)
    safe = re.sub(r'[^A-Za-z0-9._+-]+', '-', text).strip('-.') or 'value'
    if len(safe) > LONGEST_VALUE:
        safe = f'{safe[:LONGEST_VALUE - 7]}-{short_hash(text)}'
    return safe


def short_hash(text):
    return hashlib.sha1(text.encode()).hexdigest()[:6]


def expand(configs, grid):
    """Every (config, grid combination) as a ``Variant``: configs outermost, then the grid's cross
    product with the last key changing fastest (as ``itertools.product``)."""
    labels = key_labels(list(grid))
    variants = []
    for config in configs:
        for combination in itertools.product(*grid.values()):
            parts = [Path(str(config)).stem] if len(configs) > 1 or not grid else []
            for label, value in zip(labels, combination):
                text = value_text(value)
                # lr0.01, bs8; a word value gets a dash: nonlinearity-relu.
                parts.append(label + ('-' if text[:1].isalpha() else '') + text)
            variants.append(Variant('_'.join(parts), str(config), tuple(zip(grid, combination))))
    return unique_names(variants)


def unique_names(variants):
    """Two variants whose names came out the same (two configs called ``x.py``, ``[1, 2]`` and
    ``(1, 2)``) get a hash of what tells them apart."""
    counts = Counter(v.name for v in variants)
    return [Variant(f'{v.name}_{short_hash(v.config + repr(v.overrides))}', v.config, v.overrides)
            if counts[v.name] > 1 else v for v in variants]
