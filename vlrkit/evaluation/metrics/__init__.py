"""Importing this package registers its metrics."""
from . import accuracy, confusion_matrix  # noqa: F401
from . import localization  # noqa: F401
from . import coco_detection, voc_detection  # noqa: F401
from . import multilabel  # noqa: F401
from . import proposal_recall  # noqa: F401
from . import test_outputs  # noqa: F401
