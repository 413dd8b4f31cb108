"""Importing this package registers its components."""
from . import bce  # noqa: F401
