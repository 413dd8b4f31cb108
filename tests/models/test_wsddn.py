"""WSDDN and OICR: the two streams by hand, batches of images with their own proposals, training,
predictions in original pixels, OICR's pseudo-labels, frozen layers and pretrained fc6 / fc7."""
import math

import pytest
import torch
import torch.nn as nn

from vlrkit.errors import ConfigError
from vlrkit.models.heads.oicr import oicr_pseudo_labels
from vlrkit.models.heads.wsddn_head import enlarge_boxes, frame_mask, segment_softmax
from vlrkit.registry import HEADS, MODELS


def tiny_model(refine_times=0, frozen_stages=-1, flip_test=False, **head):
    """AlexNet geometry at 8 channels and a 32-wide fc6 / fc7: a few milliseconds a step on CPU."""
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='WSDDN', backbone=dict(type='AlexNetFeatures', widths=(8,) * 5,
                                    frozen_stages=frozen_stages),
        head=dict(type='WSDDNHead', num_classes=3, in_channels=8, fc_channels=32,
                  refine_times=refine_times, **head), flip_test=flip_test))


def random_proposals(count, size, generator):
    """``count`` boxes inside a ``size`` x ``size`` image, at least 16 px a side."""
    corner = torch.rand(count, 2, generator=generator) * (size - 24)
    extent = 16 + torch.rand(count, 2, generator=generator) * (size - corner - 16)
    return torch.cat([corner, corner + extent], dim=1)


class Constant(nn.Module):
    """A stream whose logits are given: the by-hand test fixes what fc8 outputs."""

    def __init__(self, logits):
        super().__init__()
        self.logits = logits

    def forward(self, feats):
        return self.logits


def test_two_streams_by_hand_softmax_over_classes_times_softmax_over_each_images_regions():
    head = HEADS.build(dict(type='WSDDNHead', num_classes=2, in_channels=1, roi_size=1,
                            fc_channels=2, dropout=0.0)).eval()
    ln3 = math.log(3)
    # Image 0 has regions 0, 1; image 1 has region 2 alone.
    head.cls_stream = Constant(torch.tensor([[0.0, 0.0], [ln3, 0.0], [0.0, ln3]]))
    head.det_stream = Constant(torch.tensor([[0.0, 0.0], [0.0, ln3], [5.0, -5.0]]))
    feats = (torch.zeros(2, 1, 4, 4),)
    proposals = [torch.tensor([[0., 0., 16., 16.], [16., 16., 48., 48.]]),
                 torch.tensor([[0., 0., 32., 32.]])]
    outputs = head(feats, proposals)
    # classification softmax rows: (1/2, 1/2), (3/4, 1/4), (1/4, 3/4); detection softmax over the
    # regions of image 0, per class: (1/2, 1/2) and (1/4, 3/4); image 1's lone region gets 1.
    expected = torch.tensor([[0.5 * 0.5, 0.5 * 0.25], [0.75 * 0.5, 0.25 * 0.75], [0.25, 0.75]])
    torch.testing.assert_close(outputs['region_scores'], expected)
    torch.testing.assert_close(head.image_scores(outputs, 2),
                               torch.tensor([[0.625, 0.3125], [0.25, 0.75]]))
    # Image scores are clamped to [0, 1] (a sum of products can round above 1).
    over = dict(outputs, region_scores=torch.tensor([[0.7, 0.0], [0.6, 0.1], [1.0, 0.0]]))
    torch.testing.assert_close(head.image_scores(over, 2), torch.tensor([[1.0, 0.1], [1.0, 0.0]]))


def test_segment_softmax_normalises_each_segment_on_its_own():
    logits = torch.tensor([[1.0], [2.0], [1000.0], [3.0], [-1000.0]])
    segment = torch.tensor([0, 0, 1, 2, 1])
    probs = segment_softmax(logits, segment, 3)
    torch.testing.assert_close(probs[:2, 0], torch.softmax(torch.tensor([1.0, 2.0]), 0))
    torch.testing.assert_close(probs[[2, 4], 0], torch.tensor([1.0, 0.0]))   # no overflow
    torch.testing.assert_close(probs[3, 0], torch.tensor(1.0))


def test_two_images_with_different_proposal_counts_score_as_each_alone():
    model = tiny_model().eval()
    generator = torch.Generator().manual_seed(1)
    images = torch.randn(2, 3, 96, 96, generator=generator)
    proposals = [random_proposals(3, 96, generator), random_proposals(7, 96, generator)]
    labels = torch.tensor([[1., 0., 0.], [0., 1., 1.]])
    batch = dict(images=images, proposals=proposals, labels=labels)
    with torch.no_grad():
        together = model(images, proposals)['region_scores']
        alone = [model(images[i:i + 1], proposals[i:i + 1])['region_scores'] for i in range(2)]
        preds = model.predict(batch)
        single = [model.predict(dict(images=images[i:i + 1], proposals=proposals[i:i + 1],
                                     labels=labels[i:i + 1]))[0] for i in range(2)]
    torch.testing.assert_close(together, torch.cat(alone))
    for pred, one in zip(preds, single):
        for key in ('boxes', 'scores', 'labels', 'img_scores'):
            torch.testing.assert_close(pred[key], one[key])


@pytest.mark.parametrize('refine_times', [0, 2], ids=['wsddn', 'oicr'])
def test_the_loss_falls_on_a_tiny_batch(refine_times):
    model = tiny_model(refine_times=refine_times, dropout=0.0)
    generator = torch.Generator().manual_seed(2)
    batch = dict(images=torch.randn(3, 3, 64, 64, generator=generator),
                 proposals=[random_proposals(n, 64, generator) for n in (6, 9, 4)],
                 labels=torch.tensor([[1., 0., 0.], [0., 1., 0.], [1., 0., 1.]]),
                 difficult=torch.zeros(3, 3, dtype=torch.bool))
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    totals, image_losses = [], []
    for _ in range(20):
        losses = model.loss(batch)
        total = sum(value for key, value in losses.items() if key.startswith('loss'))
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        totals.append(total.item())
        image_losses.append(losses['loss_cls'].item())
    assert set(losses) == {'loss_cls', *(f'loss_refine{t + 1}' for t in range(refine_times))}
    assert image_losses[-1] < 0.5 * image_losses[0], image_losses
    # OICR's losses are weighted by seed scores that grow as WSDDN learns: the sum falls less.
    assert totals[-1] < 0.75 * totals[0], totals


@pytest.mark.parametrize('roi_op', ['roi_pool', 'roi_align'])
def test_the_model_trains_and_predicts_under_bf16_autocast_on_cpu(roi_op):
    model = tiny_model(refine_times=1, roi_op=roi_op)
    generator = torch.Generator().manual_seed(8)
    batch = dict(images=torch.randn(2, 3, 64, 64, generator=generator),
                 proposals=[random_proposals(n, 64, generator) for n in (5, 3)],
                 labels=torch.tensor([[1., 0., 0.], [0., 0., 1.]]))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model.loss(batch)
        model.eval()
        preds = model.predict(batch)
    assert all(torch.isfinite(value) for value in losses.values())
    assert preds[0]['img_scores'].dtype == torch.float32


def test_difficult_classes_do_not_count_in_the_image_loss():
    model = tiny_model().eval()
    generator = torch.Generator().manual_seed(3)
    batch = dict(images=torch.randn(1, 3, 64, 64, generator=generator),
                 proposals=[random_proposals(5, 64, generator)],
                 labels=torch.tensor([[1., 1., 0.]]))
    with torch.no_grad():
        flipped = model.loss(dict(batch, labels=torch.tensor([[1., 0., 0.]]),
                                  difficult=torch.tensor([[False, True, False]])))
        masked = model.loss(dict(batch, difficult=torch.tensor([[False, True, False]])))
    # The difficult class's label does not matter: it is out of the loss either way.
    torch.testing.assert_close(masked['loss_cls'], flipped['loss_cls'])
    with torch.no_grad():
        unmasked = model.loss(batch)
    assert not torch.allclose(unmasked['loss_cls'], masked['loss_cls'])


def test_detection_batches_give_image_labels_as_img_labels():
    model = tiny_model().eval()
    generator = torch.Generator().manual_seed(4)
    batch = dict(images=torch.randn(1, 3, 64, 64, generator=generator),
                 proposals=[random_proposals(5, 64, generator)])
    with torch.no_grad():
        as_classification = model.loss(dict(batch, labels=torch.tensor([[0., 1., 0.]])))
        as_detection = model.loss(dict(batch, labels=[torch.tensor([1])],
                                       boxes=[torch.tensor([[0., 0., 9., 9.]])],
                                       img_labels=torch.tensor([[0., 1., 0.]]),
                                       img_difficult=torch.zeros(1, 3, dtype=torch.bool)))
    torch.testing.assert_close(as_detection['loss_cls'], as_classification['loss_cls'])


def test_predict_keeps_scores_over_the_threshold_nms_per_class_and_original_pixels():
    head = HEADS.build(dict(type='WSDDNHead', num_classes=2, in_channels=1, roi_size=1,
                            fc_channels=2)).eval()
    proposals = [torch.tensor([[0., 0., 40., 40.], [2., 2., 42., 42.], [60., 60., 100., 100.]])]
    region_scores = torch.tensor([[0.9, 0.7],     # region 0: best of class 0 and of class 1
                                  [0.8, 0.02],    # overlaps region 0 (IoU 0.82): NMS'd in class 0
                                  [0.01, 0.6]])   # class 0 below 0.05
    outputs = dict(region_scores=region_scores, refine_logits=torch.zeros(0, 3, 3),
                   region_image=torch.zeros(3, dtype=torch.long))
    batch = dict(images=torch.zeros(1, 3, 100, 100), proposals=proposals,
                 scale_factor=torch.tensor([[2.0, 0.5]]), ori_shape=torch.tensor([[150, 45]]))
    pred = head.predict_by_feat(outputs, batch)[0]
    found = sorted(zip(pred['labels'].tolist(), pred['scores'].tolist(), pred['boxes'].tolist()))
    expected = [(0, 0.9, [0., 0., 20., 80.]), (1, 0.6, [30., 120., 45., 150.]),
                (1, 0.7, [0., 0., 20., 80.])]   # x / 2, y / 0.5, x clipped to the 45 px width
    assert [(label, box) for label, _, box in found] == [(label, box) for label, _, box in expected]
    torch.testing.assert_close(torch.tensor([s for _, s, _ in found]),
                               torch.tensor([s for _, s, _ in expected]))
    torch.testing.assert_close(pred['img_scores'], region_scores.sum(0).clamp(max=1))


@pytest.mark.parametrize('refine_times', [0, 2], ids=['wsddn', 'oicr'])
def test_the_flip_test_scores_an_image_and_its_mirror_image_alike(refine_times):
    """With the flip test, the mirror image (with mirrored proposals) gets the mirrored boxes at
    the same scores; a single view, whose filters are not symmetric, does not."""
    generator = torch.Generator().manual_seed(9)
    images = torch.randn(1, 3, 64, 64, generator=generator)
    proposals = random_proposals(8, 64, generator)
    mirrored = torch.stack([64 - proposals[:, 2], proposals[:, 1], 64 - proposals[:, 0],
                            proposals[:, 3]], dim=1)
    plain = tiny_model(refine_times=refine_times).eval()
    plain.head.test_cfg['score_thr'] = 0.0
    flipped = tiny_model(refine_times=refine_times, flip_test=True).eval()
    flipped.load_state_dict(plain.state_dict())
    flipped.head.test_cfg['score_thr'] = 0.0

    def views(model):
        with torch.no_grad():
            pred = model.predict(dict(images=images, proposals=[proposals]))[0]
            mirror = model.predict(dict(images=images.flip(-1), proposals=[mirrored]))[0]
        return pred, mirror

    pred, mirror = views(flipped)
    torch.testing.assert_close(mirror['scores'], pred['scores'])
    torch.testing.assert_close(mirror['labels'], pred['labels'])
    torch.testing.assert_close(64 - mirror['boxes'][:, [2, 0]], pred['boxes'][:, [0, 2]])
    torch.testing.assert_close(mirror['img_scores'], pred['img_scores'])
    pred, mirror = views(plain)
    assert not torch.allclose(mirror['img_scores'], pred['img_scores'])


def test_tta_turns_on_the_flip_test_of_a_wsddn_config():
    from vlrkit.models.base import with_flip_test
    cfg = dict(type='WSDDN', backbone=dict(type='AlexNetFeatures', widths=(8,) * 5),
               head=dict(type='WSDDNHead', num_classes=3, in_channels=8, fc_channels=16))
    assert MODELS.build(with_flip_test(cfg)).flip_test


def test_oicr_predictions_average_the_refined_streams_without_background():
    head = HEADS.build(dict(type='WSDDNHead', num_classes=2, in_channels=1, roi_size=1,
                            fc_channels=2, refine_times=2))
    refine_logits = torch.randn(2, 4, 3)
    outputs = dict(region_scores=torch.rand(4, 2), refine_logits=refine_logits,
                   region_image=torch.zeros(4, dtype=torch.long))
    expected = (refine_logits[0].softmax(1) + refine_logits[1].softmax(1))[:, :2] / 2
    torch.testing.assert_close(head.region_class_scores(outputs), expected)


def test_oicr_pseudo_labels_seed_the_top_region_of_each_present_class():
    proposals = torch.tensor([[0., 0., 10., 10.],     # A: top of class 0
                              [1., 0., 11., 10.],     # B: IoU 0.82 with A
                              [20., 20., 30., 30.],   # C: top of class 2
                              [21., 20., 31., 30.],   # D: IoU 0.82 with C
                              [25., 20., 35., 30.]])  # E: IoU 0.33 with C, nearest seed but < 0.5
    supervision = torch.tensor([[0.6, 0.9, 0.1],
                                [0.3, 0.0, 0.1],
                                [0.1, 0.0, 0.5],
                                [0.1, 0.0, 0.4],
                                [0.2, 0.0, 0.2]])
    present = torch.tensor([True, False, True])          # class 1 absent: its 0.9 is no seed
    labels, weights = oicr_pseudo_labels(proposals, supervision, present)
    assert labels.tolist() == [0, 0, 2, 2, 3]            # 3 = background
    torch.testing.assert_close(weights, torch.tensor([0.6, 0.6, 0.5, 0.5, 0.5]))


def test_oicr_a_region_seeds_one_class_only_and_no_present_class_means_no_weight():
    proposals = torch.tensor([[0., 0., 10., 10.], [50., 50., 60., 60.]])
    supervision = torch.tensor([[0.9, 0.8], [0.1, 0.3]])
    labels, weights = oicr_pseudo_labels(proposals, supervision, torch.tensor([True, True]))
    # Region 0 is class 0's seed; class 1 takes its next best, region 1.
    assert labels.tolist() == [0, 1]
    torch.testing.assert_close(weights, torch.tensor([0.9, 0.3]))
    labels, weights = oicr_pseudo_labels(proposals, supervision, torch.tensor([False, False]))
    assert labels.tolist() == [2, 2] and weights.tolist() == [0.0, 0.0]


def test_refinement_streams_are_supervised_by_the_previous_stream():
    model = tiny_model(refine_times=2)
    generator = torch.Generator().manual_seed(5)
    proposals = [random_proposals(6, 64, generator)]
    labels = torch.tensor([[0., 1., 0.]])
    outputs = model(torch.randn(1, 3, 64, 64, generator=generator), proposals)
    losses = model.head.refinement_losses(outputs, proposals, labels)
    for stream, supervision in ((0, outputs['region_scores']),
                                (1, outputs['refine_logits'][0].softmax(1)[:, :3])):
        targets, weights = oicr_pseudo_labels(proposals[0], supervision.detach(), labels[0] > 0.5)
        expected = (weights * nn.functional.cross_entropy(
            outputs['refine_logits'][stream], targets, reduction='none')).mean()
        torch.testing.assert_close(losses[f'loss_refine{stream + 1}'], expected)


def test_spatial_regulariser_pulls_neighbours_of_the_top_region_by_hand():
    head = HEADS.build(dict(type='WSDDNHead', num_classes=2, in_channels=1, roi_size=1,
                            fc_channels=2, spatial_reg_weight=1.0))
    proposals = [torch.tensor([[0., 0., 10., 10.], [0., 0., 10., 11.], [30., 30., 40., 40.]])]
    outputs = dict(region_scores=torch.tensor([[0.8, 0.1], [0.1, 0.1], [0.05, 0.1]]),
                   region_feats=torch.tensor([[1.0, 0.0], [0.0, 2.0], [5.0, 5.0]]),
                   region_image=torch.zeros(3, dtype=torch.long))
    # Class 0 present: top region 0; region 1 overlaps it (IoU 0.91), region 2 does not.
    reg = head.spatial_regulariser(outputs, proposals, torch.tensor([[1.0, 0.0]]))
    torch.testing.assert_close(reg, torch.tensor(0.5 * 0.8 ** 2 * (1.0 + 4.0)))


def test_the_frame_mask_keeps_the_ring_outside_the_region():
    # Enlarged 1.8 times, the region spans [0.22, 0.78] of the grid: bins 1-4 of 6 (centres
    # 1.5/6 ... 4.5/6) lie inside it and are zeroed, the outer ring stays.
    mask = frame_mask(6, 1.8)
    assert mask[1:5, 1:5].eq(0).all() and mask.sum() == 36 - 16
    torch.testing.assert_close(enlarge_boxes(torch.tensor([[10., 10., 30., 50.]]), 1.8),
                               torch.tensor([[2., -6., 38., 66.]]))


def test_contrastive_context_puts_the_whole_object_above_its_part():
    """One feature channel, 1 on an 8 x 8 object, 0 around it; fc6 averages the pooled bins, so a
    region's detection logit is (20 times) its mean activation minus its frame's. The whole object and its
    left half are both all object inside, so plain WSDDN ties them; with the context the half's
    frame covers the other half of the object and the whole object wins."""
    def head_of(context_scale):
        head = HEADS.build(dict(type='WSDDNHead', num_classes=1, in_channels=1, roi_op='roi_align',
                                spatial_scale=1.0, fc_channels=1, dropout=0.0,
                                context_scale=context_scale)).eval()
        with torch.no_grad():
            head.fc6.weight.fill_(1 / 36), head.fc6.bias.zero_()
            head.fc7.weight.fill_(1.0), head.fc7.bias.zero_()
            head.det_stream.weight.fill_(20.0), head.det_stream.bias.zero_()
        return head

    conv5 = torch.zeros(1, 1, 24, 24)
    conv5[..., 8:16, 8:16] = 1.0
    proposals = [torch.tensor([[8., 8., 16., 16.], [8., 8., 12., 16.]])]   # whole, left half
    with torch.no_grad():
        plain = head_of(None)((conv5,), proposals)['region_scores'][:, 0]
        context = head_of(1.8)((conv5,), proposals)['region_scores'][:, 0]
    torch.testing.assert_close(plain[0], plain[1])
    assert context[0] > 0.6 and context[0] > context[1] + 0.2, context


def test_a_context_scale_that_does_not_enlarge_is_a_config_error():
    with pytest.raises(ConfigError, match='context_scale=1.0.*above 1'):
        HEADS.build(dict(type='WSDDNHead', context_scale=1.0))


def test_frozen_conv1_gets_no_gradient():
    model = tiny_model(frozen_stages=0)
    generator = torch.Generator().manual_seed(6)
    batch = dict(images=torch.randn(1, 3, 64, 64, generator=generator),
                 proposals=[random_proposals(4, 64, generator)], labels=torch.tensor([[1., 0., 0.]]))
    model.loss(batch)['loss_cls'].backward()
    assert model.backbone.conv1.weight.grad is None and not model.backbone.conv1.weight.requires_grad
    assert model.backbone.conv2.weight.grad is not None
    assert model.head.fc6.weight.grad is not None


def test_an_image_without_proposals_scores_zero_and_predicts_nothing():
    model = tiny_model().eval()
    batch = dict(images=torch.randn(2, 3, 64, 64), labels=torch.tensor([[1., 0., 0.], [0., 1., 0.]]),
                 proposals=[torch.zeros(0, 4), torch.tensor([[0., 0., 40., 40.]])])
    with torch.no_grad():
        assert torch.isfinite(model.loss(batch)['loss_cls'])
        preds = model.predict(batch)
    assert preds[0]['boxes'].shape == (0, 4) and preds[0]['img_scores'].tolist() == [0.0] * 3
    assert preds[1]['img_scores'].sum() > 0


def test_a_batch_without_proposals_says_what_to_configure():
    model = tiny_model()
    with pytest.raises(ConfigError, match=r"batch\['proposals'\].*proposal source"):
        model.loss(dict(images=torch.zeros(1, 3, 64, 64), labels=torch.tensor([[1., 0., 0.]])))


def test_a_batch_with_only_per_object_labels_asks_for_image_labels():
    model = tiny_model()
    batch = dict(images=torch.zeros(1, 3, 64, 64), proposals=[torch.tensor([[0., 0., 9., 9.]])],
                 boxes=[torch.tensor([[0., 0., 9., 9.]])], labels=[torch.tensor([1])])
    with pytest.raises(ConfigError, match="img_labels.*per-object labels"):
        model.loss(batch)


def test_forward_without_proposals_scores_the_whole_image():
    model = tiny_model().eval()
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        whole = model(images)['region_scores']
        given = model(images, [torch.tensor([[0., 0., 64., 64.]])] * 2)['region_scores']
    torch.testing.assert_close(whole, given)


def test_roi_align_is_selectable():
    model = tiny_model(roi_op='roi_align')
    generator = torch.Generator().manual_seed(7)
    batch = dict(images=torch.randn(1, 3, 64, 64, generator=generator),
                 proposals=[random_proposals(4, 64, generator)], labels=torch.tensor([[1., 0., 0.]]))
    assert type(model.head.roi_layer).__name__ == 'RoIAlign'
    assert torch.isfinite(model.loss(batch)['loss_cls'])


def test_fc6_fc7_load_from_torchvision_alexnet_names(tmp_path):
    head_cfg = dict(type='WSDDNHead', num_classes=3, in_channels=2, roi_size=2, fc_channels=4)
    checkpoint = {'features.0.weight': torch.randn(4, 3, 11, 11),
                  'classifier.1.weight': torch.randn(4, 8), 'classifier.1.bias': torch.randn(4),
                  'classifier.4.weight': torch.randn(4, 4), 'classifier.4.bias': torch.randn(4),
                  'classifier.6.weight': torch.randn(1000, 4), 'classifier.6.bias': torch.randn(1000)}
    torch.save(checkpoint, tmp_path / 'alexnet.pth')
    head = HEADS.build(dict(head_cfg, pretrained=str(tmp_path / 'alexnet.pth')))
    torch.testing.assert_close(head.fc6.weight, checkpoint['classifier.1.weight'])
    torch.testing.assert_close(head.fc7.bias, checkpoint['classifier.4.bias'])
    with pytest.raises(ConfigError, match='fc_channels=4096'):
        HEADS.build(dict(head_cfg, fc_channels=8, pretrained=str(tmp_path / 'alexnet.pth')))


@pytest.mark.parametrize('cfg', [dict(roi_op='roi_max'), dict(refine_times=-1)])
def test_a_wrong_head_value_is_a_config_error(cfg):
    with pytest.raises(ConfigError):
        HEADS.build(dict(type='WSDDNHead', num_classes=3, **cfg))


def test_the_base_config_builds_the_homework_model():
    from vlrkit.config import load_config
    from helpers import REPO
    cfg = load_config(str(REPO / 'configs/_base_/models/wsddn_alexnet.py'))
    assert cfg.model.backbone.frozen_stages == 0
    head = cfg.model.head
    assert (head.roi_op, head.roi_size, head.spatial_scale) == ('roi_pool', 6, 1 / 16)
    assert head.test_cfg == dict(score_thr=0.05, iou_thr=0.3, max_per_img=100)
