"""Crops: a deterministic centre crop and the Inception-style random resized crop.

Boxes move into the crop window and are clipped to it; objects with nothing (or, with
``min_visibility``, too little) left inside are dropped together with their labels.
"""
import math
import random

import numpy as np

from ...errors import ConfigError
from ...registry import TRANSFORMS
from .boxes import crop_boxes
from .resize import INTERPOLATIONS, resize_image_and_boxes


def _size_hw(size):
    """(h, w) from an int or an (h, w) pair, the torchvision convention for crop sizes."""
    if isinstance(size, (int, float)):
        return int(size), int(size)
    return int(size[0]), int(size[1])


def crop_window(results, x0, y0, width, height, min_visibility=0.0):
    """Cut the window at (x0, y0) of width x height out of ``img``; outside pixels are zero."""
    img = results['img']
    h, w = img.shape[:2]
    out = np.zeros((height, width) + img.shape[2:], dtype=img.dtype)
    sx0, sy0 = max(x0, 0), max(y0, 0)
    sx1, sy1 = min(x0 + width, w), min(y0 + height, h)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = img[sy0:sy1, sx0:sx1]
    results['img'] = out
    results['img_shape'] = (height, width)
    results['crop_box'] = (x0, y0, x0 + width, y0 + height)
    crop_boxes(results, x0, y0, width, height, min_visibility)
    return results


@TRANSFORMS.register_module()
class CenterCrop:
    """Cut the central ``size`` ((h, w) or int) window; a smaller image is zero-padded around."""

    def __init__(self, size):
        self.size = _size_hw(size)

    def __call__(self, results):
        h, w = results['img'].shape[:2]
        ch, cw = self.size
        return crop_window(results, (w - cw) // 2, (h - ch) // 2, cw, ch)

    def __repr__(self):
        return f'CenterCrop(size={self.size})'


@TRANSFORMS.register_module()
class RandomResizedCrop:
    """A random window of ``scale`` x the image area and aspect ``ratio``, resized to ``size``.

    The sampling rule is torchvision's (10 tries, then the centre crop of the closest valid
    aspect), so results are comparable with torchvision recipes.
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), min_visibility=0.0,
                 interpolation='bilinear'):
        if interpolation not in INTERPOLATIONS:
            raise ConfigError(f'RandomResizedCrop interpolation={interpolation!r}; use one of '
                             f'{", ".join(INTERPOLATIONS)}.')
        self.size = _size_hw(size)
        self.scale = tuple(scale)
        self.ratio = tuple(ratio)
        self.min_visibility = min_visibility
        self.interpolation = interpolation

    def sample_window(self, height, width):
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target_area = area * random.uniform(*self.scale)
            aspect = math.exp(random.uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return random.randint(0, width - w), random.randint(0, height - h), w, h
        in_ratio = width / height
        if in_ratio < min(self.ratio):
            w, h = width, int(round(width / min(self.ratio)))
        elif in_ratio > max(self.ratio):
            w, h = int(round(height * max(self.ratio))), height
        else:
            w, h = width, height
        return (width - w) // 2, (height - h) // 2, w, h

    def __call__(self, results):
        h, w = results['img'].shape[:2]
        x0, y0, cw, ch = self.sample_window(h, w)
        crop_window(results, x0, y0, cw, ch, self.min_visibility)
        return resize_image_and_boxes(results, self.size[0], self.size[1], self.interpolation)

    def __repr__(self):
        return (f'RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio}, '
                f'min_visibility={self.min_visibility})')
