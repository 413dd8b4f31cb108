"""Boxes from heatmaps: blobs become boxes in the right places, in original image pixels."""
import numpy as np

from vlrkit.evaluation.functional.heatmap_boxes import (boxes_from_class_maps, boxes_from_heatmap,
                                                         heatmap_to_original)


def gaussian_blob(shape, centre, sigma, height=1.0):
    ys, xs = np.mgrid[:shape[0], :shape[1]]
    return height * np.exp(-((ys - centre[0]) ** 2 + (xs - centre[1]) ** 2) / (2 * sigma ** 2))


def test_two_blobs_give_two_boxes_around_them_strongest_first():
    heatmap = gaussian_blob((100, 120), (30, 30), 6, height=1.0) \
        + gaussian_blob((100, 120), (70, 90), 6, height=0.8)
    boxes, scores = boxes_from_heatmap(heatmap, rel_threshold=0.3)
    assert len(boxes) == 2
    assert scores[0] > scores[1]
    np.testing.assert_allclose(scores, [1.0, 0.8], atol=0.02)
    for (x1, y1, x2, y2), (cy, cx) in zip(boxes, [(30, 30), (70, 90)]):
        assert x1 < cx < x2 and y1 < cy < y2
        # A Gaussian above 0.3 of its peak reaches ~1.55 sigma from the centre.
        assert 14 <= x2 - x1 <= 25 and 14 <= y2 - y1 <= 25


def test_higher_threshold_shrinks_box_and_flat_map_gives_none():
    heatmap = gaussian_blob((50, 50), (25, 25), 8)
    wide, _ = boxes_from_heatmap(heatmap, rel_threshold=0.2)
    tight, _ = boxes_from_heatmap(heatmap, rel_threshold=0.8)
    assert (tight[0, 2] - tight[0, 0]) < (wide[0, 2] - wide[0, 0])
    boxes, scores = boxes_from_heatmap(np.full((10, 10), -3.0))
    assert boxes.shape == (0, 4) and scores.shape == (0,)
    # Resampling a constant map leaves rounding noise; it must not become hundreds of specks.
    noisy = np.full((10, 10), 0.01, np.float32) + np.random.default_rng(0).normal(0, 1e-9, (10, 10))
    assert boxes_from_heatmap(noisy)[0].shape == (0, 4)


def test_heatmap_is_mapped_through_padding_and_resize_to_original_pixels():
    # A 512x512 padded input holds a 512x384 resized image (padding on the right) whose
    # original is 300x400 (h, w); the blob sits at the centre of the image region.
    cells = 32
    heatmap = gaussian_blob((cells, cells), (16, 12), 1.5)  # column 12 of 32 -> x=192 of 512
    on_image = heatmap_to_original(heatmap, (512, 512), img_shape=(512, 384), ori_shape=(300, 400))
    assert on_image.shape == (300, 400)
    peak_y, peak_x = np.unravel_index(on_image.argmax(), on_image.shape)
    assert abs(peak_y - 150) <= 6 and abs(peak_x - 200) <= 8


def test_boxes_from_class_maps_labels_each_class_and_scales_to_original():
    maps = np.zeros((3, 16, 16), np.float32)
    maps[0] = gaussian_blob((16, 16), (4, 4), 1.0)
    maps[2] = gaussian_blob((16, 16), (12, 10), 1.0)
    dets = boxes_from_class_maps(maps, classes=[0, 2], input_shape=(64, 64), ori_shape=(128, 128))
    assert sorted(set(dets['labels'].tolist())) == [0, 2]
    box0 = dets['boxes'][dets['labels'] == 0][0]
    box2 = dets['boxes'][dets['labels'] == 2][0]
    # cell (4, 4) of 16 -> centre (4.5 / 16) * 128 = 36 px; cell (12, 10) -> y 100, x 84
    assert box0[0] < 36 < box0[2] and box0[1] < 36 < box0[3]
    assert box2[0] < 84 < box2[2] and box2[1] < 100 < box2[3]


def test_network_geometry_places_cells_where_their_receptive_fields_are():
    # AlexNet localiser: cell o centred on input pixel 31.5 + 16 o; 9 cells over a 192 input
    # whose original is 96 px (scale 2). A peak in cell (1, 7) is at input (47.5, 143.5) ->
    # original (23.75, 71.75); spreading the cells evenly would put it at (16, 80).
    heatmap = np.zeros((9, 9), np.float32)
    heatmap[1, 7] = 1.0
    on_image = heatmap_to_original(heatmap, (192, 192), ori_shape=(96, 96), stride=16, offset=31.5)
    peak_y, peak_x = np.unravel_index(on_image.argmax(), on_image.shape)
    assert abs(peak_y - 23.25) <= 1 and abs(peak_x - 71.25) <= 1
    even = heatmap_to_original(heatmap, (192, 192), ori_shape=(96, 96))
    peak_y, peak_x = np.unravel_index(even.argmax(), even.shape)
    assert abs(peak_y - 15.5) <= 1 and abs(peak_x - 79.5) <= 1


def test_background_quantile_ignores_a_far_negative_corner():
    # A logit map: background around -2, an object blob up to +4, and one corner at -30 (a cell
    # the net is very sure is not the class). From the minimum, a 0.5 threshold falls at -13, below
    # the whole background, so the box is the image; from the median it sits between -2 and +4.
    heatmap = gaussian_blob((60, 60), (30, 30), 5, height=6.0) - 2.0
    heatmap[:5, :5] = -30.0
    from_min, _ = boxes_from_heatmap(heatmap, rel_threshold=0.5)
    from_median, _ = boxes_from_heatmap(heatmap, rel_threshold=0.5, background_quantile=0.5)
    np.testing.assert_array_equal(from_min[0], [0, 0, 60, 60])  # everything but the corner
    x1, y1, x2, y2 = from_median[0]
    assert x1 < 30 < x2 and y1 < 30 < y2 and 8 <= x2 - x1 <= 16 and 8 <= y2 - y1 <= 16
    with np.testing.assert_raises(ValueError):
        boxes_from_heatmap(heatmap, background_quantile=1.0)
