"""Synthetic PASCAL-VOC-layout data that a small CNN learns in minutes on a CPU.

Each of the 20 VOC class names is drawn as one (shape, colour) pair — 5 shapes (each with its own
surface texture: solid, horizontal or vertical stripes, checker) x 4 saturated colours — on a
desaturated, low-contrast textured background, so colour, texture and outline separate the
classes. Images hold 1-4 objects at random positions and scales; a few are *difficult*
(tiny, or mostly outside the image and so also *truncated*), exercising the difficult-aware
targets and metrics exactly as real VOC does. Boxes are the tight extent of the drawn pixels in
continuous coordinates (a shape covering columns 3..10 has xmin=3, xmax=11).

``variant='hard'`` (``demo_hard.py``) draws the same classes over real photographs, with
occlusion, several instances per class, distractors, 8-120 px objects and lighting jitter, for
comparisons the easy default would saturate; the easy default's bytes never change.

Everything is a function of (seed, image index), so the same call writes byte-identical files.
The tree is built in a temporary folder and renamed into place, so several processes (DDP ranks)
may race to create it without ever exposing a half-written dataset.
"""
import io
import json
import logging
import os
import shutil
import uuid
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ..registry import DATASETS
from .voc import VOC_CLASSES, VOCDataset

logger = logging.getLogger(__name__)

SHAPES = ('disk', 'square', 'triangle', 'cross', 'ring')
# Each shape also has its own texture, a local cue that early conv layers pick up before they
# can see a whole outline; darker stripes keep the hue, so colour stays a cue too.
TEXTURES = {'disk': 'solid', 'square': 'hstripes', 'triangle': 'vstripes', 'cross': 'checker',
            'ring': 'solid'}
TEXTURE_PERIOD = 8  # px at any image size: survives a 2x downscale (64 px classifiers)
# Bumped whenever the drawing changes, so stale demo folders are reported.
GENERATOR_VERSION = 2
HARD_GENERATOR_VERSION = 2
VARIANTS = ('easy', 'hard')
COLOURS = {'red': (220, 35, 35), 'green': (35, 175, 45), 'blue': (45, 75, 230),
           'yellow': (240, 210, 25)}
# class i -> (SHAPES[i // 4], colour i % 4): aeroplane is a red disk, tvmonitor a yellow ring.
CLASS_APPEARANCE = {name: (SHAPES[i // len(COLOURS)], list(COLOURS)[i % len(COLOURS)])
                    for i, name in enumerate(VOC_CLASSES)}

MAX_OBJECTS = 4
DIFFICULT_PROB = 0.15      # per object after the first: half tiny, half clipped at the border
NORMAL_SIZE = (0.16, 0.55)  # object side as a fraction of the image side (20-70 px at 128)
TINY_SIZE = (0.05, 0.09)    # difficult: too small to see well
MAX_OVERLAP_IOU = 0.0       # boxes never overlap, so every object stays recognisable


def _background(rng, size):
    """Grey low-frequency blotches plus fine grain and, sometimes, faint stripes."""
    grid = rng.integers(3, 9)
    coarse = rng.uniform(-1, 1, size=(grid, grid)).astype(np.float32)
    field = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
    base = rng.uniform(80, 180)
    gray = base + 35 * field + rng.normal(0, 5, size=(size, size))
    if rng.random() < 0.5:
        angle, period = rng.uniform(0, np.pi), rng.uniform(6, 20)
        yy, xx = np.mgrid[0:size, 0:size]
        gray += 12 * np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period)
    tint = rng.uniform(-10, 10, size=3)
    img = gray[..., None] + tint[None, None, :]
    return img.astype(np.float32)


def _shape_mask(shape, x0, y0, x1, y1, size):
    """(size, size) bool mask of ``shape`` filling the box (x0, y0, x1, y1), clipped to the image.

    Drawn on a canvas of the box's own size, then pasted, so cost follows the object's size.
    """
    w, h = x1 - x0, y1 - y0
    local = Image.new('L', (w, h), 0)
    draw = ImageDraw.Draw(local)
    if shape == 'disk':
        draw.ellipse([0, 0, w - 1, h - 1], fill=255)
    elif shape == 'square':
        draw.rectangle([0, 0, w - 1, h - 1], fill=255)
    elif shape == 'triangle':
        draw.polygon([(0, h - 1), ((w - 1) / 2, 0), (w - 1, h - 1)], fill=255)
    elif shape == 'cross':
        tw, th = max(2, w // 3), max(2, h // 3)
        draw.rectangle([(w - tw) // 2, 0, (w - tw) // 2 + tw - 1, h - 1], fill=255)
        draw.rectangle([0, (h - th) // 2, w - 1, (h - th) // 2 + th - 1], fill=255)
    elif shape == 'ring':
        draw.ellipse([0, 0, w - 1, h - 1], fill=255)
        bw, bh = max(2, w // 4), max(2, h // 4)
        if w - 2 * bw > 1 and h - 2 * bh > 1:
            draw.ellipse([bw, bh, w - 1 - bw, h - 1 - bh], fill=0)
    return _paste(local, x0, y0, x1, y1, size)


def _paste(local, x0, y0, x1, y1, size):
    """The (size, size) bool mask of the box-sized drawing ``local`` placed at (x0, y0), clipped."""
    mask = np.zeros((size, size), dtype=bool)
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, size), min(y1, size)
    if cx1 > cx0 and cy1 > cy0:
        mask[cy0:cy1, cx0:cx1] = np.asarray(local)[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] > 0
    return mask


def _texture(kind, size):
    """(size, size) brightness factor: 1 for solid, else 1 / 0.55 bands of TEXTURE_PERIOD px."""
    yy, xx = np.mgrid[0:size, 0:size]
    half = TEXTURE_PERIOD // 2
    if kind == 'hstripes':
        dark = (yy // half) % 2 == 1
    elif kind == 'vstripes':
        dark = (xx // half) % 2 == 1
    elif kind == 'checker':
        dark = ((yy // half) + (xx // half)) % 2 == 1
    else:
        dark = np.zeros((size, size), dtype=bool)
    return np.where(dark, 0.55, 1.0).astype(np.float32)


def _iou(box, boxes):
    if not boxes:
        return 0.0
    b = np.asarray(boxes, dtype=np.float64)
    ix = np.clip(np.minimum(box[2], b[:, 2]) - np.maximum(box[0], b[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], b[:, 3]) - np.maximum(box[1], b[:, 1]), 0, None)
    inter = ix * iy
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return float((inter / (area + areas - inter)).max())


def _place(rng, kind, size):
    """A layout box (x0, y0, x1, y1) for one object; clipped ones hang 50-75% outside."""
    lo, hi = TINY_SIZE if kind == 'tiny' else NORMAL_SIZE
    side = rng.uniform(lo, hi) * size
    aspect = rng.uniform(0.8, 1.25)
    w, h = max(4, int(round(side * aspect))), max(4, int(round(side / aspect)))
    if kind == 'clipped':
        w, h = max(w, int(0.3 * size)), max(h, int(0.3 * size))
        x0, y0 = int(rng.integers(0, size - w + 1)), int(rng.integers(0, size - h + 1))
        outside = rng.uniform(0.5, 0.75)
        side_out = int(rng.integers(4))  # left, top, right, bottom
        if side_out == 0:
            x0 = -int(outside * w)
        elif side_out == 1:
            y0 = -int(outside * h)
        elif side_out == 2:
            x0 = size - int((1 - outside) * w)
        else:
            y0 = size - int((1 - outside) * h)
        return x0, y0, x0 + w, y0 + h
    x0, y0 = int(rng.integers(0, size - w + 1)), int(rng.integers(0, size - h + 1))
    return x0, y0, x0 + w, y0 + h


def render_demo_image(seed, index, image_size=128):
    """One image and its objects, a pure function of (seed, index).

    Returns (uint8 (S, S, 3) RGB, list of dict(name, box (x1, y1, x2, y2) ints, difficult,
    truncated)).
    """
    rng = np.random.default_rng([seed, index])
    img = _background(rng, image_size)
    objects, boxes = [], []
    for k in range(int(rng.integers(1, MAX_OBJECTS + 1))):
        name = VOC_CLASSES[int(rng.integers(len(VOC_CLASSES)))]
        kind = 'normal'
        if k > 0 and rng.random() < DIFFICULT_PROB:
            kind = 'tiny' if rng.random() < 0.5 else 'clipped'
        for _ in range(30):
            layout = _place(rng, kind, image_size)
            shape, colour = CLASS_APPEARANCE[name]
            mask = _shape_mask(shape, *layout, image_size)
            ys, xs = np.nonzero(mask)
            if len(xs) == 0:
                continue
            box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
            if _iou(box, boxes) <= MAX_OVERLAP_IOU:
                break
        else:
            continue  # no free spot: fewer objects in this image
        rgb = np.asarray(COLOURS[colour], np.float32) + rng.uniform(-15, 15, size=3)
        img[mask] = rgb * _texture(TEXTURES[shape], image_size)[mask][:, None]
        boxes.append(box)
        objects.append(dict(name=name, box=box, difficult=int(kind != 'normal'),
                            truncated=int(kind == 'clipped')))
    img += rng.normal(0, 3, size=img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8), objects


def annotation_xml(img_id, objects, image_size, year='2007'):
    """The VOC XML text of one image (fixed formatting, so files are byte-identical)."""
    parts = [
        '<annotation>',
        f'\t<folder>VOC{year}</folder>',
        f'\t<filename>{img_id}.jpg</filename>',
        '\t<source>',
        '\t\t<database>vlrkit synthetic demo</database>',
        '\t\t<annotation>vlrkit.datasets.demo_data</annotation>',
        '\t</source>',
        '\t<size>',
        f'\t\t<width>{image_size}</width>',
        f'\t\t<height>{image_size}</height>',
        '\t\t<depth>3</depth>',
        '\t</size>',
        '\t<segmented>0</segmented>',
    ]
    for obj in objects:
        x1, y1, x2, y2 = obj['box']
        parts += [
            '\t<object>',
            f"\t\t<name>{obj['name']}</name>",
            '\t\t<pose>Unspecified</pose>',
            f"\t\t<truncated>{obj['truncated']}</truncated>",
            f"\t\t<difficult>{obj['difficult']}</difficult>",
            '\t\t<bndbox>',
            f'\t\t\t<xmin>{x1}</xmin>',
            f'\t\t\t<ymin>{y1}</ymin>',
            f'\t\t\t<xmax>{x2}</xmax>',
            f'\t\t\t<ymax>{y2}</ymax>',
            '\t\t</bndbox>',
            '\t</object>',
        ]
    parts.append('</annotation>')
    return '\n'.join(parts) + '\n'


def _renderer(variant):
    """(seed, index, image_size) -> (image, objects) of ``variant``."""
    if variant == 'easy':
        return render_demo_image
    if variant == 'hard':
        from .demo_hard import render_hard_image
        return lambda seed, index, image_size: render_hard_image(seed, index, image_size)[:2]
    raise ValueError(f'unknown demo data variant {variant!r}; use one of {VARIANTS}')


def _write_tree(voc_dir, num_trainval, num_test, image_size, seed, year, variant='easy'):
    render = _renderer(variant)
    for sub in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
        (voc_dir / sub).mkdir(parents=True, exist_ok=True)
    ids = [f'{i + 1:06d}' for i in range(num_trainval + num_test)]
    for index, img_id in enumerate(ids):
        img, objects = render(seed, index, image_size)
        buf = io.BytesIO()
        # 4:4:4 chroma: 4:2:0 subsampling would smear the colour edges the boxes are tight on.
        Image.fromarray(img).save(buf, format='JPEG', quality=92, subsampling=0)
        (voc_dir / 'JPEGImages' / f'{img_id}.jpg').write_bytes(buf.getvalue())
        (voc_dir / 'Annotations' / f'{img_id}.xml').write_text(
            annotation_xml(img_id, objects, image_size, year))
    trainval, test = ids[:num_trainval], ids[num_trainval:]
    splits = dict(trainval=trainval, test=test, train=trainval[0::2], val=trainval[1::2])
    for split, split_ids in splits.items():
        (voc_dir / 'ImageSets' / 'Main' / f'{split}.txt').write_text(
            ''.join(f'{i}\n' for i in split_ids))


def generate_demo_devkit(devkit_dir, num_trainval=1000, num_test=500, image_size=128, seed=0,
                         year='2007', variant='easy'):
    """Write ``<devkit_dir>/VOC<year>`` unless it exists; returns ``devkit_dir`` as a Path.

    Settings are saved in ``VOC<year>/demo_settings.json``; existing data made with other
    settings is kept (never overwritten under a running job) and a warning says so.
    """
    devkit_dir = Path(devkit_dir)
    _renderer(variant)  # an unknown variant fails before anything is written
    settings = dict(version=GENERATOR_VERSION, num_trainval=num_trainval, num_test=num_test,
                    image_size=image_size, seed=seed, year=str(year))
    if variant != 'easy':  # the easy settings file stays as it was, so old folders still match
        settings.update(variant=variant, version=HARD_GENERATOR_VERSION)
    target = devkit_dir / f'VOC{year}'
    if target.exists():
        _check_settings(target, settings)
        return devkit_dir
    devkit_dir.mkdir(parents=True, exist_ok=True)
    tmp = devkit_dir / f'.VOC{year}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}'
    try:
        _write_tree(tmp, num_trainval, num_test, image_size, seed, year, variant)
        (tmp / 'demo_settings.json').write_text(json.dumps(settings, sort_keys=True) + '\n')
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.exists():  # not a lost race: a real failure
                raise
            # Another process finished first; its files are identical.
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return devkit_dir


def _check_settings(target, settings):
    saved = target / 'demo_settings.json'
    if not saved.is_file():
        return
    old = json.loads(saved.read_text())
    if old != settings:
        logger.warning('demo data at %s was generated with %s, not the requested %s; using it '
                       'as is. Delete the folder to regenerate.', target, old, settings)


def make_demo_voc(out_dir, num_trainval=1000, num_test=500, image_size=128, seed=0,
                  variant='easy'):
    """Write ``<out_dir>/VOCdevkit/VOC2007`` (VOC layout) and return the VOCdevkit path.

    ``num_trainval`` + ``num_test`` images of ``image_size`` px; ``seed`` fixes every byte;
    ``variant`` is 'easy' (the default demo) or 'hard' (see ``demo_hard.py``).
    """
    return generate_demo_devkit(Path(out_dir) / 'VOCdevkit', num_trainval, num_test,
                                image_size, seed, variant=variant)


@DATASETS.register_module()
class DemoVOCDataset(VOCDataset):
    """VOCDataset over synthetic demo data, generated into ``data_root`` on first use.

    Takes VOCDataset's arguments plus the generation settings (``variant='hard'`` for the hard
    demo); once the files exist it is
    exactly a VOCDataset, so a config can switch to real VOC by changing ``type`` and
    ``data_root`` only.
    """

    def __init__(self, data_root, year='2007', split='trainval', mode='classification',
                 pipeline=(), classes=VOC_CLASSES, skip_bad=False, cache=None,
                 num_trainval=1000, num_test=500, image_size=128, seed=0, variant='easy'):
        split_file = Path(data_root) / f'VOC{year}' / 'ImageSets' / 'Main' / f'{split}.txt'
        if not split_file.is_file():
            logger.info('generating demo VOC data into %s', data_root)
            generate_demo_devkit(data_root, num_trainval, num_test, image_size, seed, year,
                                 variant)
        super().__init__(data_root, year, split, mode, pipeline, classes, skip_bad, cache)
