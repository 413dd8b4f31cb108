"""Read the image file of a sample into an RGB uint8 array.

Pillow is used rather than OpenCV because OpenCV decodes a truncated JPEG silently (grey bottom
rows, a warning on stderr); Pillow raises, so a damaged file becomes an error that names it.
"""
import numpy as np
from PIL import Image, UnidentifiedImageError

from ...registry import TRANSFORMS
from ..bad_input import BadInputError
from .boxes import scale_boxes


def read_rgb(path, draft_shape=None):
    """Decode ``path`` fully into (H, W, 3) uint8 RGB; BadInputError naming the file if it fails.

    ``draft_shape`` (h, w) lets the JPEG decoder skip detail: it decodes at the smallest
    power-of-two reduction still at least that large, several times faster for big downscales.
    """
    try:
        with Image.open(path) as img:
            if draft_shape is not None:
                img.draft('RGB', (int(draft_shape[1]), int(draft_shape[0])))  # PIL wants (w, h)
            img.load()  # decode now: a truncated file fails here, not later in a transform
            return np.asarray(img.convert('RGB'))
    except FileNotFoundError:
        raise BadInputError(f'image {path} does not exist.') from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise BadInputError(f'image {path} is corrupt or truncated ({err}); re-extract or '
                            f'replace it, or set skip_bad=True in the dataset config.') from None


@TRANSFORMS.register_module()
class LoadImage:
    """Load ``img_path`` into ``img`` and set ``ori_shape``/``img_shape``/``scale_factor``.

    A sample that already holds ``img`` (an (H, W, 3) uint8 RGB array: an image in memory, handed
    to the inference API) is taken as decoded, so one test pipeline serves files and arrays.

    If the annotation declared an image size that disagrees with the file, the boxes refer to a
    different image: that is an error, not something to guess around.

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
