"""Importing this package registers its components."""
from . import localizer_head  # noqa: F401
