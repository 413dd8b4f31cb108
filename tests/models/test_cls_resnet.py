"""ResNet backbone: stage outputs, channels, parameter counts, freezing and norm_eval."""
import pytest
import torch
import torch.nn as nn

from vlrkit.registry import BACKBONES, NECKS


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('depth, full_params, fc_in', [(18, 11_689_512, 512), (34, 21_797_672, 512),
                                                       (50, 25_557_032, 2048)])
def test_parameter_count_is_torchvision_minus_fc(depth, full_params, fc_in):
    # full_params: torchvision's published num_params of the ImageNet model, including fc (fc_in -> 1000).
    backbone = BACKBONES.build(dict(type='ResNet', depth=depth))
    assert count(backbone) == full_params - (fc_in * 1000 + 1000)


def test_out_indices_shapes_strides_and_channels():
    backbone = BACKBONES.build(dict(type='ResNet', depth=18, out_indices=(1, 2, 3)))
    feats = backbone(torch.randn(2, 3, 96, 128))
    assert [tuple(f.shape) for f in feats] == [(2, 128, 12, 16), (2, 256, 6, 8), (2, 512, 3, 4)]
    assert backbone.out_channels == [128, 256, 512]
    r50 = BACKBONES.build(dict(type='ResNet', depth=50, out_indices=(0,)))
    (c2,) = r50(torch.randn(1, 3, 64, 64))
    assert c2.shape == (1, 256, 16, 16) and r50.out_channels == [256]


def test_classification_path_with_global_pool():
    backbone = BACKBONES.build(dict(type='ResNet', depth=18))
    (pooled,) = NECKS.build(dict(type='GlobalAveragePooling'))(backbone(torch.randn(3, 3, 64, 64)))
    assert pooled.shape == (3, 512)


def test_frozen_stages_freeze_stem_and_first_stages():
    backbone = BACKBONES.build(dict(type='ResNet', depth=18, frozen_stages=2))
    backbone.train()
    for name, param in backbone.named_parameters():
        frozen = name.startswith(('conv1', 'bn1', 'layer1', 'layer2'))
        assert param.requires_grad is not frozen, name
    assert not backbone.bn1.training and not backbone.layer2[1].bn2.training
    assert backbone.layer3[0].bn1.training
    stem_only = BACKBONES.build(dict(type='ResNet', depth=18, frozen_stages=0))
    assert not stem_only.conv1.weight.requires_grad and stem_only.layer1[0].conv1.weight.requires_grad
    # frozen BN statistics must not move in a training forward pass
    running = backbone.bn1.running_mean.clone()
    backbone(torch.randn(2, 3, 64, 64) * 5 + 3)
    assert torch.equal(backbone.bn1.running_mean, running)


def test_norm_eval_keeps_all_batchnorm_in_eval():
    backbone = BACKBONES.build(dict(type='ResNet', depth=18, norm_eval=True)).train()
    bns = [m for m in backbone.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)
    assert all(p.requires_grad for p in backbone.parameters())
    assert backbone.layer1[0].conv1.training  # only norms are affected


@pytest.mark.parametrize('kwargs, match', [(dict(depth=101), 'depth'),
                                           (dict(out_indices=(4,)), 'out_indices'),
                                           (dict(frozen_stages=5), 'frozen_stages')])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BACKBONES.build(dict(type='ResNet', **kwargs))
