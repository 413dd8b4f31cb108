"""Optimizer and learning-rate schedulers from config dicts.

Schedulers are plain ``torch.optim.lr_scheduler`` classes; ``by_epoch`` (default True) says whether
the ParamSchedulerHook steps one per epoch or per iteration. Several schedulers on one optimizer
compose multiplicatively (torch's chainable form), e.g. a per-iteration LinearLR warm-up followed by
a MultiStepLR decay.
"""
import copy

from torch.nn.utils import clip_grad_norm_

from ..config import Setting, signature_settings
from ..errors import ConfigError
from ..registry import OPTIMIZERS, PARAM_SCHEDULERS

# What optim_wrapper takes: the optimizer built here, then OptimStep's arguments of the same names
# (clip_grad: clip_grad_norm_'s keyword arguments); config.py checks a config against it.
OPTIM_WRAPPER_KEYS = dict(
    optimizer=Setting(dict, required=True, built=True, registry=OPTIMIZERS), accumulative_counts=Setting(int, minimum=1),
    clip_grad=Setting(dict, optional=True, keys=signature_settings(clip_grad_norm_, skip=('parameters',))))


def build_optimizer(model, optim_wrapper_cfg):
    if 'optimizer' not in optim_wrapper_cfg:
        raise ConfigError("optim_wrapper needs an 'optimizer' dict, e.g. "
                       "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))")
    cfg = copy.deepcopy(dict(optim_wrapper_cfg['optimizer']))
    cfg['params'] = [p for p in model.parameters() if p.requires_grad]
    return OPTIMIZERS.build(cfg)


def build_param_schedulers(optimizer, scheduler_cfgs):
    """Returns a list of (scheduler, by_epoch)."""
    if isinstance(scheduler_cfgs, dict):
        scheduler_cfgs = [scheduler_cfgs]
    schedulers = []
    for cfg in scheduler_cfgs or []:
        cfg = copy.deepcopy(dict(cfg))
        by_epoch = cfg.pop('by_epoch', True)
        cfg['optimizer'] = optimizer
        schedulers.append((PARAM_SCHEDULERS.build(cfg), by_epoch))
    return schedulers
