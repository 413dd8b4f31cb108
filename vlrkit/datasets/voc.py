"""PASCAL VOC (2007, 2012, or any folder in the VOC layout) for classification and detection.

Layout, with ``data_root`` the ``VOCdevkit`` folder::

    VOCdevkit/VOC2007/JPEGImages/<id>.jpg
    VOCdevkit/VOC2007/Annotations/<id>.xml
    VOCdevkit/VOC2007/ImageSets/Main/<split>.txt      one image id per line

One XML parser serves both modes. Only direct ``<object>`` children of ``<annotation>`` are
objects: a person's ``<part>`` elements carry their own ``<name>`` (head, hand, foot) and a parser
that searches the whole tree would turn them into objects of unknown classes.
"""
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..registry import DATASETS
from .bad_input import BadInputError, DatasetNotFoundError, check_box, is_finite32
from .base import AnnotatedImageDataset

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
               'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant',
               'sheep', 'sofa', 'train', 'tvmonitor')

VOC_URLS = {
    '2007': ('http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtrainval_06-Nov-2007.tar',
             'http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtest_06-Nov-2007.tar'),
    '2012': ('http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar',),
}

def _text(element, tag, xml_path, default=None):
    child = element.find(tag)
    if child is None or child.text is None or not child.text.strip():
        if default is not None:
            return default
        raise BadInputError(f'{xml_path}: <{element.tag}> has no <{tag}>; every VOC object needs '
                            f'<name> and <bndbox> with xmin, ymin, xmax, ymax. Fix or remove it.')
    return child.text.strip()


def _number(element, tag, xml_path, default=None):
    """A finite float: 'nan' and 'inf' parse as floats but would pass every range check."""
    text = _text(element, tag, xml_path, default)
    try:
        value = float(text)
    except ValueError:
        raise BadInputError(f'{xml_path}: <{tag}> is {text!r}, not a number.') from None
    if not is_finite32(value):
        raise BadInputError(f'{xml_path}: <{tag}> is {text!r}, not a finite number (or is beyond '
                            f'float32).')
    return value


def _flag(element, tag, xml_path):
    """<difficult> and <truncated> are 0 or 1; anything else is a damaged file, not a guess."""
    value = _number(element, tag, xml_path, default='0')
    if value not in (0.0, 1.0):
        raise BadInputError(f'{xml_path}: <{tag}> is {value:g}; it must be 0 or 1.')
    return value == 1.0


def _size(root, xml_path):
    """(width, height) from <size>, or (None, None) when the file does not say (no <size>, or
    the 0 x 0 some labelling tools write); the boxes are then checked against the decoded image."""
    size = root.find('size')
    if size is None or (size.find('width') is None and size.find('height') is None):
        return None, None
    width, height = _number(size, 'width', xml_path), _number(size, 'height', xml_path)
    if width == 0 and height == 0:
        return None, None
    if width <= 0 or height <= 0:
        raise BadInputError(f'{xml_path}: <size> is {width:g}x{height:g}; width and height must '
                            f'both be positive (or both 0 for "unknown").')
    return width, height


def parse_voc_xml(xml_path, classes=VOC_CLASSES, known_names=VOC_CLASSES):
    """Read one VOC annotation file.

    Objects whose name is a VOC class but not in ``classes`` are dropped (the config asked for a
    subset); a name in neither is a typo in the annotation and raises.

    Returns dict(width, height (None when the file has no <size>), boxes (M, 4) float32 x1, y1,
    x2, y2 as written in the file, labels (M,) int64 index into ``classes``, difficult (M,) bool,
    truncated (M,) bool).
    Raises BadInputError naming the file for a missing or malformed file, an unknown class, a
    number that is not finite, a negative <size>, a flag other than 0 or 1, a box with x2 <= x1 or
    y2 <= y1, or a box more than BOX_TOLERANCE_PX outside the image (see ``check_box``).
    """
    xml_path = Path(xml_path)
    if not xml_path.is_file():
        raise BadInputError(f'annotation file {xml_path} does not exist; every id in the split '
                            f'file needs Annotations/<id>.xml.')
    try:
        root = ET.parse(xml_path).getroot()
    except ET.ParseError as err:
        raise BadInputError(f'{xml_path} is not valid XML ({err}); re-extract or fix the file.') \
            from None
    if root.tag != 'annotation':
        raise BadInputError(f'{xml_path}: root element is <{root.tag}>, expected <annotation>.')

    width, height = _size(root, xml_path)

    class_index = {name: i for i, name in enumerate(classes)}
    boxes, labels, difficult, truncated = [], [], [], []
    objects = root.findall('object')  # direct children only: <part> names never become objects
    if not objects:
        raise BadInputError(f'{xml_path} has no <object>; a VOC image needs at least one '
                            f'annotated object. Remove its id from the split file or annotate it.')
    for obj in objects:
        name = _text(obj, 'name', xml_path)
        if name not in class_index:
            if name in known_names:
                continue
            raise BadInputError(f'{xml_path}: unknown class name {name!r}; expected one of '
                                f'{", ".join(classes)}. Fix the annotation or pass classes=.')
        bndbox = obj.find('bndbox')
        if bndbox is None:
            raise BadInputError(f'{xml_path}: object {name!r} has no <bndbox>.')
        box = [_number(bndbox, tag, xml_path) for tag in ('xmin', 'ymin', 'xmax', 'ymax')]
        boxes.append(check_box(box, width, height, f'{xml_path}: object {name!r}'))
        labels.append(class_index[name])
        difficult.append(_flag(obj, 'difficult', xml_path))
        truncated.append(_flag(obj, 'truncated', xml_path))
    return dict(width=width, height=height,
                boxes=np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
                labels=np.asarray(labels, dtype=np.int64),
                difficult=np.asarray(difficult, dtype=bool),
                truncated=np.asarray(truncated, dtype=bool))


def multilabel_targets(labels, difficult, num_classes):
    """Image-level targets from objects: (K,) multi-hot and (K,) difficult mask.

    A class is positive if it has any object; it is *difficult* (left out of loss and AP, as in
    the VOC protocol) when every one of its objects is difficult.
    """
    multi_hot = np.zeros(num_classes, dtype=np.float32)
    multi_hot[labels] = 1.0
    has_easy = np.zeros(num_classes, dtype=bool)
    has_easy[labels[~difficult]] = True
    return multi_hot, (multi_hot > 0) & ~has_easy


def read_split_ids(split_file):
    """The first word of each non-blank line of an ImageSets list.

    Read as utf-8-sig and split on any line ending: a list saved by a Windows editor starts with
    an invisible byte-order mark and ends its lines with CRLF, and either would otherwise become
    part of an id and a misleading "does not exist".
    """
    try:
        text = Path(split_file).read_text(encoding='utf-8-sig')
    except UnicodeDecodeError as err:
        raise BadInputError(f'{split_file} is not UTF-8 text ({err}); save it as UTF-8 with one '
                            f'image id per line.') from None
    return [line.split()[0] for line in text.splitlines() if line.strip()]


def missing_voc_message(path, data_root, year):
    urls = VOC_URLS.get(str(year), ())
    how = ''
    if urls:
        parent = Path(data_root).resolve().parent
        how = (' Download ' + ' and '.join(urls) + f' and extract them with `tar xf` inside '
               f'{parent}/ (each archive unpacks into VOCdevkit/VOC{year}).')
    return (f'{path} not found. data_root must be the VOCdevkit folder containing '
            f'VOC{year}/JPEGImages, VOC{year}/Annotations and VOC{year}/ImageSets/Main/<split>.txt '
            f'(data_root={data_root!r} resolves to {Path(data_root).resolve()}).{how} '
            f'Offline, use the synthetic demo data instead: type=\'DemoVOCDataset\' or '
            f'`python tools/make_demo_data.py --out data/demo`.')


@DATASETS.register_module()
class VOCDataset(AnnotatedImageDataset):
    """PASCAL VOC images of one split, as classification or detection samples.

    Args:
        data_root: the ``VOCdevkit`` folder.
        year: '2007' or '2012' (the ``VOC<year>`` subfolder).
        split: id list in ``ImageSets/Main`` ('trainval', 'test', 'train', 'val').
        mode: 'classification' — ``labels`` (K,) multi-hot, ``difficult`` (K,) mask, ``objects``;
            'detection' — ``boxes`` (M, 4), ``labels`` (M,), ``difficult`` (M,).
        pipeline: transform configs; end with ``PackSample`` to get the structures.py sample.
        classes: class names, a subset of VOC_CLASSES or your own names.
        skip_bad: log and count broken files instead of raising.
        cache: decoded-image cache config, e.g. ``dict(type='memory', size=(64, 64))``
            (see ``vlrkit.datasets.image_cache``).
    """

    def __init__(self, data_root, year='2007', split='trainval', mode='classification',
                 pipeline=(), classes=VOC_CLASSES, skip_bad=False, cache=None):
        if mode not in ('classification', 'detection'):
            raise ConfigError(f"VOCDataset mode={mode!r}; use 'classification' or 'detection'.")
        self.data_root = Path(data_root)
        self.year = str(year)
        self.split = split
        self.task = mode
        self.class_names = tuple(classes)
        super().__init__(pipeline, skip_bad, cache, owner=f'VOC{self.year} {split}')
        self.voc_dir = self.data_root / f'VOC{self.year}'
        split_file = self.voc_dir / 'ImageSets' / 'Main' / f'{split}.txt'
        if not split_file.is_file():
            raise DatasetNotFoundError(missing_voc_message(split_file, data_root, self.year))
        self.split_file = split_file
        self.data_infos = self._load_annotations(read_split_ids(split_file))
        self.build_cache()

    @property
    def mode(self):
        return self.task

    def _load_annotations(self, ids):
        infos = []
        for img_id in ids:
            xml_path = self.voc_dir / 'Annotations' / f'{img_id}.xml'
            img_path = self.voc_dir / 'JPEGImages' / f'{img_id}.jpg'
            try:
                ann = parse_voc_xml(xml_path, self.class_names)
                if not img_path.is_file():
                    raise BadInputError(f'image {img_path} does not exist (listed in '
                                        f'ImageSets/Main/{self.split}.txt, annotated in '
                                        f'{xml_path.name}).')
            except BadInputError as err:
                self.bad_input.handle(err)
                continue
            ori_shape = None if ann['width'] is None else (int(ann['height']), int(ann['width']))
            info = dict(img_id=img_id, img_path=str(img_path), ann_path=str(xml_path),
                        ori_shape=ori_shape, gt_boxes=ann['boxes'], gt_labels=ann['labels'],
                        gt_difficult=ann['difficult'], gt_truncated=ann['truncated'])
            if self.task == 'classification':
                info['img_labels'], info['img_difficult'] = multilabel_targets(
                    ann['labels'], ann['difficult'], len(self.class_names))
            infos.append(info)
        return infos

    def __repr__(self):
        return (f'{type(self).__name__}(VOC{self.year} {self.split}, {self.task}, '
                f'{len(self)} images, {len(self.class_names)} classes)')
