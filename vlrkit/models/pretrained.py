"""Pretrained weights, offline: torchvision ImageNet weights and checkpoints whose names differ.

Nothing here downloads. torchvision's weights API names the file (``WeightsEnum.url``); the file is
read from the torch hub cache (``torch.hub.get_dir()/checkpoints/<file name of the url>``, the place
torchvision itself would have saved it) or from an explicit path. When it is absent the error says
which file to put in which directory and where to download it on a machine with internet.

A checkpoint trained with other module names (e.g. torchvision's ``features.0.weight`` loaded into
our ``backbone.features.0.weight``, the 2020 course recipe's "load weights when names do not match") is
loaded through a *key map*: a dict of prefix replacements, or a list of ``(regex, replacement)``
pairs applied in order. Every load returns a report of the keys that were loaded, missing,
unexpected and skipped for a shape mismatch, so a silent partial load cannot happen.
"""
import dataclasses
import logging
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import torch
from torchvision.models import WeightsEnum, get_weight

from ..engine.checkpoint import CheckpointError, read_checkpoint

#: Keys under which a training checkpoint (ours, mmengine's, many others') keeps the model weights.
STATE_DICT_KEYS = ('state_dict', 'model')


def resolve_weights(weights):
    """A torchvision ``WeightsEnum`` member from itself or its name ('ResNet18_Weights.IMAGENET1K_V1')."""
    if isinstance(weights, WeightsEnum):
        return weights
    try:
        return get_weight(weights)
    except (ValueError, KeyError, AttributeError) as err:
        raise ValueError(
            f'{weights!r} is not a torchvision weights name; use the form '
            f"'ResNet18_Weights.IMAGENET1K_V1' (see torchvision.models.list_models and "
            f'get_model_weights). torchvision said: {err}') from err


def hub_checkpoint_dir():
    """Directory where torchvision keeps downloaded weights: ``$TORCH_HOME/hub/checkpoints``."""
    return Path(torch.hub.get_dir()) / 'checkpoints'


def weights_file_name(weights):
    """File name torchvision gives the weights, e.g. ``resnet18-f37072fd.pth``."""
    return os.path.basename(urlparse(resolve_weights(weights).url).path)


def weights_cache_path(weights):
    """Where the weights file must be for offline loading from the torch hub cache."""
    return hub_checkpoint_dir() / weights_file_name(weights)


def missing_weights_message(weights, looked_at):
    """The instructions a user needs to make ImageNet weights available offline."""
    weights = resolve_weights(weights)
    name = weights_file_name(weights)
    directory = hub_checkpoint_dir()
    return (
        f'pretrained weights {type(weights).__name__}.{weights.name} are not on this machine '
        f'(looked for {looked_at}). vlrkit never downloads at run time. On a machine with '
        f'internet, download {weights.url} and put the file {name!r} into the directory '
        f'{str(directory)!r} (torch.hub.get_dir()/checkpoints; set TORCH_HOME to move it), '
        f"or pass its path instead of 'imagenet' (e.g. pretrained='/path/to/{name}').")


def load_torchvision_state_dict(weights, path=None):
    """State dict of torchvision weights from ``path`` or the hub cache, without any download.

    Args:
        weights: a ``WeightsEnum`` member or its name.
        path: explicit file; when None the hub cache path (``weights_cache_path``) is used.
    Raises:
        FileNotFoundError: the file is absent; the message says what to download and where to put it.
    """
    file = Path(path) if path is not None else weights_cache_path(weights)
    # Check ourselves: anything in torchvision/torch.hub that sees a missing file would download it.
    if not file.is_file():
        raise FileNotFoundError(missing_weights_message(weights, str(file)))
    return read_state_dict(file)


def read_state_dict(path):
    """Tensors of a checkpoint file: a bare state dict or one nested under 'state_dict'/'model'."""
    checkpoint = read_checkpoint(path)
    for key in STATE_DICT_KEYS:
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
            break
    if not isinstance(checkpoint, dict) or not all(torch.is_tensor(v) for v in checkpoint.values()):
        raise CheckpointError(f'checkpoint {str(path)!r} holds no state dict of tensors '
                         f"(top level or under {' / '.join(STATE_DICT_KEYS)})")
    return checkpoint


def remap_keys(state_dict, key_map=None):
    """Rename checkpoint keys to the model's names.

    Args:
        state_dict: name -> tensor.
        key_map: None (keep names); a dict ``{old_prefix: new_prefix}`` (the first matching prefix
            of a key is replaced, e.g. ``{'features.': 'backbone.features.'}``; an empty new prefix
            strips, an empty old prefix adds); or a list of ``(pattern, replacement)`` regex pairs
            applied in order with ``re.sub`` (e.g. ``[(r'^fc8\\.', 'head.fc.')]``).
    Returns:
        A new dict with renamed keys. Two keys mapping to one name is an error, not an overwrite.
    """
    if not key_map:
        return dict(state_dict)
    if isinstance(key_map, dict):
        def rename(key):
            for old, new in key_map.items():
                if key.startswith(old):
                    return new + key[len(old):]
            return key
    elif isinstance(key_map, (list, tuple)) and all(
            isinstance(rule, (list, tuple)) and len(rule) == 2 for rule in key_map):
        rules = [(re.compile(pattern), repl) for pattern, repl in key_map]

        def rename(key):
            for pattern, repl in rules:
                key = pattern.sub(repl, key)
            return key
    else:
        raise TypeError(f'key_map must be a dict of prefixes or a list of (regex, replacement) '
                        f'pairs, got {key_map!r}')
    renamed = {}
    for key, value in state_dict.items():
        new_key = rename(key)
        if new_key in renamed:
            raise ValueError(f'key_map {key_map!r} maps two checkpoint keys to {new_key!r}; '
                             'make the rules more specific')
        renamed[new_key] = value
    return renamed


@dataclasses.dataclass
class LoadReport:
    """What a checkpoint load did; ``str(report)`` is the line written to the log."""

    source: str
    loaded: list
    missing: list            # model keys the checkpoint did not provide (they keep their init)
    unexpected: list         # checkpoint keys (after mapping) the model does not have
    shape_mismatch: list     # (key, checkpoint shape, model shape), skipped

    def __str__(self):
        def few(keys):
            return ', '.join(map(str, keys[:8])) + (f', ... ({len(keys)} in all)' if len(keys) > 8 else '')
        lines = [f'loaded {len(self.loaded)} tensors from {self.source}']
        if self.missing:
            lines.append(f'missing in checkpoint (kept initialisation): {few(self.missing)}')
        if self.unexpected:
            lines.append(f'unexpected in checkpoint (ignored): {few(self.unexpected)}')
        if self.shape_mismatch:
            lines.append('shape mismatch (skipped): ' + few(
                [f'{k} {tuple(a)} vs model {tuple(b)}' for k, a, b in self.shape_mismatch]))
        return '; '.join(lines)


def load_state_dict_mapped(model, state_dict, key_map=None, strict=False, source='state dict',
                           ignore_prefixes=(), logger=None):
    """Load ``state_dict`` into ``model`` after renaming keys with ``key_map``.

    Tensors whose shape differs from the model's (e.g. a 1000-class fc into a 20-class head) are
    skipped and reported. Checkpoint keys starting with one of ``ignore_prefixes`` are dropped
    quietly (e.g. ImageNet's ``fc.`` when only the backbone is wanted).

    Raises:
        CheckpointError: ``strict`` and something is missing, unexpected or mismatched; the message
            lists the keys and suggests a key_map.
    """
    mapped = remap_keys(state_dict, key_map)
    mapped = {k: v for k, v in mapped.items() if not k.startswith(tuple(ignore_prefixes))}
    own = model.state_dict()
    loadable, mismatch = {}, []
    for key, value in mapped.items():
        if key in own and own[key].shape != value.shape:
            mismatch.append((key, value.shape, own[key].shape))
        elif key in own:
            loadable[key] = value
    result = model.load_state_dict(loadable, strict=False)
    report = LoadReport(
        source=source, loaded=sorted(loadable), missing=sorted(result.missing_keys),
        unexpected=sorted(k for k in mapped if k not in own), shape_mismatch=sorted(mismatch))
    if strict and (report.missing or report.unexpected or report.shape_mismatch):
        example = report.unexpected[0] if report.unexpected else None
        hint = (f" e.g. checkpoint key {example!r} has no match; a key_map such as "
                f"{{'old.prefix.': 'new.prefix.'}} renames it") if example else ''
        raise CheckpointError(f'strict load failed: {report}.{hint}')
    (logger or logging.getLogger('vlrkit')).info(str(report))
    return report


def load_checkpoint(model, path, key_map=None, strict=False, ignore_prefixes=(), logger=None):
    """Read a checkpoint file (``weights_only=True``) and load it into ``model`` with a key map.

    Example, torchvision AlexNet features into a model that keeps them under ``backbone.features``::

        load_checkpoint(model, 'alexnet-owt-7be5be79.pth', key_map={'features.': 'backbone.features.'})
    """
    return load_state_dict_mapped(model, read_state_dict(path), key_map=key_map, strict=strict,
                                  source=str(path), ignore_prefixes=ignore_prefixes, logger=logger)


def load_pretrained(model, pretrained, default_weights, key_map=None, ignore_prefixes=(),
                    logger=None):
    """The ``pretrained=`` option of backbones: None, 'imagenet', a weights name, or a file path.

    Args:
        model: module to load into.
        pretrained: None (nothing), 'imagenet' (``default_weights`` from the hub cache), a torchvision
            weights name such as 'ResNet50_Weights.IMAGENET1K_V2' (from the hub cache), or the path
            of a checkpoint file.
        default_weights: the ``WeightsEnum`` member (or name) that 'imagenet' stands for.
    Returns:
        The LoadReport, or None when ``pretrained`` is None.
    """
    if pretrained is None:
        return None
    if pretrained == 'imagenet' or (isinstance(pretrained, str) and '_Weights.' in pretrained
                                    and not os.path.exists(pretrained)):
        weights = resolve_weights(default_weights if pretrained == 'imagenet' else pretrained)
        state_dict = load_torchvision_state_dict(weights)
        source = f'{type(weights).__name__}.{weights.name} ({weights_cache_path(weights)})'
    else:
        state_dict = read_state_dict(pretrained)
        source = str(pretrained)
    return load_state_dict_mapped(model, state_dict, key_map=key_map, source=source,
                                  ignore_prefixes=ignore_prefixes, logger=logger)


def without_pretrained(model_cfg):
    """A copy of a model config with every ``pretrained=`` switched off (set to None), at any depth.

    A trained checkpoint holds every weight, so building its model must neither read nor require
    the ImageNet file its config started from: testing, analysing or running a checkpoint works on
    a machine that never had it.
    """
    if isinstance(model_cfg, dict):
        return type(model_cfg)({key: None if key == 'pretrained' else without_pretrained(value)
                                for key, value in model_cfg.items()})
    if isinstance(model_cfg, (list, tuple)):
        return type(model_cfg)(without_pretrained(value) for value in model_cfg)
    return model_cfg
