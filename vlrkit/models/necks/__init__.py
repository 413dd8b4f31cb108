"""Importing this package registers its components."""
from . import global_pool  # noqa: F401
