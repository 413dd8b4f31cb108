"""Boxes stay on their objects through every geometric transform.

The check is pixel-based: one bright rectangle is painted in a noisy image, and after each
transform the transformed box must still be the tight extent of the painted pixels.
"""
import random

import numpy as np
import pytest
import torch

from vlrkit.datasets.transforms import Compose
from vlrkit.registry import TRANSFORMS

OBJ = np.array([[30, 20, 70, 45]], dtype=np.float32)  # x1, y1, x2, y2 in a 120 x 80 image


def painted(obj=OBJ, height=80, width=120):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 80, size=(height, width, 3), dtype=np.uint8)
    for x1, y1, x2, y2 in obj.astype(int):
        img[y1:y2, x1:x2] = (255, 0, 0)
    return dict(img=img, gt_boxes=obj.copy(), gt_labels=np.arange(len(obj)),
                gt_difficult=np.zeros(len(obj), bool), ori_shape=(height, width),
                img_shape=(height, width), scale_factor=(1.0, 1.0), task='detection')


def painted_extent(img):
    """Tight continuous box of the red pixels."""
    red = (img[..., 0] > 180) & (img[..., 1] < 90)
    ys, xs = np.nonzero(red)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=np.float32)


def assert_box_on_object(results, tol=1.5):
    assert len(results['gt_boxes']) == 1
    np.testing.assert_allclose(results['gt_boxes'][0], painted_extent(results['img']), atol=tol)


@pytest.mark.parametrize('cfg', [
    dict(type='Resize', scale=(800, 1333)),
    dict(type='Resize', scale=(96, 64), keep_ratio=False),
    dict(type='Resize', scale=50),
    dict(type='RandomFlip', prob=1.0),
    dict(type='CenterCrop', size=(60, 70)),
    dict(type='CenterCrop', size=100),  # larger than the image height: zero border
    dict(type='Pad', size_divisor=32),
])
def test_box_follows_object(cfg):
    results = TRANSFORMS.build(cfg)(painted())
    assert_box_on_object(results)


def test_random_resized_crop_keeps_or_drops_boxes_correctly():
    random.seed(0)
    rrc = TRANSFORMS.build(dict(type='RandomResizedCrop', size=(64, 64), scale=(0.2, 1.0)))
    kept = dropped = 0
    for _ in range(40):
        results = rrc(painted())
        assert results['img'].shape == (64, 64, 3)
        red = (results['img'][..., 0] > 180) & (results['img'][..., 1] < 90)
        if len(results['gt_boxes']):
            kept += 1
            assert_box_on_object(results, tol=2.0)
            assert results['gt_labels'].tolist() == [0]
        else:
            dropped += 1
            assert red.sum() <= 4  # nothing of the object left (bar a resampled edge pixel)
            assert len(results['gt_labels']) == 0 and len(results['gt_difficult']) == 0
    assert kept and dropped


def test_crop_drops_only_objects_outside():
    two = np.array([[5, 5, 25, 25], [90, 50, 115, 75]], dtype=np.float32)
    results = TRANSFORMS.build(dict(type='CenterCrop', size=(40, 60)))(painted(two))
    # window x 30..90, y 20..60: the first object is outside, the second is clipped to its corner
    assert results['gt_labels'].tolist() == []
    results = TRANSFORMS.build(dict(type='CenterCrop', size=(60, 90)))(painted(two))
    # window x 15..105, y 10..70: both clipped, both kept
    assert results['gt_labels'].tolist() == [0, 1]
    np.testing.assert_allclose(results['gt_boxes'], [[0, 0, 10, 15], [75, 40, 90, 60]])


def test_flip_twice_and_resize_back_are_identities():
    flip = TRANSFORMS.build(dict(type='RandomFlip', prob=1.0))
    results = flip(flip(painted()))
    np.testing.assert_array_equal(results['gt_boxes'], OBJ)
    np.testing.assert_array_equal(results['img'], painted()['img'])
    up = TRANSFORMS.build(dict(type='Resize', scale=(160, 240), keep_ratio=False))
    down = TRANSFORMS.build(dict(type='Resize', scale=(80, 120), keep_ratio=False))
    results = down(up(painted()))
    np.testing.assert_allclose(results['gt_boxes'], OBJ, atol=1e-4)
    assert results['scale_factor'] == (1.0, 1.0)


def test_every_size_is_h_w():
    """Resize, CenterCrop and RandomResizedCrop all read a non-square size as (h, w)."""
    for cfg in (dict(type='Resize', scale=(96, 64), keep_ratio=False),
                dict(type='CenterCrop', size=(96, 64)),
                dict(type='RandomResizedCrop', size=(96, 64))):
        results = TRANSFORMS.build(cfg)(painted())  # 80 x 120 (h x w)
        assert results['img'].shape[:2] == results['img_shape'] == (96, 64), cfg
    fitted = TRANSFORMS.build(dict(type='Resize', scale=(40, 1000)))(painted())
    assert fitted['img'].shape[:2] == (40, 60)  # keep_ratio: the short side fits 40


def test_scale_factor_maps_boxes_back_to_original_pixels():
    pipeline = Compose([dict(type='Resize', scale=(300, 500)), dict(type='RandomFlip', prob=0.0),
                        dict(type='Normalize'), dict(type='Pad', size_divisor=32),
                        dict(type='PackSample')])
    sample = pipeline(painted())
    assert sample['image'].shape == (3, 320, 480)  # 450 x 300 padded to multiples of 32
    assert sample['img_shape'] == (300, 450) and sample['ori_shape'] == (80, 120)
    sx, sy = sample['scale_factor']
    back = sample['boxes'] / torch.tensor([sx, sy, sx, sy])
    torch.testing.assert_close(back, torch.from_numpy(OBJ))


def test_normalize_and_pack_classification():
    results = painted()
    results.update(task='classification', img_labels=np.eye(20, dtype=np.float32)[3],
                   img_difficult=np.zeros(20, bool))
    pipeline = Compose([dict(type='Normalize', mean=(10, 20, 30), std=(2, 4, 5)),
                        dict(type='PackSample')])
    sample = pipeline(results)
    expected = (painted()['img'][5, 7].astype(np.float32) - [10, 20, 30]) / [2, 4, 5]
    torch.testing.assert_close(sample['image'][:, 5, 7], torch.tensor(expected).float())
    assert sample['labels'].tolist() == np.eye(20)[3].tolist()
    assert sample['objects']['boxes'].shape == (1, 4)


def test_color_jitter_changes_colours_not_geometry():
    random.seed(1)
    jitter = TRANSFORMS.build(dict(type='ColorJitter', brightness=0.5, contrast=0.5,
                                   saturation=0.5, hue=0.1))
    before = painted()
    after = jitter(painted())
    assert after['img'].dtype == np.uint8 and after['img'].shape == before['img'].shape
    assert not np.array_equal(after['img'], before['img'])
    np.testing.assert_array_equal(after['gt_boxes'], before['gt_boxes'])


def test_unknown_transform_suggests_the_close_name():
    with pytest.raises(KeyError, match='RandomFlip'):
        Compose([dict(type='RandomFlipp')])


@pytest.mark.parametrize('albu', [
    dict(type='HorizontalFlip', p=1.0),
    dict(type='Affine', scale=1.3, p=1.0),
    dict(type='Rotate', limit=(90, 90), p=1.0),
    dict(type='OneOf', transforms=[dict(type='VerticalFlip', p=1.0)], p=1.0),
    dict(type='RandomCrop', height=60, width=60, p=1.0),
])
def test_albumentations_bridge_keeps_boxes_on_objects(albu):
    results = TRANSFORMS.build(dict(type='Albu', transforms=[albu], seed=0))(painted())
    if len(results['gt_boxes']):
        assert_box_on_object(results)
    else:  # RandomCrop missed the object: its label went with it
        assert len(results['gt_labels']) == 0


def test_albumentations_drops_objects_with_their_labels():
    two = np.array([[5, 5, 25, 25], [80, 50, 115, 75]], dtype=np.float32)
    results = painted(two)
    results['gt_labels'] = np.array([7, 3])
    results['gt_difficult'] = np.array([False, True])
    crop = dict(type='Crop', x_min=60, y_min=40, x_max=120, y_max=80)
    out = TRANSFORMS.build(dict(type='Albu', transforms=[crop]))(results)
    assert out['gt_labels'].tolist() == [3] and out['gt_difficult'].tolist() == [True]
    np.testing.assert_allclose(out['gt_boxes'], [[20, 10, 55, 35]])
    # min_visibility: an object cut to 30 % of its area is dropped
    cut = dict(type='Crop', x_min=0, y_min=0, x_max=11, y_max=80)
    out = TRANSFORMS.build(dict(type='Albu', transforms=[cut], min_visibility=0.5))(painted(two))
    assert len(out['gt_boxes']) == 0 and len(out['gt_labels']) == 0


def test_albumentations_unknown_name():
    with pytest.raises(KeyError, match='HorizontalFlipp'):
        TRANSFORMS.build(dict(type='Albu', transforms=[dict(type='HorizontalFlipp')]))


def test_hide_and_seek_hides_whole_grid_patches_with_the_mean_and_keeps_boxes():
    np.random.seed(0)
    hide = TRANSFORMS.build(dict(type='HideAndSeek', patch_size=16, prob=0.5, fill=(1, 2, 3)))
    sample = painted()   # 120 x 80: an 8 x 5 grid whose last column and row are cut short
    original = sample['img'].copy()
    out = hide(painted())
    img = out['img']
    hidden = np.all(img == (1, 2, 3), axis=-1)
    assert np.array_equal(img[~hidden], original[~hidden])       # the rest is untouched
    fractions = [hidden[y:y + 16, x:x + 16].mean() for y in range(0, 80, 16) for x in range(0, 120, 16)]
    assert set(np.round(fractions, 6)) <= {0.0, 1.0}               # whole patches or nothing
    assert 0.2 < np.mean(fractions) < 0.8
    assert np.array_equal(out['gt_boxes'], OBJ)
    # Over many images each patch is hidden with the given probability.
    rate = np.mean([np.all(hide(painted())['img'] == (1, 2, 3), axis=-1).mean() for _ in range(200)])
    assert abs(rate - 0.5) < 0.05
    with pytest.raises(ValueError, match='prob'):
        TRANSFORMS.build(dict(type='HideAndSeek', prob=1.0))
