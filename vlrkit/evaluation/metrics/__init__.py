"""Importing this package registers its components."""
from . import confusion_matrix  # noqa: F401
