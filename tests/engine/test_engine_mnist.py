import gzip
import struct

import numpy as np
import pytest

from vlrkit.datasets.digits import Digits
from vlrkit.datasets.mnist import FashionMNIST, read_idx


def write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f'>{array.ndim}I', *array.shape)
    with gzip.open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_idx_files_are_parsed_into_a_dataset(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 28, 28))
    labels = np.array([0, 1, 2, 3, 4, 5, 9])
    write_idx(tmp_path / 'train-images-idx3-ubyte.gz', images)
    write_idx(tmp_path / 'train-labels-idx1-ubyte.gz', labels)
    dataset = FashionMNIST(tmp_path, split='train')
    assert len(dataset) == 7 and dataset.class_names[9] == 'Ankle boot'
    sample = dataset[6]
    assert sample['image'].shape == (1, 28, 28) and int(sample['labels']) == 9
    restored = (sample['image'] * FashionMNIST.std + FashionMNIST.mean) * 255
    np.testing.assert_allclose(restored[0].numpy(), images[6], atol=1e-3)


def test_truncated_and_foreign_idx_files_are_named(tmp_path):
    write_idx(tmp_path / 'cut.gz', np.zeros((4, 28, 28)))
    data = gzip.open(tmp_path / 'cut.gz').read()
    with gzip.open(tmp_path / 'cut.gz', 'wb') as f:
        f.write(data[:-100])
    with pytest.raises(ValueError, match='cut.gz: header says shape .*truncated'):
        read_idx(tmp_path / 'cut.gz')
    (tmp_path / 'photo.jpg').write_bytes(b'\xff\xd8\xff\xe0 not idx')
    with pytest.raises(ValueError, match='photo.jpg is not an IDX file'):
        read_idx(tmp_path / 'photo.jpg')


def test_digits_split_is_fixed_stratified_and_disjoint():
    train, test = Digits('train'), Digits('test')
    assert len(train) + len(test) == 1797 and len(test) == 360
    assert not set(train.ids) & set(test.ids)
    assert Digits('test').ids == test.ids                        # same split every time
    counts = np.bincount(test.labels.numpy(), minlength=10)
    assert counts.min() >= 35                                    # stratified: every digit ~36 times
    assert Digits('test', test_size=201).images.shape[0] == 201  # counts work like scikit-learn's
