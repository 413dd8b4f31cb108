"""Any COCO-format json (boxes as x, y, w, h) through pycocotools, so users bring their own data."""
import contextlib
import io
import json
import math
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..registry import DATASETS
from .bad_input import BadInputError, DatasetNotFoundError, check_box
from .base import AnnotatedImageDataset
from .voc import multilabel_targets


def _is_number(value):
    """A json number: bool is an int to Python, but ``true`` is no coordinate or id."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _image_size(img, where):
    """(width, height) of an ``images`` entry, or (None, None) when it gives none: the boxes are
    then checked against the decoded image (``LoadImage``)."""
    width, height = img.get('width'), img.get('height')
    if width is None and height is None:
        return None, None
    if not (_is_number(width) and _is_number(height) and math.isfinite(width) and
            math.isfinite(height) and width > 0 and height > 0):
        raise BadInputError(f'{where} has width={width!r}, height={height!r}; both must be '
                            f'positive numbers (or both left out).')
    return float(width), float(height)


@DATASETS.register_module()
class CocoDataset(AnnotatedImageDataset):
    """Images and boxes of a COCO json; category ids become contiguous labels 0..K-1.

    Labels follow the order of ascending category id (or of ``classes``, category names, when
    given; other categories are dropped). Crowd regions (``iscrowd=1``) are kept as *difficult*
    boxes: evaluation ignores them and they are not counted as misses, as COCO does.

    Args:
        ann_file: the json.
        img_dir: folder the images' ``file_name`` is relative to.
        mode: 'detection' (default) or 'classification' (multi-hot over the image's objects).
        filter_empty: drop images without any (kept) object.
    """

    def __init__(self, ann_file, img_dir, mode='detection', pipeline=(), classes=None,
                 filter_empty=False, skip_bad=False, cache=None):
        from pycocotools.coco import COCO
        if mode not in ('classification', 'detection'):
            raise ConfigError(f"CocoDataset mode={mode!r}; use 'classification' or 'detection'.")
        self.task = mode
        self.ann_file, self.img_dir = Path(ann_file), Path(img_dir)
        if not self.ann_file.is_file():
            raise DatasetNotFoundError(f'COCO annotation file {self.ann_file} not found.')
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
                self.coco = COCO(str(self.ann_file))
            cats = sorted(self.coco.loadCats(self.coco.getCatIds()), key=lambda c: c['id'])
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
            raise BadInputError(f'{self.ann_file} is not a valid COCO json ({err!r}).') from None
        if classes is None:
            classes = [c['name'] for c in cats]
        by_name = {c['name']: c['id'] for c in cats}
        unknown = [c for c in classes if c not in by_name]
        if unknown:
            raise ConfigError(f'{self.ann_file} has no categories {unknown}; it has '
                             f'{sorted(by_name)}.')
        self.class_names = tuple(classes)
        self.cat_to_label = {by_name[name]: i for i, name in enumerate(self.class_names)}
        super().__init__(pipeline, skip_bad, cache, owner=str(self.ann_file))
        for img_id in sorted(self.coco.getImgIds()):
            try:
                info = self._parse_image(img_id)
            except BadInputError as err:
                self.bad_input.handle(err)
                continue
            if filter_empty and not len(info['gt_labels']):
                continue
            self.data_infos.append(info)
        del self.coco  # the index is large and not needed per sample: keep workers light
        self.build_cache()

    def _parse_image(self, img_id):
        img = self.coco.loadImgs(img_id)[0]
        file_name = img.get('file_name')
        if not isinstance(file_name, str) or not file_name:
            raise BadInputError(f'{self.ann_file}: image id {img_id} has no file_name string '
                                f'({file_name!r}).')
        width, height = _image_size(img, f'{self.ann_file}: image {file_name}')
        boxes, labels, crowd = [], [], []
        for ann in self.coco.loadAnns(self.coco.getAnnIds(imgIds=img_id)):
            where = f"{self.ann_file}: annotation id {ann.get('id')} of image {file_name}"
            category = ann.get('category_id')
            if not _is_number(category):
                raise BadInputError(f'{where} has category_id {category!r}, not a number.')
            if category not in self.cat_to_label:
                continue
            bbox = ann.get('bbox')
            if not isinstance(bbox, (list, tuple)) or len(bbox) != 4 or \
                    not all(_is_number(v) for v in bbox):
                raise BadInputError(f'{where} has no valid bbox [x, y, w, h] of 4 numbers: '
                                    f'{bbox!r}.')
            x, y, w, h = (float(v) for v in bbox)
            boxes.append(check_box([x, y, x + w, y + h], width, height, where))
            labels.append(self.cat_to_label[category])
            crowd.append(bool(ann.get('iscrowd', 0)))
        info = dict(img_id=str(img_id), img_path=str(self.img_dir / file_name),
                    ann_path=str(self.ann_file),
                    ori_shape=None if width is None else (int(height), int(width)),
                    gt_boxes=np.asarray(boxes, np.float32).reshape(-1, 4),
                    gt_labels=np.asarray(labels, np.int64),
                    gt_difficult=np.asarray(crowd, bool))
        if self.task == 'classification':
            info['img_labels'], info['img_difficult'] = multilabel_targets(
                info['gt_labels'], info['gt_difficult'], len(self.class_names))
        return info

    def __repr__(self):
        return (f'CocoDataset({self.ann_file.name}, {self.task}, {len(self)} images, '
                f'{len(self.class_names)} classes)')
