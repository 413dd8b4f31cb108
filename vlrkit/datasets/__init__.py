"""Importing this package registers its datasets."""
from . import digits, mnist  # noqa: F401
