"""Read the image file of a sample into an RGB uint8 array, refusing damaged files.

A JPEG whose entropy-coded data is damaged decodes to garbage pixels without an error: libjpeg
only *warns* ("Corrupt JPEG data: ...", "Premature end of JPEG file") and fills in what it could
not read. Pillow swallows those warnings; OpenCV lets libjpeg print them to the process's stderr.
So JPEGs are decoded with OpenCV (the same libjpeg-turbo: pixel-identical to Pillow on the VOC
samples, and faster) while file descriptor 2 points at a private file, and anything the decoder
wrote there makes the image an error that names the file. Other formats go through Pillow, which
raises on damage. Capturing a file descriptor is process-wide, so JPEG decodes in one process
take turns (``_DECODER_STDERR``); each DataLoader worker is its own process.

The header is read first, with Pillow: a size past ``PIL.Image.MAX_IMAGE_PIXELS`` is refused
before any pixel buffer is allocated (a header can claim 65535 x 65535 in four bytes).
"""
import contextlib
import os
import tempfile
import threading

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from ...registry import TRANSFORMS
from ..bad_input import BadInputError, check_box
from .boxes import scale_boxes

_DECODER_STDERR = threading.Lock()
_sink = {}  # pid -> temp file: a forked worker must not share its parent's file offset


def _fresh_lock_after_fork():
    # A worker forked while another thread decoded would inherit the lock held, forever.
    global _DECODER_STDERR
    _DECODER_STDERR = threading.Lock()


os.register_at_fork(after_in_child=_fresh_lock_after_fork)

# OpenCV reduced-size decoding (libjpeg's scaled IDCT), as Pillow's draft mode does it.
_REDUCED = {8: cv2.IMREAD_REDUCED_COLOR_8, 4: cv2.IMREAD_REDUCED_COLOR_4,
            2: cv2.IMREAD_REDUCED_COLOR_2, 1: cv2.IMREAD_COLOR}
# What libjpeg prints when the pixels it returns are not all the file's (it fills in the rest).
DAMAGED_DATA = ('Corrupt JPEG data', 'Premature end of JPEG file')
_FIX_MESSAGE = 're-extract or replace it, or set skip_bad=True in the dataset config'


def _read_header(path):
    """(format, (w, h)) from the file's header alone."""
    try:
        with Image.open(path) as img:
            fmt, size = img.format, img.size
    except FileNotFoundError:
        raise BadInputError(f'image {path} does not exist.') from None
    except Image.DecompressionBombError as err:
        raise BadInputError(f'image {path}: {err} Its header is damaged, or the image is really '
                            f'that large: then raise PIL.Image.MAX_IMAGE_PIXELS.') from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise BadInputError(f'image {path} is corrupt or truncated ({err}); {_FIX_MESSAGE}.') \
            from None
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and size[0] * size[1] > limit:
        raise BadInputError(f'image {path}: its header says {size[0]}x{size[1]} pixels, more '
                            f'than PIL.Image.MAX_IMAGE_PIXELS={limit}. Its header is damaged, or '
                            f'the image is really that large: then raise that limit.')
    return fmt, size


@contextlib.contextmanager
def _decoder_messages():
    """Point fd 2 at a private file; the yielded list gets what native code wrote there."""
    with _DECODER_STDERR:
        sink = _sink.get(os.getpid())
        if sink is None:
            sink = _sink[os.getpid()] = tempfile.TemporaryFile()
        sink.seek(0)
        sink.truncate()
        said = []
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield said
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            said.append(sink.read().decode(errors='replace'))


def _decode_jpeg(path, size, draft_shape):
    """Decode with OpenCV; libjpeg's warnings about the data become a BadInputError."""
    reduction = 1
    if draft_shape is not None:  # largest reduction still at least draft_shape, as Pillow's draft
        for factor in (8, 4, 2):
            if -(-size[0] // factor) >= draft_shape[1] and -(-size[1] // factor) >= draft_shape[0]:
                reduction = factor
                break
    data = np.fromfile(path, dtype=np.uint8)
    with _decoder_messages() as said:
        img = cv2.imdecode(data, _REDUCED[reduction] | cv2.IMREAD_IGNORE_ORIENTATION)
    said = said[0]
    damaged = any(sign in said for sign in DAMAGED_DATA)
    if said and not damaged and img is not None:
        os.write(2, said.encode())  # a remark about the header, or not the decoder's: pass it on
    if damaged or img is None:
        said = ' '.join(said.split()) or 'the decoder returned nothing'
        raise BadInputError(f'image {path} is corrupt or truncated (the JPEG decoder says: '
                            f'{said}); {_FIX_MESSAGE}.')
    expected = (-(-size[1] // reduction), -(-size[0] // reduction))
    if img.shape[:2] != expected:
        raise BadInputError(f'image {path}: its header says {size[0]}x{size[1]} but it decodes to '
                            f'{img.shape[1]}x{img.shape[0]}; {_FIX_MESSAGE}.')
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _decode_other(path, draft_shape):
    try:
        with Image.open(path) as img:
            if draft_shape is not None:
                img.draft('RGB', (int(draft_shape[1]), int(draft_shape[0])))  # PIL wants (w, h)
            img.load()  # decode now: a truncated file fails here, not later in a transform
            return np.asarray(img.convert('RGB'))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise BadInputError(f'image {path} is corrupt or truncated ({err}); {_FIX_MESSAGE}.') \
            from None


def read_rgb(path, draft_shape=None):
    """Decode ``path`` fully into (H, W, 3) uint8 RGB; BadInputError naming the file if it fails.

    ``draft_shape`` (h, w) lets the JPEG decoder skip detail: it decodes at the smallest
    power-of-two reduction still at least that large, several times faster for big downscales.
    EXIF orientation is ignored, as annotation tools ignore it: boxes refer to the stored pixels.
    """
    fmt, size = _read_header(path)
    if fmt in ('JPEG', 'MPO'):  # MPO: a camera's multi-picture JPEG; the first picture is read
        return _decode_jpeg(path, size, draft_shape)
    return _decode_other(path, draft_shape)


def check_image_boxes(results, ori_shape):
    """Every ``gt_boxes`` box checked against the decoded image's real size, then clipped.

    The annotation's own check used the size it declared, if it declared one; this one holds
    for annotations without a size (and any dataset that does not check at all).
    """
    boxes = results.get('gt_boxes')
    if boxes is None or not len(boxes):
        return
    height, width = ori_shape
    where = f"{results.get('ann_path') or results.get('img_path')} (image {results.get('img_path')})"
    results['gt_boxes'] = np.asarray([check_box(box, float(width), float(height), where)
                                      for box in boxes], dtype=np.float32).reshape(-1, 4)


@TRANSFORMS.register_module()
class LoadImage:
    """Load ``img_path`` into ``img`` and set ``ori_shape``/``img_shape``/``scale_factor``.

    A sample that already holds ``img`` (an (H, W, 3) uint8 RGB array: an image in memory, handed
    to the inference API) is taken as decoded, so one test pipeline serves files and arrays.

    If the annotation declared an image size that disagrees with the file, the boxes refer to a
    different image: that is an error, not something to guess around. Every box is checked
    against the decoded size (``check_image_boxes``).

    ``image_cache``: a dataset built with ``cache=`` hands its decoded-image cache to this step
    once, at build time; the cached, already resized image of ``sample_idx`` is then used and
    the boxes are scaled to it.
    """

    def __init__(self):
        self.image_cache = None

    def __call__(self, results):
        if self.image_cache is not None:
            img, ori_shape = self.image_cache.get(results['sample_idx'])
        elif 'img' in results:
            img = results['img']
            ori_shape = img.shape[:2]
        else:
            img = read_rgb(results['img_path'])
            ori_shape = img.shape[:2]
        declared = results.get('ori_shape')
        if declared is not None and tuple(declared) != tuple(ori_shape):
            raise BadInputError(
                f"image {results['img_path']} is {ori_shape[1]}x{ori_shape[0]} (w x h) but its "
                f"annotation {results.get('ann_path', '')} says {declared[1]}x{declared[0]}; "
                f"the boxes would be misplaced. Fix the <size> or replace the image.")
        check_image_boxes(results, ori_shape)
        results['img'] = img
        results['ori_shape'] = tuple(int(s) for s in ori_shape)
        results['img_shape'] = img.shape[:2]
        sx, sy = img.shape[1] / ori_shape[1], img.shape[0] / ori_shape[0]
        results['scale_factor'] = (sx, sy)
        if 'gt_boxes' in results and (sx, sy) != (1.0, 1.0):
            results['gt_boxes'] = scale_boxes(results['gt_boxes'], sx, sy)
        return results

    def __repr__(self):
        return 'LoadImage()'
