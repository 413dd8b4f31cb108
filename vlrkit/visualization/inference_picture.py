"""One picture per inference result (tools/infer.py; tools/test.py draws ground truth beside it with
``predictions.draw_prediction``): what ``vlrkit.apis.inference_model`` predicted for an image.

Boxes with class names and scores for detectors, the top class's heatmap under the boxes drawn
from it for localisers, the top-k labels written in the corner for classifiers; one function for
every model, chosen by the keys the result holds.
"""
import numpy as np

from ..evaluation.functional.heatmap_boxes import heatmap_to_original
from .boxes import draw_boxes
from .heatmap import overlay_heatmap
from .text import write_lines


def draw_inference(image, result, score_thr=0.3):
    """``image`` (H, W, 3) uint8 RGB, the original the result is for, with the result drawn on it.

    Boxes scoring below ``score_thr`` are left out; heatmaps are probabilities, drawn on a fixed
    0..1 colour scale so pictures of different images compare.
    """
    canvas = np.ascontiguousarray(image)
    if 'heatmaps' in result and len(result.get('topk_labels', ())):
        top = int(result['topk_labels'][0])
        heatmap = heatmap_to_original(
            result['heatmaps'][top], result['input_shape'], result['img_shape'],
            result['ori_shape'], result.get('heatmap_stride'), result.get('heatmap_offset'))
        canvas = overlay_heatmap(canvas, heatmap, alpha=0.45, vmin=0.0, vmax=1.0)
    if 'boxes' in result:
        names = dict(zip((int(label) for label in result['labels']), result['label_names']))
        scores = result.get('box_scores', result.get('scores'))
        canvas = draw_boxes(canvas, result['boxes'], result['labels'], scores, class_names=names,
                            thickness=max(1, min(canvas.shape[:2]) // 200), score_thr=score_thr)
    elif 'topk_names' in result:
        canvas = write_lines(canvas, [f'{name} {score:.2f}' for name, score
                                      in zip(result['topk_names'], result['topk_scores'])])
    return canvas
