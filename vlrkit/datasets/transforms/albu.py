"""Run albumentations transforms by name, keeping boxes and every per-object key consistent.

    dict(type='Albu', transforms=[dict(type='HorizontalFlip', p=0.5),
                                  dict(type='RandomBrightnessContrast', p=0.2)],
         min_visibility=0.3)

Boxes travel in albumentations' ``pascal_voc`` format (x1, y1, x2, y2 pixels, as ours) with the
object's index as the only label field; objects albumentations drops (outside the crop, or less
visible than ``min_visibility``) are then dropped from labels, difficult and truncated alike.
Region proposals ride along after the objects, in the same list, so they move exactly as the
boxes do; a dropped proposal loses its score too.
Albumentations draws its own random numbers (not Python's ``random``); pass ``seed=`` for
reproducible runs.
"""
import albumentations as A
import numpy as np

from ...registry import TRANSFORMS
from .boxes import OBJECT_KEYS, PROPOSAL_KEYS


def build_albu(cfg):
    """An albumentations transform from dict(type=name, ...); nested ``transforms`` lists too."""
    cfg = dict(cfg)
    name = cfg.pop('type')
    cls = getattr(A, name, None)
    if cls is None:
        raise KeyError(f'Albu: albumentations {A.__version__} has no transform {name!r}; see '
                       f'https://albumentations.ai/docs/ for the names.')
    if 'transforms' in cfg:
        cfg['transforms'] = [build_albu(t) for t in cfg['transforms']]
    return cls(**cfg)


@TRANSFORMS.register_module()
class Albu:
    """Apply ``A.Compose(transforms)`` to ``img`` and, if present, ``gt_boxes``."""

    def __init__(self, transforms, min_visibility=0.0, min_area=0.0, seed=None):
        self.transform_cfgs = [dict(t) for t in transforms]
        bbox_params = A.BboxParams(format='pascal_voc', label_fields=['object_index'],
                                   min_visibility=min_visibility, min_area=min_area, clip=True)
        kwargs = {} if seed is None else dict(seed=seed)
        self.compose = A.Compose([build_albu(t) for t in self.transform_cfgs],
                                 bbox_params=bbox_params, **kwargs)

    def __call__(self, results):
        img = results['img']
        boxes = np.asarray(results.get('gt_boxes', np.zeros((0, 4))), np.float32).reshape(-1, 4)
        proposals = np.asarray(results.get('proposals', np.zeros((0, 4))), np.float32).reshape(-1, 4)
        out = self.compose(image=img, bboxes=np.concatenate([boxes, proposals]),
                           object_index=np.arange(len(boxes) + len(proposals)))
        new_img = out['image']
        results['img'] = new_img
        index = np.asarray(out['object_index'], dtype=np.int64)
        kept = np.asarray(out['bboxes'], np.float32).reshape(-1, 4)
        is_object = index < len(boxes)  # objects first, then proposals, as passed in
        if 'gt_boxes' in results:
            for key in OBJECT_KEYS:
                if key in results and key != 'gt_boxes':
                    results[key] = results[key][index[is_object]]
            results['gt_boxes'] = kept[is_object]
        if 'proposals' in results:
            for key in PROPOSAL_KEYS:
                if key in results and key != 'proposals':
                    results[key] = results[key][index[~is_object] - len(boxes)]
            results['proposals'] = kept[~is_object]
        (h, w), (new_h, new_w) = img.shape[:2], new_img.shape[:2]
        results['img_shape'] = (new_h, new_w)
        if (h, w) != (new_h, new_w):  # exact for resizes; crops cannot be mapped back anyway
            sx, sy = results.get('scale_factor', (1.0, 1.0))
            results['scale_factor'] = (sx * new_w / w, sy * new_h / h)
        return results

    def __repr__(self):
        return f'Albu(transforms={self.transform_cfgs})'
