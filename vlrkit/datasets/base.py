"""What every annotated-image dataset shares: annotation list, pipeline, bad-input policy, cache.

A subclass only parses its annotation format into ``data_infos``: one dict per image with
``img_id``, ``img_path``, ``ori_shape`` ((h, w) or None when the annotation does not say) and
its targets in the pipeline's intermediate keys: objects as ``gt_boxes``, ``gt_labels``,
``gt_difficult``; image-level classification targets as ``img_labels`` (and ``img_difficult``);
see ``transforms/compose.py``.
Everything here is plain Python and numpy, so datasets pickle cheaply into DataLoader workers.
"""
import numpy as np
import torch

from ..errors import ConfigError
from ..registry import IMAGE_CACHES
from .bad_input import BadInputError, BadInputLog
from .transforms.compose import Compose
from .transforms.load_proposals import LoadProposals
from .transforms.loading import LoadImage


class AnnotatedImageDataset(torch.utils.data.Dataset):
    """Base class: ``__getitem__`` runs the pipeline on a copy of one image's annotation."""

    task = 'classification'

    def __init__(self, pipeline=(), skip_bad=False, cache=None, owner='dataset'):
        self.bad_input = BadInputLog(skip_bad, owner=owner)
        self.pipeline = Compose(pipeline)
        self.cache_cfg = cache
        self.image_cache = None
        self.data_infos = []

    def build_cache(self):
        """Decode every image once into the configured cache and hand it to the pipeline's
        ``LoadImage``, and hand the image list to its ``LoadProposals`` steps (call after
        data_infos is filled).

        The loading step holds the cache rather than every sample dict carrying it, so the
        samples stay plain annotation data and the cache is pickled once per worker. Proposal
        sources check (or compute) every image's proposals here, so a wrong proposal file fails
        at build time, not in the middle of an epoch.
        """
        for step in self.pipeline.transforms:
            if isinstance(step, LoadProposals):
                step.prepare(self.data_infos)
        if self.cache_cfg is None:
            return
        loaders = [t for t in self.pipeline.transforms if isinstance(t, LoadImage)]
        if not loaders:
            raise ConfigError(f'{self!r}: cache={self.cache_cfg} is set but the pipeline has no '
                              f"LoadImage step to read from it; start the pipeline with "
                              f"dict(type='LoadImage') or remove cache=.")
        if any(loader.image_cache is not None for loader in loaders):
            # Cache indices are this dataset's: another dataset's images would load silently.
            raise ConfigError(f'{self!r}: its LoadImage already reads another dataset\'s cache; '
                              f'give each dataset its own pipeline of config dicts.')
        self.image_cache = IMAGE_CACHES.build(self.cache_cfg, default_args=dict(
            img_paths=[info['img_path'] for info in self.data_infos], owner=repr(self)))
        for loader in loaders:
            loader.image_cache = self.image_cache

    def __len__(self):
        return len(self.data_infos)

    def get_data_info(self, index):
        """The annotation of one image before any transform (a fresh copy: safe to modify)."""
        info = self.data_infos[index]
        results = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in info.items()}
        results.update(task=self.task, num_classes=len(self.class_names), sample_idx=index)
        return results

    def __getitem__(self, index):
        # A broken image is only found when decoded; with skip_bad the next image stands in.
        for offset in range(len(self)):
            idx = (index + offset) % len(self)
            try:
                return self.pipeline(self.get_data_info(idx))
            except BadInputError as err:
                self.bad_input.handle(err)
        raise BadInputError(f'{self!r}: every image failed to load.')
