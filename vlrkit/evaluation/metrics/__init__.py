"""Importing this package registers its metrics."""
from . import accuracy, confusion_matrix  # noqa: F401
from . import multilabel  # noqa: F401
