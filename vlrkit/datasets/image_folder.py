"""Single-label images in class folders, ``data_root/<split>/<class>/*.jpg`` (mini-ImageNet)."""
from pathlib import Path

from ..registry import DATASETS
from .bad_input import DatasetNotFoundError
from .base import AnnotatedImageDataset

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


@DATASETS.register_module()
class ImageFolderDataset(AnnotatedImageDataset):
    """One class per sub-folder of ``data_root/split``; ``labels`` is a long scalar.

    Args:
        data_root: folder holding one folder per split.
        split: 'train', 'val', 'test', ... (a sub-folder of ``data_root``); '' reads data_root.
        classes: class names in label order; default: the sorted sub-folder names, so every
            split of the same data gets the same labels.
        extensions: image file endings (case-insensitive).
    """

    def __init__(self, data_root, split='train', pipeline=(), classes=None,
                 extensions=IMG_EXTENSIONS, skip_bad=False, cache=None):
        self.split_dir = Path(data_root) / split
        if not self.split_dir.is_dir():
            raise DatasetNotFoundError(f'{self.split_dir} not found: ImageFolderDataset expects '
                                    f'data_root/<split>/<class>/<image> (data_root={data_root!r}, '
                                    f'split={split!r}).')
        found = sorted(p.name for p in self.split_dir.iterdir() if p.is_dir())
        self.class_names = tuple(classes) if classes is not None else tuple(found)
        missing = [c for c in self.class_names if c not in found]
        if missing:
            raise DatasetNotFoundError(f'{self.split_dir} has no folder for classes {missing}; '
                                    f'found {found}.')
        if not self.class_names:
            raise DatasetNotFoundError(f'{self.split_dir} has no class sub-folders.')
        super().__init__(pipeline, skip_bad, cache, owner=str(self.split_dir))
        exts = tuple(e.lower() for e in extensions)
        for label, name in enumerate(self.class_names):
            for path in sorted((self.split_dir / name).rglob('*')):
                if path.is_file() and path.suffix.lower() in exts:
                    self.data_infos.append(dict(
                        img_id=str(path.relative_to(self.split_dir).with_suffix('')),
                        img_path=str(path), ori_shape=None, img_labels=label))
        if not self.data_infos:
            raise DatasetNotFoundError(f'{self.split_dir}: no images with endings {exts}.')
        self.build_cache()

    def __repr__(self):
        return (f'ImageFolderDataset({self.split_dir}, {len(self)} images, '
                f'{len(self.class_names)} classes)')
