"""Importing this package registers its components."""
from . import focal_loss, iou_loss  # noqa: F401
from . import bce  # noqa: F401
