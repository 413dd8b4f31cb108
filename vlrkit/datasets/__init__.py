"""Importing this package registers its components."""
from . import transforms  # noqa: F401
from . import concat, demo_data, voc  # noqa: F401
from .voc import VOC_CLASSES, VOCDataset  # noqa: F401
