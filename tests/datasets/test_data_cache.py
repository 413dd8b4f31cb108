"""Decoded-image cache: same samples as decoding each time, built once, picklable for workers."""
import pickle

import numpy as np
import pytest
import torch

from vlrkit.datasets.bad_input import BadInputError
from vlrkit.errors import ConfigError
from vlrkit.registry import DATASETS, IMAGE_CACHES, TRANSFORMS
from vlrkit.structures import collate

PIPELINE = [dict(type='LoadImage'),
            dict(type='Resize', scale=(48, 64), keep_ratio=False, interpolation='area'),
            dict(type='PackSample')]


def voc(root, **kwargs):
    return DATASETS.build(dict(type='VOCDataset', data_root=str(root), mode='detection',
                               pipeline=PIPELINE, **kwargs))


@pytest.mark.parametrize('kind', ['memory', 'mmap'])
def test_cached_samples_match_decoded_ones(voc_samples_root, tmp_path, kind):
    plain = voc(voc_samples_root)
    cached = voc(voc_samples_root, cache=dict(type=kind, size=(48, 64), dir=str(tmp_path)))
    assert cached.image_cache.nbytes == 5 * 48 * 64 * 3
    for i in range(len(plain)):
        a, b = plain[i], cached[i]
        assert b['image'].shape == a['image'].shape == (3, 48, 64)
        # the same picture (the cache resamples from the JPEG decoder's reduced draft)
        assert np.corrcoef(a['image'].flatten(), b['image'].flatten())[0, 1] > 0.97
        torch.testing.assert_close(a['boxes'], b['boxes'])
        assert a['ori_shape'] == b['ori_shape'] and a['scale_factor'] == b['scale_factor']


def test_keep_ratio_cache_and_its_boxes(voc_samples_root):
    cached = voc(voc_samples_root, cache=dict(type='memory', scale=100))
    sample = cached[4]  # 000005 is 500 x 375 -> 100 x 75, then stretched to 64 x 48
    assert cached.image_cache.shapes[4].tolist() == [75, 100]
    torch.testing.assert_close(sample['boxes'][0], torch.tensor([263, 211, 324, 339]) *
                               torch.tensor([64 / 500, 48 / 375] * 2))


def test_mmap_cache_is_reused_and_workers_reopen_it(voc_samples_root, tmp_path):
    cfg = dict(type='mmap', size=(48, 64), dir=str(tmp_path))
    first = voc(voc_samples_root, cache=cfg)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2  # data + index, no temp files left
    second = voc(voc_samples_root, cache=cfg)
    assert second.image_cache.buffer is None  # opened lazily, not rebuilt
    assert len(pickle.dumps(second)) < 20_000  # pixels are not pickled into workers
    torch.testing.assert_close(first[2]['image'], pickle.loads(pickle.dumps(second))[2]['image'])


def test_cache_get_returns_private_copies(voc_samples_root):
    cache = IMAGE_CACHES.build(dict(type='memory', size=(8, 8), img_paths=[
        voc_samples_root / 'VOC2007/JPEGImages/000001.jpg']))
    img, ori_shape = cache.get(0)
    img[:] = 0
    assert cache.get(0)[0].any() and ori_shape == (500, 353)


def test_broken_image_in_cache_follows_skip_bad(tmp_path, voc_writer):
    root = voc_writer(tmp_path, {'good': [('dog', (2, 2, 30, 30), 0)],
                                 'bad': [('cat', (5, 5, 40, 40), 0)]})
    jpg = root / 'VOC2007/JPEGImages/bad.jpg'
    jpg.write_bytes(jpg.read_bytes()[:200])
    strict = voc(root, cache=dict(type='memory', size=(48, 64)))
    with pytest.raises(BadInputError, match='bad.jpg'):
        strict[1]
    lenient = voc(root, cache=dict(type='memory', size=(48, 64)), skip_bad=True)
    assert lenient[1]['img_id'] == 'good' and lenient.bad_input.count == 1


def test_dataloader_with_workers(demo_voc_root):
    ds = DATASETS.build(dict(type='VOCDataset', data_root=str(demo_voc_root), split='test',
                             pipeline=[dict(type='LoadImage'), dict(type='RandomFlip'),
                                       dict(type='Normalize'), dict(type='PackSample')],
                             cache=dict(type='memory', size=(64, 64))))
    ds = pickle.loads(pickle.dumps(ds))  # what a spawn-started worker receives
    loader = torch.utils.data.DataLoader(ds, batch_size=8, num_workers=2, collate_fn=collate)
    batches = list(loader)
    assert sum(len(b['images']) for b in batches) == 20
    assert batches[0]['images'].shape == (8, 3, 64, 64) and batches[0]['labels'].shape == (8, 20)
    assert np.isfinite(batches[0]['images'].numpy()).all()


def test_cache_is_built_by_its_registry_and_held_by_load_image(tmp_path, voc_writer):
    root = voc_writer(tmp_path, {'a': [('dog', (2, 2, 30, 30), 0)]}, size=(64, 48))
    ds = voc(root, cache=dict(type='memory', size=(24, 32)))
    assert isinstance(ds.image_cache, IMAGE_CACHES.get('memory'))
    assert 'image_cache' not in ds.get_data_info(0)  # samples carry annotations only
    assert ds.pipeline.transforms[0].image_cache is ds.image_cache
    assert ds.image_cache.shapes[0].tolist() == [24, 32]  # size is (h, w)
    copy = pickle.loads(pickle.dumps(ds))  # one cache, shared by dataset and loader
    assert copy.pipeline.transforms[0].image_cache is copy.image_cache


def test_bad_cache_configs_say_what_to_change(tmp_path, voc_writer):
    root = voc_writer(tmp_path, {'a': [('dog', (2, 2, 30, 30), 0)]})
    with pytest.raises(KeyError, match="did you mean 'mmap'"):
        voc(root, cache=dict(type='mmapp', size=(8, 8)))
    with pytest.raises(ConfigError, match='give one of them'):
        voc(root, cache=dict(type='memory', size=(8, 8), scale=16))
    with pytest.raises(ConfigError, match='no LoadImage'):
        DATASETS.build(dict(type='VOCDataset', data_root=str(root), pipeline=[],
                            cache=dict(type='memory', size=(8, 8))))
    shared = [TRANSFORMS.build(dict(type='LoadImage'))]  # one instance in two datasets
    cached = dict(type='VOCDataset', data_root=str(root), pipeline=shared,
                  cache=dict(type='memory', size=(8, 8)))
    DATASETS.build(cached)
    with pytest.raises(ConfigError, match="another dataset's cache"):
        DATASETS.build(cached)


class CacheProbe(torch.utils.data.Dataset):
    """What a DataLoader worker sees of a dataset's mmap cache after reading image ``index``."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        cache = self.dataset.image_cache
        img, _ = cache.get(index)
        return dict(image=torch.from_numpy(img), mapped=isinstance(cache.buffer, np.memmap),
                    file=cache.buffer.filename)


def test_workers_read_the_mmap_file_not_a_copy_of_it(demo_voc_root, tmp_path):
    """A dataset with an mmap cache pickles (spawned workers, DDP) without its pixels, and each
    worker maps the one file: the OS page cache holds the decoded images once for all of them."""
    ds = DATASETS.build(dict(type='VOCDataset', data_root=str(demo_voc_root), split='test',
                             pipeline=[dict(type='LoadImage'), dict(type='PackSample')],
                             cache=dict(type='mmap', size=(64, 64), dir=str(tmp_path))))
    ds[0]                                                   # the main process maps it too
    cache_bytes = ds.image_cache.nbytes
    assert cache_bytes == 20 * 64 * 64 * 3
    assert len(pickle.dumps(ds)) < cache_bytes / 10          # the index, not the pixels
    memory = DATASETS.build(dict(type='VOCDataset', data_root=str(demo_voc_root), split='test',
                                 pipeline=[dict(type='LoadImage'), dict(type='PackSample')],
                                 cache=dict(type='memory', size=(64, 64))))
    assert len(pickle.dumps(memory)) > cache_bytes          # the contrast: RAM pixels travel
    probe = CacheProbe(pickle.loads(pickle.dumps(ds)))
    loader = torch.utils.data.DataLoader(probe, batch_size=5, num_workers=2,
                                         collate_fn=lambda samples: samples)
    seen = [s for batch in loader for s in batch]
    assert all(s['mapped'] and s['file'] == ds.image_cache.path for s in seen)
    torch.testing.assert_close(seen[3]['image'], torch.from_numpy(ds.image_cache.get(3)[0]))
