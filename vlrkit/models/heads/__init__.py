"""Importing this package registers its components."""
from . import fcos_head  # noqa: F401
