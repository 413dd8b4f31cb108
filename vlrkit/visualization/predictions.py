"""One test image's ground truth next to the model's prediction, for any model family.

The picture is drawn from what the ``predict`` contract returns (docs/architecture.md, seam 1):
``boxes`` (detectors: boxes in original pixels, mapped back to input pixels here), ``heatmaps``
(localisers: the top class's map over the image) and ``scores`` (classifiers: the top labels
written on the image). The left half shows the ground truth (green boxes or the true labels), the
right half the prediction. The image is shown as the network saw it (resized, padding cut off),
stretched to its own range, so no normalisation constants are needed.
"""
import numpy as np
import torch

from ..structures import image_pair, to_numpy
from .boxes import GT_COLOUR, draw_boxes
from .heatmap import overlay_heatmap
from .images import to_display
from .text import write_lines

SEPARATOR = 4   # white pixels between the two halves


def _name(class_names, label):
    return str(class_names[label]) if class_names is not None and label < len(class_names) else str(label)


def true_labels(labels):
    """Class indices of one image's label: an int (single-label) or a multi-hot (K,) vector."""
    labels = to_numpy(labels)
    return [int(labels)] if labels.ndim == 0 else np.flatnonzero(labels > 0).tolist()


def draw_prediction(batch, index, pred, class_names=None, score_thr=0.3, top_k=3):
    """(H, 2W + 4, 3) uint8: image ``index`` of ``batch`` with its ground truth (left) and ``pred``
    (right), ``pred`` being that image's dict from ``model.predict``."""
    padded = to_display(batch['images'][index])
    height, width = (int(v) for v in image_pair(batch, 'img_shape', index, default=padded.shape[:2]))
    image = np.ascontiguousarray(padded[:height, :width])
    if 'boxes' in pred:
        sx, sy = image_pair(batch, 'scale_factor', index, default=(1.0, 1.0))
        gt = draw_boxes(image, batch['boxes'][index], batch['labels'][index], class_names=class_names,
                        colour=GT_COLOUR)
        shown = draw_boxes(image, to_numpy(pred['boxes']).reshape(-1, 4) * np.array([sx, sy, sx, sy]),
                           to_numpy(pred['labels']), to_numpy(pred['scores']), class_names,
                           score_thr=score_thr)
    else:
        scores = to_numpy(torch.as_tensor(pred['scores']).float()).reshape(-1)
        top = np.argsort(-scores)[:top_k].tolist()
        truth = [_name(class_names, k) for k in true_labels(batch['labels'][index])]
        gt = write_lines(image, ['true: ' + ', '.join(truth)])
        shown = image
        if 'heatmaps' in pred:   # the top class's map covers the padded input: blend, then cut
            shown = overlay_heatmap(padded, to_numpy(pred['heatmaps'][top[0]]))[:height, :width]
        shown = write_lines(shown, [f'{_name(class_names, k)}: {scores[k]:.2f}' for k in top])
    gap = np.full((image.shape[0], SEPARATOR, 3), 255, np.uint8)
    return np.concatenate([gt, gap, shown], axis=1)
