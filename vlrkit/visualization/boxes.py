"""Draw detection boxes with class names and scores on images (OpenCV, numpy in and out)."""
import colorsys

import cv2
import numpy as np
import torch

from .images import to_display

# The Normalize transform's defaults (ImageNet mean / std on the 0-255 scale).
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)
GT_COLOUR = (40, 220, 40)


def class_colour(label, num_colours=20):
    """A bright RGB colour per class, spread around the hue circle so neighbours differ."""
    hue = (label * 0.61803398875) % 1.0   # golden-ratio steps: distinct even for 20+ classes
    return tuple(int(255 * c) for c in colorsys.hsv_to_rgb(hue, 0.85, 1.0))


def to_uint8_image(image, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """A (C, H, W) normalised tensor (ImageNet constants by default) -> (H, W, 3) uint8 RGB for
    drawing; a uint8 (H, W, 3) array is already a picture and passes through."""
    if isinstance(image, np.ndarray) and image.dtype == np.uint8:
        return np.ascontiguousarray(image if image.shape[-1] == 3 else np.repeat(image, 3, axis=-1))
    return to_display(image, mean, std)


def draw_boxes(image, boxes, labels=None, scores=None, class_names=None, colour=None, thickness=1,
               score_thr=0.0):
    """Return a copy of ``image`` (H, W, 3) uint8 RGB with boxes (D, 4) x1, y1, x2, y2 drawn.

    Each box is captioned ``name score`` (or ``name`` without scores) in a filled tag. ``colour``
    fixes one RGB colour for all boxes (e.g. ground truth); otherwise each class has its own.
    Boxes scoring below ``score_thr`` are skipped.
    """
    canvas = np.ascontiguousarray(image.copy())
    boxes = np.asarray(boxes.cpu() if isinstance(boxes, torch.Tensor) else boxes, np.float64).reshape(-1, 4)
    labels = None if labels is None else np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels)
    scores = None if scores is None else np.asarray(scores.cpu() if isinstance(scores, torch.Tensor) else scores)
    font_scale = max(0.3, min(canvas.shape[:2]) / 600)
    for index, box in enumerate(boxes):
        if scores is not None and scores[index] < score_thr:
            continue
        label = None if labels is None else int(labels[index])
        rgb = colour or (class_colour(label) if label is not None else GT_COLOUR)
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), rgb, thickness)
        caption = '' if label is None else (class_names[label] if class_names else str(label))
        if scores is not None:
            caption = f'{caption} {scores[index]:.2f}'.strip()
        if caption:
            (w, h), base = cv2.getTextSize(caption, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)
            top = max(y1 - h - base, 0)
            cv2.rectangle(canvas, (x1, top), (x1 + w, top + h + base), rgb, -1)
            cv2.putText(canvas, caption, (x1, top + h), cv2.FONT_HERSHEY_SIMPLEX, font_scale,
                        (0, 0, 0), 1, cv2.LINE_AA)
    return canvas


def save_png(path, image):
    """Write an RGB uint8 image as PNG (OpenCV writes BGR)."""
    if not cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
        raise OSError(f'could not write {path}; check that the folder exists and is writable')
