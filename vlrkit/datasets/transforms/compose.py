"""A pipeline: transform configs built through TRANSFORMS and applied in order to one dict.

Between loading and packing, a pipeline passes an *intermediate* dict with these keys:
    img           numpy (H, W, 3) RGB, uint8 until ``Normalize`` makes it float32
    gt_boxes      float32 (M, 4) x1, y1, x2, y2 in pixels of the current ``img``
    gt_labels     int64 (M,); gt_difficult, gt_truncated bool (M,)
    ori_shape     (h, w) on disk; img_shape (h, w) now, before padding; pad_shape (h, w) after it
    scale_factor  (sx, sy): current pixels per original pixel
plus ``img_id``, ``img_path``, ``task`` ('classification' or 'detection') and, for
classification, the image-level ``cls_labels`` (K,) and ``cls_difficult`` (K,).
``PackSample`` turns it into the sample of ``vlrkit.structures``.
"""
from ...registry import TRANSFORMS


@TRANSFORMS.register_module()
class Compose:
    """Apply ``transforms`` (config dicts or callables) in order."""

    def __init__(self, transforms=()):
        self.transforms = []
        for t in transforms:
            if isinstance(t, dict):
                t = TRANSFORMS.build(t)
            if not callable(t):
                raise TypeError(f'pipeline step {t!r} is neither a config dict nor callable.')
            self.transforms.append(t)

    def __call__(self, results):
        for t in self.transforms:
            results = t(results)
        return results

    def __repr__(self):
        steps = ''.join(f'\n    {t!r},' for t in self.transforms)
        return f'Compose([{steps}\n])'
