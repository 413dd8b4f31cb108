"""WSDDN's two streams on one image, drawn side by side (docs/wsddn.md's picture).

The classification stream says *what* each region is (softmax over classes), the detection stream
*which* region of the image shows a class best (softmax over the image's regions); their product,
summed over the regions, is the image score. Seen apart for one class of the image, a reader sees
that many regions (parts, loose boxes, the whole object) look like the class, that the detection
stream is what singles one of them out, and what the predicted boxes finally are.

``stream_scores`` runs a trained WSDDN on one dataset sample; ``two_streams_figure`` draws it.
Everything is in the network input's pixels (the picture is of the resized input).
"""
import numpy as np
import torch

from ..structures import collate, to_numpy
from .boxes import GT_COLOUR, to_uint8_image
from .figures import plt

STREAM_COLOUR = 'orange'


@torch.no_grad()
def stream_scores(model, sample):
    """The two streams, their product and the predictions of ``model`` (a WSDDN) on ``sample``.

    ``sample`` is one item of a dataset with a ``LoadProposals`` pipeline (detection mode, for
    the ground-truth boxes). Returns numpy arrays: ``image`` (H, W, 3) uint8, ``proposals``
    (P, 4), ``cls_probs`` / ``det_probs`` / ``region_scores`` (P, K), ``img_scores`` (K,),
    ``gt_boxes`` (M, 4) / ``gt_labels`` (M,), all of the image as given; and the detections
    ``boxes`` (D, 4), ``scores`` (D,), ``labels`` (D,) of ``model.predict`` (with its flip test,
    where the model has one: what the metrics score). Boxes are in input pixels.
    """
    batch = collate([sample])
    # Without scale_factor and ori_shape, predict keeps the boxes in the input pixels drawn here.
    batch = {k: v for k, v in batch.items() if k not in ('scale_factor', 'ori_shape')}
    batch = {k: v.to(next(model.parameters()).device) if isinstance(v, torch.Tensor) else v
             for k, v in batch.items()}
    model.eval()
    outputs = model(batch['images'], [p.to(batch['images'].device) for p in batch['proposals']])
    pred = model.predict(batch)[0]
    return dict(image=to_uint8_image(sample['image']), proposals=to_numpy(sample['proposals']),
                cls_probs=to_numpy(outputs['cls_probs']), det_probs=to_numpy(outputs['det_probs']),
                region_scores=to_numpy(outputs['region_scores']),
                img_scores=to_numpy(model.head.image_scores(outputs, 1)[0]),
                gt_boxes=to_numpy(sample.get('boxes', np.zeros((0, 4)))).reshape(-1, 4),
                gt_labels=to_numpy(sample.get('labels', np.zeros(0, np.int64))).reshape(-1),
                boxes=to_numpy(pred['boxes']), scores=to_numpy(pred['scores']),
                labels=to_numpy(pred['labels']))


def largest_object_class(scores):
    """The class of the image's largest ground-truth object (it shows a part apart from the
    whole best); the top image score's class where there is no ground truth."""
    boxes = scores['gt_boxes']
    if len(boxes) == 0:
        return int(np.argmax(scores['img_scores']))
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return int(scores['gt_labels'][np.argmax(area)])


def _tag_positions(boxes, line_height):
    """Where each box's caption goes: its top-left corner, moved down one line at a time while it
    would cover an earlier caption (boxes of one object share corners, so their tags would)."""
    placed = []
    for x1, y1, _, _ in boxes:
        x, y = x1 + 1, y1 + 1
        while any(abs(x - px) < 3 * line_height and abs(y - py) < line_height for px, py in placed):
            y += line_height
        placed.append((x, y))
    return placed


def _draw(ax, image, boxes, captions, title, colour, widths=None):
    ax.imshow(image)
    line_height = image.shape[0] / 18   # a 7 pt tag on a ~3.5 inch tall panel
    for index, (box, caption, (tx, ty)) in enumerate(
            zip(boxes, captions, _tag_positions(boxes, line_height))):
        x1, y1, x2, y2 = box
        width = 2.5 if widths is None else widths[index]
        ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=colour,
                                   linewidth=width))
        if caption:
            ax.text(tx, ty, caption, fontsize=7, va='top', color='black',
                    bbox=dict(facecolor=colour, edgecolor='none', pad=1, alpha=0.85))
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def two_streams_figure(scores, class_names, class_index=None, top=4, score_thr=0.05):
    """Four panels for class ``class_index`` (default: the largest object's) of ``scores`` (from
    ``stream_scores``): the ``top`` regions of the classification stream, of the detection
    stream and of their product, each with its value, then the ``top`` best detections above
    ``score_thr`` (every class) beside the ground truth. The threshold is ``predict``'s 0.05:
    trained from scratch on the demo data, WSDDN's detections often score well below 0.3 (0.12
    for the bird of docs/wsddn.md's picture), and a higher default could leave the panel empty.
    Returns the matplotlib figure."""
    k = largest_object_class(scores) if class_index is None else class_index
    name = class_names[k]
    image, proposals = scores['image'], scores['proposals']
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.7))
    panels = [
        ('cls_probs', f'classification stream: P({name} | region)\n'
                      'softmax over classes, top regions'),
        ('det_probs', f'detection stream for {name}\nsoftmax over the image\'s regions'),
        ('region_scores', f'product: region scores for {name}\n'
                          f'image score = sum = {scores["img_scores"][k]:.2f}'),
    ]
    for ax, (key, title) in zip(axes, panels):
        values = scores[key][:, k]
        order = np.argsort(-values, kind='stable')[:top]
        # The first-ranked region drawn thickest, so overlapping boxes stay apart.
        widths = np.linspace(3.0, 1.0, len(order)) if len(order) > 1 else [3.0]
        digits = 2 if key == 'cls_probs' else 3   # a softmax over ~64 regions has small values
        _draw(ax, image, proposals[order], [f'{values[i]:.{digits}f}' for i in order], title,
              STREAM_COLOUR, widths)
    keep = np.argsort(-scores['scores'], kind='stable')[:top]
    keep = keep[scores['scores'][keep] >= score_thr]
    gt_colour = tuple(c / 255 for c in GT_COLOUR)
    _draw(axes[3], image, scores['gt_boxes'], [''] * len(scores['gt_boxes']), '', gt_colour,
          [1.0] * len(scores['gt_boxes']))
    _draw(axes[3], image, scores['boxes'][keep],
          [f'{class_names[int(c)]} {s:.2f}' for c, s in zip(scores['labels'][keep],
                                                           scores['scores'][keep])],
          f'best {top} detections (score >= {score_thr}, after NMS)\nground truth in green',
          'deepskyblue')
    fig.tight_layout()
    return fig
