"""The contracts every model part keeps: backbones return tuples of levels, heads answer one call
pair, every top-level model extracts features and hands them to that pair."""
import pytest
import torch

from vlrkit.errors import ConfigError
from vlrkit.models.heads.base_head import BaseHead
from vlrkit.models.heads.multilabel_loss import difficult_masked_loss
from vlrkit.registry import BACKBONES, HEADS, LOSSES, MODELS


@pytest.mark.parametrize('cfg, size', [
    (dict(type='SimpleCNN'), 28),
    (dict(type='CaffeNet'), 227),
    (dict(type='ConvNet', input_size=32), 32),
    (dict(type='AlexNetFeatures', widths=(8,) * 5), 127),
    (dict(type='ResNet', depth=18, out_indices=(2, 3)), 64),
    (dict(type='RegNet'), 64),
])
def test_every_backbone_returns_a_tuple_of_levels(cfg, size):
    backbone = BACKBONES.build(cfg).eval()
    in_channels = 1 if cfg['type'] == 'SimpleCNN' else 3
    with torch.no_grad():
        feats = backbone(torch.zeros(1, in_channels, size, size))
    assert isinstance(feats, tuple) and feats and all(isinstance(f, torch.Tensor) for f in feats)


def test_every_registered_head_is_a_base_head():
    for name in ('LinearClsHead', 'LocalizerHead', 'FCOSHead', 'WSDDNHead'):
        assert issubclass(HEADS.get(name), BaseHead), name


class CallRecorder:
    """Wraps a head's loss/predict and *_by_feat to record what the model called."""

    def __init__(self, head, monkeypatch):
        self.calls = []
        for name in ('loss', 'predict', 'loss_by_feat', 'predict_by_feat'):
            original = getattr(head, name)
            monkeypatch.setattr(head, name, self.record(name, original))

    def record(self, name, original):
        def wrapped(outputs_or_feats, batch):
            self.calls.append((name, batch))
            return original(outputs_or_feats, batch)
        return wrapped


def classifier():
    return MODELS.build(dict(type='ImageClassifier', backbone=dict(type='SimpleCNN'),
                             head=dict(type='LinearClsHead', in_channels=128, num_classes=3))), \
        dict(images=torch.randn(2, 1, 28, 28), labels=torch.tensor([0, 2]))


def localizer():
    model = MODELS.build(dict(type='LocalizerAlexNet',
                              backbone=dict(type='AlexNetFeatures', widths=(8,) * 5),
                              head=dict(num_classes=3, in_channels=8, feat_channels=8)))
    return model, dict(images=torch.randn(2, 3, 64, 64), labels=torch.tensor([[1., 0, 0], [0, 1, 1]]))


def fcos():
    model = MODELS.build(dict(
        type='FCOS', backbone=dict(type='ResNet', depth=18, out_indices=(1, 2, 3)),
        neck=dict(type='FPN', in_channels=[128, 256, 512], out_channels=16),
        head=dict(type='FCOSHead', num_classes=3, in_channels=16, feat_channels=16, stacked_convs=1,
                  strides=(8, 16, 32), norm=dict(type='GN', num_groups=4))))
    return model, dict(images=torch.randn(2, 3, 64, 64),
                       boxes=[torch.tensor([[8., 8., 40., 40.]]), torch.zeros(0, 4)],
                       labels=[torch.tensor([1]), torch.zeros(0, dtype=torch.long)])


def wsddn():
    model = MODELS.build(dict(
        type='WSDDN', backbone=dict(type='AlexNetFeatures', widths=(8,) * 5),
        head=dict(type='WSDDNHead', num_classes=3, in_channels=8, fc_channels=16, refine_times=1)))
    return model, dict(images=torch.randn(2, 3, 64, 64),
                       proposals=[torch.tensor([[0., 0., 40., 40.], [8., 8., 60., 50.]]),
                                  torch.tensor([[4., 4., 30., 60.]])],
                       labels=torch.tensor([[1., 0., 0.], [0., 1., 1.]]))


@pytest.mark.parametrize('build', [classifier, localizer, fcos, wsddn],
                         ids=['classifier', 'localizer', 'fcos', 'wsddn'])
def test_models_extract_features_and_call_only_the_head_pair(build, monkeypatch):
    model, batch = build()
    feats = model.extract_feat(batch['images'])
    assert isinstance(feats, tuple)
    recorder = CallRecorder(model.head, monkeypatch)
    losses = model.loss(batch)
    assert any(key.startswith('loss') for key in losses)
    model.eval()
    preds = model.predict(batch)
    assert len(preds) == 2
    # the model called head.loss / head.predict with the whole batch; the base did the rest
    assert [name for name, _ in recorder.calls] == ['loss', 'loss_by_feat', 'predict', 'predict_by_feat']
    assert all(seen is batch for _, seen in recorder.calls)


def test_difficult_masked_loss_weights_difficult_entries_zero_and_averages_the_rest():
    bce = LOSSES.build(dict(type='BCEWithLogitsLoss'))
    logits = torch.tensor([[2.0, -1.0], [0.5, 3.0]])
    labels = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    difficult = torch.tensor([[False, True], [False, False]])
    loss = difficult_masked_loss(bce, logits, labels, difficult)
    valid = ~difficult
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits[valid], labels[valid])
    torch.testing.assert_close(loss, expected)
    with pytest.raises(ConfigError, match='multi-hot'):
        difficult_masked_loss(bce, logits, torch.tensor([0, 1]))


def test_fcos_head_predicts_in_original_pixels_from_the_batch_scale_factor():
    model, batch = fcos()
    model.eval()
    model.head.test_cfg.update(score_thr=0.0, max_per_img=5)
    with torch.no_grad():
        outputs = model(batch['images'])
        in_input = model.head.decode_detections(*outputs, [(64, 64), (64, 64)])
        scaled = model.head.predict_by_feat(outputs, dict(batch, scale_factor=torch.tensor(
            [[0.5, 0.5], [2.0, 2.0]])))
    torch.testing.assert_close(scaled[0]['boxes'], in_input[0]['boxes'] * 2)
    torch.testing.assert_close(scaled[1]['boxes'], in_input[1]['boxes'] / 2)


def test_a_backbone_returning_a_bare_tensor_is_named():
    model, batch = classifier()
    model.backbone.forward = lambda images: torch.zeros(len(images), 128)   # not a tuple
    with pytest.raises(TypeError, match='SimpleCNN.forward returned a Tensor; .* tuple of feature levels'):
        model.loss(batch)


@pytest.mark.parametrize('cfg, stem, first_stage, second_stage', [
    (dict(type='AlexNetFeatures', widths=(8,) * 5), 'conv1', 'conv2', 'conv3'),
    (dict(type='ResNet', depth=18), 'conv1', 'layer1', 'layer2'),
    (dict(type='RegNet'), 'stem', 'trunk_output.block1', 'trunk_output.block2'),
])
def test_frozen_stages_means_the_same_in_every_backbone(cfg, stem, first_stage, second_stage):
    """-1 trains everything, 0 freezes the stem, N the stem and the first N stages."""
    def frozen(frozen_stages):
        backbone = BACKBONES.build(dict(cfg, frozen_stages=frozen_stages))
        return {part for part in (stem, first_stage, second_stage)
                if not any(p.requires_grad for name, p in backbone.named_parameters()
                           if name.startswith(part + '.'))}
    assert frozen(-1) == set()
    assert frozen(0) == {stem}
    assert frozen(1) == {stem, first_stage}
    with pytest.raises(ConfigError, match=r'frozen_stages=9 must be -1 .* 0 \(freeze the stem\)'):
        BACKBONES.build(dict(cfg, frozen_stages=9))


@pytest.mark.parametrize('registry, cfg', [
    (BACKBONES, dict(type='ResNet', depth=101)),
    (BACKBONES, dict(type='RegNet', arch='regnetx_9000')),
    (BACKBONES, dict(type='SimpleCNN', input_size=30)),
    (BACKBONES, dict(type='CaffeNet', init='orthogonal')),
    (BACKBONES, dict(type='ConvNet', layers=['conv5x5-64'])),
    (BACKBONES, dict(type='AlexNetFeatures', widths=(8, 8))),
    (HEADS, dict(type='LocalizerHead', pooling='median')),
    (HEADS, dict(type='FCOSHead', num_classes=3, in_channels=8, reg_activation='softplus')),
    (HEADS, dict(type='WSDDNHead', num_classes=3, roi_op='roi_max')),
    (LOSSES, dict(type='BCEWithLogitsLoss', reduction='average')),
    (LOSSES, dict(type='CrossEntropyLoss', reduction='average')),
    (LOSSES, dict(type='BCELoss', reduction='average')),
])
def test_a_wrong_config_value_is_a_config_error(registry, cfg):
    with pytest.raises(ConfigError):
        registry.build(cfg)


def test_a_wrong_neck_config_is_a_config_error():
    from vlrkit.registry import NECKS
    with pytest.raises(ConfigError, match='num_outs'):
        NECKS.build(dict(type='FPN', in_channels=[8, 16], out_channels=8, num_outs=1))
