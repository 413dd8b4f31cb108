"""Photometric jitter (brightness, contrast, saturation, hue) on uint8 RGB; boxes untouched."""
import random

import cv2
import numpy as np

from ...errors import ConfigError
from ...registry import TRANSFORMS


@TRANSFORMS.register_module()
class ColorJitter:
    """torchvision-style jitter: each factor drawn from [max(0, 1 - v), 1 + v]; hue in [-h, h].

    The four adjustments run in a random order, each on the uint8 image, as torchvision does.
    """

    def __init__(self, brightness=0.0, contrast=0.0, saturation=0.0, hue=0.0, prob=1.0):
        if not 0.0 <= hue <= 0.5:
            raise ConfigError(f'ColorJitter hue={hue} must be in [0, 0.5] (fraction of a turn).')
        self.brightness, self.contrast = brightness, contrast
        self.saturation, self.hue, self.prob = saturation, hue, prob

    @staticmethod
    def _blend(img, other, factor):
        return np.clip(other + factor * (img - other), 0, 255)

    def __call__(self, results):
        if random.random() >= self.prob:
            return results
        img = results['img'].astype(np.float32)
        steps = [0, 1, 2, 3]
        random.shuffle(steps)
        for step in steps:
            if step == 0 and self.brightness > 0:
                img = self._blend(img, 0.0, random.uniform(max(0, 1 - self.brightness),
                                                           1 + self.brightness))
            elif step == 1 and self.contrast > 0:
                mean = (img @ np.array([0.299, 0.587, 0.114], np.float32)).mean()
                img = self._blend(img, mean, random.uniform(max(0, 1 - self.contrast),
                                                            1 + self.contrast))
            elif step == 2 and self.saturation > 0:
                gray = (img @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
                img = self._blend(img, gray, random.uniform(max(0, 1 - self.saturation),
                                                            1 + self.saturation))
            elif step == 3 and self.hue > 0:
                hsv = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_RGB2HSV)
                shift = int(round(random.uniform(-self.hue, self.hue) * 180))
                hsv[..., 0] = ((hsv[..., 0].astype(np.int32) + shift) % 180).astype(np.uint8)
                img = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)
        results['img'] = np.round(img).astype(np.uint8)
        return results

    def __repr__(self):
        return (f'ColorJitter(brightness={self.brightness}, contrast={self.contrast}, '
                f'saturation={self.saturation}, hue={self.hue}, prob={self.prob})')
