"""The homework's precomputed selective search proposals: ``voc_2007_{trainval,test}.mat``.

These are the Fast R-CNN files (``selective_search_data.tgz``), written by MATLAB and read with
``scipy.io.loadmat``. Each holds three cell arrays of one entry per image, (1, N) after loading:

    images      the image id, a string ('000005')
    boxes       (P, 4) [y1, x1, y2, x2], 1-based pixel indices, both ends inside the box
    boxScores   (P, 1) the selective search score of each box

Pixel column c (1-based) covers [c - 1, c] in vlrkit's continuous coordinates, so the file's
[y1, x1, y2, x2] becomes x1 - 1, y1 - 1, x2, y2: the box [1, 1, H, W] is the whole image [0, W].
"""
import re
from pathlib import Path

import numpy as np
import scipy.io

from ...registry import PROPOSAL_SOURCES
from ..bad_input import BadInputError, DatasetNotFoundError
from .checks import check_well_formed, clip_to_image, top_by_score

MAT_KEYS = ('images', 'boxes', 'boxScores')
WHERE_TO_GET = (
    'The homework uses the Fast R-CNN selective search files voc_2007_trainval.mat and '
    'voc_2007_test.mat (selective_search_data.tgz, fetched by fast-rcnn\'s '
    'data/scripts/fetch_selective_search_data.sh); put them in '
    'VOCdevkit/VOC2007/selective_search_data/ and point file= at the one of your split, or '
    "compute proposals instead with source=dict(type='SelectiveSearch').")


def _cells(data, key, path):
    if key not in data:
        found = sorted(k for k in data if not k.startswith('__'))
        raise BadInputError(f'{path} has no {key!r}; a selective search file holds '
                            f'{", ".join(MAT_KEYS)} (this one: {", ".join(found) or "nothing"}).')
    return np.asarray(data[key]).ravel()


def _image_id(cell, path, index):
    value = np.asarray(cell).ravel()
    if value.size != 1 or value.dtype.kind not in 'US':
        raise BadInputError(f'{path}: images[{index}] is {value!r}, not an image id string.')
    return str(value[0]).strip()


def from_mat_layout(boxes):
    """(P, 4) [y1, x1, y2, x2] 1-based -> float32 (P, 4) x1, y1, x2, y2 continuous pixels."""
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    return np.stack([boxes[:, 1] - 1, boxes[:, 0] - 1, boxes[:, 3], boxes[:, 2]], axis=1)


def to_mat_layout(boxes):
    """Inverse of :func:`from_mat_layout`: x1, y1, x2, y2 -> [y1, x1, y2, x2] 1-based (float64)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.stack([boxes[:, 1] + 1, boxes[:, 0] + 1, boxes[:, 3], boxes[:, 2]], axis=1)


def read_selective_search_mat(path, top_n=None, min_size=0):
    """``{img_id: (boxes (P, 4) float32 x1y1x2y2, scores (P,) float32)}``, highest score first,
    at most ``top_n`` per image, none narrower or lower than ``min_size`` px. Raises BadInputError
    naming the file (and image id) for a file that is not a selective search file or holds a NaN
    or inverted box."""
    path = Path(path)
    try:
        data = scipy.io.loadmat(path)
    except (scipy.io.matlab.MatReadError, ValueError, OSError, NotImplementedError) as err:
        # NotImplementedError: a MATLAB v7.3 (HDF5) file, which scipy cannot read.
        raise BadInputError(f'{path} is not a MATLAB .mat file scipy can read ({err}); save it '
                            f"with MATLAB's save(..., '-v7') or re-download it. {WHERE_TO_GET}") \
            from None
    images, boxes, scores = (_cells(data, key, path) for key in MAT_KEYS)
    if not len(images) == len(boxes) == len(scores):
        raise BadInputError(f'{path}: {len(images)} images, {len(boxes)} boxes and '
                            f'{len(scores)} boxScores entries; each needs one entry per image.')
    proposals = {}
    for index, (cell, image_boxes, image_scores) in enumerate(zip(images, boxes, scores)):
        img_id = _image_id(cell, path, index)
        if img_id in proposals:
            raise BadInputError(f'{path}: image {img_id} appears twice (images[{index}] again); '
                                f'a selective search file holds one entry per image. Regenerate '
                                f'it, or keep one of the two entries.')
        xyxy = from_mat_layout(image_boxes)
        image_scores = np.asarray(image_scores, dtype=np.float32).reshape(-1)
        check_well_formed(xyxy, image_scores, f'{path}, image {img_id}')
        proposals[img_id] = top_by_score(xyxy, image_scores, top_n, min_size)
    return proposals


def write_selective_search_mat(path, proposals):
    """Write ``{img_id: (boxes (P, 4) x1y1x2y2 pixels, scores (P,))}`` in the homework's layout.

    For your own proposals in the homework's format, and for tests that must not need the real
    file. Returns the path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = len(proposals)
    images, boxes, scores = (np.empty((1, count), dtype=object) for _ in MAT_KEYS)
    for index, (img_id, (image_boxes, image_scores)) in enumerate(proposals.items()):
        images[0, index] = str(img_id)
        boxes[0, index] = to_mat_layout(image_boxes)
        scores[0, index] = np.asarray(image_scores, dtype=np.float64).reshape(-1, 1)
    scipy.io.savemat(path, dict(images=images, boxes=boxes, boxScores=scores))
    return path


@PROPOSAL_SOURCES.register_module()
class SelectiveSearchMat:
    """Proposals of a homework ``.mat`` file, the ``top_n`` highest-scoring per image.

    Args:
        file: e.g. ``VOCdevkit/VOC2007/selective_search_data/voc_2007_trainval.mat``; the file of
            the dataset's own split.
        top_n: proposals kept per image, by ``boxScores`` (300 in the homework).
        min_size: boxes narrower or lower than this many pixels are left out before ``top_n`` is
            taken (Fast R-CNN's ``filter_small_boxes``); 0 keeps every box.
    """

    def __init__(self, file, top_n=300, min_size=0):
        self.file = Path(file)
        self.top_n = top_n
        self.min_size = min_size
        if not self.file.is_file():
            raise DatasetNotFoundError(f'proposal file {self.file} not found '
                                       f'(resolves to {self.file.resolve()}). {WHERE_TO_GET}')
        self.proposals = read_selective_search_mat(self.file, top_n, min_size)
        self._warned = set()  # images whose dropped boxes were logged

    def prepare(self, data_infos):
        """Every image of the dataset must be in the file, and its proposals inside the image the
        annotation declares: either failing means the file of another split or dataset, found
        here, at build time, rather than an epoch in."""
        missing = [info['img_id'] for info in data_infos if info['img_id'] not in self.proposals]
        if missing:
            raise BadInputError(
                f'{self.file}{self._split_note()} holds proposals of {len(self.proposals)} '
                f'images, but {len(missing)} of the dataset\'s {len(data_infos)} images are not '
                f'in it (e.g. image {missing[0]}): it is the file of another split or dataset. '
                f"Use the .mat of the dataset's split (voc_2007_trainval.mat for trainval, "
                f'voc_2007_test.mat for test).')
        for info in data_infos:
            if info.get('ori_shape') is not None:
                self.get(info['img_id'], info.get('img_path'), info['ori_shape'])

    def _split_note(self):
        """' (the file of split trainval)' when the name follows voc_<year>_<split>.mat."""
        match = re.fullmatch(r'voc_\d{4}_(\w+)\.mat', self.file.name)
        return f' (the file of split {match.group(1)})' if match else ''

    def get(self, img_id, img_path, ori_shape):
        if img_id not in self.proposals:
            raise BadInputError(f'{self.file}{self._split_note()} has no proposals for image '
                                f'{img_id}; it is the file of another split or dataset. Use the '
                                f".mat of the dataset's split.")
        boxes, scores = self.proposals[img_id]
        if ori_shape is not None:
            boxes, scores = clip_to_image(boxes, scores, ori_shape, f'{self.file}, image {img_id}',
                                          self._warned)
        return boxes, scores

    def __repr__(self):
        return (f'SelectiveSearchMat(file={str(self.file)!r}, top_n={self.top_n}, '
                f'min_size={self.min_size})')
