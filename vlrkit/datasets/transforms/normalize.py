"""Subtract the channel mean and divide by the std (RGB, 0-255 scale, ImageNet by default)."""
import numpy as np

from ...errors import ConfigError
from ...registry import TRANSFORMS

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


@TRANSFORMS.register_module()
class Normalize:
    """``(img - mean) / std`` as float32; the defaults match torchvision's ImageNet weights."""

    def __init__(self, mean=IMAGENET_MEAN, std=IMAGENET_STD):
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        if np.any(self.std <= 0):
            raise ConfigError(f'Normalize std={std} must be positive.')

    def __call__(self, results):
        results['img'] = (results['img'].astype(np.float32) - self.mean) / self.std
        results['img_norm'] = dict(mean=self.mean.tolist(), std=self.std.tolist())
        return results

    def __repr__(self):
        return f'Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})'
