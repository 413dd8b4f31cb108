"""Importing this package registers its components."""
from . import fpn  # noqa: F401
