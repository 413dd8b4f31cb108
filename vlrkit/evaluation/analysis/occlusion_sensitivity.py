"""Occlusion sensitivity (Zeiler & Fergus): which part of the image does the decision rest on?

A square window of constant grey slides over the image with a stride; at every position the
model's probability of the true class is recorded. Where the probability falls, the network was
looking. Optionally positions where the predicted class changes are set to 0, to show where the
decision itself flips.
"""
import numpy as np
import torch

from vlrkit.errors import ConfigError
from vlrkit.registry import EVALUATORS
from vlrkit.visualization.images import to_display

from .base import AnalysisEvaluator, image_ids, label_sets


def window_positions(size, window, stride):
    """Top/left corners of the windows along one side: every ``stride``, the last one flush."""
    if window >= size:
        return [0]
    corners = list(range(0, size - window + 1, stride))
    if corners[-1] != size - window:
        corners.append(size - window)
    return corners


@torch.no_grad()
def occlusion_map(predict, image, target, window=32, stride=8, value=0.0, zero_on_change=False,
                  batch_size=64):
    """Probability of class ``target`` with the image occluded at each window position.

    ``predict`` maps (B, C, H, W) inputs to (B, K) probabilities; ``image`` (C, H, W) is one input;
    ``value`` the occluder in input space (0 is the mean grey of a normalised input). Returns
    ``(prob_map (ny, nx), ys, xs, base_prob)``; with ``zero_on_change`` a position whose top class
    differs from the unoccluded top class scores 0.
    """
    _, height, width = image.shape
    ys, xs = window_positions(height, window, stride), window_positions(width, window, stride)
    base = predict(image[None])[0]
    base_top = int(base.argmax())
    occluded = []
    for y in ys:
        for x in xs:
            copy = image.clone()
            copy[:, y:y + window, x:x + window] = value
            occluded.append(copy)
    probs = torch.cat([predict(torch.stack(occluded[i:i + batch_size]))
                       for i in range(0, len(occluded), batch_size)])
    prob_map = probs[:, target].clone()
    if zero_on_change:
        prob_map[probs.argmax(dim=1) != base_top] = 0.0
    return prob_map.reshape(len(ys), len(xs)).numpy(), ys, xs, float(base[target])


def per_pixel(prob_map, ys, xs, window, shape):
    """Spread a window map back onto image pixels: each pixel averages the windows covering it."""
    total, count = np.zeros(shape), np.zeros(shape)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            total[y:y + window, x:x + window] += prob_map[i, j]
            count[y:y + window, x:x + window] += 1
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


@EVALUATORS.register_module()
class OcclusionSensitivity(AnalysisEvaluator):
    """Occlusion maps of chosen images.

    Args:
        img_ids: ids of the images to analyse; None takes the first ``num_images`` of the split.
        window / stride: side and step of the grey square, in input pixels.
        value: occluder value in the model's input space (0 = mean grey after normalisation).
        zero_on_change: score 0 where the predicted class changes.
        target: 'label' (the true class; for multi-label images the true class the model scores
            highest) or 'pred' (the predicted class).
    Returns the mean probability drop of the true class at the most sensitive window; writes one
    ``occlusion_<img_id>.png`` (image, map, overlay) per image.
    """
    default_prefix = 'occlusion'

    def __init__(self, img_ids=None, num_images=4, window=32, stride=8, value=0.0,
                 zero_on_change=False, target='label', batch_size=64, **kwargs):
        super().__init__(**kwargs)
        if target not in ('label', 'pred'):
            raise ConfigError("OcclusionSensitivity target must be 'label' or 'pred', "
                              f'got {target!r}')
        self.img_ids = None if img_ids is None else {str(i) for i in img_ids}
        self.num_images, self.window, self.stride = num_images, window, stride
        self.value, self.zero_on_change, self.target = value, zero_on_change, target
        self.batch_size = batch_size
        self._taken = 0

    def _wanted(self, img_id):
        if self.img_ids is not None:
            return img_id in self.img_ids
        return self._taken < self.num_images

    def process(self, batch, preds):
        ids = image_ids(batch, len(self.results))
        for i, classes in enumerate(label_sets(batch)):
            if not self._wanted(ids[i]):
                self.results.append(None)
                continue
            self._taken += 1
            image = batch['images'][i].to(self.device)
            scores = torch.as_tensor(preds[i]['scores']).float().cpu()
            if self.target == 'pred' or not classes:
                target = int(scores.argmax())
            else:
                target = max(classes, key=lambda c: float(scores[c]))
            prob_map, ys, xs, base = occlusion_map(
                self.predict_scores, image, target, self.window, self.stride, self.value,
                self.zero_on_change, self.batch_size)
            self.results.append(dict(img_id=ids[i], target=target, base=base, map=prob_map,
                                     ys=ys, xs=xs, shape=tuple(image.shape[-2:]),
                                     picture=self._picture(image.cpu())))

    def _picture(self, image):
        return to_display(image, self.mean, self.std)

    def reset(self):
        super().reset()
        self._taken = 0

    def compute_metrics(self, results):
        done = [r for r in results if r is not None]
        if not done:
            return {'num_images': 0.0}
        for r in done:
            self.add_figure(self._draw(r), r['img_id'],
                            f'Occlusion of {r["img_id"]}: p({self.class_name(r["target"])})')
        drops = [r['base'] - float(np.min(r['map'])) for r in done]
        return {'num_images': float(len(done)), 'mean_max_drop': float(np.mean(drops))}

    def _draw(self, r):
        import matplotlib.pyplot as plt
        dense = per_pixel(r['map'], r['ys'], r['xs'], self.window, r['shape'])
        fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
        axes[0].imshow(r['picture'])
        axes[0].set_title(f'{r["img_id"]}: {self.class_name(r["target"])} p={r["base"]:.2f}')
        shown = axes[1].imshow(r['map'], cmap='jet', vmin=0, vmax=1)
        axes[1].set_title(f'p(class), {self.window}px window, stride {self.stride}')
        fig.colorbar(shown, ax=axes[1], fraction=0.046)
        axes[2].imshow(r['picture'])
        axes[2].imshow(dense, cmap='jet', vmin=0, vmax=1, alpha=0.5)
        axes[2].set_title('overlay')
        for ax in axes:
            ax.set_xticks([])
            ax.set_yticks([])
        fig.tight_layout()
        return fig
