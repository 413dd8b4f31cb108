"""Importing this package registers its datasets."""
from . import transforms  # noqa: F401
from . import digits, mnist  # noqa: F401
from . import concat, demo_data, voc  # noqa: F401
from .voc import VOC_CLASSES, VOCDataset  # noqa: F401
