"""Decoded-image cache: every image decoded and resized once, then served as uint8 arrays.

JPEG decoding dominates a small model's input pipeline (a 500 x 375 VOC image takes longer to
decode than a 64 px CNN takes to run on it). The cache decodes each image once — using the JPEG
decoder's draft mode to skip detail that the resize would throw away — and keeps the resized
uint8 pixels either in RAM (``type='memory'``) or in a numpy memory-mapped file
(``type='mmap'``), which the OS page cache shares between DataLoader workers and DDP ranks and
which survives across runs.

A dataset's ``cache=`` config is built through the ``IMAGE_CACHES`` registry, with the dataset's
image paths added:
    type     'memory' or 'mmap'
    size     (h, w) or int: every image stretched to this size (fixed-input classifiers), or
    scale    (h, w) or int: fit inside it keeping the aspect ratio (as ``Resize(keep_ratio)``);
             neither: full resolution
    dir      mmap only: folder for the cache files (default ~/.cache/vlrkit/decoded_images)
    num_threads  decoding threads while building (default: CPU count)

The dataset hands the built cache to its pipeline's ``LoadImage``, which then reads image
``sample_idx`` from it instead of the file; the pipeline after it sees the cached size, with
boxes and ``scale_factor`` scaled to it, so a following ``Resize`` to the same size is a no-op.
"""
import hashlib
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..errors import ConfigError
from ..registry import IMAGE_CACHES
from .bad_input import BadInputError
from .transforms.loading import read_rgb
from .transforms.resize import rescaled_size

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path('~/.cache/vlrkit/decoded_images')


def _target_shape(ori_h, ori_w, size, scale):
    if size is not None:
        return size
    if scale is not None:
        return rescaled_size(ori_h, ori_w, scale, keep_ratio=True)
    return ori_h, ori_w


def _checked_sizes(size, scale, owner):
    """``size`` as an (h, w) list and ``scale`` as an int or list (json-able for the cache key)."""
    if size is not None and scale is not None:
        raise ConfigError(f'{owner}: cache= gives size (fixed (h, w)) and scale (keep ratio); '
                          f'give one of them.')
    if size is not None:
        size = [int(size), int(size)] if isinstance(size, int) else [int(s) for s in size]
    if isinstance(scale, (list, tuple)):
        scale = list(scale)
    return size, scale


def _decode(path, shape):
    img = read_rgb(path, draft_shape=shape)
    if img.shape[:2] != tuple(shape):
        img = cv2.resize(img, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    return img


class DecodedImageCache:
    """Resized uint8 images in one flat buffer; ``get(i)`` -> (image (h, w, 3), ori_shape).

    The registered subclasses below decide where the buffer lives and how it is built.

    An image that failed to decode while building keeps its error, raised again by ``get`` so
    the dataset's ``skip_bad`` policy applies to it like to any other broken file.
    """

    def __init__(self, buffer, offsets, shapes, ori_shapes, errors, path=None):
        self.buffer = buffer
        self.offsets = offsets          # (N,) int64 start of image i in the buffer
        self.shapes = shapes            # (N, 2) cached (h, w)
        self.ori_shapes = ori_shapes    # (N, 2) (h, w) on disk
        self.errors = errors            # {index: message}
        self.path = path                # mmap file, reopened after unpickling in a worker

    def __len__(self):
        return len(self.offsets)

    def get(self, index):
        if index in self.errors:
            raise BadInputError(self.errors[index])
        if self.buffer is None:
            self.buffer = np.memmap(self.path, dtype=np.uint8, mode='r')
        h, w = self.shapes[index]
        start = self.offsets[index]
        img = np.array(self.buffer[start:start + h * w * 3]).reshape(h, w, 3)  # a private copy
        return img, tuple(int(s) for s in self.ori_shapes[index])

    def __getstate__(self):
        state = dict(self.__dict__)
        if self.path is not None:
            state['buffer'] = None  # workers map the file themselves instead of copying it
        return state

    @property
    def nbytes(self):
        return int((self.shapes[:, 0] * self.shapes[:, 1]).sum() * 3)


def _plan(img_paths, size, scale):
    """Read headers only: original and cached shapes, plus header errors."""
    ori_shapes = np.zeros((len(img_paths), 2), dtype=np.int64)
    shapes = np.zeros((len(img_paths), 2), dtype=np.int64)
    errors = {}
    for i, path in enumerate(img_paths):
        try:
            with Image.open(path) as img:
                ori_w, ori_h = img.size
        except FileNotFoundError:
            errors[i] = f'image {path} does not exist.'
            continue
        except Exception as err:  # noqa: BLE001 - any header failure means a broken file
            errors[i] = f'image {path} is corrupt ({err}); re-extract or replace it.'
            continue
        ori_shapes[i] = ori_h, ori_w
        shapes[i] = _target_shape(ori_h, ori_w, size, scale)
    return ori_shapes, shapes, errors


def _fill(buffer, img_paths, offsets, shapes, errors, num_threads):
    def work(i):
        if i in errors:
            return
        try:
            img = _decode(img_paths[i], shapes[i])
        except BadInputError as err:
            errors[i] = str(err)
            return
        buffer[offsets[i]:offsets[i] + img.size] = img.reshape(-1)

    # PIL and cv2 release the GIL; JPEG decodes take turns (transforms/loading.py), resizes do not
    with ThreadPoolExecutor(max_workers=num_threads) as pool:
        list(pool.map(work, range(len(img_paths))))


def _cache_key(img_paths, size, scale):
    """Changes when the images, their files or the target size change."""
    digest = hashlib.sha1(json.dumps(dict(size=size, scale=scale)).encode())
    for path in img_paths:
        try:
            st = os.stat(path)
            digest.update(f'{path}|{st.st_size}|{st.st_mtime_ns}\n'.encode())
        except OSError:
            digest.update(f'{path}|missing\n'.encode())
    return digest.hexdigest()[:20]


def _layout(shapes):
    """Start of each image in the flat buffer, and the buffer's length."""
    sizes = shapes[:, 0] * shapes[:, 1] * 3
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64), int(sizes.sum())


def _warn_errors(owner, errors):
    if errors:
        logger.warning('%s: %d images could not be decoded into the cache, e.g. %s',
                       owner, len(errors), next(iter(errors.values())))


@IMAGE_CACHES.register_module(name='memory')
class MemoryImageCache(DecodedImageCache):
    """The cache in RAM, built anew by every run; forked DataLoader workers share its pages.

    ``dir`` is accepted and unused, so a config switches between 'memory' and 'mmap' by its
    ``type`` alone.
    """

    def __init__(self, img_paths, size=None, scale=None, dir=None,  # noqa: A002
                 num_threads=None, owner='dataset'):
        size, scale = _checked_sizes(size, scale, owner)
        img_paths = [str(p) for p in img_paths]
        ori_shapes, shapes, errors = _plan(img_paths, size, scale)
        offsets, total = _layout(shapes)
        logger.info('%s: decoding %d images into a memory cache (%.1f MB)', owner,
                    len(img_paths), total / 2**20)
        buffer = np.zeros(max(total, 1), dtype=np.uint8)
        _fill(buffer, img_paths, offsets, shapes, errors, num_threads or os.cpu_count() or 1)
        _warn_errors(owner, errors)
        super().__init__(buffer, offsets, shapes, ori_shapes, errors)


@IMAGE_CACHES.register_module(name='mmap')
class MmapImageCache(DecodedImageCache):
    """The cache in a memory-mapped file under ``dir``, keyed by the images' paths, sizes and
    mtimes and the target size: later runs (and every DDP rank) reopen it instead of decoding."""

    def __init__(self, img_paths, size=None, scale=None, dir=DEFAULT_DIR,  # noqa: A002
                 num_threads=None, owner='dataset'):
        size, scale = _checked_sizes(size, scale, owner)
        img_paths = [str(p) for p in img_paths]
        cache_dir = Path(dir).expanduser()
        key = _cache_key(img_paths, size, scale)
        data_path, index_path = cache_dir / f'{key}.u8', cache_dir / f'{key}.json'
        if not (index_path.is_file() and data_path.is_file()):
            self._write(img_paths, size, scale, data_path, index_path,
                        num_threads or os.cpu_count() or 1, owner)
        else:
            logger.info('%s: using decoded-image cache %s', owner, data_path)
        index = json.loads(index_path.read_text())
        super().__init__(None, np.asarray(index['offsets'], dtype=np.int64),
                         np.asarray(index['shapes'], dtype=np.int64).reshape(-1, 2),
                         np.asarray(index['ori_shapes'], dtype=np.int64).reshape(-1, 2),
                         {int(k): v for k, v in index['errors'].items()}, path=str(data_path))

    @staticmethod
    def _write(img_paths, size, scale, data_path, index_path, num_threads, owner):
        """Decode into temp files renamed into place, the index last: its presence means the
        data is complete, so racing processes never read a half-written cache."""
        ori_shapes, shapes, errors = _plan(img_paths, size, scale)
        offsets, total = _layout(shapes)
        logger.info('%s: decoding %d images into a mmap cache (%.1f MB)', owner,
                    len(img_paths), total / 2**20)
        data_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = data_path.with_name(f'{data_path.name}.tmp-{os.getpid()}')
        buffer = np.memmap(tmp, dtype=np.uint8, mode='w+', shape=(max(total, 1),))
        _fill(buffer, img_paths, offsets, shapes, errors, num_threads)
        buffer.flush()
        del buffer
        os.replace(tmp, data_path)
        index = dict(offsets=offsets.tolist(), shapes=shapes.tolist(),
                     ori_shapes=ori_shapes.tolist(), errors={str(k): v for k, v in errors.items()})
        tmp_index = index_path.with_name(f'{index_path.name}.tmp-{os.getpid()}')
        tmp_index.write_text(json.dumps(index))
        os.replace(tmp_index, index_path)
        _warn_errors(owner, errors)
