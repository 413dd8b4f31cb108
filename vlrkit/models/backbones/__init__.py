"""Importing this package registers its components."""
from . import alexnet  # noqa: F401
