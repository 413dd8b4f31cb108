"""Importing this package registers its losses."""
from . import bce  # noqa: F401
from . import cross_entropy  # noqa: F401
from . import focal_loss, iou_loss  # noqa: F401
