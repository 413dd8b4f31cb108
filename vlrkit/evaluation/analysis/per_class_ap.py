"""Per-class average precision, side by side for several checkpoints, of one model or of several.

The mAP of a run hides which classes the network gets and which it does not; the table and bar
chart show every class, and comparing checkpoints (from scratch vs fine-tuned, or CaffeNet vs a
fine-tuned ResNet as the 2020 course asks) shows where the difference comes from. The easiest and
hardest classes are named in the report.
"""
import copy

import numpy as np
import torch
import torch.nn.functional as F

from vlrkit.errors import ConfigError
from vlrkit.evaluation.functional.multilabel import multilabel_map
from vlrkit.registry import EVALUATORS

from .base import AnalysisEvaluator, label_sets


def per_class_ap(scores, labels, difficult=None, mode='area'):
    """AP of every class (K,), NaN for a class without a positive image.

    ``scores`` (N, K), ``labels`` (N, K) multi-hot, ``difficult`` (N, K) bool entries left out
    (PASCAL VOC's rule); the maths is the multi-label metric's own (``functional.multilabel``).
    """
    return multilabel_map(scores, np.asarray(labels).astype(np.int64), difficult, mode)[1]


def load_weights(model, path):
    """Load a vlrkit checkpoint (or a bare state dict) at ``path`` into ``model``, strictly."""
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('model', 'state_dict'):
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
            break
    model.load_state_dict(checkpoint)
    return model


@EVALUATORS.register_module()
class PerClassAP(AnalysisEvaluator):
    """Per-class AP of the evaluated model and of the other ``checkpoints``, compared.

    Args:
        checkpoints: {name: entry} of the models to compare with; their predictions are computed
            on the same batches. An entry is a checkpoint path of the evaluated model's own
            architecture (``dict(scratch='work_dirs/caffenet_voc/latest.pth')``), or a model of
            another config: ``dict(config='configs/caffenet/caffenet_voc.py',
            checkpoint='work_dirs/caffenet_voc/epoch_50.pth', input_size=227)``. ``input_size``
            (optional) resizes the batch's images (bilinear) to the side that model was trained
            at; the images keep the evaluated config's normalisation, so compare models whose
            test pipelines normalise alike (every VOC config here uses ImageNet's mean and std).
        model_name: column name of the evaluated model itself.
        mode: 'area' (scikit-learn AP) or '11points' (VOC2007), as in MultiLabelMAP.
    Returns ``<model name>/mAP`` for each model; writes ``per_class_ap_table.csv`` and
    ``per_class_ap_bars.png``.
    """
    default_prefix = 'per_class_ap'

    def __init__(self, checkpoints=None, model_name='model', mode='area', **kwargs):
        super().__init__(**kwargs)
        self.model_name, self.mode = model_name, mode
        self.checkpoints = dict(checkpoints or {})
        self._others = None

    def _other_models(self):
        """{name: (model in eval mode, input side or None)}, loaded once."""
        if self._others is None:
            self._others = {name: self._load(name, entry) for name, entry in self.checkpoints.items()}
        return self._others

    def _load(self, name, entry):
        if not isinstance(entry, dict):
            return load_weights(copy.deepcopy(self.net), entry).eval(), None
        unknown = set(entry) - {'config', 'checkpoint', 'input_size'}
        if unknown or 'config' not in entry or 'checkpoint' not in entry:
            raise ConfigError(f'PerClassAP checkpoints.{name} = {dict(entry)}: an entry is a checkpoint '
                              "path, or dict(config=..., checkpoint=..., input_size=None)"
                              + (f'; unknown keys {sorted(unknown)}' if unknown else ''))
        from vlrkit.apis import init_model   # the same rebuild as tools/test.py, strict weights
        model = init_model(entry['config'], entry['checkpoint'], device=self.device)
        return model, entry.get('input_size')

    def process(self, batch, preds):
        scores = {self.model_name: torch.stack([torch.as_tensor(p['scores']).float().cpu()
                                          for p in preds]).numpy()}
        for name, (model, side) in self._other_models().items():
            images = batch['images'].to(self.device)
            if side is not None and tuple(images.shape[-2:]) != (side, side):
                images = F.interpolate(images, size=(side, side), mode='bilinear', align_corners=False)
            with torch.no_grad():
                others = model.predict({'images': images})
            scores[name] = torch.stack([torch.as_tensor(p['scores']).float().cpu()
                                        for p in others]).numpy()
            if scores[name].shape != scores[self.model_name].shape:
                raise ConfigError(f'PerClassAP: {name} predicts {scores[name].shape[1]} classes, '
                                  f'{self.model_name} {scores[self.model_name].shape[1]}; compare '
                                  'models of the same classes')
        num_classes = scores[self.model_name].shape[1]
        difficult = batch.get('difficult')
        for i, classes in enumerate(label_sets(batch)):
            hot = np.zeros(num_classes, bool)
            hot[classes] = True
            diff = (np.asarray(torch.as_tensor(difficult[i]).cpu(), bool)
                    if difficult is not None else np.zeros(num_classes, bool))
            self.results.append(dict(labels=hot, difficult=diff,
                                     scores={k: v[i] for k, v in scores.items()}))

    def compute_metrics(self, results):
        labels = np.stack([r['labels'] for r in results])
        difficult = np.stack([r['difficult'] for r in results])
        names = list(results[0]['scores'])
        aps = {n: per_class_ap(np.stack([r['scores'][n] for r in results]), labels, difficult,
                               self.mode)
               for n in names}
        classes = [self.class_name(c) for c in range(labels.shape[1])]
        rows = [[cls] + [_fmt(aps[n][c]) for n in names] for c, cls in enumerate(classes)]
        rows.append(['mAP'] + [_fmt(np.nanmean(aps[n])) for n in names])
        self.add_table('table', 'Per-class AP', ['class', *names], rows)
        self.add_figure(self._bars(aps, classes), 'bars', 'Per-class AP')
        for n in names:
            order = [c for c in np.argsort(-np.nan_to_num(aps[n], nan=-1.0)) if not np.isnan(aps[n][c])]
            if order:
                self.add_note(f'{n}: easiest classes {", ".join(classes[c] for c in order[:3])}; '
                              f'hardest {", ".join(classes[c] for c in order[::-1][:3])}')
        return {f'{n}/mAP': float(np.nanmean(aps[n])) for n in names}

    def _bars(self, aps, classes):
        import matplotlib.pyplot as plt
        names = list(aps)
        width = 0.8 / len(names)
        x = np.arange(len(classes))
        fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(classes) * len(names) + 2), 4))
        for j, n in enumerate(names):
            ax.bar(x + (j - (len(names) - 1) / 2) * width, np.nan_to_num(aps[n]), width, label=n)
        ax.set_xticks(x)
        ax.set_xticklabels(classes, rotation=60, ha='right', fontsize=8)
        ax.set_ylabel('AP')
        ax.set_ylim(0, 1)
        ax.legend()
        fig.tight_layout()
        return fig


def _fmt(value):
    return 'n/a' if np.isnan(value) else f'{value:.4f}'
