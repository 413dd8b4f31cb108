"""What a dataset does with a broken file: stop with a message naming it, or skip it and count.

A wrong label is worse than a crash, so the default is to raise. ``skip_bad=True`` in a dataset
config turns the error into a logged skip, counted in ``BadInputLog.count`` so a run can report how
much data it lost.

Every box of every dataset passes ``check_box`` twice: when its annotation is parsed (against the
size the annotation declares, if any) and when its image is decoded (against the real size), so
neither a lying ``<size>`` nor a missing one lets a box through unchecked.
"""
import logging
import math

from ..errors import UserError

logger = logging.getLogger(__name__)


class BadInputError(UserError, ValueError):
    """A data file is missing, unreadable or inconsistent; the message names it and the fix."""


class DatasetNotFoundError(UserError, FileNotFoundError):
    """A dataset's files are not where its config says; the message says what to put where."""


# A box may poke out of the image by this many pixels (rounding in some annotation tools) and is
# clipped; anything further out is an annotation error.
BOX_TOLERANCE_PX = 1.0
# Boxes are stored as float32: a larger number would become inf there, after every check.
FLOAT32_MAX = 3.4028234663852886e38


def is_finite32(value):
    """True for a number that stays finite as float32 (NaN and inf parse as floats)."""
    return math.isfinite(value) and abs(value) <= FLOAT32_MAX


def check_box(box, width, height, where):
    """``box`` (x1, y1, x2, y2) as floats, clipped to a ``width`` x ``height`` image.

    Raises BadInputError starting with ``where`` (the file and the object) for a coordinate that
    is not a finite number (NaN passes every ``<`` test, so it is caught here by name), an empty
    box (x2 <= x1 or y2 <= y1), or one more than BOX_TOLERANCE_PX outside the image. ``width``
    and ``height`` None (size unknown until the image is decoded) checks all but the last.
    """
    box = [float(v) for v in box]
    if not all(is_finite32(v) for v in box):
        raise BadInputError(f'{where}: box {box} has a coordinate that is not a finite number '
                            f'(or is beyond float32).')
    if box[2] <= box[0] or box[3] <= box[1]:
        raise BadInputError(f'{where}: empty box {box} (needs xmax > xmin and ymax > ymin).')
    if width is None:
        return box
    tol = BOX_TOLERANCE_PX
    if box[0] < -tol or box[1] < -tol or box[2] > width + tol or box[3] > height + tol:
        raise BadInputError(f'{where}: box {box} lies outside the {width:g}x{height:g} image by '
                            f'more than {tol:g} px.')
    return [min(max(box[0], 0.0), width), min(max(box[1], 0.0), height),
            min(max(box[2], 0.0), width), min(max(box[3], 0.0), height)]


class BadInputLog:
    """Raise or log-and-count a ``BadInputError``, depending on ``skip_bad``.

    ``count`` is the number of distinct broken inputs: an image found broken when decoded is
    met again every epoch (and by every sample that steps over it), but it is one lost image.
    """

    def __init__(self, skip_bad=False, owner='dataset'):
        self.skip_bad = skip_bad
        self.owner = owner
        self.count = 0
        self.messages = []

    def handle(self, error):
        """Re-raise ``error`` unless skipping; a skip is logged and counted."""
        if not self.skip_bad:
            raise error
        if str(error) in self.messages:
            return
        self.count += 1
        self.messages.append(str(error))
        logger.warning('%s: skipping bad input (%d so far, skip_bad=True): %s',
                       self.owner, self.count, error)
