"""Importing this package registers its components."""
from . import regnet  # noqa: F401
from . import resnet  # noqa: F401
