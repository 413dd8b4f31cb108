"""What a dataset does with a broken file: stop with a message naming it, or skip it and count.

A wrong label is worse than a crash, so the default is to raise. ``skip_bad=True`` in a dataset
config turns the error into a logged skip, counted in ``BadInputLog.count`` so a run can report how
much data it lost.
"""
import logging

from ..errors import UserError

logger = logging.getLogger(__name__)


class BadInputError(UserError, ValueError):
    """A data file is missing, unreadable or inconsistent; the message names it and the fix."""


class DatasetNotFoundError(UserError, FileNotFoundError):
    """A dataset's files are not where its config says; the message says what to put where."""


class BadInputLog:
    """Raise or log-and-count a ``BadInputError``, depending on ``skip_bad``."""

    def __init__(self, skip_bad=False, owner='dataset'):
        self.skip_bad = skip_bad
        self.owner = owner
        self.count = 0
        self.messages = []

    def handle(self, error):
        """Re-raise ``error`` unless skipping; a skip is logged and counted."""
        if not self.skip_bad:
            raise error
        self.count += 1
        self.messages.append(str(error))
        logger.warning('%s: skipping bad input (%d so far, skip_bad=True): %s',
                       self.owner, self.count, error)
