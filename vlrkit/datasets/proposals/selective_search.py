"""Selective search (Uijlings et al., IJCV 2013) computed with OpenCV's contrib module, once per
image, cached on disk.

OpenCV's ``cv2.ximgproc.segmentation`` ships only in the contrib wheels
(``opencv-contrib-python-headless``); vlrkit's other features need only the plain ``cv2``, so the
module is imported when proposals are first computed and its absence is a message with the install
command. Boxes come back in OpenCV's ranking order, the hierarchical grouping's own (the first is
the most object-like), and are scored by rank so that ``top_n`` keeps the first ones.
"""
import importlib.metadata
import logging
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ...errors import ConfigError, UserError
from ...registry import PROPOSAL_SOURCES
from ..transforms.loading import read_rgb
from .checks import check_well_formed, clip_to_image, top_by_score
from .proposal_cache import ProposalCache

logger = logging.getLogger(__name__)

MODES = ('fast', 'quality')
# Bumped when the computation changes, so older cache entries become stale.
ALGORITHM_VERSION = 2  # 2: boxes mapped back per axis (was one factor)
INSTALL_HINT = 'pip install ".[proposals]"  (or: pip install opencv-contrib-python-headless)'


class MissingOpenCVContribError(UserError, ImportError):
    """Selective search needs OpenCV's contrib module, which the plain opencv wheel lacks."""


def _overwritten_hint():
    """What to run when the contrib wheel is installed but a later install of the plain wheel
    overwrote the cv2/ folder both share (cv2.ximgproc's Python files stay, its code is gone)."""
    try:
        version = importlib.metadata.version('opencv-contrib-python-headless')
    except importlib.metadata.PackageNotFoundError:
        return ''
    return (f' opencv-contrib-python-headless {version} is installed, but another OpenCV wheel '
            f'was installed over the cv2/ folder they share; put it back with: pip install '
            f'--force-reinstall --no-deps opencv-contrib-python-headless=={version}')


def opencv_selective_search(image, mode='fast'):
    """(P, 4) float32 x1, y1, x2, y2 boxes of an (H, W, 3) uint8 RGB image, in OpenCV's order.

    ``fast`` and ``quality`` are the two settings of the paper (fewer colour spaces and strategies
    against all of them): quality finds more objects, several times slower.
    """
    segmentation = getattr(getattr(cv2, 'ximgproc', None), 'segmentation', None)
    if segmentation is None:
        raise MissingOpenCVContribError(
            f'selective search needs OpenCV\'s contrib module cv2.ximgproc.segmentation, which '
            f'the installed opencv ({cv2.__version__}) lacks. Install it with: {INSTALL_HINT}; or '
            f"read precomputed proposals with source=dict(type='SelectiveSearchMat', file=...)."
            f'{_overwritten_hint()}')
    search = segmentation.createSelectiveSearchSegmentation()
    search.setBaseImage(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))  # OpenCV images are BGR
    if mode == 'fast':
        search.switchToSelectiveSearchFast()
    else:
        search.switchToSelectiveSearchQuality()
    rects = np.asarray(search.process(), dtype=np.float32).reshape(-1, 4)  # x, y, w, h
    return np.concatenate([rects[:, :2], rects[:, :2] + rects[:, 2:]], axis=1)


@PROPOSAL_SOURCES.register_module()
class SelectiveSearch:
    """Selective search proposals, computed once per image and cached on disk.

    Args:
        mode: 'fast' or 'quality' (see :func:`opencv_selective_search`).
        top_n: proposals kept per image (all are cached, so changing it recomputes nothing).
        min_size: boxes narrower or lower than this many original-image pixels are left out
            before ``top_n`` is taken (Fast R-CNN's ``filter_small_boxes``); 0 keeps every box.
        max_side: the image is shrunk to this longer side before the search (the course's 500 px;
            the search's cost grows with the pixels), boxes are mapped back; None: full size.
        cache_dir: where the per-image files go; default ``<folder above the images>/
            selective_search_cache`` (``VOC2007/selective_search_cache`` for VOC). Each parameter
            setting gets its own subfolder.
        propose_fn: ``fn(image (H, W, 3) uint8 RGB, mode) -> (P, 4) x1y1x2y2 boxes`` in ranking
            order; OpenCV's by default (tests inject their own).
    """

    def __init__(self, mode='fast', top_n=300, max_side=500, cache_dir=None, propose_fn=None,
                 min_size=0):
        if mode not in MODES:
            raise ConfigError(f"SelectiveSearch mode={mode!r}; use 'fast' or 'quality'.")
        self.mode = mode
        self.top_n = top_n
        self.min_size = min_size
        self.max_side = max_side
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self.propose_fn = propose_fn or opencv_selective_search
        # What the cached boxes depend on; any change makes older entries stale.
        self.params = dict(mode=mode, max_side=max_side, version=ALGORITHM_VERSION,
                           method=getattr(self.propose_fn, '__qualname__', repr(self.propose_fn)))
        self._caches = {}
        self._warned = set()  # images whose dropped boxes were logged

    def cache_for(self, img_path):
        """The cache of the folder this image's proposals go to (one per parameter setting)."""
        root = self.cache_dir or Path(img_path).resolve().parent.parent / 'selective_search_cache'
        folder = root / f'{self.mode}_{self.max_side or "full"}'
        if folder not in self._caches:
            self._caches[folder] = ProposalCache(folder, self.params)
        return self._caches[folder]

    def compute(self, img_path):
        """All boxes of one image in original pixels, and their rank scores (first = 1)."""
        image = read_rgb(img_path)
        height, width = image.shape[:2]
        if self.max_side and max(height, width) > self.max_side:
            factor = self.max_side / max(height, width)
            size = (max(1, round(width * factor)), max(1, round(height * factor)))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        # Back per axis, by the rounded size: one factor would map the shrunk image's edge up to
        # half a shrunk pixel past the original one: 2 px on a 2,000 px photo.
        scale = np.float32([width / image.shape[1], height / image.shape[0]] * 2)
        boxes = np.asarray(self.propose_fn(image, self.mode), np.float32).reshape(-1, 4) * scale
        scores = 1.0 - np.arange(len(boxes), dtype=np.float32) / max(len(boxes), 1)
        where = f'selective search on {img_path}'
        check_well_formed(boxes, scores, where)
        return clip_to_image(boxes, scores, (height, width), where, self._warned)

    def _load_or_compute(self, img_id, img_path):
        cache = self.cache_for(img_path)
        cached = cache.load(img_id, img_path)
        if cached is None:
            cached = self.compute(img_path)
            cache.save(img_id, img_path, *cached)
        return cached

    def prepare(self, data_infos):
        """Compute every image whose cache entry is missing or stale, with a progress bar."""
        todo = [info for info in data_infos
                if self.cache_for(info['img_path']).load(info['img_id'], info['img_path']) is None]
        if not todo:
            return
        logger.info('selective search (%s) for %d of %d images, cached under %s', self.mode,
                    len(todo), len(data_infos), self.cache_for(todo[0]['img_path']).folder)
        for info in tqdm(todo, desc=f'selective search ({self.mode})', unit='img'):
            self.cache_for(info['img_path']).save(info['img_id'], info['img_path'],
                                                  *self.compute(info['img_path']))

    def get(self, img_id, img_path, ori_shape):
        boxes, scores = self._load_or_compute(img_id, img_path)
        if ori_shape is not None:
            boxes, scores = clip_to_image(boxes, scores, ori_shape,
                                          f'{self.cache_for(img_path).path(img_id)}', self._warned)
        return top_by_score(boxes, scores, self.top_n, self.min_size)

    def __repr__(self):
        return (f'SelectiveSearch(mode={self.mode!r}, top_n={self.top_n}, '
                f'min_size={self.min_size}, max_side={self.max_side}, cache_dir={self.cache_dir})')
