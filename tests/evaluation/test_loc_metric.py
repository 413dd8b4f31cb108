"""CorLocMetric and HeatmapGrid on predictions whose right answer is known by construction."""
import math

import numpy as np
import pytest
import torch

from vlrkit.errors import ConfigError
from vlrkit.evaluation.metric import EvalContext
from vlrkit.registry import EVALUATORS
from vlrkit.visualization.heatmap import overlay_heatmap


def blob_maps(num_classes, cells, blobs):
    """(K, cells, cells) logit maps with a Gaussian blob for each (class, cy, cx, sigma)."""
    ys, xs = torch.meshgrid(torch.arange(cells), torch.arange(cells), indexing='ij')
    maps = torch.full((num_classes, cells, cells), 0.01)
    for cls, cy, cx, sigma in blobs:
        maps[cls] = torch.maximum(maps[cls], 0.9 * torch.exp(
            -((ys - cy) ** 2 + (xs - cx) ** 2) / (2 * sigma ** 2)))
    return maps


def make_batch():
    # Two images of 200x100 (h, w) on disk, resized to 64x32 input, padded to 64x64.
    # Image 0: class 1 object at original x 20..80, y 40..120 (input x 6.4..25.6, y 12.8..38.4).
    # Image 1: class 0 at original x 0..50, y 150..200 and a difficult class 2 object.
    objects = [
        dict(boxes=torch.tensor([[6.4, 12.8, 25.6, 38.4]]), labels=torch.tensor([1]),
             difficult=torch.tensor([False])),
        dict(boxes=torch.tensor([[0.0, 48.0, 16.0, 64.0], [20.0, 0.0, 30.0, 10.0]]),
             labels=torch.tensor([0, 2]), difficult=torch.tensor([False, True])),
    ]
    batch = dict(images=torch.zeros(2, 3, 64, 64), objects=objects,
                 labels=torch.tensor([[0., 1., 0.], [1., 0., 1.]]),
                 img_shape=torch.tensor([[64, 32], [64, 32]]),
                 ori_shape=torch.tensor([[200, 100], [200, 100]]),
                 scale_factor=torch.tensor([[0.32, 0.32], [0.32, 0.32]]),
                 img_id=['a', 'b'])
    # 16x16 maps over the 64x64 input: 4 px per cell. Image 0's object centre is input
    # (16, 25.6) -> cell (y 6.4, x 4); image 1's is (8, 56) -> cell (y 14, x 2).
    good = [blob_maps(3, 16, [(1, 5.9, 3.5, 2.4)]), blob_maps(3, 16, [(0, 13.5, 1.5, 1.7)])]
    wrong = [blob_maps(3, 16, [(1, 1.0, 12.0, 1.0)]), blob_maps(3, 16, [(0, 13.5, 1.5, 1.7)])]
    return batch, good, wrong


def preds_of(maps):
    return [dict(scores=torch.sigmoid(m.flatten(1).amax(1)), heatmaps=torch.sigmoid(m),
                 heatmap_logits=m) for m in maps]


def test_corloc_metric_scores_boxes_in_original_pixels():
    batch, good, wrong = make_batch()
    metric = EVALUATORS.build(dict(type='CorLocMetric', with_map=False))
    metric.set_context(EvalContext(class_names=('cat', 'dog', 'cow')))
    metric.process(batch, preds_of(good))
    out = metric.compute()
    assert out['loc/corloc'] == 1.0
    assert set(out) == {'loc/corloc', 'loc/corloc/cat', 'loc/corloc/dog'}  # cow: difficult only
    metric.process(batch, preds_of(wrong))
    out = metric.compute()
    assert out['loc/corloc/dog'] == 0.0 and out['loc/corloc/cat'] == 1.0
    assert out['loc/corloc'] == 0.5


def test_corloc_metric_reads_probability_maps_as_logits_when_no_logits_are_given():
    batch, good, wrong = make_batch()
    results = []
    for keys in (('scores', 'heatmaps', 'heatmap_logits'), ('scores', 'heatmaps')):
        metric = EVALUATORS.build(dict(type='CorLocMetric', with_map=False))
        for maps in (good, wrong):
            metric.process(batch, [{k: p[k] for k in keys} for p in preds_of(maps)])
        results.append(metric.results)
    for with_logits, from_probs in zip(*results):
        for a, b in zip(with_logits['loc'], from_probs['loc']):
            np.testing.assert_allclose(a, b, atol=1e-3)
    with pytest.raises(ConfigError, match='heatmap_logits'):
        metric.process(batch, [dict(scores=torch.zeros(3))] * 2)


def test_corloc_metric_detection_map_ranks_good_maps_above_wrong_ones():
    batch, good, wrong = make_batch()
    metric = EVALUATORS.build(dict(type='CorLocMetric'))
    metric.process(batch, preds_of(good))
    good_map = metric.compute()['loc/mAP']
    metric.process(batch, preds_of(wrong))
    wrong_map = metric.compute()['loc/mAP']
    assert good_map > 0.9 and wrong_map < good_map


def detector_preds():
    """Boxes in original pixels: image 0's best dog box is on the dog (original x 20..80, y 40..120),
    image 1's only cat box misses the cat (original x 0..50, y 150..200)."""
    return [dict(boxes=torch.tensor([[20., 40., 80., 120.], [0., 0., 10., 10.], [60., 0., 99., 30.]]),
                 scores=torch.tensor([0.9, 0.3, 0.7]), labels=torch.tensor([1, 1, 0]),
                 img_scores=torch.tensor([0.7, 0.9, 0.1])),
            dict(boxes=torch.tensor([[50., 0., 100., 50.]]), scores=torch.tensor([0.8]),
                 labels=torch.tensor([0]), img_scores=torch.tensor([0.8, 0.1, 0.1]))]


def test_corloc_metric_scores_a_detectors_own_boxes_from_objects_or_a_detection_batch():
    batch, _, _ = make_batch()
    detection_batch = {key: value for key, value in batch.items() if key != 'objects'}
    detection_batch.update(boxes=[o['boxes'] for o in batch['objects']],
                           labels=[o['labels'] for o in batch['objects']],
                           difficult=[o['difficult'] for o in batch['objects']])
    for source in (batch, detection_batch):
        metric = EVALUATORS.build(dict(type='CorLocMetric'))
        metric.set_context(EvalContext(class_names=('cat', 'dog', 'cow')))
        metric.process(source, detector_preds())
        out = metric.compute()
        assert (out['loc/corloc/dog'], out['loc/corloc/cat']) == (1.0, 0.0)
        assert out['loc/corloc'] == 0.5
        # dog: its one object found first (AP 1); cat: both cat boxes are false positives (AP 0)
        assert out['loc/mAP'] == pytest.approx(0.5)
    with pytest.raises(ConfigError, match='img_scores'):
        metric.process(batch, [{key: v for key, v in pred.items() if key != 'img_scores'}
                               for pred in detector_preds()])


def test_overlay_blends_colour_where_the_map_is_hot():
    image = np.full((40, 60, 3), 128, np.uint8)
    heatmap = np.zeros((4, 6))
    heatmap[0, 0] = 1.0
    out = overlay_heatmap(image, heatmap, alpha=0.6, cmap='jet')
    assert out.shape == image.shape and out.dtype == np.uint8
    # jet: hot is red, cold is dark blue
    assert out[2, 2, 0] > out[2, 2, 2] and out[-2, -2, 2] > out[-2, -2, 0]
    np.testing.assert_array_equal(overlay_heatmap(image, heatmap, alpha=0.0), image)


def test_heatmap_grid_writes_one_png(tmp_path):
    batch, good, _ = make_batch()
    grid = EVALUATORS.build(dict(type='HeatmapGrid', num_images=20, cols=5))
    grid.set_context(EvalContext(work_dir=tmp_path))
    for _ in range(3):
        grid.process(batch, preds_of(good))
    out = grid.compute()
    assert out['heatmap_grid/num_images'] == 6.0
    from PIL import Image
    assert grid.figure_path == tmp_path / 'analysis' / 'heatmap_grid_heatmaps.png'
    with Image.open(grid.figure_path) as png:
        assert png.size[0] > png.size[1] > 100
    assert not math.isnan(out['heatmap_grid/num_images'])
