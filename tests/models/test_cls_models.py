"""CaffeNet, ConvNet and the VOC classifiers built from their configs: output shapes, parameter counts."""
import pytest
import torch

from vlrkit.config import load_config
from vlrkit.errors import ConfigError
from vlrkit.models.backbones.conv_net import BOILERPLATE_LAYERS, parse_layer
from vlrkit.registry import BACKBONES, MODELS


def count(module):
    return sum(p.numel() for p in module.parameters())


def conv_params(cin, cout, k):
    return cin * cout * k * k + cout


def fc_params(fin, fout):
    return fin * fout + fout


def test_caffenet_shapes_named_layers_and_parameter_count():
    net = BACKBONES.build(dict(type='CaffeNet')).eval()
    for size in (227, 224):   # ceil-mode pooling: both give pool5 256 x 6 x 6 = 9216
        assert net.forward_pool5(torch.zeros(1, 3, size, size)).shape == (1, 256, 6, 6)
        (fc7,) = net(torch.zeros(2, 3, size, size))
        assert fc7.shape == (2, 4096)
    expected = (conv_params(3, 96, 11) + conv_params(96, 256, 5) + conv_params(256, 384, 3)
                + conv_params(384, 384, 3) + conv_params(384, 256, 3)
                + fc_params(9216, 4096) + fc_params(4096, 4096))
    assert count(net) == expected == 58_281_344
    seen = {}

    def record(name):
        def hook(module, inputs, output):
            seen[name] = tuple(output.shape)
        return hook
    net.fc7.register_forward_hook(record('fc7'))
    net.pool5.register_forward_hook(record('pool5'))
    net(torch.zeros(1, 3, 227, 227))
    assert seen == {'fc7': (1, 4096), 'pool5': (1, 256, 6, 6)}
    with pytest.raises(ValueError, match='227x227 or 224x224'):
        net(torch.zeros(1, 3, 128, 128))


def test_caffenet_classifier_from_config_has_fc8():
    cfg = load_config('configs/caffenet/caffenet_voc.py')
    model = MODELS.build(cfg.model).eval()
    assert model(torch.zeros(2, 3, 227, 227)).shape == (2, 20)
    assert count(model) == 58_281_344 + fc_params(4096, 20)


def test_convnet_boilerplate_has_1132193_parameters_at_33_classes():
    backbone = BACKBONES.build(dict(type='ConvNet', layers=list(BOILERPLATE_LAYERS)))
    # conv 5x5 64/128/256 with max-pools, global pool -> 256, fc 256 -> 256 -> 128, head 128 -> 33
    expected = (conv_params(3, 64, 5) + conv_params(64, 128, 5) + conv_params(128, 256, 5)
                + fc_params(256, 256) + fc_params(256, 128))
    assert count(backbone) == expected
    assert expected + fc_params(128, 33) == 1_132_193
    cfg = load_config('configs/convnet/convnet_miniimagenet.py')
    model = MODELS.build(cfg.model)
    assert count(model) == 1_132_193
    assert model(torch.zeros(2, 3, 84, 84)).shape == (2, 33)


@pytest.mark.parametrize('config, changed', [
    ('configs/convnet/convnet_miniimagenet_4conv.py', 'conv4'),
    ('configs/convnet/convnet_miniimagenet_stride2.py', 'stride'),
    ('configs/convnet/convnet_miniimagenet_gelu_bn.py', 'bn1'),
])
def test_convnet_ablation_configs_build_and_differ(config, changed):
    base = MODELS.build(load_config('configs/convnet/convnet_miniimagenet.py').model)
    model = MODELS.build(load_config(config).model).eval()
    assert model(torch.zeros(2, 3, 84, 84)).shape == (2, 33)
    layers = dict(model.backbone.layers.named_children())
    if changed == 'stride':
        assert layers['conv1'].stride == (2, 2) and base.backbone.layers.conv1.stride == (1, 1)
    else:
        assert changed in layers and changed not in dict(base.backbone.layers.named_children())


def test_convnet_specs_and_flatten_sizing():
    assert parse_layer('conv3-128-s2-p0') == dict(type='conv', kernel=3, filters=128, stride=2, padding=0)
    assert parse_layer('avgpool3') == dict(type='pool', mode='avg', kernel=3)
    assert parse_layer('dropout0.5') == dict(type='dropout', p=0.5)
    # without a global pool the first fc is sized for input_size: 32 -> conv s2 -> 16 -> pool -> 8
    net = BACKBONES.build(dict(type='ConvNet', layers=['conv3-8-s2', 'maxpool2', 'fc10'], input_size=32,
                               nonlinearity='tanh'))
    assert net.layers.fc1.in_features == 8 * 8 * 8 and isinstance(net.layers.act1, torch.nn.Tanh)
    (features,) = net(torch.zeros(3, 3, 32, 32))
    assert features.shape == (3, 10) and net.out_channels == 10
    with pytest.raises(ValueError, match='sized for'):
        net(torch.zeros(1, 3, 64, 64))
    with pytest.raises(ValueError, match="'conv5x5-64'"):
        parse_layer('conv5x5-64')
    with pytest.raises(ValueError, match='after an fc'):
        BACKBONES.build(dict(type='ConvNet', layers=['fc10', 'conv3-8']))
    with pytest.raises(ValueError, match='to nothing'):
        BACKBONES.build(dict(type='ConvNet', layers=['maxpool8', 'maxpool8', 'fc4'], input_size=32))


@pytest.mark.parametrize('config, size, params', [
    # 2024 SimpleCNN: conv 5x5 3->32, conv 5x5 32->64, fc 16384->128, fc 128->20
    ('configs/simple_cnn/simple_cnn_voc.py', 64,
     conv_params(3, 32, 5) + conv_params(32, 64, 5) + fc_params(16384, 128) + fc_params(128, 20)),
    ('configs/resnet/resnet18_voc.py', 96, 11_689_512 - fc_params(512, 1000) + fc_params(512, 20)),
])
def test_voc_classifiers_from_configs(config, size, params):
    model = MODELS.build(load_config(config).model).eval()
    assert count(model) == params
    assert model(torch.zeros(2, 3, size, size)).shape == (2, 20)
    preds = model.predict({'images': torch.zeros(2, 3, size, size)})
    assert len(preds) == 2 and preds[0]['scores'].shape == (20,)
    assert ((preds[0]['scores'] >= 0) & (preds[0]['scores'] <= 1)).all()


def test_multilabel_head_loss_ignores_difficult_entries():
    model = MODELS.build(load_config('configs/simple_cnn/simple_cnn_voc.py').model)
    images = torch.randn(2, 3, 64, 64)
    labels = torch.zeros(2, 20)
    labels[0, 3] = labels[1, 7] = 1
    difficult = torch.zeros(2, 20, dtype=torch.bool)
    difficult[1, 7] = difficult[0, 0] = True
    loss = model.loss(dict(images=images, labels=labels, difficult=difficult))['loss_cls']
    logits = model(images)
    valid = ~difficult
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits[valid], labels[valid])
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_convnet_wrong_input_size_is_found_by_shape_and_is_a_config_error():
    # the first fc's input width is checked before it runs, not read from torch's message text
    net = BACKBONES.build(dict(type='ConvNet', layers=['conv3-8-s2', 'maxpool2', 'fc10'], input_size=32))
    with pytest.raises(ConfigError, match=r"sized for \(32, 32\) inputs .* got \(64, 64\)"):
        net(torch.zeros(1, 3, 64, 64))
