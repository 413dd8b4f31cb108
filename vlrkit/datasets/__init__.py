"""Importing this package registers its components."""
from . import transforms  # noqa: F401
from . import coco, concat, demo_data, image_folder, voc  # noqa: F401
from .voc import VOC_CLASSES, VOCDataset  # noqa: F401
