"""DataLoaders from config dicts, with the sampler that makes a resumed epoch continue mid-way.

Every loader, in one process or under DDP, samples through ``ResumableSampler`` (a
DistributedSampler): its shuffle depends only on the seed and the epoch (``set_epoch``), so a
resumed run sees the same batches in the same order, and ``skip`` drops the ones the interrupted
run already trained on (the TrainLoop sets it from ``progress.batch``).
"""
import copy
import os

import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler

from ..registry import DATASETS
from ..structures import collate

# DataLoader arguments build_dataloader sets itself; a loader config takes `dataset` and the others.
SET_BY_BUILDER = ('sampler', 'batch_sampler', 'collate_fn', 'worker_init_fn')


class ResumableSampler(DistributedSampler):
    """DistributedSampler (also for one process) that can skip the batches a resumed run already saw."""

    skip = 0

    def __iter__(self):
        indices = list(super().__iter__())[self.skip:]
        self.skip = 0
        return iter(indices)


def _seed_worker(worker_id):
    # torch seeds each worker's torch and random generators; numpy-based augmentation needs this.
    np.random.seed(torch.initial_seed() % 2**32)


def build_dataloader(loader_cfg, rank, world_size, seed, device, shuffle=False):
    """``dataset=dict(type=...)`` plus DataLoader arguments; this rank's share of the dataset."""
    loader_cfg = copy.deepcopy(dict(loader_cfg))
    dataset = DATASETS.build(loader_cfg.pop('dataset'))
    shuffle = loader_cfg.pop('shuffle', shuffle)
    num_workers = loader_cfg.pop('num_workers', min(2, os.cpu_count() or 1))
    sampler = ResumableSampler(dataset, num_replicas=world_size, rank=rank, shuffle=shuffle, seed=seed)
    return DataLoader(
        dataset, sampler=sampler, num_workers=num_workers, collate_fn=collate,
        pin_memory=loader_cfg.pop('pin_memory', device.type == 'cuda'),
        persistent_workers=loader_cfg.pop('persistent_workers', num_workers > 0),
        worker_init_fn=_seed_worker, **loader_cfg)
