"""Filter identification finds the patches a filter is built for; per-class AP and confusion maths."""

import numpy as np
import pytest
import torch
import torch.nn as nn
from PIL import Image
from sklearn.metrics import average_precision_score

from vlrkit.config import load_config
from vlrkit.evaluation.analysis.filter_identification import FilterIdentification, crop_field
from vlrkit.evaluation.analysis.per_class_ap import PerClassAP, per_class_ap
from vlrkit.evaluation.metric import EvalContext
from vlrkit.evaluation.metrics.confusion_matrix import ConfusionMatrix, confusion_counts
from vlrkit.models.base import BaseModel

from helpers.toys import ToyClassifier, colour_batch, run_evaluator


class ColourFilters(BaseModel):
    """conv1 (3x3) channel c sums colour c; pool1 2x2; conv2 (3x3) channel c pools conv1 channel c."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential()
        self.backbone.add_module('conv1', nn.Conv2d(3, 3, 3, padding=1, bias=False))
        self.backbone.add_module('pool1', nn.MaxPool2d(2))
        self.backbone.add_module('conv2', nn.Conv2d(3, 3, 3, bias=False))
        with torch.no_grad():
            self.backbone.conv1.weight.copy_(torch.eye(3)[:, :, None, None].expand(3, 3, 3, 3))
            self.backbone.conv2.weight.copy_(torch.eye(3)[:, :, None, None].expand(3, 3, 3, 3))

    def forward(self, images):
        return self.backbone(images).amax(dim=(2, 3))

    def predict(self, batch):
        return [dict(scores=s) for s in self(batch['images']).softmax(1)]


def test_crop_field_pads_outside_the_image():
    image = torch.arange(16.0).reshape(1, 4, 4)
    patch = crop_field(image, (-1, 2, 2, 5))
    assert patch.shape == (1, 3, 3)
    assert patch[0, 0].tolist() == [0, 0, 0]  # row -1 is outside
    assert patch[0, 1].tolist() == [2, 3, 0]  # column 4 is outside


def test_top_patches_of_a_colour_filter_are_that_colour(tmp_path):
    model = ColourFilters().eval()
    batches = [colour_batch([0, 1, 2, 0, 1, 2], seed=s, start=6 * s) for s in range(3)]
    labels = {i: lab for b in batches for i, lab in zip(b['img_id'], b['labels'].tolist())}
    evaluator = FilterIdentification(filters={'backbone.conv2': [0, 2]}, top_k=4, patch_size=32)
    metrics = run_evaluator(evaluator, model, batches, tmp_path)
    # conv1 3x3 -> 3, pool1 2x2 s2 -> 4, conv2 3x3 at jump 2 -> 8 input pixels
    assert metrics['filter_id/backbone.conv2/receptive_field'] == 8
    with Image.open(tmp_path / 'analysis' / 'filter_id_backbone_conv2.png') as png:
        assert png.format == 'PNG'
    table = next(a for a in evaluator.artifacts if a['kind'] == 'table')
    assert len(table['rows']) == 2 * 4
    for channel, rank, img_id, value, box in table['rows']:
        assert labels[img_id] == channel  # the red filter's best patches come from red images
        y0, x0, y1, x1 = map(int, box.split())
        assert (y1 - y0, x1 - x0) == (8, 8)


def test_per_class_ap_matches_sklearn_and_skips_difficult():
    labels = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.1, 0.3], [0.5, 0.9]])
    aps = per_class_ap(scores, labels)
    assert aps[0] == pytest.approx(average_precision_score(labels[:, 0], scores[:, 0]))
    assert aps[1] == pytest.approx(0.5)  # the negative image 3 outranks the positive
    difficult = np.zeros_like(labels, bool)
    difficult[2, 0] = True  # the low-scored positive only counts as difficult: left out
    assert per_class_ap(scores, labels, difficult)[0] == pytest.approx(1.0)
    assert np.isnan(per_class_ap(scores, np.zeros_like(labels))).all()


def test_per_class_ap_compares_checkpoints(tmp_path):
    torch.manual_seed(0)
    model = ToyClassifier(multilabel=True).eval()
    other = ToyClassifier(multilabel=True).eval()
    torch.save({'model': other.state_dict()}, tmp_path / 'other.pth')
    batch = colour_batch([0, 1, 2, 0, 1, 2, 0, 1], seed=4)
    batch['labels'] = torch.nn.functional.one_hot(batch['labels'], 3).float()
    evaluator = PerClassAP(checkpoints={'other': tmp_path / 'other.pth'}, model_name='current')
    metrics = run_evaluator(evaluator, model, [batch], tmp_path, ['red', 'green', 'blue'])
    expected = {}
    for name, net in (('current', model), ('other', other)):
        with torch.no_grad():
            scores = net(batch['images']).sigmoid().numpy()
        expected[name] = np.nanmean(per_class_ap(scores, batch['labels'].numpy()))
    assert metrics['per_class_ap/current/mAP'] == pytest.approx(expected['current'])
    assert metrics['per_class_ap/other/mAP'] == pytest.approx(expected['other'])
    table = next(a for a in evaluator.artifacts if a['kind'] == 'table')
    assert table['header'] == ['class', 'current', 'other'] and len(table['rows']) == 4
    notes = [a['text'] for a in evaluator.artifacts if a['kind'] == 'note']
    assert any('easiest' in n and 'hardest' in n for n in notes)
    with Image.open(tmp_path / 'analysis' / 'per_class_ap_bars.png') as png:
        assert png.format == 'PNG'


def test_confusion_matrix_counts_and_accuracies(tmp_path):
    assert confusion_counts([0, 0, 1, 2], [0, 1, 1, 1], 3).tolist() == [[1, 1, 0], [0, 1, 0],
                                                                       [0, 1, 0]]
    metric = ConfusionMatrix()
    metric.set_context(EvalContext(work_dir=tmp_path, class_names=['a', 'b', 'c']))
    scores = torch.eye(3)[[0, 1, 1, 1, 2]]
    metric.process({'labels': torch.tensor([0, 0, 1, 1, 2])}, [dict(scores=s) for s in scores])
    metrics = metric.compute()
    assert metrics['confusion/accuracy'] == pytest.approx(4 / 5)
    assert metrics['confusion/mean_class_accuracy'] == pytest.approx((0.5 + 1 + 1) / 3)
    with Image.open(tmp_path / 'analysis' / 'confusion_matrix.png') as png:
        assert png.format == 'PNG'
    assert (tmp_path / 'analysis' / 'confusion_matrix.csv').read_text().splitlines()[1] == 'a,1,1,0'
    # every class's own accuracy: a metric key and one table row per class
    assert {k: v for k, v in metrics.items() if k.startswith('confusion/accuracy/')} == \
        {'confusion/accuracy/a': 0.5, 'confusion/accuracy/b': 1.0, 'confusion/accuracy/c': 1.0}
    assert (tmp_path / 'analysis' / 'confusion_per_class.csv').read_text().splitlines() == \
        ['class,images,correct,accuracy', 'a,2,1,0.5000', 'b,2,2,1.0000', 'c,1,1,1.0000']
    with pytest.raises(ValueError, match='single-label'):
        metric.process({'labels': torch.ones(2, 3)}, [])


TINY_CONVNET = """
model = dict(type='ImageClassifier',
             backbone=dict(type='ConvNet', input_size={size}, layers={layers}),
             head=dict(type='LinearClsHead', in_channels={width}, num_classes=3, multi_label=True,
                       loss_cls=dict(type='BCEWithLogitsLoss')))
"""


def test_per_class_ap_compares_models_of_different_configs(tmp_path):
    """The 2020 course's CaffeNet-vs-ResNet chart in miniature: each entry names its own config,
    and one of them takes another input size (its images are resized to it)."""
    from vlrkit.apis import init_model
    from vlrkit.engine.checkpoint import save_checkpoint
    from vlrkit.registry import MODELS
    from helpers import write_config
    configs = {
        'gap_net': write_config(tmp_path / 'gap_net.py', TINY_CONVNET.format(
            size=16, layers="['conv3-4', 'maxpool2', 'gap', 'fc6']", width=6)),
        'flat_net': write_config(tmp_path / 'flat_net.py', TINY_CONVNET.format(
            size=8, layers="['conv3-2-s2', 'fc5']", width=5)),   # its first fc is sized for 8 px
    }
    torch.manual_seed(0)
    for name, path in configs.items():
        model = MODELS.build(load_config(path).model)
        save_checkpoint({'state_dict': model.state_dict(), 'meta': {'vlrkit_version': 'test'}},
                        tmp_path / f'{name}.pth')
    current = ToyClassifier(multilabel=True).eval()
    batch = colour_batch([0, 1, 2, 0, 1, 2, 0, 1], seed=4)           # 16 px images
    batch['labels'] = torch.nn.functional.one_hot(batch['labels'], 3).float()
    entries = {name: dict(config=str(path), checkpoint=str(tmp_path / f'{name}.pth'))
               for name, path in configs.items()}
    entries['flat_net']['input_size'] = 8
    evaluator = PerClassAP(checkpoints=entries, model_name='toy')
    metrics = run_evaluator(evaluator, current, [batch], tmp_path, ['red', 'green', 'blue'])
    resized = torch.nn.functional.interpolate(batch['images'], size=(8, 8), mode='bilinear',
                                              align_corners=False)
    for name, images in (('gap_net', batch['images']), ('flat_net', resized)):
        net = init_model(str(configs[name]), str(tmp_path / f'{name}.pth'), device='cpu')
        with torch.no_grad():
            scores = net(images).sigmoid().numpy()
        assert metrics[f'per_class_ap/{name}/mAP'] == pytest.approx(
            np.nanmean(per_class_ap(scores, batch['labels'].numpy())))
    table = next(a for a in evaluator.artifacts if a['kind'] == 'table')
    assert table['header'] == ['class', 'toy', 'gap_net', 'flat_net']
    bad = PerClassAP(checkpoints={'bad': dict(config='x.py', weights='y.pth')}).bind(current)
    with pytest.raises(ValueError, match="checkpoints.bad .* unknown keys \\['weights'\\]"):
        with torch.no_grad():
            bad.process(batch, current.predict(batch))
