"""The *hard* demo variant: the same 20 (shape, colour) classes, drawn so a detector must work.

The easy demo saturates (FCOS reaches ~0.998 mAP@0.5 in ten CPU minutes), so nothing compared on
it means anything. This variant keeps the classes, the VOC layout and the determinism, and adds
what makes real detection hard:

- backgrounds cut from real photographs (the VOC sample photos shipped in ``demo_backgrounds/``,
  randomly cropped, scaled and flipped), so the background has edges, colours and texture;
- 2-4 objects per image, often several instances of one class, sized 8-120 px at 128 px
  (uniform, so about 1 in 9 is under 20 px);
- overlap: objects may overlap (layout IoU up to ``MAX_OVERLAP_IOU``) and later ones occlude
  earlier ones; a box is the extent of the object's *visible* pixels, and an object with under
  ``MIN_VISIBLE`` of itself visible is marked difficult (VOC's rule for objects one cannot
  recognise without context);
- distractors of no class (new shapes in any colour, class shapes in colours no class has),
  present in the pixels and absent from the XML, so colour alone or "any blob" is not enough;
- lighting: global gain, a brightness gradient, a colour cast, stronger per-object colour jitter,
  sometimes blur.

The settings below are calibrated with fixed-iteration vlrkit FCOS probes (independent of machine
load; ``tools/benchmark.py fcos_demo --iters 1100 --models vlrkit``, ~1,100 iterations being ten
quiet CPU minutes), aiming at 0.5-0.7 mAP@0.5: 2-6 objects, sizes skewed to small, overlap IoU
0.45 gave 0.129 after ~600 iterations; 2-5 objects, overlap 0.3 gave 0.131 at 550 of 1,100; these
(2-4 objects, uniform sizes, overlap 0.2, fewer distractors, more muted photos, milder jitter)
give 0.534 at 1,100.

Everything is a function of (seed, index) as in the easy variant.
"""
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .demo_data import (CLASS_APPEARANCE, COLOURS, SHAPES, TEXTURES, _iou, _paste, _shape_mask,
                        _texture)
from .voc import VOC_CLASSES

BACKGROUND_DIR = Path(__file__).with_name('demo_backgrounds')
NUM_OBJECTS = (2, 4)
REPEAT_CLASS_PROB = 0.5      # an image holds 2-3 instances of one class
SIZE_PX_AT_128 = (8, 120)    # object side, scaled with the image size
SIZE_SKEW = 1.0             # side = lo + (hi - lo) * u ** SIZE_SKEW: median 64 px, 1 in 9 under 20
MAX_OVERLAP_IOU = 0.2        # layout boxes may overlap this much; later objects occlude
MIN_VISIBLE = 0.5            # visible fraction below which an object is difficult
DISTRACTOR_SHAPES = ('star', 'hexagon', 'bar')
# Colours no class has: a class shape in one of these is a distractor, not an object.
DISTRACTOR_COLOURS = ((150, 60, 200), (40, 200, 210), (240, 110, 190), (235, 235, 235))
COLOUR_JITTER = 15           # per channel, per object, as in the easy demo

_backgrounds = None


def _photos():
    """The shipped background photos, decoded once per process (RGB float32)."""
    global _backgrounds
    if _backgrounds is None:
        files = sorted(BACKGROUND_DIR.glob('*.jpg'))
        if not files:
            raise FileNotFoundError(
                f'no background photos in {BACKGROUND_DIR}; the hard demo needs the JPEGs that '
                'ship with vlrkit (reinstall vlrkit, or restore vlrkit/datasets/demo_backgrounds)')
        _backgrounds = [np.asarray(Image.open(f).convert('RGB'), np.float32) for f in files]
    return _backgrounds


def _photo_background(rng, size):
    photos = _photos()
    photo = photos[int(rng.integers(len(photos)))]
    h, w = photo.shape[:2]
    side = int(rng.integers(min(h, w) // 2, min(h, w) + 1))
    y0, x0 = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    crop = cv2.resize(photo[y0:y0 + side, x0:x0 + side], (size, size), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    # Somewhat muted (contrast and saturation x0.6-1), so the shapes stay the most salient
    # things without the photo becoming flat.
    mean = crop.mean((0, 1), keepdims=True)
    crop = mean + rng.uniform(0.5, 0.9) * (crop - mean)
    gray = crop.mean(-1, keepdims=True)
    return np.ascontiguousarray(gray + rng.uniform(0.4, 0.8) * (crop - gray))


def _distractor_mask(shape, x0, y0, x1, y1, size):
    """Like demo_data._shape_mask, for the shapes no class has."""
    w, h = x1 - x0, y1 - y0
    local = Image.new('L', (w, h), 0)
    draw = ImageDraw.Draw(local)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    if shape == 'star':
        angles = np.pi / 2 + np.arange(10) * np.pi / 5
        radius = np.where(np.arange(10) % 2 == 0, 1.0, 0.45)
        draw.polygon([(cx + r * cx * np.cos(a), cy - r * cy * np.sin(a))
                      for a, r in zip(angles, radius)], fill=255)
    elif shape == 'hexagon':
        angles = np.arange(6) * np.pi / 3
        draw.polygon([(cx + cx * np.cos(a), cy + cy * np.sin(a)) for a in angles], fill=255)
    else:  # bar: a thin diagonal stroke
        draw.line([(0, h - 1), (w - 1, 0)], fill=255, width=max(2, min(w, h) // 5))
    return _paste(local, x0, y0, x1, y1, size)


def _layout(rng, size):
    """A box (x0, y0, x1, y1) of side 8-120 px (at 128); may hang over the border."""
    lo, hi = (s * size / 128 for s in SIZE_PX_AT_128)
    side = lo + (hi - lo) * rng.random() ** SIZE_SKEW
    aspect = rng.uniform(0.75, 1.33)
    w, h = max(4, int(round(side * aspect))), max(4, int(round(side / aspect)))
    # up to a fifth of the object outside the image: truncation, as at a photo's border
    x0 = int(rng.integers(-w // 5, size - w + w // 5 + 1))
    y0 = int(rng.integers(-h // 5, size - h + h // 5 + 1))
    return x0, y0, x0 + w, y0 + h


def _lighting(rng, img, size):
    """Global gain, a linear brightness gradient, a colour cast, sometimes blur; then grain."""
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:size, 0:size] / max(size - 1, 1) - 0.5
    gradient = 1 + rng.uniform(0, 0.4) * (xx * np.cos(angle) + yy * np.sin(angle))
    cast = rng.uniform(0.9, 1.1, size=3)
    img = img * (rng.uniform(0.8, 1.15) * gradient)[..., None] * cast[None, None, :]
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 1.0))
    return img + rng.normal(0, 4, size=img.shape)


def render_hard_image(seed, index, image_size=128):
    """One hard image: (uint8 (S, S, 3) RGB, objects as in render_demo_image, distractors).

    ``distractors`` lists dict(shape, box, mask (S, S) bool of visible pixels) of the drawn shapes
    of no class (for tests and browsing; they are not annotations).
    """
    # Another stream than the easy variant's ([seed, index]), so the two never share layouts.
    rng = np.random.default_rng([seed, index, 1])
    size = image_size
    img = _photo_background(rng, size)
    # Who is on top at each pixel: -1 background, k >= 0 the k-th drawn item.
    owner = np.full((size, size), -1, dtype=np.int32)
    items, layouts = [], []
    num = int(rng.integers(NUM_OBJECTS[0], NUM_OBJECTS[1] + 1))
    repeated = VOC_CLASSES[int(rng.integers(len(VOC_CLASSES)))]
    repeats = int(rng.integers(2, 4)) if rng.random() < REPEAT_CLASS_PROB else 0
    num_distractors = int(rng.integers(1, 3)) if rng.random() < 0.5 else 0
    kinds = ['object'] * num + ['distractor'] * num_distractors
    rng.shuffle(kinds)   # distractors occlude objects and are occluded by them
    kinds.remove('object')
    kinds.append('object')   # drawn last, so always visible: no image without an annotation
    for k, kind in enumerate(kinds):
        for _ in range(30):
            layout = _layout(rng, size)
            if _iou(layout, layouts) <= MAX_OVERLAP_IOU:
                break
        else:
            if k < len(kinds) - 1:
                continue   # no free spot: one item fewer (the last one is placed regardless)
        if kind == 'object':
            name = repeated if repeats and sum(i['kind'] == 'object' for i in items) < repeats \
                else VOC_CLASSES[int(rng.integers(len(VOC_CLASSES)))]
            shape, colour = CLASS_APPEARANCE[name]
            mask = _shape_mask(shape, *layout, size)
            rgb = np.asarray(COLOURS[colour], np.float32)
            texture = TEXTURES[shape]
        elif rng.random() < 0.5:   # a shape no class has, in any colour
            name, shape = None, DISTRACTOR_SHAPES[int(rng.integers(len(DISTRACTOR_SHAPES)))]
            mask = _distractor_mask(shape, *layout, size)
            palette = list(COLOURS.values()) + list(DISTRACTOR_COLOURS)
            rgb = np.asarray(palette[int(rng.integers(len(palette)))], np.float32)
            texture = 'solid'
        else:                      # a class shape in a colour no class has
            name, shape = None, SHAPES[int(rng.integers(len(SHAPES)))]
            mask = _shape_mask(shape, *layout, size)
            rgb = np.asarray(DISTRACTOR_COLOURS[int(rng.integers(len(DISTRACTOR_COLOURS)))],
                             np.float32)
            texture = TEXTURES[shape]
        if not mask.any():
            continue
        rgb = rgb + rng.uniform(-COLOUR_JITTER, COLOUR_JITTER, size=3)
        img[mask] = rgb * _texture(texture, size)[mask][:, None]
        owner[mask] = len(items)
        layouts.append(layout)
        items.append(dict(kind=kind, name=name, shape=shape, mask=mask))
    objects, distractors = [], []
    for k, item in enumerate(items):
        visible = owner == k
        ys, xs = np.nonzero(visible)
        if len(xs) == 0:
            continue   # wholly hidden: nothing to annotate
        box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        if item['kind'] == 'distractor':
            distractors.append(dict(shape=item['shape'], box=box, mask=visible))
            continue
        truncated = int(layouts[k][0] < 0 or layouts[k][1] < 0
                        or layouts[k][2] > size or layouts[k][3] > size)
        objects.append(dict(name=item['name'], box=box,
                            difficult=int(visible.sum() < MIN_VISIBLE * item['mask'].sum()),
                            truncated=truncated))
    img = _lighting(rng, img, size)
    return np.clip(np.round(img), 0, 255).astype(np.uint8), objects, distractors
