"""FCOS head, losses, FPN, backbones and the top-level model on tiny tensors."""

import pytest
import torch
from torchvision.ops import sigmoid_focal_loss

from helpers.fcos import K, batch_of, tiny_fcos
from vlrkit.errors import ConfigError
from vlrkit.registry import BACKBONES, LOSSES, NECKS


def total(losses):
    return sum(v for k, v in losses.items() if k.startswith('loss'))


def test_loss_finite_and_backward():
    model = tiny_fcos()
    losses = model.loss(batch_of([[[8, 8, 40, 56]], [[0, 0, 64, 64], [30, 30, 50, 40]]], [[1], [0, 3]]))
    assert losses['num_pos'] > 0
    assert all(torch.isfinite(v) for v in losses.values())
    total(losses).backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


@pytest.mark.parametrize('case', ['no boxes', 'only difficult'])
def test_zero_positives_is_safe(case):
    model = tiny_fcos()
    if case == 'no boxes':
        batch = batch_of([[], []], [[], []])
    else:
        batch = batch_of([[[8, 8, 40, 56]]], [[1]], [[True]])
    losses = model.loss(batch)
    assert losses['num_pos'] == 0
    assert losses['loss_bbox'] == 0 and losses['loss_centerness'] == 0
    assert torch.isfinite(losses['loss_cls']) and losses['loss_cls'] > 0
    total(losses).backward()
    head_grads = [p.grad for p in model.head.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in head_grads)


def positives_only_losses(model, batch):
    """FCOS's losses the textbook way, over the selected points (``x[mask]``): what the head's
    weighted losses over every point must equal."""
    from vlrkit.models.heads.fcos_head import (IGNORE, assign_targets, centerness_targets, decode_ltrb,
                                               encode_ltrb, pad_ground_truth)
    head = model.head
    cls_scores, bbox_preds, centernesses = outputs = head(model.neck(model.backbone(batch['images'])))
    points, strides = head.points_for(cls_scores)
    gt_boxes, gt_labels, difficult, valid = pad_ground_truth(batch['boxes'], batch['labels'], batch['difficult'])
    labels, boxes = assign_targets(points, strides, head.point_ranges(cls_scores), gt_boxes, gt_labels,
                                   valid, difficult, K, head.center_sampling, head.center_radius)
    positive, considered = (labels >= 0) & (labels < K), labels != IGNORE
    cls, deltas = head.flatten_levels(cls_scores), head.flatten_levels(bbox_preds)
    ctr = head.flatten_levels(centernesses)[..., 0]
    num_pos = positive.sum().float().clamp(min=1)
    pos_points, pos_strides = points.expand(len(boxes), -1, -1)[positive], strides.expand(len(boxes), -1)[positive]
    target_deltas = encode_ltrb(pos_points, boxes[positive], pos_strides)
    ctr_targets = centerness_targets(target_deltas)
    if head.loss_bbox.target_space == 'deltas':
        loss_bbox = head.loss_bbox(deltas[positive], target_deltas, weight=ctr_targets, avg_factor=ctr_targets.sum())
    else:
        loss_bbox = head.loss_bbox(decode_ltrb(pos_points, deltas[positive], pos_strides), boxes[positive],
                                   weight=ctr_targets, avg_factor=ctr_targets.sum())
    return outputs, dict(loss_cls=head.loss_cls(cls[considered], labels[considered], avg_factor=num_pos),
                         loss_bbox=loss_bbox,
                         loss_centerness=head.loss_centerness(ctr[positive], ctr_targets, avg_factor=num_pos))


@pytest.mark.parametrize('loss_bbox', [dict(type='GIoULoss'), dict(type='L1Loss')])
def test_losses_over_every_point_equal_the_losses_over_the_selected_points(loss_bbox):
    model = tiny_fcos(loss_bbox=loss_bbox)
    batch = batch_of([[[8, 8, 40, 56], [2, 2, 20, 30]], [[0, 0, 64, 64], [30, 30, 50, 40]]],
                     [[1, 2], [0, 3]], [[False, True], [False, False]])   # a difficult box: ignored points
    outputs, expected = positives_only_losses(model, batch)
    losses = model.head.loss_by_feat(outputs, batch)
    assert losses['num_pos'] > 0
    for name, value in expected.items():
        torch.testing.assert_close(losses[name], value, rtol=1e-5, atol=1e-7)
    grads = [torch.autograd.grad(total(d), model.head.conv_reg.weight, retain_graph=True)[0]
             for d in (losses, expected)]
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-4, atol=1e-7)


def test_prior_probability_bias_init():
    model = tiny_fcos(prior_prob=0.01)
    assert torch.sigmoid(model.head.conv_cls.bias).allclose(torch.full((K,), 0.01))


def test_focal_loss_matches_torchvision_with_index_targets():
    torch.manual_seed(0)
    logits, labels = torch.randn(6, K), torch.tensor([0, 3, K, K, 1, K])
    ours = LOSSES.build(dict(type='FocalLoss'))(logits, labels, avg_factor=3.0)
    one_hot = torch.zeros(6, K)
    one_hot[torch.arange(6)[labels < K], labels[labels < K]] = 1
    assert ours.item() == pytest.approx(sigmoid_focal_loss(logits, one_hot, reduction='sum').item() / 3)


def test_giou_and_l1_losses():
    giou = LOSSES.build(dict(type='GIoULoss'))
    box = torch.tensor([[0., 0., 10., 10.]])
    assert giou(box, box).item() == pytest.approx(0.0)
    # disjoint unit boxes 1 apart: IoU 0, enclosing 3x1 with union 2 -> GIoU = -1/3, loss 4/3
    assert giou(torch.tensor([[0., 0., 1., 1.]]), torch.tensor([[2., 0., 3., 1.]])).item() == \
        pytest.approx(4 / 3, rel=1e-5)
    l1 = LOSSES.build(dict(type='L1Loss'))
    assert l1(torch.zeros(2, 4), torch.ones(2, 4)).item() == pytest.approx(4.0)
    assert giou(torch.zeros(0, 4, requires_grad=True), torch.zeros(0, 4)).item() == 0


def test_giou_loss_equals_torchvisions_in_value_and_gradient():
    from torchvision.ops import generalized_box_iou_loss
    torch.manual_seed(0)
    corners = torch.rand(200, 2, 2) * 50                       # overlapping, touching and disjoint pairs
    pred = torch.cat([corners[:, 0], corners[:, 0] + torch.rand(100, 2).repeat(2, 1) * 30], -1)
    target = torch.cat([corners[:, 1], corners[:, 1] + torch.rand(200, 2) * 30], -1)
    ours, theirs = pred.clone().requires_grad_(), pred.clone().requires_grad_()
    loss = LOSSES.build(dict(type='GIoULoss', reduction='none'))(ours, target)
    expected = generalized_box_iou_loss(theirs, target, reduction='none')
    assert (expected < 1).any() and (expected > 1).any()     # some pairs overlap, some do not
    torch.testing.assert_close(loss, expected)
    loss.sum().backward()
    expected.sum().backward()
    torch.testing.assert_close(ours.grad, theirs.grad)


def test_l1_option_trains_on_deltas():
    model = tiny_fcos(loss_bbox=dict(type='L1Loss'))
    losses = model.loss(batch_of([[[8, 8, 40, 56]]], [[1]]))
    assert torch.isfinite(losses['loss_bbox']) and losses['loss_bbox'] > 0


def test_box_predictions_are_float32_under_amp():
    model = tiny_fcos(reg_activation='exp')
    with torch.autocast('cpu', dtype=torch.bfloat16):
        cls_scores, bbox_preds, _ = model(torch.randn(1, 3, 64, 64))
    assert cls_scores[0].dtype == torch.bfloat16
    assert all(p.dtype == torch.float32 for p in bbox_preds)


def test_predict_maps_boxes_to_original_pixels(monkeypatch):
    model = tiny_fcos().eval()
    fixed = [dict(boxes=torch.tensor([[10., 20., 30., 40.]]), scores=torch.tensor([0.9]),
                  labels=torch.tensor([2]))]
    monkeypatch.setattr(model.head, 'decode_detections', lambda *args: [dict(d) for d in fixed])
    batch = dict(images=torch.zeros(1, 3, 64, 64), scale_factor=torch.tensor([[0.5, 2.0]]),
                 ori_shape=[(100, 100)], img_shape=[(64, 64)])
    result = model.predict(batch)[0]
    # x / 0.5, y / 2: (20, 10, 60, 20)
    assert result['boxes'].tolist() == [[20, 10, 60, 20]]


def test_predict_output_contract():
    model = tiny_fcos(test_cfg=dict(score_thr=0.0, max_per_img=7)).eval()
    results = model.predict(dict(images=torch.randn(2, 3, 64, 64), img_shape=[(64, 48), (64, 64)]))
    assert len(results) == 2
    for result in results:
        assert result['boxes'].shape == (7, 4) and result['scores'].shape == (7,)
        assert result['labels'].dtype == torch.long and (result['labels'] < K).all()
    assert (results[0]['boxes'][:, 0::2] <= 48).all()   # clipped to the unpadded width


@pytest.mark.parametrize('extra', ['on_output', 'on_input'])
def test_fpn_levels_and_top_down_context(extra):
    neck = NECKS.build(dict(type='FPN', in_channels=[8, 16, 32], out_channels=12, num_outs=5,
                            add_extra_convs=extra))
    inputs = [torch.randn(1, 8, 32, 32), torch.randn(1, 16, 16, 16), torch.randn(1, 32, 8, 8)]
    outs = neck(inputs)
    assert [tuple(o.shape[-2:]) for o in outs] == [(32, 32), (16, 16), (8, 8), (4, 4), (2, 2)]
    assert all(o.shape[1] == 12 for o in outs)
    changed = neck([inputs[0], inputs[1], torch.randn(1, 32, 8, 8)])
    assert not torch.allclose(outs[0], changed[0])     # C5 reaches P3 through the top-down path


@pytest.mark.parametrize('cfg, channels', [
    (dict(type='RegNet', arch='regnetx_400mf', out_indices=(1, 2, 3)), [64, 160, 400]),
    (dict(type='ResNet', depth=18, out_indices=(1, 2, 3)), [128, 256, 512])])
def test_backbones_return_c3_to_c5(cfg, channels):
    backbone = BACKBONES.build(cfg)
    outs = backbone(torch.randn(1, 3, 64, 96))
    assert backbone.out_channels == channels
    assert [tuple(o.shape[1:]) for o in outs] == [(c, 64 // s, 96 // s) for c, s in zip(channels, (8, 16, 32))]


def test_regnet_frozen_stages_and_offline_message():
    backbone = BACKBONES.build(dict(type='RegNet', frozen_stages=1)).train()
    assert not any(p.requires_grad for p in backbone.stem.parameters())
    assert not backbone.trunk_output[0][0].f.a[1].training
    with pytest.raises(FileNotFoundError, match='regnet'):
        BACKBONES.build(dict(type='RegNet', pretrained='imagenet'))


@pytest.mark.parametrize('norm, layer', [(dict(type='GN', num_groups=8), torch.nn.GroupNorm),
                                         (dict(type='BN'), torch.nn.BatchNorm2d), (None, None)])
def test_tower_builds_the_norm_its_type_names(norm, layer):
    head = tiny_fcos(norm=norm).head
    norms = [m for m in head.cls_convs if not isinstance(m, (torch.nn.Conv2d, torch.nn.ReLU))]
    assert [type(m) for m in norms] == ([layer] * 2 if layer else [])
    assert all((conv.bias is None) == (norm is not None)
               for conv in head.cls_convs if isinstance(conv, torch.nn.Conv2d))


def test_unknown_tower_norm_is_a_config_error_naming_the_valid_ones():
    with pytest.raises(ConfigError, match=r"'LN' is not one of \['BN', 'GN'\]"):
        tiny_fcos(norm=dict(type='LN'))


def test_num_pos_ema_starts_at_the_first_batch_then_moves_on():
    """The average of positives lives on the device (no read of it per step) and follows
    avg <- m * avg + (1 - m) * num_pos from the first batch's count."""
    head = tiny_fcos(num_pos_ema=0.9).head.train()
    first, second = torch.tensor(12.0), torch.tensor(40.0)
    assert torch.equal(head.normaliser(first), first)
    assert torch.equal(head.normaliser(second), first * 0.9 + (1 - 0.9) * second)
    assert torch.equal(head.eval().normaliser(second), second)   # evaluation: this batch's count
