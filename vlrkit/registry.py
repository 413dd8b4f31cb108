"""Every registry of vlrkit, in one place.

A config names a component by ``type``; the registry that owns the family builds it. Each registry
knows the package whose import registers its members (``locations``), so building works without the
caller importing anything first. A user's own module joins a registry with the decorator, e.g.
``@BACKBONES.register_module()``, and is imported through ``custom_imports`` in the config.
"""
import difflib
import inspect

import torch
from mmengine.registry import Registry, build_from_cfg

from .errors import ConfigError


class UnknownTypeError(ConfigError, KeyError):
    """A config names a ``type`` no registry knows; a KeyError too, as a failed lookup always was."""


class UnknownArgumentError(ConfigError, TypeError):
    """A component dict names an argument its class does not take; a TypeError too, as the call was."""


def check_arguments(obj_cls, cfg, registry_name):
    """Each key of a component dict must be an argument of the class it builds (unless the class
    takes ``**kwargs``): ``max_keep_ckpt`` names the nearest argument, not a TypeError traceback."""
    try:
        params = inspect.signature(obj_cls).parameters
    except (TypeError, ValueError):        # no signature to read (a builtin): the call decides
        return
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    names = [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for key in cfg:
        if key not in names and key not in ('type', '_scope_'):
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
            hint = f' (did you mean {close[0]!r}?)' if close else ''
            raise UnknownArgumentError(
                f"type={cfg['type']!r} ({registry_name!r} registry) takes no argument {key!r}{hint}; "
                f"its arguments are {', '.join(names)}. Fix the key in your config.")


def build_with_suggestions(cfg, registry, default_args=None):
    """Build like mmengine, but an unknown ``type`` names the closest registered types.

    mmengine's own message says only "not in the registry"; a user who typed ``SimpelCNN`` wants
    to read ``did you mean 'SimpleCNN'``.
    """
    obj_type = cfg.get('type') if hasattr(cfg, 'get') else None
    if isinstance(obj_type, str) and registry.get(obj_type) is None:
        known = sorted(registry.module_dict)
        close = difflib.get_close_matches(obj_type, known, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ''
        raise UnknownTypeError(
            f"type={obj_type!r} is not registered in vlrkit's {registry.name!r} registry; {hint}"
            f"registered: {', '.join(known)}. Check the spelling in your config, or import the "
            f"module that registers it with custom_imports=dict(imports=['your.module']).")
    if obj_type is not None:
        check_arguments(registry.get(obj_type) if isinstance(obj_type, str) else obj_type, cfg, registry.name)
    return build_from_cfg(cfg, registry, default_args)


def _registry(name, location):
    return Registry(name, build_func=build_with_suggestions, scope='vlrkit', locations=[location])


# Datasets: VOC, COCO json, image folders, IDX digits; each yields sample dicts (see structures.py).
DATASETS = _registry('dataset', 'vlrkit.datasets')
# Decoded-image caches a dataset's ``cache=`` names ('memory', 'mmap'); built with its image paths.
IMAGE_CACHES = _registry('image_cache', 'vlrkit.datasets')
# Region proposals per image ('SelectiveSearchMat' files, computed 'SelectiveSearch'), read by the
# pipeline's LoadProposals step.
PROPOSAL_SOURCES = _registry('proposal_source', 'vlrkit.datasets')
# Pipeline steps applied to one sample dict: loading, geometric (box-aware), photometric, formatting.
TRANSFORMS = _registry('transform', 'vlrkit.datasets.transforms')
# Top-level models with the loss / predict / forward contract (classifier, localizer, FCOS).
MODELS = _registry('model', 'vlrkit.models')
# Feature extractors: images -> feature map(s).
BACKBONES = _registry('backbone', 'vlrkit.models')
# Between backbone and head: FPN, global pooling.
NECKS = _registry('neck', 'vlrkit.models')
# Task heads: features -> predictions, with loss_by_feat / predict_by_feat.
HEADS = _registry('head', 'vlrkit.models')
# Losses with the (pred, target, weight=None, avg_factor=None) call and a loss_weight.
LOSSES = _registry('loss', 'vlrkit.models')
# Runner hooks: logging, checkpoints, schedulers, NaN guard, visualisation.
HOOKS = _registry('hook', 'vlrkit.engine')
# Metrics and analyses: process(batch, preds) then compute().
EVALUATORS = _registry('evaluator', 'vlrkit.evaluation')
# torch.optim optimizers, registered by their class names below.
OPTIMIZERS = _registry('optimizer', 'vlrkit.engine')
# torch.optim.lr_scheduler schedulers, registered by their class names below.
PARAM_SCHEDULERS = _registry('param_scheduler', 'vlrkit.engine')


def _register_torch_classes(registry, module, base):
    for name, obj in vars(module).items():
        if inspect.isclass(obj) and issubclass(obj, base) and obj is not base and \
                not name.startswith('_') and name not in registry.module_dict:
            registry.register_module(name=name, module=obj)


_register_torch_classes(OPTIMIZERS, torch.optim, torch.optim.Optimizer)
_register_torch_classes(PARAM_SCHEDULERS, torch.optim.lr_scheduler, torch.optim.lr_scheduler.LRScheduler)
