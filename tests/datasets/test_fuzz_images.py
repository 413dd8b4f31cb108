"""Fuzzing image decoding through the decoded-image cache with seeded JPEG mutants of the real VOC
samples (tests/helpers/mutants.py): truncations, zeroed runs, flipped scan bytes, headers that lie
about the size or the markers.

With ``cache=`` an image is decoded when the dataset is built, possibly at a reduced size (the
JPEG decoder's draft mode), and its error is kept until the sample is asked for. The promise is
the same as without a cache: a clean sample or a BadInputError naming the file; and at full size
the cache decides exactly as the direct decode does, pixel for pixel.
"""
import random

import pytest

from helpers.mutants import check_sample, write_mutant_tree
from vlrkit.datasets.bad_input import BadInputError
from vlrkit.datasets.voc import VOCDataset

PIPELINE = [dict(type='LoadImage'), dict(type='PackSample')]
SEED = 1313
NUM_JPEG = 100


@pytest.fixture(scope='module')
def jpeg_tree(tmp_path_factory, voc_samples_root):
    root = tmp_path_factory.mktemp('fuzz_images')
    mutants = write_mutant_tree(root, voc_samples_root, random.Random(SEED), 0, NUM_JPEG, 0)
    return root / 'VOCdevkit', mutants


@pytest.fixture(scope='module')
def direct(jpeg_tree):
    """Outcomes without a cache: each image decoded when its sample is asked for."""
    return outcomes(VOCDataset(jpeg_tree[0], split='all', mode='detection', pipeline=PIPELINE))


def outcomes(dataset):
    """{img_id: sample or error message} for every image; other exceptions propagate."""
    found = {}
    for index, info in enumerate(dataset.data_infos):
        try:
            found[info['img_id']] = dataset[index]
        except BadInputError as err:
            found[info['img_id']] = str(err)
    return found


@pytest.mark.parametrize('cache', [dict(type='memory'), dict(type='memory', scale=(128, 128))])
def test_cached_decoding_of_mutants(jpeg_tree, direct, cache):
    root, mutants = jpeg_tree
    cached = outcomes(VOCDataset(root, split='all', mode='detection', pipeline=PIPELINE,
                                 cache=cache))
    assert len(direct) == len(cached) == NUM_JPEG + 10
    for img_id, got in cached.items():
        if isinstance(got, str):
            assert f'{img_id}.jpg' in got and '\n' not in got, got
        else:
            assert check_sample(got) is None, img_id
    errors = {i for i, got in cached.items() if isinstance(got, str)}
    print(f'{cache}: {NUM_JPEG} JPEG mutants, {len(errors)} clear errors, '
          f'{NUM_JPEG - len(errors)} loaded OK')
    assert 0 < len(errors) < NUM_JPEG
    assert not any(img_id.startswith('0') or img_id.startswith('2007') for img_id in errors)
    if 'scale' not in cache:  # full size: the same decisions and the same pixels
        assert errors == {i for i, got in direct.items() if isinstance(got, str)}
        for img_id in set(cached) - errors:
            assert (cached[img_id]['image'] == direct[img_id]['image']).all(), img_id
