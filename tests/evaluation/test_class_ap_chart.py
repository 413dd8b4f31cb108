"""The class-wise AP bar chart: a PNG in work_dir/analysis and a TensorBoard image, one bar per
class, from VOCDetectionMetric(classwise=True) and MultiLabelMAP."""
import math

import numpy as np
import pytest
import torch

from vlrkit.evaluation.metric import EvalContext
from vlrkit.registry import EVALUATORS
from vlrkit.visualization.figures import class_ap_bars, close_figure, read_png

from test_det_metrics import NAMES, batch_and_preds


class FakeWriter:
    def __init__(self):
        self.images = {}

    def add_image(self, tag, image, step, dataformats):
        self.images[(tag, step)] = image


def bar_heights(fig):
    return [patch.get_height() for patch in fig.axes[0].patches]


def spy_on_figures(evaluator):
    """Record each figure's bar heights as the evaluator hands it to add_figure."""
    seen, add_figure = {}, evaluator.add_figure

    def recording(fig, name, title):
        seen[name] = bar_heights(fig)
        return add_figure(fig, name, title)
    evaluator.add_figure = recording
    return seen


def test_bars_one_per_class_in_class_order_nan_as_empty():
    fig = class_ap_bars(['cat', 'dog', 'bird'], [0.5, 1.0, float('nan')], 'AP')
    assert bar_heights(fig) == [0.5, 1.0, 0.0]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ['cat', 'dog', 'bird']
    assert 'n/a' in [t.get_text() for t in fig.axes[0].texts]
    close_figure(fig)


def test_voc_metric_classwise_draws_the_chart(tmp_path):
    metric = EVALUATORS.build(dict(type='VOCDetectionMetric', classwise=True))
    seen = spy_on_figures(metric)
    writer = FakeWriter()
    metric.set_context(EvalContext(work_dir=tmp_path, class_names=NAMES, writer=writer, step=7))
    batch, preds = batch_and_preds(perfect=False)
    metric.process(batch, preds)
    metrics = metric.compute()
    assert seen['class_ap'] == pytest.approx([metrics[f'voc/AP/{n}'] for n in NAMES])
    png = read_png(tmp_path / 'analysis' / 'voc_class_ap.png')
    assert png.ndim == 3 and np.array_equal(writer.images[('voc/class_ap', 7)], png)


def test_voc_metric_without_classwise_or_with_ap_chart_off_draws_none(tmp_path):
    for options in (dict(), dict(classwise=True, ap_chart=False)):
        metric = EVALUATORS.build(dict(type='VOCDetectionMetric', **options))
        metric.set_context(EvalContext(work_dir=tmp_path, class_names=NAMES))
        metric.process(*batch_and_preds())
        metric.compute()
    assert not (tmp_path / 'analysis').exists()


def test_multilabel_map_draws_the_chart_by_default(tmp_path):
    evaluator = EVALUATORS.build(dict(type='MultiLabelMAP'))
    seen = spy_on_figures(evaluator)
    targets = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0]])
    batch = dict(labels=torch.tensor(targets, dtype=torch.float32))
    preds = [dict(scores=torch.tensor(s)) for s in [[0.9, 0.2, 0.1], [0.3, 0.8, 0.2], [0.7, 0.4, 0.5]]]
    evaluator.process(batch, preds)
    evaluator.set_context(EvalContext(work_dir=tmp_path, class_names=('cat', 'dog', 'bird')))
    metrics = evaluator.compute(size=3)
    assert math.isnan(metrics['multilabel/AP/bird'])
    assert seen['class_ap'] == pytest.approx([metrics['multilabel/AP/cat'],
                                              metrics['multilabel/AP/dog'], 0.0])
    assert (tmp_path / 'analysis' / 'multilabel_class_ap.png').is_file()
