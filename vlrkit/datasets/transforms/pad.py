"""Pad bottom/right so the image size divides the backbone stride (boxes do not move)."""
import numpy as np

from ...registry import TRANSFORMS


@TRANSFORMS.register_module()
class Pad:
    """Pad to a multiple of ``size_divisor`` or to a fixed ``size`` (h, w), with ``value``.

    Only bottom and right grow, so box coordinates stay valid; ``img_shape`` keeps the unpadded
    size and ``pad_shape`` records the padded one.
    """

    def __init__(self, size_divisor=32, size=None, value=0):
        self.size_divisor = size_divisor
        self.size = tuple(size) if size is not None else None
        self.value = value

    def __call__(self, results):
        img = results['img']
        h, w = img.shape[:2]
        if self.size is not None:
            out_h, out_w = max(h, self.size[0]), max(w, self.size[1])
        else:
            d = self.size_divisor
            out_h, out_w = -(-h // d) * d, -(-w // d) * d
        if (out_h, out_w) != (h, w):
            padded = np.full((out_h, out_w) + img.shape[2:], self.value, dtype=img.dtype)
            padded[:h, :w] = img
            results['img'] = padded
        results.setdefault('img_shape', (h, w))
        results['pad_shape'] = (out_h, out_w)
        return results

    def __repr__(self):
        return f'Pad(size_divisor={self.size_divisor}, size={self.size}, value={self.value})'
