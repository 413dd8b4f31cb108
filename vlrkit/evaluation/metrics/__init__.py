"""Importing this package registers its metrics."""
from . import accuracy  # noqa: F401
