"""Computed selective search proposals: once per image, cached on disk, recomputed when stale.

The caching is tested with an injected proposal function that counts its calls; the real OpenCV
search runs on a real VOC photo (``pip install -e ".[dev]"`` brings opencv-contrib).
"""
import importlib.metadata
import logging
import os
import types

import cv2
import numpy as np
import pytest

from vlrkit.datasets.proposals import SelectiveSearch, opencv_selective_search
from vlrkit.datasets.proposals.selective_search import MissingOpenCVContribError
from vlrkit.registry import DATASETS


class CountingProposer:
    """Three boxes per image, in pixels of the image it is given; records the sizes it saw."""

    def __init__(self):
        self.calls = []

    def __call__(self, image, mode):
        h, w = image.shape[:2]
        self.calls.append((h, w, mode))
        return np.float32([[0, 0, w, h], [0, 0, w / 2, h / 2], [w / 4, h / 4, w / 2, h]])


def dataset(root, proposer, **source):
    return DATASETS.build(dict(
        type='VOCDataset', data_root=str(root), mode='classification',
        pipeline=[dict(type='LoadImage'),
                  dict(type='LoadProposals', source=SelectiveSearch(propose_fn=proposer, **source)),
                  dict(type='PackSample')]))


@pytest.fixture
def three_images(tmp_path, voc_writer):
    return voc_writer(tmp_path, {name: [('dog', (2, 2, 30, 30), 0)] for name in 'abc'},
                      size=(64, 48))


def test_each_image_is_computed_once_when_the_dataset_is_built(three_images):
    proposer = CountingProposer()
    first = dataset(three_images, proposer)
    assert len(proposer.calls) == 3
    cache = three_images / 'VOC2007' / 'selective_search_cache' / 'fast_500'
    assert sorted(p.name for p in cache.iterdir()) == ['a.npz', 'b.npz', 'c.npz']  # no temp files
    sample = first[1]
    assert len(proposer.calls) == 3  # read from the cache, not computed again
    np.testing.assert_array_equal(sample['proposals'][0].numpy(), [0, 0, 64, 48])
    np.testing.assert_allclose(sample['proposal_scores'].numpy(), [1, 2 / 3, 1 / 3])  # by rank
    dataset(three_images, proposer)
    assert len(proposer.calls) == 3  # a second run finds everything cached


def test_min_size_filters_the_cached_boxes_without_recomputing(three_images):
    proposer = CountingProposer()
    dataset(three_images, proposer)
    # The 64 x 48 images' boxes are 64 x 48, 32 x 24 and 16 x 36: min_size=20 keeps the first two.
    large = dataset(three_images, proposer, min_size=20)
    assert len(proposer.calls) == 3  # same cache: the filter applies to what was stored
    np.testing.assert_array_equal(large[0]['proposals'].numpy(), [[0, 0, 64, 48], [0, 0, 32, 24]])


def test_a_changed_image_is_recomputed_and_only_that_one(three_images, caplog):
    proposer = CountingProposer()
    dataset(three_images, proposer)
    image = three_images / 'VOC2007' / 'JPEGImages' / 'b.jpg'
    stat = image.stat()
    os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with caplog.at_level(logging.INFO):
        dataset(three_images, proposer)
    assert len(proposer.calls) == 4
    assert 'fast_500/b.npz is stale (the image changed); recomputing it' in caplog.text
    assert 'for 1 of 3 images' in caplog.text


def test_an_unreadable_cache_entry_is_recomputed_with_a_warning(three_images, caplog):
    proposer = CountingProposer()
    dataset(three_images, proposer)
    cache = three_images / 'VOC2007' / 'selective_search_cache' / 'fast_500'
    (cache / 'a.npz').write_bytes(b'')                                   # empty
    (cache / 'b.npz').write_bytes((cache / 'b.npz').read_bytes()[:-40])  # cut short
    with caplog.at_level(logging.WARNING):
        sample = dataset(three_images, proposer)[0]
    assert len(proposer.calls) == 5
    assert 'a.npz is unreadable' in caplog.text and 'b.npz is unreadable' in caplog.text
    np.testing.assert_array_equal(sample['proposals'][0].numpy(), [0, 0, 64, 48])


def test_other_parameters_get_their_own_cache_and_a_foreign_entry_is_stale(three_images, caplog):
    proposer = CountingProposer()
    dataset(three_images, proposer)
    dataset(three_images, proposer, mode='quality')
    assert [mode for *_, mode in proposer.calls] == ['fast'] * 3 + ['quality'] * 3
    cache = three_images / 'VOC2007' / 'selective_search_cache'
    # An entry copied in from another setting records that setting: it is recomputed, not used.
    (cache / 'quality_500' / 'a.npz').replace(cache / 'fast_500' / 'a.npz')
    with caplog.at_level(logging.INFO):
        dataset(three_images, proposer)
    assert proposer.calls[6:] == [(48, 64, 'fast')]
    assert "fast_500/a.npz is stale (it was computed with {'mode': 'quality'" in caplog.text


def test_max_side_shrinks_the_search_and_boxes_come_back_in_original_pixels(three_images,
                                                                           tmp_path):
    proposer = CountingProposer()
    sample = dataset(three_images, proposer, max_side=32, top_n=2, cache_dir=tmp_path / 'ss')[0]
    assert proposer.calls[0][:2] == (24, 32)
    np.testing.assert_allclose(sample['proposals'].numpy(), [[0, 0, 64, 48], [0, 0, 32, 24]])
    assert (tmp_path / 'ss' / 'fast_32' / 'a.npz').is_file()


def test_boxes_of_a_shrunk_search_end_at_the_image_edge(tmp_path, voc_writer):
    # 300 x 201 shrunk to max_side 50 is 50 x 34 (33.5 rounds up): one factor (6) would map the
    # shrunk bottom edge to 204, outside the image; per axis it is 201.
    root = voc_writer(tmp_path, {'a': [('dog', (2, 2, 30, 30), 0)]}, size=(300, 201))
    proposer = CountingProposer()
    sample = dataset(root, proposer, max_side=50)[0]
    assert proposer.calls[0][:2] == (34, 50)
    np.testing.assert_allclose(sample['proposals'][0].numpy(), [0, 0, 300, 201], rtol=1e-6)


def test_without_opencv_contrib_the_error_says_what_to_install(monkeypatch):
    monkeypatch.delattr(cv2, 'ximgproc', raising=False)
    with pytest.raises(MissingOpenCVContribError, match=r'pip install "\.\[proposals\]"'):
        opencv_selective_search(np.zeros((8, 8, 3), np.uint8))


def test_a_contrib_build_overwritten_by_the_plain_one_says_how_to_put_it_back(monkeypatch):
    # What a later install of opencv-python-headless leaves: contrib's cv2/ximgproc Python
    # files, the plain build's compiled module without ximgproc.segmentation.
    monkeypatch.setattr(cv2, 'ximgproc', types.ModuleType('cv2.ximgproc'), raising=False)
    monkeypatch.setattr(importlib.metadata, 'version', lambda name: '5.0.0.93')
    with pytest.raises(MissingOpenCVContribError, match=r'cv2\.ximgproc\.segmentation.*pip install '
                       r'--force-reinstall --no-deps opencv-contrib-python-headless==5\.0\.0\.93'):
        opencv_selective_search(np.zeros((8, 8, 3), np.uint8))


def test_real_selective_search_boxes_lie_inside_a_voc_photo(voc_samples_root, tmp_path):
    # No skip without OpenCV contrib: the dev extra installs it, so a CI run computes for real.
    source = SelectiveSearch(mode='fast', top_n=50, max_side=128, cache_dir=tmp_path)
    img_path = voc_samples_root / 'VOC2007' / 'JPEGImages' / '000001.jpg'
    height, width = cv2.imread(str(img_path)).shape[:2]
    boxes, scores = source.get('000001', str(img_path), (height, width))
    assert 10 <= len(boxes) <= 50 and np.all(np.diff(scores) < 0)
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= width).all() and (boxes[:, 3] <= height).all()
    assert ((boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])).all()
