"""DataLoaders from config dicts, with the sampler that makes a resumed epoch continue mid-way.

Every loader, in one process or under DDP, samples through ``ResumableSampler`` (a
DistributedSampler): its shuffle depends only on the seed and the epoch (``set_epoch``), so a
resumed run sees the same batches in the same order, and ``skip`` drops the ones the interrupted
run already trained on (the TrainLoop sets it from ``progress.batch``).

Two things a user must hear in one line, not as a traceback: a dataset with nothing to load (an
empty split trains nothing, or divides by zero counting iterations), and a broken file met inside
a worker process (torch re-raises it with the worker's whole traceback as its message).

``num_workers='auto'`` (the default) sizes the worker pool to the CPUs this process may use,
shared among the ranks on this node, so a 16-core GPU machine decodes with 8 workers per GPU
instead of the 2 a laptop wants; see ``auto_num_workers``.
"""
import copy
import os

import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler

from ..datasets.bad_input import BadInputError
from ..errors import ConfigError, UserError
from ..registry import DATASETS
from ..structures import collate

# Where a dataset says its files are, for the empty-dataset message (the first attribute it has).
SOURCE_ATTRS = ('split_file', 'ann_file', 'split_dir', 'data_root', 'root')
# DataLoader arguments build_dataloader sets itself; a loader config takes `dataset` and the others.
SET_BY_BUILDER = ('sampler', 'batch_sampler', 'collate_fn', 'worker_init_fn')
# The cap of 'auto': each worker costs a process, its own dataset object and its prefetched
# batches (gpu_suite's cls_e2e rows show whether 8 keep a GPU fed); an int in the config goes higher.
MAX_AUTO_WORKERS = 8
# Batches each worker keeps ready (torch's default): with several workers that is already
# 2 x num_workers batches queued ahead of the step; more only costs host memory.
PREFETCH_FACTOR = 2


class ResumableSampler(DistributedSampler):
    """DistributedSampler (also for one process) that can skip the batches a resumed run already saw."""

    skip = 0

    def __iter__(self):
        indices = list(super().__iter__())[self.skip:]
        self.skip = 0
        return iter(indices)


def worker_user_error(err):
    """The ``UserError`` a DataLoader worker raised, with its own message back.

    torch re-raises a worker's exception as the same type whose message is "Caught X in
    DataLoader worker process 0. Original Traceback ...", ending with the line
    "<module>.X: <message>"; that last message is what the user needs. Other errors unchanged.
    """
    message = err.args[0] if err.args else ''
    if not (isinstance(message, str) and message.startswith('Caught ')
            and 'DataLoader worker process' in message.partition('\n')[0]):
        return err
    cls = type(err)
    name = cls.__qualname__ if cls.__module__ in ('__main__', 'builtins') else \
        f'{cls.__module__}.{cls.__qualname__}'
    at = message.rfind(f'\n{name}: ')
    if at < 0:
        return err
    try:
        return cls(message[at + len(name) + 3:].rstrip('\n'))
    except Exception:  # noqa: BLE001 - a constructor that takes more than a message: keep it
        return err


class UserErrorDataLoader(DataLoader):
    """A DataLoader whose workers' ``UserError`` reach the caller with their own one-line message."""

    def __iter__(self):
        try:
            yield from super().__iter__()
        except UserError as err:
            clean = worker_user_error(err)
            if clean is err:
                raise
            raise clean from err


def _check_not_empty(dataset, loader):
    if not hasattr(dataset, '__len__'):
        return
    source = next((getattr(dataset, a) for a in SOURCE_ATTRS if getattr(dataset, a, None)), None)
    where = f' (read from {source})' if source is not None else ''
    if len(dataset) == 0:
        skipped = getattr(getattr(dataset, 'bad_input', None), 'count', 0)
        why = f'; all {skipped} of its files were broken and skipped (skip_bad=True)' if skipped \
            else ''
        raise BadInputError(f'{dataset!r}{where} has no samples{why}: a run on it would do '
                            f'nothing. Check the split name and that its list names images.')
    if len(loader) == 0:
        raise BadInputError(f'{dataset!r}{where} has {len(dataset)} samples, fewer than one '
                            f'batch of {loader.batch_size} with drop_last=True: the loader yields '
                            f'nothing. Lower batch_size or set drop_last=False.')


def _seed_worker(worker_id):
    # torch seeds each worker's torch and random generators; numpy-based augmentation needs this.
    np.random.seed(torch.initial_seed() % 2**32)


def usable_cpus():
    """CPUs this process may run on: its affinity mask (taskset, cgroups cpusets, SLURM), which
    ``os.cpu_count`` ignores, else the machine's count."""
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def auto_num_workers(world_size=1):
    """Workers for ``num_workers='auto'``: this rank's share of the usable CPUs, less one for the
    main process (which runs the step), at most ``MAX_AUTO_WORKERS``.

    The ranks sharing the node are ``LOCAL_WORLD_SIZE`` (set by torchrun), else all of
    ``world_size`` (one machine). One CPU per rank or fewer gives 0: load in the main process.
    """
    local_ranks = int(os.environ.get('LOCAL_WORLD_SIZE', world_size) or 1)
    per_rank = usable_cpus() // max(local_ranks, 1)
    return max(0, min(MAX_AUTO_WORKERS, per_rank - 1))


def _resolve_num_workers(value, world_size, dataset):
    if value == 'auto':
        return auto_num_workers(world_size)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f'num_workers={value!r} in the dataloader config of {dataset!r} '
                          f'(train_dataloader / val_dataloader / test_dataloader): give '
                          f"'auto' (scale with the CPUs per rank) or an int >= 0 (0: load in "
                          f'the main process).')
    return value


def _worker_options(loader_cfg, num_workers, dataset):
    """``persistent_workers`` and ``prefetch_factor``, which torch accepts only with workers."""
    if num_workers > 0:
        return dict(persistent_workers=loader_cfg.pop('persistent_workers', True),
                    prefetch_factor=loader_cfg.pop('prefetch_factor', PREFETCH_FACTOR))
    for key in ('persistent_workers', 'prefetch_factor'):
        if loader_cfg.pop(key, None):
            raise ConfigError(f'{key} is set in the dataloader config of {dataset!r} but '
                              f'num_workers is 0 (no worker processes to keep or prefetch '
                              f'with): remove {key} or set num_workers to \'auto\' or >= 1.')
    return {}


def build_dataloader(loader_cfg, rank, world_size, seed, device, shuffle=False):
    """``dataset=dict(type=...)`` plus DataLoader arguments; this rank's share of the dataset.

    Raises BadInputError naming the dataset and where it was read from if it yields nothing.
    """
    loader_cfg = copy.deepcopy(dict(loader_cfg))
    dataset = DATASETS.build(loader_cfg.pop('dataset'))
    shuffle = loader_cfg.pop('shuffle', shuffle)
    num_workers = _resolve_num_workers(loader_cfg.pop('num_workers', 'auto'), world_size, dataset)
    sampler = ResumableSampler(dataset, num_replicas=world_size, rank=rank, shuffle=shuffle, seed=seed)
    # pin_memory: the loader's pin thread pins the collated batch, and the Runner's move_to copies
    # exactly those tensors with non_blocking=True, so the host queues the copy and the step's
    # kernels without waiting for the transfer (tests/engine/test_loader_defaults.py checks it).
    loader = UserErrorDataLoader(
        dataset, sampler=sampler, num_workers=num_workers, collate_fn=collate,
        pin_memory=loader_cfg.pop('pin_memory', device.type == 'cuda'),
        worker_init_fn=_seed_worker, **_worker_options(loader_cfg, num_workers, dataset),
        **loader_cfg)
    _check_not_empty(dataset, loader)
    return loader
