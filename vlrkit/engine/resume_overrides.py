"""At resume, the optimizer settings this run's config gives win over the checkpoint's.

``optimizer.load_state_dict`` restores every param-group value the checkpoint holds, so a resume
with a lowered learning rate (what the NaN guard advises: ``--cfg-options
optim_wrapper.optimizer.lr=0.001 --resume``) used to train on at the old rate and diverge at the
same iteration. The checkpoint keeps what only it knows -- momentum buffers, the schedule's
position -- and each setting the config names (``lr``, ``momentum``, ``weight_decay``, ``betas``,
...) takes the config's value where the two differ, with one log line each. The learning rate is
compared as the schedule's base (``initial_lr``), and a new base rescales the current, scheduled
rate and the schedulers' ``base_lrs`` by new/old, so a warm-up or step decay goes on from where it
was at the new scale. A resume with an unchanged config changes nothing, bit for bit.
"""


def _same(a, b):
    """Equal, with a tuple and a list of the same values equal (``betas`` may come back either way)."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return list(a) == list(b)
    return a == b


def _base_lr(group):
    return group.get('initial_lr', group['lr'])


def apply_config_settings(optimizer, schedulers, fresh_groups, optimizer_cfg):
    """Set, in ``optimizer`` (just loaded from a checkpoint), every setting ``optimizer_cfg`` names
    to its value in ``fresh_groups`` (the param groups as this config built them, before the load)
    where the two differ; returns ``(key, checkpoint value, config value)`` per change.

    A setting that a scheduler, not the config, controls (the fresh value already differs from the
    config's, e.g. OneCycleLR's momentum) is left to the checkpoint's scheduler state.
    """
    changes = []
    keys = [k for k in optimizer_cfg if k not in ('type', 'params')]
    for index, (group, fresh) in enumerate(zip(optimizer.param_groups, fresh_groups)):
        for key in keys:
            if key == 'lr':
                old, new = _base_lr(group), _base_lr(fresh)
                if _same(old, new):
                    continue
                scale = new / old if old else None
                group['lr'] = group['lr'] * scale if scale is not None else new
                if 'initial_lr' in group:
                    group['initial_lr'] = new
                for scheduler, _ in schedulers:
                    scheduler.base_lrs[index] = new
                    if getattr(scheduler, '_last_lr', None) is not None:
                        scheduler._last_lr[index] = group['lr']
            elif key in group and key in fresh and _same(fresh[key], optimizer_cfg[key]) \
                    and not _same(group[key], fresh[key]):
                old, new = group[key], fresh[key]
                group[key] = new
            else:
                continue
            if (key, old, new) not in changes:
                changes.append((key, old, new))
    return changes
