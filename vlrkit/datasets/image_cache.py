"""Decoded-image cache: every image decoded and resized once, then served as uint8 arrays.

JPEG decoding dominates a small model's input pipeline (a 500 x 375 VOC image takes longer to
decode than a 64 px CNN takes to run on it). The cache decodes each image once — using the JPEG
decoder's draft mode to skip detail that the resize would throw away — and keeps the resized
uint8 pixels either in RAM (``type='memory'``) or in a numpy memory-mapped file
(``type='mmap'``), which the OS page cache shares between DataLoader workers and DDP ranks and
which survives across runs.

Config (the dataset's ``cache=``):
    type     'memory' or 'mmap'
    size     (h, w): every image stretched to this size (fixed-input classifiers), or
    scale    (h, w) or int: fit inside it keeping the aspect ratio (as ``Resize(keep_ratio)``);
             neither: full resolution
    dir      mmap only: folder for the cache files (default ~/.cache/vlrkit/decoded_images)
    num_threads  decoding threads while building (default: CPU count)

The pipeline after ``LoadImage`` sees the cached size; boxes and ``scale_factor`` are scaled to
it, so a following ``Resize`` to the same size is a no-op.
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

from .bad_input import BadInputError
from .transforms.loading import read_rgb
from .transforms.resize import rescaled_size

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path('~/.cache/vlrkit/decoded_images')


def _target_shape(ori_h, ori_w, size, scale):
    if size is not None:
        return int(size[0]), int(size[1])
    if scale is not None:
        return rescaled_size(ori_h, ori_w, scale, keep_ratio=True)
    return ori_h, ori_w


def _decode(path, shape):
    img = read_rgb(path, draft_shape=shape)
    if img.shape[:2] != tuple(shape):
        img = cv2.resize(img, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    return img


class DecodedImageCache:
    """Resized uint8 images in one flat buffer; ``get(i)`` -> (image (h, w, 3), ori_shape).

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

    with ThreadPoolExecutor(max_workers=num_threads) as pool:  # PIL and cv2 release the GIL
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


def build_image_cache(cfg, img_paths, owner='dataset'):
    """Build (or, for mmap, reopen) the cache of ``img_paths`` described by ``cfg``."""
    cfg = dict(cfg)
    kind = cfg.pop('type', 'memory')
    size, scale = cfg.pop('size', None), cfg.pop('scale', None)
    cache_dir = Path(cfg.pop('dir', DEFAULT_DIR)).expanduser()
    num_threads = cfg.pop('num_threads', None) or os.cpu_count() or 1
    if cfg:
        raise ValueError(f'cache config has unknown keys {sorted(cfg)}; use type, size, scale, '
                         f'dir, num_threads.')
    if kind not in ('memory', 'mmap'):
        raise ValueError(f"cache type={kind!r}; use 'memory' or 'mmap'.")
    if size is not None and scale is not None:
        raise ValueError('cache: give size=(h, w) (fixed) or scale= (keep ratio), not both.')
    size = None if size is None else [int(s) for s in ((size, size) if isinstance(size, int)
                                                       else size)]
    scale = None if scale is None else (list(scale) if isinstance(scale, (list, tuple))
                                        else scale)
    img_paths = [str(p) for p in img_paths]

    if kind == 'mmap':
        key = _cache_key(img_paths, size, scale)
        data_path = cache_dir / f'{key}.u8'
        index_path = cache_dir / f'{key}.json'
        if index_path.is_file() and data_path.is_file():
            index = json.loads(index_path.read_text())
            logger.info('%s: using decoded-image cache %s', owner, data_path)
            return DecodedImageCache(None, np.asarray(index['offsets'], dtype=np.int64),
                                     np.asarray(index['shapes'], dtype=np.int64).reshape(-1, 2),
                                     np.asarray(index['ori_shapes'],
                                                dtype=np.int64).reshape(-1, 2),
                                     {int(k): v for k, v in index['errors'].items()},
                                     path=str(data_path))

    ori_shapes, shapes, errors = _plan(img_paths, size, scale)
    sizes = shapes[:, 0] * shapes[:, 1] * 3
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    total = int(sizes.sum())
    logger.info('%s: decoding %d images into a %s cache (%.1f MB)', owner, len(img_paths), kind,
                total / 2**20)
    if kind == 'memory':
        buffer = np.zeros(max(total, 1), dtype=np.uint8)
        _fill(buffer, img_paths, offsets, shapes, errors, num_threads)
        path = None
    else:
        cache_dir.mkdir(parents=True, exist_ok=True)
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
        os.replace(tmp_index, index_path)  # written last: its presence means the data is complete
        buffer, path = None, str(data_path)
    if errors:
        logger.warning('%s: %d images could not be decoded into the cache, e.g. %s',
                       owner, len(errors), next(iter(errors.values())))
    return DecodedImageCache(buffer, offsets, shapes, ori_shapes, errors, path=path)
