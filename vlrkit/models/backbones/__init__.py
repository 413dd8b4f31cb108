"""Importing this package registers its components."""
from . import resnet  # noqa: F401
