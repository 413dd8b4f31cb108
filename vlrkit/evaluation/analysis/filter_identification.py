"""What does a filter look for? The image patches that excite it most over the whole dataset.

For each chosen filter (a channel of a layer's output), every image contributes its strongest
response and where it is; the top-k images are shown as the patch of input pixels that unit sees,
its receptive field, computed from the layers' kernels, strides and paddings
(``receptive_field.py``), so the crop is right for any model without per-model numbers.
"""
import heapq

import torch
import torch.nn.functional as F

from vlrkit.registry import EVALUATORS
from vlrkit.visualization.figures import labelled_grid, thumbnail

from .base import AnalysisEvaluator, image_ids
from .features import LayerOutputs, eval_mode
from .receptive_field import receptive_field


def crop_field(image, box, fill=0.0):
    """The (C, rf, rf) input patch of a receptive field box (y0, x0, y1, x1), ``fill`` outside."""
    y0, x0, y1, x1 = box
    _, height, width = image.shape
    pad = (max(0, -x0), max(0, x1 - width), max(0, -y0), max(0, y1 - height))
    padded = F.pad(image, pad, value=fill)
    y0, x0 = y0 + pad[2], x0 + pad[0]
    return padded[:, y0:y0 + (y1 - box[0]), x0:x0 + (x1 - box[1])]


def strongest_units(activations):
    """Per image and channel the largest response and its unit: values, ys, xs, each (N, C)."""
    n, c, _, w = activations.shape
    values, flat = activations.flatten(2).max(dim=2)
    return values, flat // w, flat % w


@EVALUATORS.register_module()
class FilterIdentification(AnalysisEvaluator):
    """Top-k receptive-field patches of chosen filters.

    Args:
        filters: {layer name: list of channel indices}, e.g. ``{'backbone.conv5': [0, 5, 17]}``; an
            int instead of a list takes the first that many channels.
        top_k: patches per filter.
        patch_size: longer side of the drawn patches, in pixels.
    Returns each layer's receptive field size; writes ``filter_id_<layer>.png`` (a row per filter)
    and ``filter_id_<layer>.csv`` (image id, activation and field box of each patch).
    """
    default_prefix = 'filter_id'

    def __init__(self, filters, top_k=9, patch_size=64, **kwargs):
        super().__init__(**kwargs)
        self.filters = {layer: (list(range(ids)) if isinstance(ids, int) else list(ids))
                        for layer, ids in dict(filters).items()}
        self.top_k, self.patch_size = top_k, patch_size
        self._geometry = {}
        self._best = {}  # (layer, filter) -> min-heap of this rank's top-k values

    def process(self, batch, preds):
        images = batch['images'].to(self.device)
        for layer in self.filters:
            if layer not in self._geometry:
                self._geometry[layer] = receptive_field(self.net, layer, tuple(images.shape[1:]))
        with torch.no_grad(), eval_mode(self.net), \
                LayerOutputs(self.net, list(self.filters)) as outputs:
            self.net(images)
        ids = image_ids(batch, len(self.results))
        entries = [dict(img_id=ids[i], units={}) for i in range(len(images))]
        for layer, channels in self.filters.items():
            values, ys, xs = (t.cpu() for t in strongest_units(outputs[layer][:, channels].float()))
            for i, entry in enumerate(entries):
                for j, channel in enumerate(channels):
                    value = float(values[i, j])
                    unit = dict(value=value, y=int(ys[i, j]), x=int(xs[i, j]), patch=None)
                    if self._enters_top_k((layer, channel), value):
                        box = self._geometry[layer].box(unit['y'], unit['x'])
                        patch = crop_field(batch['images'][i].float().cpu(), box)
                        unit['patch'] = thumbnail(patch, self.patch_size, self.mean, self.std)
                    entry['units'][(layer, channel)] = unit
        self.results.extend(entries)

    def _enters_top_k(self, key, value):
        """Keep a patch only while it is among this rank's top-k so far: memory stays O(k log N).

        The global top-k is contained in the union of the ranks' top-k, so nothing is lost.
        """
        heap = self._best.setdefault(key, [])
        if len(heap) < self.top_k:
            heapq.heappush(heap, value)
            return True
        if value > heap[0]:
            heapq.heapreplace(heap, value)
            return True
        return False

    def reset(self):
        super().reset()
        self._best = {}

    def compute_metrics(self, results):
        metrics = {}
        for layer, channels in self.filters.items():
            rows, titles, table = [], [], []
            geometry = self._geometry[layer]
            for channel in channels:
                units = [(r['units'][(layer, channel)], r['img_id']) for r in results]
                top = sorted((u for u in units if u[0]['patch'] is not None),
                             key=lambda u: -u[0]['value'])[:self.top_k]
                rows.append([u['patch'] for u, _ in top])
                titles.append([f'f{channel} {img_id}\n{u["value"]:.3g}' for u, img_id in top])
                table += [[channel, rank + 1, img_id, f'{u["value"]:.4g}',
                           ' '.join(map(str, geometry.box(u['y'], u['x'])))]
                          for rank, (u, img_id) in enumerate(top)]
            name = layer.replace('.', '_')
            self.add_figure(labelled_grid(rows, cell_titles=titles), name,
                            f'Top-{self.top_k} patches of {layer} filters {channels} '
                            f'(receptive field {geometry.rf}px)')
            self.add_table(name, f'Top activations of {layer}',
                           ['filter', 'rank', 'img_id', 'activation', 'field y0 x0 y1 x1'], table)
            metrics[f'{layer}/receptive_field'] = float(geometry.rf)
        return metrics


__all__ = ['FilterIdentification', 'crop_field', 'strongest_units']
