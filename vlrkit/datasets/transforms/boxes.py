"""Box bookkeeping shared by the geometric transforms; boxes are (M, 4) x1, y1, x2, y2 pixels.

Pixel coordinates are continuous: an image of width W spans [0, W], so a horizontal flip maps
x to W - x and applying it twice gives back the same box exactly.
"""
import numpy as np

# Per-object keys that must be filtered together when a transform drops objects.
OBJECT_KEYS = ('gt_boxes', 'gt_labels', 'gt_difficult', 'gt_truncated')
# Per-proposal keys (region proposals, see ``transforms/load_proposals.py``), filtered together too.
PROPOSAL_KEYS = ('proposals', 'proposal_scores')
# Every key holding (., 4) boxes in pixels of the current ``img``: the geometry moves them alike.
BOX_KEYS = ('gt_boxes', 'proposals')


def scale_boxes(boxes, sx, sy):
    return boxes * np.array([sx, sy, sx, sy], dtype=np.float32)


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


def keep_proposals(results, keep):
    """Drop the proposals where ``keep`` (P,) is False, with their scores."""
    for key in PROPOSAL_KEYS:
        if key in results:
            results[key] = results[key][keep]


def _crop_window(boxes, x0, y0, width, height, min_visibility):
    """Boxes moved into the window and clipped, and which of them stay (some of it inside, and
    at least ``min_visibility`` of its area)."""
    boxes = boxes - np.array([x0, y0, x0, y0], dtype=np.float32)
    clipped = clip_boxes(boxes, height, width)
    keep = (clipped[:, 2] > clipped[:, 0]) & (clipped[:, 3] > clipped[:, 1])
    keep &= box_area(clipped) >= min_visibility * np.maximum(box_area(boxes), 1e-6)
    return clipped.astype(np.float32), keep


def crop_boxes(results, x0, y0, width, height, min_visibility=0.0):
    """Move boxes into a crop window at (x0, y0) of size width x height; drop those left outside.

    An object is kept when some of it is inside the crop and the visible fraction of its area is
    at least ``min_visibility``. Proposals move the same way; one with nothing left inside is
    dropped with its score (``min_visibility`` is about objects, not proposals).
    """
    if 'gt_boxes' in results:
        results['gt_boxes'], keep = _crop_window(results['gt_boxes'], x0, y0, width, height,
                                                 min_visibility)
        keep_objects(results, keep)
    if 'proposals' in results:
        results['proposals'], keep = _crop_window(results['proposals'], x0, y0, width, height,
                                                  0.0)
        keep_proposals(results, keep)
