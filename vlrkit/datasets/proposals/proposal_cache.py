"""Computed proposals on disk: one ``.npz`` per image, valid only for the image and parameters
that produced it.

Each file records the image file's size and modification time and the parameters of the
computation. A file whose record does not match the image on disk or the parameters asked for is
*stale*: it is recomputed (and logged), never used, so editing an image or changing the mode can
never feed old proposals to a model. Writes go to a temporary file in the same folder and are
renamed into place (``os.replace`` is atomic), so a reader never sees half a file, even with
several processes (DataLoader workers, DDP ranks) filling the same cache.
"""
import json
import logging
import os
import uuid
import zipfile
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)


def image_stamp(img_path):
    """What identifies the image's content cheaply: its size in bytes and mtime (ns)."""
    stat = os.stat(img_path)
    return dict(size=stat.st_size, mtime_ns=stat.st_mtime_ns)


class ProposalCache:
    """``folder/<img_id>.npz`` holding ``boxes`` and ``scores`` plus the ``record`` they are
    valid for (the image stamp and ``params``)."""

    def __init__(self, folder, params):
        self.folder = Path(folder)
        self.params = dict(params)

    def path(self, img_id):
        return self.folder / f'{img_id}.npz'

    def _record(self, img_path):
        return dict(image=image_stamp(img_path), params=self.params)

    def load(self, img_id, img_path):
        """(boxes, scores) when a valid entry exists, else None (missing, unreadable or stale)."""
        path = self.path(img_id)
        if not path.is_file():
            return None
        try:
            with np.load(path) as data:
                record = json.loads(str(data['record']))
                boxes, scores = data['boxes'], data['scores']
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            # EOFError: an empty file; BadZipFile: a truncated one (a run killed mid-write
            # before writes were atomic, a full disk, a copy cut short).
            logger.warning('proposal cache %s is unreadable (%s); recomputing it', path, err)
            return None
        expected = self._record(img_path)
        if record != expected:
            why = 'the image changed' if record.get('image') != expected['image'] else \
                f"it was computed with {record.get('params')}, not {self.params}"
            logger.info('proposal cache %s is stale (%s); recomputing it', path, why)
            return None
        return boxes, scores

    def save(self, img_id, img_path, boxes, scores):
        """Write one entry atomically (temporary file, then rename)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(img_id)
        tmp = path.with_name(f'.{path.name}.{uuid.uuid4().hex}.tmp')
        try:
            with open(tmp, 'wb') as f:
                np.savez(f, boxes=np.asarray(boxes, np.float32), scores=np.asarray(scores, np.float32),
                         record=json.dumps(self._record(img_path)))
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
