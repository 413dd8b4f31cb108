"""Occlusion finds the object; ablation acts only through the masked filter; AP/confusion maths."""

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

from vlrkit.evaluation.analysis.features import ForwardHooks, LayerOutputs
from vlrkit.evaluation.analysis.filter_ablation import FilterAblation, FilterMask
from vlrkit.evaluation.analysis.occlusion_sensitivity import (OcclusionSensitivity, occlusion_map,
                                                               window_positions)
from vlrkit.models.base import BaseModel

from helpers.toys import ToyClassifier, colour_batch, run_evaluator, train_toy


class BrightSpotModel(BaseModel):
    """Class 1 logit = 20 * (brightest 4x4 mean - 0.4): 'is there a bright spot anywhere?'."""

    def forward(self, images):
        spot = F.avg_pool2d(images.mean(1, keepdim=True), 4, stride=1).amax(dim=(1, 2, 3))
        return torch.stack([torch.zeros_like(spot), 20 * (spot - 0.4)], dim=1)

    def predict(self, batch):
        return [dict(scores=s, pred_label=s.argmax()) for s in self(batch['images']).softmax(1)]


def spot_image():
    image = torch.zeros(3, 24, 24)
    image[:, 12:18, 4:10] = 1.0  # the object: a 6x6 bright square at y=12, x=4
    return image


def predict_fn(model):
    return lambda x: model.predict({'images': x}) and torch.stack(
        [p['scores'] for p in model.predict({'images': x})])


def test_window_positions_cover_the_far_edge():
    assert window_positions(24, 6, 4) == [0, 4, 8, 12, 16, 18]
    assert window_positions(4, 6, 2) == [0]


def test_occlusion_drops_the_true_class_where_the_object_is():
    model = BrightSpotModel()
    prob_map, ys, xs, base = occlusion_map(predict_fn(model), spot_image(), target=1, window=6,
                                           stride=2, value=0.0)
    assert base > 0.99
    iy, ix = np.unravel_index(np.argmin(prob_map), prob_map.shape)
    assert (ys[iy], xs[ix]) == (12, 4)
    assert prob_map[iy, ix] < 0.01
    assert prob_map[0, -1] == pytest.approx(base)  # far from the object nothing changes
    changed, *_ = occlusion_map(predict_fn(model), spot_image(), 1, 6, 2, 0.0, zero_on_change=True)
    flipped = prob_map < 0.5
    assert flipped.any() and (changed[flipped] == 0).all()
    np.testing.assert_allclose(changed[~flipped], prob_map[~flipped])


def test_occlusion_of_a_trained_model_points_at_the_square(tmp_path):
    torch.manual_seed(0)
    train = [colour_batch([0, 1, 2] * 4, seed=s) for s in range(6)]
    model = train_toy(ToyClassifier(), train, steps=30)
    test = colour_batch([0, 1, 2, 1], seed=100)
    assert [int(p['pred_label']) for p in model.predict(test)] == [0, 1, 2, 1]
    occlusion = OcclusionSensitivity(img_ids=['img1', 'img2'], window=6, stride=2, value=0.0)
    metrics = run_evaluator(occlusion, model, [test], tmp_path, ['red', 'green', 'blue'])
    assert metrics['occlusion/num_images'] == 2 and metrics['occlusion/mean_max_drop'] > 0.3
    for i, result in enumerate(occlusion_results(model, test)):
        prob_map, ys, xs = result
        iy, ix = np.unravel_index(np.argmin(prob_map), prob_map.shape)
        y, x = test['corners'][i]
        assert abs(ys[iy] - y) <= 3 and abs(xs[ix] - x) <= 3  # the worst window overlaps the square
    for img_id in ['img1', 'img2']:
        with Image.open(tmp_path / 'analysis' / f'occlusion_{img_id}.png') as png:
            assert png.format == 'PNG'


def occlusion_results(model, batch):
    for image, label in zip(batch['images'], batch['labels']):
        prob_map, ys, xs, _ = occlusion_map(predict_fn(model), image, int(label), 6, 2, 0.0)
        yield prob_map, ys, xs


class TwoDetectors(BaseModel):
    """conv channel c detects colour c; class c's logit is 10 x channel c's mean; channel 2 unused."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1, bias=False)
        self.fc = nn.Linear(3, 2)
        with torch.no_grad():
            self.conv.weight.copy_(torch.eye(3).reshape(3, 3, 1, 1))
            self.fc.weight.copy_(torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
            self.fc.bias.copy_(torch.tensor([1.0, 0.0]))  # red wins when no colour is seen

    def forward(self, images):
        return self.fc(self.conv(images).mean(dim=(2, 3)) * 10)

    def predict(self, batch):
        return [dict(scores=s, pred_label=s.argmax()) for s in self(batch['images']).softmax(1)]


def test_ablation_acts_only_through_the_masked_filter(tmp_path):
    model = TwoDetectors().eval()
    batch = colour_batch([0, 1, 0, 1, 1], seed=2)
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    images = batch['images']
    with FilterMask(model, {'conv': [2]}):  # the channel nothing reads
        assert torch.allclose(model(images), model.fc(model.conv(images).mean((2, 3)) * 10))
        unused = model(images)
    assert torch.allclose(unused, model(images))
    with FilterMask(model, {'conv': [1]}):
        masked = model(images)
    expected = model.conv(images)
    expected[:, 1] = 0
    assert torch.allclose(masked, model.fc(expected.mean((2, 3)) * 10))
    assert all(torch.equal(v, weights[k]) for k, v in model.state_dict().items())
    assert not model.conv._forward_hooks

    ablation = FilterAblation(filters={'conv': [1]}, num_examples=2)
    metrics = run_evaluator(ablation, model, [batch], tmp_path, ['red', 'green'])
    assert metrics['ablation/accuracy_before'] == 1.0
    assert metrics['ablation/accuracy_after'] == pytest.approx(2 / 5)  # every green image lost
    assert metrics['ablation/newly_misclassified'] == 3
    with Image.open(tmp_path / 'analysis' / 'ablation_misclassified.png') as png:
        assert png.format == 'PNG'
    untouched = run_evaluator(FilterAblation(filters={'conv': [2]}), model, [batch], tmp_path)
    assert untouched['ablation/newly_misclassified'] == 0


def test_ablation_reports_each_filter_alone_and_all_together(tmp_path):
    """Green images (1, 3, 4) need the green filter; red ones win on the bias without any filter.
    Alone, filter 1 costs the green images, filter 0 and the unused filter 2 cost nothing."""
    model = TwoDetectors().eval()
    batch = colour_batch([0, 1, 0, 1, 1], seed=2)
    ablation = FilterAblation(filters={'conv': [0, 1, 2]})
    metrics = run_evaluator(ablation, model, [batch], tmp_path, ['red', 'green'])
    assert metrics['ablation/accuracy_after'] == pytest.approx(2 / 5)   # all three off together
    assert {k: v for k, v in metrics.items() if ':' in k} == {
        'ablation/accuracy_after/conv:0': 1.0, 'ablation/accuracy_after/conv:1': pytest.approx(2 / 5),
        'ablation/accuracy_after/conv:2': 1.0}
    table = next(a for a in ablation.artifacts if a['kind'] == 'table' and 'alone' in a['title'])
    assert [row[:2] for row in table['rows']] == [['conv', 0], ['conv', 1], ['conv', 2]]
    green = ' '.join(batch['img_id'][i] for i in (1, 3, 4))
    assert table['rows'][1][2:] == ['0.4000', '-0.6000', 3, 0, green]
    assert table['rows'][2][2:] == ['1.0000', '+0.0000', 0, 0, '']
    csv_rows = (tmp_path / 'analysis' / 'ablation_per_filter.csv').read_text().splitlines()
    assert len(csv_rows) == 1 + 3 and csv_rows[2].startswith('conv,1,0.4000')


def test_forward_hooks_read_and_mask_layers_and_always_come_off():
    """LayerOutputs and FilterMask are one ForwardHooks: nested they compose, and an error inside
    the block still removes every hook."""
    model = TwoDetectors().eval()
    images = colour_batch([0, 1], seed=3)['images']
    with FilterMask(model, {'conv': [0]}), LayerOutputs(model, ['conv']) as outputs:
        model(images)
    assert (outputs['conv'][:, 0] == 0).all() and outputs['conv'][:, 1].abs().sum() > 0
    with pytest.raises(RuntimeError, match='inside'):
        with ForwardHooks(model, {'conv': lambda module, inputs, output: output * 0}):
            assert (model.conv(images) == 0).all()
            raise RuntimeError('inside the block')
    assert not model.conv._forward_hooks
