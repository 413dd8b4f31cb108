"""Resize the image and its boxes, keeping the aspect ratio or to a fixed size."""
import cv2

from ...errors import ConfigError
from ...registry import TRANSFORMS
from .boxes import BOX_KEYS, clip_boxes, scale_boxes

INTERPOLATIONS = {'nearest': cv2.INTER_NEAREST, 'bilinear': cv2.INTER_LINEAR,
                  'bicubic': cv2.INTER_CUBIC, 'area': cv2.INTER_AREA}


def rescaled_size(height, width, scale, keep_ratio):
    """Output (h, w). ``scale`` is (h, w), like every size in vlrkit, or an int for a square.

    keep_ratio: the largest size whose long side fits max(scale) and short side fits min(scale),
    e.g. (800, 1333) as in detection (the order does not matter here); otherwise exactly
    ``scale``.
    """
    if isinstance(scale, (int, float)):
        scale = (scale, scale)
    if not keep_ratio:
        return int(scale[0]), int(scale[1])
    factor = min(max(scale) / max(height, width), min(scale) / min(height, width))
    return max(1, int(height * factor + 0.5)), max(1, int(width * factor + 0.5))


def resize_image_and_boxes(results, out_h, out_w, interpolation='bilinear'):
    """Resize ``results['img']`` to (out_h, out_w) and keep boxes, proposals and bookkeeping in
    step."""
    img = results['img']
    h, w = img.shape[:2]
    if (h, w) != (out_h, out_w):
        img = cv2.resize(img, (out_w, out_h), interpolation=INTERPOLATIONS[interpolation])
    sx, sy = out_w / w, out_h / h
    results['img'] = img
    results['img_shape'] = (out_h, out_w)
    old_sx, old_sy = results.get('scale_factor', (1.0, 1.0))
    results['scale_factor'] = (old_sx * sx, old_sy * sy)
    for key in BOX_KEYS:
        if key in results:
            results[key] = clip_boxes(scale_boxes(results[key], sx, sy), out_h, out_w)
    return results


@TRANSFORMS.register_module()
class Resize:
    """Resize to ``scale`` ((h, w) or int).

    ``keep_ratio=True`` fits the image inside the scale without distortion (detection);
    ``keep_ratio=False`` stretches it to exactly that size (fixed-input classifiers).
    Records ``img_shape`` and multiplies ``scale_factor`` so predictions map back.
    """

    def __init__(self, scale, keep_ratio=True, interpolation='bilinear'):
        if interpolation not in INTERPOLATIONS:
            raise ConfigError(f'Resize interpolation={interpolation!r}; use one of '
                             f'{", ".join(INTERPOLATIONS)}.')
        self.scale = tuple(scale) if isinstance(scale, (list, tuple)) else scale
        self.keep_ratio = keep_ratio
        self.interpolation = interpolation

    def __call__(self, results):
        h, w = results['img'].shape[:2]
        out_h, out_w = rescaled_size(h, w, self.scale, self.keep_ratio)
        return resize_image_and_boxes(results, out_h, out_w, self.interpolation)

    def __repr__(self):
        return f'Resize(scale={self.scale}, keep_ratio={self.keep_ratio})'
