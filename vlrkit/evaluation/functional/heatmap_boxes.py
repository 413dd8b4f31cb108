"""Boxes from class heatmaps: how a weakly-supervised localiser is turned into a detector.

A localiser trained from image labels only gives, per class, a coarse map of evidence (29×29 for a
512×512 input). To score it like a detector we follow the usual recipe (Oquab et al. 2015; Zhou et
al. 2016, CAM): bring the map back onto the original image, keep the pixels above a fraction of the
map's maximum, and draw one box around each connected region. Each box is scored by the peak of
the map inside its region, so the region holding the image's strongest evidence ranks first.

"A fraction of the maximum" needs a zero to be a fraction of. The classic rule measures from the
map's minimum. With logit maps one far-negative cell then drags every threshold down and the boxes
grow into the background; measuring from a quantile of the map instead (``background_quantile``,
e.g. 0.5, the median, when objects cover less than half of the image) makes the zero the
background level (robust demo model: CorLoc 0.77 -> 0.83, docs/benchmarks.md).

Shapes: ``h, w`` heatmap cells; ``H, W`` pixels of the padded network input; ``B`` boxes.
"""
import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage


def heatmap_to_original(heatmap, input_shape, img_shape=None, ori_shape=None, stride=None,
                        offset=None):
    """Resample a heatmap that covers the network input onto the original image's pixel grid.

    Cell ``o`` of the map is centred on input pixel coordinate ``offset + o * stride`` (continuous
    coordinates, pixel ``x`` spans [x, x + 1)). For a fully convolutional net these come from its
    layers (LocalizerAlexNet: stride 16, offset 31.5, see ``LocalizerAlexNet.heatmap_geometry``);
    by default the cells are spread evenly over the padded input (stride = input / cells).
    The image occupies the top-left ``img_shape`` of the input (padding goes bottom/right, see
    ``vlrkit.structures.pad_stack``) and is a resized copy of the ``ori_shape`` image, so every
    original pixel is sampled where its centre lands on the map (bilinear, clamped at the border).

    Args:
        heatmap: (h, w) or (C, h, w) array or tensor.
        input_shape: (H, W) of the padded network input the heatmap was computed from.
        img_shape: (h_img, w_img) of the image inside the input, default the whole input.
        ori_shape: (h_ori, w_ori) of the image on disk, default ``img_shape``.
        stride, offset: map geometry in input pixels (numbers, or (y, x) pairs).

    Returns:
        float32 numpy array (h_ori, w_ori), or (C, h_ori, w_ori) for a stack of maps.
    """
    maps = torch.as_tensor(np.asarray(heatmap, dtype=np.float32))
    single = maps.dim() == 2
    if single:
        maps = maps[None]
    cells_h, cells_w = maps.shape[-2:]
    in_h, in_w = (int(v) for v in input_shape)
    img_h, img_w = (int(v) for v in (img_shape if img_shape is not None else input_shape))
    ori_h, ori_w = (int(v) for v in (ori_shape if ori_shape is not None else (img_h, img_w)))
    stride_y, stride_x = _pair(stride) if stride is not None else (in_h / cells_h, in_w / cells_w)
    offset_y, offset_x = _pair(offset) if offset is not None else (stride_y / 2, stride_x / 2)
    # Centre of each original pixel -> input coordinate -> map coordinate (cell units).
    ys = ((torch.arange(ori_h) + 0.5) * (img_h / ori_h) - offset_y) / stride_y
    xs = ((torch.arange(ori_w) + 0.5) * (img_w / ori_w) - offset_x) / stride_x
    # grid_sample with align_corners=True maps -1 / +1 to the centres of the first / last cells.
    grid_y = 2 * ys / max(cells_h - 1, 1) - 1
    grid_x = 2 * xs / max(cells_w - 1, 1) - 1
    grid = torch.stack(torch.meshgrid(grid_y, grid_x, indexing='ij')[::-1], dim=-1)[None]
    out = F.grid_sample(maps[None], grid.float(), mode='bilinear', padding_mode='border',
                        align_corners=True)[0].numpy()
    return out[0] if single else out


def _pair(value):
    value = np.asarray(value, dtype=np.float64).reshape(-1)
    return (float(value[0]), float(value[-1]))


def boxes_from_heatmap(heatmap, rel_threshold=0.5, min_area=1, background_quantile=0.0):
    """One box per connected region of ``heatmap >= bg + rel_threshold * (max - bg)``, best first.

    The threshold is relative to the map's own maximum so it needs no calibration across classes.
    ``bg`` is the map's ``background_quantile`` quantile: 0 is its minimum (the classic rule), 0.5
    its median (see the module docstring).

    Args:
        heatmap: (H, W) array already on the image's pixel grid (see ``heatmap_to_original``).
        rel_threshold: fraction of the way from ``bg`` to the maximum a pixel must reach, in (0, 1].
        min_area: regions with fewer pixels are ignored (speckle from upsampling).
        background_quantile: which quantile of the map is the zero of the threshold, in [0, 1).

    Returns:
        boxes (B, 4) float32 x1, y1, x2, y2 in pixels (x2/y2 exclusive edges), and
        scores (B,) float32: the heatmap's peak inside each region, sorted descending.
    """
    if not 0.0 < rel_threshold <= 1.0:
        raise ValueError(f'rel_threshold must be in (0, 1], got {rel_threshold}')
    if not 0.0 <= background_quantile < 1.0:
        raise ValueError(f'background_quantile must be in [0, 1), got {background_quantile}')
    heatmap = np.asarray(heatmap, dtype=np.float32)
    if heatmap.ndim != 2:
        raise ValueError(f'boxes_from_heatmap expects one (H, W) map, got shape {heatmap.shape}')
    shifted = heatmap - np.quantile(heatmap, background_quantile)
    peak = shifted.max()
    # A flat map has no region that stands out; no box is more honest than a whole-image guess.
    # "Flat" allows for the rounding noise that resampling a constant map leaves behind.
    if not np.isfinite(peak) or peak <= 1e-6 * max(1.0, float(np.abs(heatmap).max())):
        return np.zeros((0, 4), np.float32), np.zeros((0,), np.float32)
    regions, num_regions = ndimage.label(shifted >= rel_threshold * peak)
    boxes, scores = [], []
    for index, region in enumerate(ndimage.find_objects(regions), start=1):
        mask = regions[region] == index
        if mask.sum() < min_area:
            continue
        rows, cols = region
        boxes.append([cols.start, rows.start, cols.stop, rows.stop])
        scores.append(heatmap[region][mask].max())
    if not boxes:
        return np.zeros((0, 4), np.float32), np.zeros((0,), np.float32)
    boxes, scores = np.asarray(boxes, np.float32), np.asarray(scores, np.float32)
    order = np.argsort(-scores, kind='stable')
    return boxes[order], scores[order]


def boxes_from_class_maps(class_maps, classes, input_shape, img_shape=None, ori_shape=None,
                          rel_threshold=0.5, min_area=1, score_fn=None, stride=None, offset=None,
                          background_quantile=0.0):
    """Detections of several classes of one image, in original image pixels.

    Args:
        class_maps: (K, h, w) maps of one image (logits or probabilities).
        classes: iterable of class indices to turn into boxes (present or predicted classes).
        input_shape, img_shape, ori_shape, stride, offset: see ``heatmap_to_original``.
        rel_threshold, min_area, background_quantile: see ``boxes_from_heatmap``.
        score_fn: maps a region's peak value to its score (e.g. a sigmoid for logit maps).

    Returns:
        dict(boxes (B, 4), scores (B,), labels (B,)), each class's boxes best first.
    """
    classes = [int(c) for c in classes]
    all_boxes, all_scores, all_labels = [], [], []
    if classes:
        maps = heatmap_to_original(np.asarray(class_maps)[classes], input_shape, img_shape,
                                   ori_shape, stride, offset)
        for label, heatmap in zip(classes, maps):
            boxes, scores = boxes_from_heatmap(heatmap, rel_threshold, min_area,
                                               background_quantile)
            if score_fn is not None:
                scores = np.asarray(score_fn(scores), np.float32)
            all_boxes.append(boxes)
            all_scores.append(scores)
            all_labels.append(np.full(len(boxes), label, np.int64))
    if not all_boxes:
        return dict(boxes=np.zeros((0, 4), np.float32), scores=np.zeros((0,), np.float32),
                    labels=np.zeros((0,), np.int64))
    return dict(boxes=np.concatenate(all_boxes), scores=np.concatenate(all_scores),
                labels=np.concatenate(all_labels))
