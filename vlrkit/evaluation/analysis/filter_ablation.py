"""Filter ablation: how much does the network rely on a few filters?

Chosen channels of chosen layers are switched off by a forward hook that zeroes their output; the
weights are untouched, so removing the hook restores the model exactly. Accuracy with and without
the filters, the images that become misclassified, and a figure of some of them show what the
filters contributed. Each filter is also switched off on its own: all of them together can cost
far more than any one (redundant filters cover for each other), and one filter that alone costs
most of the drop is the one to look at with FilterIdentification.
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
    ``accuracy_after``, ``newly_misclassified`` and ``newly_correct`` for all the filters switched
    off together, and ``accuracy_after/<layer>:<channel>`` for each filter switched off alone;
    writes ``ablation_misclassified.png`` with up to ``num_examples`` of the images that became
    wrong, and ``ablation_per_filter.csv``: one row per filter with its accuracy, the images it
    alone makes wrong (their count and first ids) and those it makes right.
    """
    default_prefix = 'ablation'

    def __init__(self, filters, num_examples=8, **kwargs):
        super().__init__(**kwargs)
        self.filters = {layer: list(ids) for layer, ids in dict(filters).items()}
        self.num_examples = num_examples
        self.single = [(layer, channel) for layer, ids in self.filters.items() for channel in ids]
        self._drawn = 0

    def process(self, batch, preds):
        before = torch.stack([torch.as_tensor(p['scores']).float().cpu() for p in preds])
        with FilterMask(self.net, self.filters):
            after = self.predict_scores(batch['images'])
        alone = []      # (filters, N): top class with only that one filter off
        for layer, channel in self.single:
            with FilterMask(self.net, {layer: [channel]}):
                alone.append(self.predict_scores(batch['images']).argmax(1))
        ids = image_ids(batch, len(self.results))
        for i, classes in enumerate(label_sets(batch)):
            top_before, top_after = int(before[i].argmax()), int(after[i].argmax())
            entry = dict(img_id=ids[i], labels=classes, before=top_before, after=top_after,
                         correct_before=top_before in classes, correct_after=top_after in classes,
                         correct_alone=[int(top[i]) in classes for top in alone], thumb=None)
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
        alone = self._per_filter(results, before)
        return {'accuracy_before': float(before.mean()), 'accuracy_after': float(after.mean()),
                'newly_misclassified': float(len(newly_wrong)),
                'newly_correct': float(np.sum(~before & after)), **alone}

    def _per_filter(self, results, before, shown=5):
        """One table row and one metric per filter switched off alone."""
        alone = np.array([r['correct_alone'] for r in results]).reshape(len(results), len(self.single))
        ids = np.array([r['img_id'] for r in results])
        rows, metrics = [], {}
        for j, (layer, channel) in enumerate(self.single):
            wrong = ids[before & ~alone[:, j]]
            rows.append([layer, channel, f'{alone[:, j].mean():.4f}',
                         f'{alone[:, j].mean() - before.mean():+.4f}', len(wrong),
                         int(np.sum(~before & alone[:, j])), ' '.join(wrong[:shown])])
            metrics[f'accuracy_after/{layer}:{channel}'] = float(alone[:, j].mean())
        self.add_table('per_filter', 'Each filter switched off alone',
                       ['layer', 'filter', 'accuracy', 'change', 'newly misclassified',
                        'newly correct', f'first {shown} misclassified'], rows)
        return metrics

    def _names(self, classes):
        return ','.join(self.class_name(c) for c in classes)
