"""Receptive fields come from the layer chain; known values of AlexNet and ResNet-18 check them."""
import pytest
import torch
import torch.nn as nn
import torchvision

from vlrkit.errors import ConfigError
from vlrkit.evaluation.analysis.receptive_field import (FieldGeometry, chain_geometry,
                                                         receptive_field, receptive_fields,
                                                         window_chain)


def on_meta(builder):
    """Build a torchvision model on the meta device: shapes only, instant, no weights in memory."""
    with torch.device('meta'):
        return builder()


def test_alexnet_fields_match_hand_computation():
    fields = receptive_fields(on_meta(torchvision.models.alexnet))
    names = ['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'pool5']
    # torchvision AlexNet.features: conv 0, pool 2, conv 3, pool 5, conv 6, 8, 10, pool 12
    modules = ['features.0', 'features.2', 'features.3', 'features.5', 'features.6',
               'features.8', 'features.10', 'features.12']
    by_name = {n: fields[m].rf for n, m in zip(names, modules)}
    assert by_name == dict(conv1=11, pool1=19, conv2=51, pool2=67, conv3=99, conv4=131,
                           conv5=163, pool5=195)
    assert fields['features.12'].jump == 32


def test_field_of_a_container_is_that_of_its_last_window():
    alexnet = on_meta(torchvision.models.alexnet)
    assert receptive_field(alexnet, 'features') == receptive_field(alexnet, 'features.12')
    assert receptive_field(alexnet, 'features.1').rf == 11  # the ReLU after conv1


def test_resnet_shortcut_is_not_chained():
    resnet = on_meta(torchvision.models.resnet18)
    names = [name for name, _ in window_chain(resnet, 'layer4')]
    assert not any('downsample' in name for name in names)
    # published receptive fields of ResNet-18 stages
    assert receptive_field(resnet, 'layer1').rf == 43
    assert receptive_field(resnet, 'layer4').rf == 435
    assert receptive_field(resnet, 'layer4').jump == 32


def test_dilation_stride_padding_formula():
    geometry = chain_geometry([(3, 1, 2, 2), (2, 2, 0, 1)])
    assert geometry[0] == FieldGeometry(rf=5, jump=1, start=0.0)  # dilated 3x3 spans 5 pixels
    assert geometry[1] == FieldGeometry(rf=6, jump=2, start=0.5)


def test_box_is_centred_on_the_unit():
    net = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3))
    geometry = receptive_field(net, '2', input_size=(1, 32, 32))
    assert geometry.rf == 8 and geometry.jump == 2
    y0, x0, y1, x1 = geometry.box(3, 4)
    assert (y1 - y0, x1 - x0) == (8, 8)
    assert (y0 + y1 - 1) / 2 == pytest.approx(geometry.start + 3 * 2, abs=0.5)


def test_unknown_layer_names_the_choices():
    with pytest.raises(ConfigError, match='features'):
        receptive_field(on_meta(torchvision.models.alexnet), 'backbone.pool5')
