"""Importing this package registers its datasets and transforms."""
from . import transforms  # noqa: F401
from . import coco, concat, demo_data, digits, image_cache, image_folder, mnist, voc  # noqa: F401
from . import proposals  # noqa: F401
from .voc import VOC_CLASSES, VOCDataset  # noqa: F401
