"""scikit-learn's bundled handwritten digits: real data that needs no download.

1,797 8×8 greyscale scans of digits 0–9 (UCI "Optical Recognition of Handwritten Digits"), upsampled
to ``image_size`` so MNIST-sized models run on it unchanged. The split is a fixed stratified 80/20
(``random_state=0``), so every run and every machine sees the same train and test images;
``test_size`` is a fraction or a count, as in scikit-learn.
"""
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import Dataset

from ..errors import ConfigError
from ..registry import DATASETS


@DATASETS.register_module()
class Digits(Dataset):
    """Samples: ``image`` (1, S, S) normalised, ``labels`` long scalar, ``img_id`` the row index."""

    class_names = tuple(str(d) for d in range(10))

    def __init__(self, split='train', image_size=28, test_size=0.2, mean=0.5, std=0.5):
        if split not in ('train', 'test'):
            raise ConfigError(f"Digits split={split!r}; use 'train' or 'test'")
        data = load_digits()
        indices = torch.arange(len(data.target))
        train_idx, test_idx = train_test_split(indices.numpy(), test_size=test_size,
                                               random_state=0, stratify=data.target)
        keep = train_idx if split == 'train' else test_idx
        images = torch.as_tensor(data.images[keep], dtype=torch.float32).unsqueeze(1) / 16.0
        if image_size != images.shape[-1]:
            images = F.interpolate(images, size=(image_size, image_size), mode='bilinear',
                                   align_corners=False)
        self.images = (images - mean) / std
        self.labels = torch.as_tensor(data.target[keep], dtype=torch.long)
        self.ids = [str(i) for i in keep]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        size = tuple(self.images.shape[-2:])
        return dict(image=self.images[index], labels=self.labels[index], img_id=self.ids[index],
                    ori_shape=size, img_shape=size)
