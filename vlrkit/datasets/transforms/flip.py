"""Horizontal flip of the image and its boxes."""
import random

import numpy as np

from ...errors import ConfigError
from ...registry import TRANSFORMS
from ...structures import flip_boxes
from .boxes import BOX_KEYS


@TRANSFORMS.register_module()
class RandomFlip:
    """Mirror left-right with probability ``prob``; boxes and proposals are mirrored with it.

    Uses Python's ``random``, which the DataLoader seeds differently in every worker.
    """

    def __init__(self, prob=0.5):
        if not 0.0 <= prob <= 1.0:
            raise ConfigError(f'RandomFlip prob={prob} must be in [0, 1].')
        self.prob = prob

    def __call__(self, results):
        flip = random.random() < self.prob
        results['flip'] = flip
        if flip:
            img = results['img']
            results['img'] = np.ascontiguousarray(img[:, ::-1])
            for key in BOX_KEYS:
                if key in results:
                    results[key] = flip_boxes(results[key], img.shape[1])
        return results

    def __repr__(self):
        return f'RandomFlip(prob={self.prob})'
