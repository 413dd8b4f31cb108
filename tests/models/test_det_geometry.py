"""Known-answer FCOS geometry and target assignment, derived by hand in the comments."""
import pytest
import torch

from vlrkit.models.heads.fcos_head import (IGNORE, assign_targets, centerness_targets, decode_ltrb,
                                           encode_ltrb, level_points, pad_ground_truth)

K = 20  # number of classes; label K means background


def test_level_points_are_cell_centres_row_major():
    points, strides = level_points([(2, 3)], [8])
    # x = 8 * (0.5, 1.5, 2.5) = 4, 12, 20; y = 4, 12; rows first
    assert points.tolist() == [[4, 4], [12, 4], [20, 4], [4, 12], [12, 12], [20, 12]]
    assert strides.tolist() == [8] * 6


def test_encode_decode_round_trip_exact():
    points = torch.tensor([[50., 40.], [4., 12.]])
    boxes = torch.tensor([[10., 20., 110., 60.], [0., 0., 16., 32.]])
    deltas = encode_ltrb(points, boxes, torch.tensor([8., 16.]))
    # (50-10, 40-20, 110-50, 60-40) / 8 = (5, 2.5, 7.5, 2.5); (4, 12, 12, 20) / 16
    assert deltas.tolist() == [[5, 2.5, 7.5, 2.5], [0.25, 0.75, 0.75, 1.25]]
    assert torch.equal(decode_ltrb(points, deltas, torch.tensor([8., 16.])), boxes)


def test_decode_clamps_negative_deltas():
    box = decode_ltrb(torch.tensor([[10., 10.]]), torch.tensor([[-1., 1., 1., 1.]]), 2)
    assert box.tolist() == [[10, 8, 12, 12]]


def test_centerness_is_one_at_centre_and_known_off_centre():
    box = torch.tensor([[10., 20., 110., 60.]])
    centre = encode_ltrb(torch.tensor([[60., 40.]]), box, 1)
    assert centerness_targets(centre).item() == pytest.approx(1.0)
    # point (35, 30): l=25, r=75, t=10, b=30 -> sqrt(25/75 * 10/30) = 1/3, whatever the stride
    off = encode_ltrb(torch.tensor([[35., 30.]]), box, 8)
    assert centerness_targets(off).item() == pytest.approx(1 / 3)


def assign(boxes, labels, difficult=None, sizes=((4, 4),), strides=(8,), ranges=((0, float('inf')),),
           **kwargs):
    """Run assign_targets for one image and return labels / box targets of that image."""
    points, point_strides = level_points(sizes, strides)
    point_ranges = torch.cat([torch.tensor(r).expand(h * w, 2) for r, (h, w) in zip(ranges, sizes)])
    gt = pad_ground_truth([torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)],
                          [torch.tensor(labels, dtype=torch.long)],
                          None if difficult is None else [torch.tensor(difficult)])
    target_labels, box_targets = assign_targets(points, point_strides, point_ranges, gt[0], gt[1],
                                                gt[3], gt[2], num_classes=K, **kwargs)
    return target_labels[0], box_targets[0], points


def positives(labels, points, label):
    return sorted(tuple(p) for p in points[labels == label].tolist())


def test_point_on_box_edge_is_not_positive():
    # 4x4 points at 4, 12, 20, 28; the box's sides pass through x=4, y=4, x=28, y=28
    labels, _, points = assign([[4, 4, 28, 28]], [3])
    assert positives(labels, points, 3) == [(12, 12), (12, 20), (20, 12), (20, 20)]
    assert (labels != 3).sum() == 12 and (labels[labels != 3] == K).all()


def test_regress_ranges_split_objects_across_levels():
    # level 0: stride 8, 4x4 points, range (0, 10); level 1: stride 16, 2x2 points at 8, 24, range (10, inf)
    levels = dict(sizes=((4, 4), (2, 2)), strides=(8, 16), ranges=((0, 10), (10, float('inf'))))
    labels, _, points = assign([[8, 8, 16, 16], [0, 0, 32, 32]], [1, 2], **levels)
    # small box: only (12, 12) is inside (max distance 4 -> level 0); level-1 point (8, 8) is on its edge
    assert positives(labels[:16], points[:16], 1) == [(12, 12)]
    # large box: every level-0 point has max distance >= 16 > 10, so none; all four level-1 points
    # (max distance 24) are in (10, inf)
    assert positives(labels[:16], points[:16], 2) == []
    assert positives(labels[16:], points[16:], 2) == [(8, 8), (8, 24), (24, 8), (24, 24)]


@pytest.mark.parametrize('order', [0, 1])
def test_ties_go_to_smallest_box(order):
    boxes, labels = [[0, 0, 32, 32], [0, 0, 16, 16]], [0, 1]
    if order:
        boxes, labels = boxes[::-1], labels[::-1]
    target_labels, box_targets, points = assign(boxes, labels)
    small = [(4, 4), (4, 12), (12, 4), (12, 12)]
    assert positives(target_labels, points, 1) == small
    assert len(positives(target_labels, points, 0)) == 12
    assert box_targets[target_labels == 1].tolist() == [[0, 0, 16, 16]] * 4


def test_difficult_box_points_are_ignored_not_negative():
    target_labels, _, points = assign([[0, 0, 32, 32], [0, 0, 16, 16]], [0, 1], [False, True])
    assert positives(target_labels, points, IGNORE) == [(4, 4), (4, 12), (12, 4), (12, 12)]
    assert (target_labels == 1).sum() == 0 and (target_labels == 0).sum() == 12
    alone, _, _ = assign([[0, 0, 16, 16]], [1], [True])
    assert (alone == IGNORE).sum() == 4 and (alone == K).sum() == 12


def test_centre_sampling_radius():
    # box (0, 0, 64, 64), stride 8, radius 1.5: centre region (20, 20, 44, 44); points strictly inside
    # it are x, y in {28, 36} (20 and 44 fall between points, 28 and 36 are the only ones)
    kwargs = dict(sizes=((8, 8),))
    labels, _, points = assign([[0, 0, 64, 64]], [5], center_sampling=True, center_radius=1.5, **kwargs)
    assert positives(labels, points, 5) == [(28, 28), (28, 36), (36, 28), (36, 36)]
    labels, _, _ = assign([[0, 0, 64, 64]], [5], center_sampling=False, **kwargs)
    assert (labels == 5).sum() == 64


def test_batch_assignment_equals_per_image_assignment():
    torch.manual_seed(0)
    points, strides = level_points([(8, 8), (4, 4)], [8, 16])
    ranges = torch.cat([torch.tensor([0., 24.]).expand(64, 2), torch.tensor([24., 1e8]).expand(16, 2)])
    per_image = []
    for count in (3, 0, 5):
        xy = torch.rand(count, 2) * 40
        per_image.append((torch.cat([xy, xy + 8 + torch.rand(count, 2) * 30], 1),
                          torch.randint(0, K, (count,)), torch.rand(count) < 0.3))
    batch = pad_ground_truth(*zip(*per_image))
    labels, targets = assign_targets(points, strides, ranges, batch[0], batch[1], batch[3], batch[2],
                                     num_classes=K, center_sampling=True)
    for index, (boxes, cls, diff) in enumerate(per_image):
        single = pad_ground_truth([boxes], [cls], [diff])
        one_labels, one_targets = assign_targets(points, strides, ranges, single[0], single[1],
                                                 single[3], single[2], num_classes=K, center_sampling=True)
        assert torch.equal(labels[index], one_labels[0])
        fg = one_labels[0] < K
        assert torch.equal(targets[index][fg], one_targets[0][fg])
    assert (labels[1] == K).all()   # the image without boxes is all background
