"""Flip test-time augmentation, one switch (``flip_test``) for every model family: classifiers
average the probabilities of an image and its mirror image, FCOS merges its detections with the
mirrored-back detections of the mirror image, and a model that cannot flip-test says so."""
import pytest
import torch
from torchvision.ops import box_iou

from vlrkit.errors import ConfigError
from vlrkit.models.base import with_flip_test
from vlrkit.models.heads.base_head import BaseHead
from vlrkit.structures import flip_boxes
from vlrkit.registry import MODELS

from helpers.toys import ToyClassifier

K = 3


def classifier(multi_label, flip_test=True):
    return MODELS.build(dict(
        type='ImageClassifier', backbone=dict(type='SimpleCNN'), flip_test=flip_test,
        head=dict(type='LinearClsHead', in_channels=128, num_classes=K, multi_label=multi_label))).eval()


@pytest.mark.parametrize('multi_label', [False, True], ids=['softmax', 'sigmoid'])
def test_classifier_flip_test_is_the_mean_of_the_probabilities_of_image_and_mirror(multi_label):
    torch.manual_seed(0)
    model = classifier(multi_label)
    images = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        preds = model.predict(dict(images=images))
        logits, mirrored_logits = model(images), model(torch.flip(images, dims=[3]))
    probabilities = (lambda x: x.sigmoid()) if multi_label else (lambda x: x.softmax(dim=1))
    expected = (probabilities(logits) + probabilities(mirrored_logits)) / 2
    torch.testing.assert_close(torch.stack([p['scores'] for p in preds]), expected)
    assert not torch.allclose(expected, probabilities(logits))   # the mirror image counted
    if not multi_label:
        assert [int(p['pred_label']) for p in preds] == expected.argmax(dim=1).tolist()
        torch.testing.assert_close(expected.sum(dim=1), torch.ones(4))


def fcos(max_per_img=20):
    """A small FCOS whose head is re-initialised with large weights, so that its detections vary
    from place to place and class to class (the prior init predicts almost the same everywhere)."""
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='FCOS', backbone=dict(type='ResNet', depth=18, out_indices=(1, 2, 3)),
        neck=dict(type='FPN', in_channels=[128, 256, 512], out_channels=16),
        head=dict(type='FCOSHead', num_classes=K, in_channels=16, feat_channels=16, stacked_convs=1,
                  strides=(8, 16, 32), norm=dict(type='GN', num_groups=4),
                  test_cfg=dict(score_thr=0.05, max_per_img=max_per_img)))).eval()
    with torch.no_grad():
        for module in model.head.modules():
            if isinstance(module, torch.nn.Conv2d):
                torch.nn.init.normal_(module.weight, std=0.3)
        model.head.conv_reg.bias.fill_(2.0)
        model.head.conv_cls.bias.zero_()
    return model


def detect(model, images, flip_test):
    model.flip_test = flip_test
    with torch.no_grad():
        return model.predict(dict(images=images))


def as_set(pred, width=None):
    """Detections as a set of rounded (label, score, box) rows; mirrored when ``width`` is given."""
    boxes = pred['boxes'] if width is None else flip_boxes(pred['boxes'], width)
    return {(int(label), round(float(score), 4), *(round(float(v), 2) for v in box))
            for label, score, box in zip(pred['labels'], pred['scores'], boxes)}


def test_flip_boxes_swaps_the_sides_and_is_its_own_inverse():
    boxes = torch.tensor([[4., 10., 20., 30.], [0., 0., 64., 8.]])
    assert flip_boxes(boxes, 64).tolist() == [[44., 10., 60., 30.], [0., 0., 64., 8.]]
    torch.testing.assert_close(flip_boxes(flip_boxes(boxes, 80), 80), boxes)


def covered(wanted, merged, iou_thr):
    """Per detection of ``wanted``: it is in ``merged``, or NMS suppressed it in favour of a box
    of its class in ``merged`` that overlaps it by more than ``iou_thr`` and scores at least as
    high (a better detection, or a tie that NMS settled either way)."""
    overlaps = box_iou(wanted['boxes'], merged['boxes'])                       # (D_wanted, D_merged)
    same_class = wanted['labels'][:, None] == merged['labels'][None]
    kept = (overlaps > 1 - 1e-4) & same_class & (merged['scores'][None] == wanted['scores'][:, None])
    suppressed = (overlaps > iou_thr) & same_class & (merged['scores'][None] >= wanted['scores'][:, None])
    return (kept | suppressed).any(dim=1)


def mirrored(pred, width):
    return dict(pred, boxes=flip_boxes(pred['boxes'], width))


def test_fcos_flip_test_on_a_symmetric_image_is_symmetric_and_made_of_both_views():
    model = fcos(max_per_img=1000)   # room for every box of both views
    iou_thr = model.head.test_cfg['iou_thr']
    half = torch.rand(1, 3, 64, 32)
    images = torch.cat([half, half.flip(-1)], dim=-1)   # its mirror image is itself
    plain = detect(model, images, flip_test=False)[0]
    merged = detect(model, images, flip_test=True)[0]
    # The network is not symmetric, so its own boxes are not; the mirror image is the image
    # itself, so the mirrored pass returns the plain boxes, and mirrored back they are the
    # plain prediction's mirror: the merged set holds both, and so is symmetric (up to NMS ties
    # between a box and its own mirror image, which keep only one of them).
    assert as_set(plain) != as_set(plain, width=64)
    assert as_set(merged) - as_set(plain)
    assert covered(plain, merged, iou_thr).all() and covered(mirrored(plain, 64), merged, iou_thr).all()
    assert covered(mirrored(merged, 64), merged, iou_thr).all()


def test_fcos_flip_test_keeps_every_plain_detection_unless_nms_prefers_a_mirrored_one():
    model = fcos(max_per_img=1000)   # room for every box of both views
    images = torch.rand(1, 3, 64, 64)
    plain = detect(model, images, flip_test=False)[0]
    merged = detect(model, images, flip_test=True)[0]
    assert len(merged['scores']) > len(plain['scores'])
    assert covered(plain, merged, model.head.test_cfg['iou_thr']).all()
    assert as_set(merged) != as_set(plain)   # the mirror image's detections took part


def test_fcos_flip_test_of_the_mirror_image_is_the_mirror_of_the_flip_test():
    """Both views take part alike, so mirroring the input mirrors the merged detections; boxes of
    the mirrored pass left unmirrored (or mirrored about the wrong width) break this."""
    model = fcos()
    images = torch.rand(1, 3, 64, 96)
    merged = detect(model, images, flip_test=True)[0]
    merged_of_mirror = detect(model, images.flip(-1), flip_test=True)[0]
    assert as_set(merged_of_mirror) == as_set(merged, width=96)


def point_outputs(head, batch_size, size, detections):
    """FCOS head outputs (3 levels, strides 8, 16, 32) that detect exactly ``detections``: one
    (image, label, level-0 cell (row, col), ltrb in pixels[, class logit]) each, everything
    else background."""
    height, width = size
    levels = [(height // s, width // s) for s in head.strides]
    cls_scores = [torch.full((batch_size, K, h, w), -20.0) for h, w in levels]
    bbox_preds = [torch.zeros(batch_size, 4, h, w) for h, w in levels]
    centernesses = [torch.full((batch_size, 1, h, w), 20.0) for h, w in levels]
    for image, label, (row, col), ltrb, *logit in detections:
        cls_scores[0][image, label, row, col] = logit[0] if logit else 20.0
        bbox_preds[0][image, :, row, col] = torch.tensor(ltrb) / head.strides[0]
    return cls_scores, bbox_preds, centernesses


def test_fcos_merge_mirrors_back_about_the_padded_width_clips_and_rescales():
    """Image 0 is 48 px wide in a batch padded to 64: in the mirror image it lies at x 16..64.
    A box there at x 20..36 is x 28..44 of the input (64 - x), and x 14..22 of the original
    (scale 2); one at x 8..24 runs into the padding, so at x 40..56 it is clipped to 48."""
    model = fcos()
    head = model.head
    batch = dict(images=torch.zeros(2, 3, 64, 64), img_shape=torch.tensor([[64., 48.], [64., 64.]]),
                 scale_factor=torch.tensor([[2., 2.], [1., 1.]]), ori_shape=[(32, 24), (64, 64)])
    # level-0 point (row 2, col 3) is at (x 28, y 20): ltrb 8, 4, 8, 4 -> box (20, 16, 36, 24)
    mirrored = point_outputs(head, 2, (64, 64), [(0, 1, (2, 3), (8., 4., 8., 4.)),
                                                 (0, 2, (4, 2), (12., 4., 4., 4.)),
                                                 (1, 2, (2, 0), (4., 4., 40., 4.))])
    plain = point_outputs(head, 2, (64, 64), [(0, 0, (5, 1), (4., 4., 4., 4.))])
    preds = head.merge_flipped(plain, mirrored, batch)
    first = {int(label): box.tolist() for label, box in zip(preds[0]['labels'], preds[0]['boxes'])}
    assert first == {1: [14., 8., 22., 12.], 2: [20., 16., 24., 20.], 0: [4., 20., 8., 24.]}
    # image 1: point x 4 in the mirror image, box x 0..44 -> x 20..64 of the input, unscaled
    assert preds[1]['labels'].tolist() == [2] and preds[1]['boxes'].tolist() == [[20., 16., 64., 24.]]
    assert torch.all(preds[0]['scores'] > 0.99)


def test_fcos_merge_keeps_one_of_two_matching_boxes_and_at_most_max_per_img():
    model = fcos(max_per_img=2)
    head = model.head
    batch = dict(images=torch.zeros(1, 3, 64, 64))
    # the same box (x 20..36) seen in both views, plus two more boxes in the mirror image
    plain = point_outputs(head, 1, (64, 64), [(0, 1, (2, 3), (8., 4., 8., 4.), 4.0)])
    mirrored = point_outputs(head, 1, (64, 64), [(0, 1, (2, 4), (8., 4., 8., 4.), 4.0),
                                                 (0, 0, (6, 6), (4., 4., 4., 4.), 2.0),
                                                 (0, 2, (1, 1), (4., 4., 4., 4.), 1.0)])
    boxes = head.merge_flipped(plain, mirrored, batch)[0]['boxes']
    # the pair counts once, so the second place goes to the next best box (48..56, class 0)
    assert boxes.tolist() == [[20., 16., 36., 24.], [8., 48., 16., 56.]]


class HeadWithoutFlipTest(BaseHead):
    def forward(self, feats):
        return feats[-1]


def test_a_model_that_cannot_flip_test_is_a_config_error_naming_it():
    with pytest.raises(ConfigError, match='ImageClassifier cannot flip-test.*HeadWithoutFlipTest'):
        MODELS.build(dict(type='ImageClassifier', backbone=dict(type='SimpleCNN'),
                          head=dict(type=HeadWithoutFlipTest), flip_test=True))
    with pytest.raises(ConfigError, match="'ToyClassifier' has no flip test"):
        with_flip_test(dict(type=ToyClassifier))
    assert with_flip_test(dict(type='FCOS', neck=None))['flip_test'] is True
    assert classifier(multi_label=False, flip_test=False).flip_test is False
