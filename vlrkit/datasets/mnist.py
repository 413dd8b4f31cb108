"""MNIST and Fashion-MNIST from the standard IDX ``.gz`` files.

The IDX format (LeCun et al.): big-endian magic ``0x00 0x00 <dtype> <ndim>``, then one uint32 per
dimension, then the raw array. Reading it directly keeps vlrkit independent of torchvision's
download-first dataset classes, which cannot work offline.
"""
import gzip
import struct
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ..errors import ConfigError
from ..registry import DATASETS
from .bad_input import BadInputError, DatasetNotFoundError

IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: '>i2', 0x0C: '>i4', 0x0D: '>f4', 0x0E: '>f8'}


def read_idx(path):
    """Read an IDX file (gzipped or not) into a numpy array; errors name the file."""
    path = Path(path)
    opener = gzip.open if path.suffix == '.gz' else open
    with opener(path, 'rb') as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise BadInputError(f'{path} is not an IDX file (bad magic number {raw[:4].hex()})')
    ndim = raw[3]
    shape = struct.unpack(f'>{ndim}I', raw[4:4 + 4 * ndim])
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    body = raw[4 + 4 * ndim:]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(body) != expected:
        raise BadInputError(f'{path}: header says shape {shape} ({expected} bytes) but the file holds '
                         f'{len(body)} bytes; the download is truncated or corrupt')
    return np.frombuffer(body, dtype=dtype).reshape(shape)


@DATASETS.register_module()
class MNIST(Dataset):
    """``data_root`` holds ``train-images-idx3-ubyte.gz`` etc. exactly as distributed."""

    class_names = tuple(str(d) for d in range(10))
    url = 'https://ossci-datasets.s3.amazonaws.com/mnist/'
    mean, std = 0.1307, 0.3081
    files = {'train': ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
             'test': ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')}

    def __init__(self, data_root, split='train'):
        if split not in self.files:
            raise ConfigError(f"{type(self).__name__} split={split!r}; use 'train' or 'test'")
        root = Path(data_root)
        paths = [root / name for name in self.files[split]]
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise DatasetNotFoundError(
                f'{type(self).__name__}: missing {", ".join(str(p) for p in missing)}. Download '
                f'{", ".join(self.url + p.name for p in missing)} on a machine with internet and put '
                f'the .gz files (unextracted) in {root}/')
        images, labels = (read_idx(p) for p in paths)
        if len(images) != len(labels):
            raise BadInputError(f'{paths[0]} has {len(images)} images but {paths[1]} has {len(labels)} labels')
        self.images = (torch.from_numpy(images.copy()).float().unsqueeze(1) / 255 - self.mean) / self.std
        self.labels = torch.from_numpy(labels.astype(np.int64))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        size = tuple(self.images.shape[-2:])
        return dict(image=self.images[index], labels=self.labels[index], img_id=str(index),
                    ori_shape=size, img_shape=size)


@DATASETS.register_module()
class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: same file names and format as MNIST, clothing classes."""

    class_names = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
                   'Sneaker', 'Bag', 'Ankle boot')
    url = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'
    mean, std = 0.2860, 0.3530
