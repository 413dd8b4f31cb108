"""Hide-and-Seek (Singh & Lee, ICCV 2017): hide random grid patches of a training image.

A classifier trained with image labels only finds the single most discriminative part of an object
and stops there, so its class heatmaps mark that part. When random patches are hidden, that part
is sometimes gone and the label has to be earned from what remains of the object, so the network
learns to respond to all of it. Test images are never hidden. Boxes are untouched: the objects are
still there, only partly visible.
"""
import numpy as np

from ...errors import ConfigError
from ...registry import TRANSFORMS
from .normalize import IMAGENET_MEAN


@TRANSFORMS.register_module()
class HideAndSeek:
    """Split the uint8 image into ``patch_size`` squares and fill each with ``fill`` with prob ``prob``.

    Args:
        patch_size: side of a square patch in pixels of the current image (after Resize); smaller
            than the objects, so each object loses some patches and keeps others.
        prob: probability of hiding each patch (the paper's 0.5).
        fill: RGB value of hidden pixels; the dataset mean (ImageNet's by default), which
            Normalize turns into zero, so hidden patches carry no signal into the first layer.
    """

    def __init__(self, patch_size=16, prob=0.5, fill=IMAGENET_MEAN):
        if int(patch_size) < 1:
            raise ConfigError(f'HideAndSeek patch_size={patch_size}; give a side of at least 1 pixel')
        if not 0.0 <= prob < 1.0:
            raise ConfigError(f'HideAndSeek prob={prob}; it must be in [0, 1)')
        self.patch_size = int(patch_size)
        self.prob = prob
        self.fill = np.asarray(fill, dtype=np.float32)

    def __call__(self, results):
        img = results['img']
        h, w = img.shape[:2]
        rows, cols = -(-h // self.patch_size), -(-w // self.patch_size)
        hidden = np.random.random_sample((rows, cols)) < self.prob
        if hidden.any():
            mask = np.kron(hidden, np.ones((self.patch_size, self.patch_size), bool))[:h, :w]
            img = img.copy()
            img[mask] = np.round(self.fill).astype(img.dtype)
            results['img'] = img
        return results

    def __repr__(self):
        return f'HideAndSeek(patch_size={self.patch_size}, prob={self.prob})'
