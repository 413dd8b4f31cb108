"""Filter ablation: how much does the network rely on a few filters?

Chosen channels of chosen layers are switched off by a forward hook that zeroes their output; the
weights are untouched, so removing the hook restores the model exactly. Accuracy with and without
the filters, the images that become misclassified, and a figure of some of them show what the
filters contributed.
"""
import numpy as np
import torch

from vlrkit.registry import EVALUATORS
from vlrkit.visualization.figures import labelled_grid

from .base import AnalysisEvaluator, image_ids, label_sets
from .features import ForwardHooks, first_tensor


class FilterMask(ForwardHooks):
    """Context manager zeroing channels of named layers' outputs: ``{layer: [channel, ...]}``.

    Example::

        with FilterMask(model, {'backbone.conv5': [3, 7]}):
            scores = model(images)       # conv5 channels 3 and 7 output zeros
    """

    def __init__(self, model, filters):
        self.filters = {layer: list(ids) for layer, ids in dict(filters).items()}
        super().__init__(model, {layer: self._mask(layer, channels)
                                 for layer, channels in self.filters.items()})

    @staticmethod
    def _mask(layer, channels):
        def hook(module, inputs, output):
            tensor = first_tensor(output)
            if max(channels) >= tensor.shape[1]:
                raise IndexError(f'FilterMask: {layer} has {tensor.shape[1]} channels, asked to '
                                 f'mask {channels}')
            masked = tensor.clone()
            masked[:, channels] = 0
            return masked
        return hook


@EVALUATORS.register_module()
class FilterAblation(AnalysisEvaluator):
    """Accuracy before and after switching off ``filters`` = {layer: [channel, ...]}.

    An image counts as correct when its top-scoring class is one of its true classes (plain
    accuracy for single-label data, top-1 hit for multi-label data). Returns ``accuracy_before``,
    ``accuracy_after``, ``newly_misclassified`` and ``newly_correct``; writes
    ``ablation_misclassified.png`` with up to ``num_examples`` of the images that became wrong.
    """
    default_prefix = 'ablation'

    def __init__(self, filters, num_examples=8, **kwargs):
        super().__init__(**kwargs)
        self.filters = {layer: list(ids) for layer, ids in dict(filters).items()}
        self.num_examples = num_examples
        self._drawn = 0

    def process(self, batch, preds):
        before = torch.stack([torch.as_tensor(p['scores']).float().cpu() for p in preds])
        with FilterMask(self.net, self.filters):
            after = self.predict_scores(batch['images'])
        ids = image_ids(batch, len(self.results))
        for i, classes in enumerate(label_sets(batch)):
            top_before, top_after = int(before[i].argmax()), int(after[i].argmax())
            entry = dict(img_id=ids[i], labels=classes, before=top_before, after=top_after,
                         correct_before=top_before in classes, correct_after=top_after in classes,
                         thumb=None)
            if entry['correct_before'] and not entry['correct_after'] \
                    and self._drawn < self.num_examples:
                entry['thumb'] = self.thumb(batch['images'][i])
                self._drawn += 1
            self.results.append(entry)

    def reset(self):
        super().reset()
        self._drawn = 0

    def compute_metrics(self, results):
        before = np.array([r['correct_before'] for r in results])
        after = np.array([r['correct_after'] for r in results])
        newly_wrong = [r for r in results if r['correct_before'] and not r['correct_after']]
        examples = [r for r in newly_wrong if r['thumb'] is not None][:self.num_examples]
        if examples:
            titles = [[f'{r["img_id"]}: {self._names(r["labels"])}\n'
                       f'{self.class_name(r["before"])} -> {self.class_name(r["after"])}'
                       for r in examples]]
            self.add_figure(labelled_grid([[r['thumb'] for r in examples]], cell_titles=titles,
                                          cell_size=2.0),
                            'misclassified', f'Misclassified after ablating {self.filters}')
        self.add_note(f'ablating {self.filters}: accuracy {before.mean():.4f} -> '
                      f'{after.mean():.4f}, {len(newly_wrong)} images newly misclassified')
        return {'accuracy_before': float(before.mean()), 'accuracy_after': float(after.mean()),
                'newly_misclassified': float(len(newly_wrong)),
                'newly_correct': float(np.sum(~before & after))}

    def _names(self, classes):
        return ','.join(self.class_name(c) for c in classes)
