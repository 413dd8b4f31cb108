"""What makes a set of proposals usable, checked once where they enter the pipeline.

A proposal with NaN coordinates, x2 < x1, or lying outside its image points at a file written for
another image (or another split): training on it would silently pool the wrong pixels, so it is an
error naming the file and the image id, not something to clip away. A box that pokes out by at most
OUTSIDE_TOLERANCE_PX is clipped; one left without area (x2 == x1 or y2 == y1, in the file or after
clipping) covers no pixel and is dropped, with one warning per image.
"""
import logging

import numpy as np

from ..bad_input import BadInputError

logger = logging.getLogger(__name__)

# A proposal may poke out of its image by this many pixels (rounding in proposal tools, as in
# VOC annotations) and is clipped; anything further out belongs to another image.
OUTSIDE_TOLERANCE_PX = 1.0


def top_by_score(boxes, scores, top_n=None, min_size=0):
    """The ``top_n`` highest-scoring proposals at least ``min_size`` px wide and high, highest
    first (ties keep the source's order).

    The size filter comes before the count, as Fast R-CNN's ``filter_small_boxes``: the boxes
    left out make room for larger ones, not a shorter list.
    """
    if min_size:
        sides = boxes[:, 2:] - boxes[:, :2]
        large = (sides >= min_size).all(axis=1)
        boxes, scores = boxes[large], scores[large]
    order = np.argsort(-scores, kind='stable')
    if top_n is not None:
        order = order[:top_n]
    return boxes[order], scores[order]


def check_well_formed(boxes, scores, where):
    """Raise BadInputError naming ``where`` for NaN/Inf values or a box with x2 < x1 or y2 < y1."""
    if len(boxes) != len(scores):
        raise BadInputError(f'{where}: {len(boxes)} boxes but {len(scores)} scores; every '
                            f'proposal needs one score.')
    finite = np.isfinite(boxes).all(axis=1) & np.isfinite(scores)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise BadInputError(f'{where}: proposal {row} is {boxes[row].tolist()} with score '
                            f'{float(scores[row])}: not a finite number. Regenerate the file.')
    inverted = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    if inverted.any():
        row = int(np.flatnonzero(inverted)[0])
        raise BadInputError(f'{where}: proposal {row} (x1, y1, x2, y2) = {boxes[row].tolist()} '
                            f'has x2 < x1 or y2 < y1; is the file in another box order?')


def clip_to_image(boxes, scores, ori_shape, where, warned):
    """(boxes, scores) clipped to the (h, w) image, boxes without area dropped.

    Raises BadInputError naming ``where`` for a box further than OUTSIDE_TOLERANCE_PX outside the
    image. Dropped boxes are logged once per ``where``: ``warned`` is the set of places already
    logged, kept by the source, which is asked for the same image every epoch.
    """
    height, width = ori_shape
    tol = OUTSIDE_TOLERANCE_PX
    outside = ((boxes[:, 0] < -tol) | (boxes[:, 1] < -tol) | (boxes[:, 2] > width + tol) |
               (boxes[:, 3] > height + tol))
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise BadInputError(f'{where}: proposal {row} (x1, y1, x2, y2) = {boxes[row].tolist()} '
                            f'lies outside the {width}x{height} (w x h) image; the proposals '
                            f'belong to another image, split or dataset.')
    clipped = boxes.copy()
    clipped[:, 0::2] = clipped[:, 0::2].clip(0, width)
    clipped[:, 1::2] = clipped[:, 1::2].clip(0, height)
    keep = (clipped[:, 2] > clipped[:, 0]) & (clipped[:, 3] > clipped[:, 1])
    if not keep.all() and where not in warned:
        row = int(np.flatnonzero(~keep)[0])
        logger.warning('%s: dropped %d of %d proposals without area in the %dx%d (w x h) image '
                       '(first: proposal %d, %s)', where, int((~keep).sum()), len(boxes), width,
                       height, row, boxes[row].tolist())
        warned.add(where)
    return clipped[keep], scores[keep]
