"""Box bookkeeping shared by the geometric transforms; boxes are (M, 4) x1, y1, x2, y2 pixels.

Pixel coordinates are continuous: an image of width W spans [0, W], so a horizontal flip maps
x to W - x and applying it twice gives back the same box exactly.
"""
import numpy as np

# Per-object keys that must be filtered together when a transform drops objects.
OBJECT_KEYS = ('gt_boxes', 'gt_labels', 'gt_difficult', 'gt_truncated')


def scale_boxes(boxes, sx, sy):
    return boxes * np.array([sx, sy, sx, sy], dtype=np.float32)


def flip_boxes(boxes, width):
    flipped = boxes.copy()
    flipped[:, 0] = width - boxes[:, 2]
    flipped[:, 2] = width - boxes[:, 0]
    return flipped


def clip_boxes(boxes, height, width):
    clipped = boxes.copy()
    clipped[:, 0::2] = clipped[:, 0::2].clip(0, width)
    clipped[:, 1::2] = clipped[:, 1::2].clip(0, height)
    return clipped


def box_area(boxes):
    return (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)


def keep_objects(results, keep):
    """Drop the objects where ``keep`` (M,) is False from every per-object key."""
    for key in OBJECT_KEYS:
        if key in results:
            results[key] = results[key][keep]


def crop_boxes(results, x0, y0, width, height, min_visibility=0.0):
    """Move boxes into a crop window at (x0, y0) of size width x height; drop those left outside.

    An object is kept when some of it is inside the crop and the visible fraction of its area is
    at least ``min_visibility``.
    """
    if 'gt_boxes' not in results:
        return
    boxes = results['gt_boxes'] - np.array([x0, y0, x0, y0], dtype=np.float32)
    clipped = clip_boxes(boxes, height, width)
    visible = box_area(clipped)
    full = box_area(boxes)
    keep = (clipped[:, 2] > clipped[:, 0]) & (clipped[:, 3] > clipped[:, 1])
    keep &= visible >= min_visibility * np.maximum(full, 1e-6)
    results['gt_boxes'] = clipped.astype(np.float32)
    keep_objects(results, keep)
