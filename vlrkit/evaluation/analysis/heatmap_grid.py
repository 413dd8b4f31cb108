"""A one-page look at a trained localiser: heatmaps of random validation images in one grid.

Listed in a config's ``analysis`` list (run by ``tools/analyze.py``) or as a test evaluator, it
keeps, per image, the heatmap of the class the model is most sure about (a 29×29 map, not the
image), then draws ``num_images`` images picked with a fixed seed into
``<work_dir>/analysis/heatmap_grid_heatmaps.png`` (and TensorBoard), each titled with that class,
its score and the ground-truth classes; the HTML report of tools/analyze.py shows it.
"""
import math

import numpy as np
from PIL import Image

from vlrkit.errors import ConfigError
from vlrkit.evaluation.functional.heatmap_boxes import heatmap_to_original
from vlrkit.evaluation.metrics.localization import heatmap_geometry, image_shape
from vlrkit.registry import EVALUATORS
from vlrkit.structures import to_numpy
from vlrkit.visualization.figures import plt
from vlrkit.visualization.heatmap import overlay_heatmap, tensor_to_rgb

from .base import AnalysisEvaluator


@EVALUATORS.register_module()
class HeatmapGrid(AnalysisEvaluator):
    """Grid of top-class heatmaps over ``num_images`` random images.

    Args:
        num_images: images in the grid (fewer if the dataset is smaller).
        cols: grid columns.
        seed: fixes the random choice of images.
        alpha, cmap: heatmap blending (see ``overlay_heatmap``).
    """

    default_prefix = 'heatmap_grid'
    #: It reads the predictions' heatmaps; the model itself is not needed.
    requires_model = False

    def __init__(self, num_images=20, cols=5, seed=0, alpha=0.5, cmap='jet', prefix=None):
        super().__init__(prefix=prefix)
        self.num_images, self.cols, self.seed = num_images, cols, seed
        self.alpha, self.cmap = alpha, cmap
        self.figure_path = None

    def process(self, batch, preds):
        input_shape = tuple(batch['images'].shape[-2:])
        for index, pred in enumerate(preds):
            if 'heatmaps' not in pred:
                raise ConfigError(f"HeatmapGrid needs 'heatmaps' in the predictions; the model "
                                  f'gave {sorted(pred)}. Use a localiser model (e.g. '
                                  'LocalizerAlexNet).')
            scores = to_numpy(pred['scores'])
            top = int(scores.argmax())
            labels = batch.get('labels')
            gt = [] if labels is None else np.flatnonzero(to_numpy(labels[index]) > 0).tolist()
            paths, ids = batch.get('img_path'), batch.get('img_id')
            img_shape = image_shape(batch, 'img_shape', index) or input_shape
            self.results.append(dict(
                heatmap=to_numpy(pred['heatmaps'][top]).astype(np.float16), label=top,
                geometry=heatmap_geometry(pred),
                score=float(scores[top]), gt=gt, input_shape=input_shape,
                img_shape=img_shape, ori_shape=image_shape(batch, 'ori_shape', index),
                img_path=None if paths is None else paths[index],
                img_id=str(index) if ids is None else str(ids[index]),
                # Without a file to read, keep the (unpadded) input itself for display.
                image=None if paths is not None else tensor_to_rgb(
                    batch['images'][index][:, :img_shape[0], :img_shape[1]])))

    def compute_metrics(self, results):
        if not results:
            return {'num_images': 0.0}
        rng = np.random.default_rng(self.seed)
        chosen = sorted(rng.choice(len(results), min(self.num_images, len(results)), replace=False))
        cols = min(self.cols, len(chosen))
        rows = math.ceil(len(chosen) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 3.2 * rows), squeeze=False)
        names = list(self.class_names) if self.class_names else None
        for ax in axes.flat:
            ax.axis('off')
        for ax, index in zip(axes.flat, chosen):
            entry = results[index]
            image = _load(entry)
            heatmap = heatmap_to_original(entry['heatmap'].astype(np.float32), entry['input_shape'],
                                          entry['img_shape'], image.shape[:2], **entry['geometry'])
            ax.imshow(overlay_heatmap(image, heatmap, self.alpha, self.cmap))
            name = names[entry['label']] if names else str(entry['label'])
            gt = ', '.join(names[c] if names else str(c) for c in entry['gt'])
            ax.set_title(f"{entry['img_id']}: {name} {entry['score']:.2f}\ngt: {gt}", fontsize=8)
        fig.tight_layout()
        self.figure_path = self.add_figure(
            fig, 'heatmaps', f'Top-class heatmaps of {len(chosen)} random test images')
        return {'num_images': float(len(chosen))}


def _load(entry):
    if entry['image'] is not None:
        return entry['image']
    with Image.open(entry['img_path']) as img:
        return np.asarray(img.convert('RGB'))
