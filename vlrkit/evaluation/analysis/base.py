"""Base of the analysis evaluators: metrics that look inside the model, not only at predictions.

An analysis evaluator keeps the metric contract (``process(batch, preds)`` appends one entry per
image, ``compute`` gathers across ranks and returns numbers), and additionally

* uses the model itself — ``self.model``, bound with :meth:`bind` by ``tools/analyze.py`` (or by
  the Runner when the evaluator is listed in ``test_evaluator``) — to read layers, occlude
  inputs or mask filters;
* writes figures (PNG in ``<work_dir>/analysis`` and TensorBoard images), tables (CSV) and short
  notes with the base class's ``add_figure`` / ``add_table`` / ``add_note``, which list them in
  ``self.artifacts`` so the HTML report can show every one of them.
"""
import numpy as np
import torch

from vlrkit.evaluation.metric import BaseMetric
from vlrkit.visualization.figures import thumbnail

from .features import eval_mode, model_device, unwrap


class AnalysisEvaluator(BaseMetric):
    """Evaluator with access to the model and a place to put figures and tables.

    ``mean`` / ``std``: the input normalisation, to draw images in their true colours (without
    them each image is contrast-stretched). ``thumb_size``: longer side of kept image copies.
    """

    #: Tells whoever runs evaluators (analyze.py, the Runner) to call ``bind(model)`` first.
    requires_model = True

    def __init__(self, prefix=None, mean=None, std=None, thumb_size=96):
        super().__init__(prefix=prefix)
        self.model = None
        self.mean, self.std = mean, std
        self.thumb_size = thumb_size

    # -- the model --------------------------------------------------------------------------
    def bind(self, model):
        """Give the evaluator the model it analyses (a DDP wrapper is unwrapped)."""
        self.model = unwrap(model)
        return self

    @property
    def net(self):
        if self.model is None:
            raise RuntimeError(
                f'{type(self).__name__} analyses the model itself and was never given it: run it '
                f'with tools/analyze.py CONFIG CHECKPOINT, or call evaluator.bind(model) first')
        return self.model

    @property
    def device(self):
        return model_device(self.net)

    @torch.no_grad()
    def predict_scores(self, images):
        """Class probabilities (N, K) of the model for a tensor of input images (N, C, H, W)."""
        with eval_mode(self.net):
            preds = self.net.predict({'images': images.to(self.device)})
        return torch.stack([torch.as_tensor(p['scores']).float().cpu() for p in preds])

    def thumb(self, image):
        return thumbnail(image, self.thumb_size, self.mean, self.std)

    def class_name(self, index):
        names = self.class_names or []
        return names[index] if 0 <= index < len(names) else str(index)


def label_sets(batch):
    """Positive class indices of every image of a batch: list of lists.

    Works for single-label batches (``labels`` (N,) class indices) and multi-label ones (``labels``
    (N, K) multi-hot); classes marked ``difficult`` still count as present.
    """
    labels = batch['labels']
    if isinstance(labels, list):
        labels = torch.stack([torch.as_tensor(lab) for lab in labels])
    labels = torch.as_tensor(labels).cpu()
    if labels.ndim == 1:
        return [[int(lab)] for lab in labels]
    return [torch.nonzero(row > 0).flatten().tolist() for row in labels]


def image_ids(batch, start):
    """The ``img_id`` of every image of a batch as strings; running numbers if the data has none."""
    count = len(batch['images'])
    ids = batch.get('img_id')
    return [str(i) for i in ids] if ids is not None else [str(start + i) for i in range(count)]


def num_classes_of(results, key='labels', class_names=None):
    """Number of classes: from class names when known, else the largest label seen plus one."""
    if class_names:
        return len(class_names)
    return 1 + max((max(r[key]) for r in results if r[key]), default=0)


def pick_diverse(label_lists, count, seed=0):
    """Indices of ``count`` images drawn at random (``seed``) so that their classes differ.

    Walks a seeded permutation and takes an image only if none of its classes was taken before;
    when the classes run out, the remaining picks come from the permutation in order.
    """
    order = np.random.default_rng(seed).permutation(len(label_lists))
    chosen, seen = [], set()
    for index in order:
        classes = set(label_lists[index])
        if classes and not classes & seen:
            chosen.append(int(index))
            seen |= classes
        if len(chosen) == count:
            return chosen
    rest = [int(i) for i in order if int(i) not in chosen]
    return chosen + rest[:count - len(chosen)]
