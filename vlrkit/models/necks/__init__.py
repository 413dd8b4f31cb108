"""Importing this package registers its components."""
from . import fpn  # noqa: F401
from . import global_pool  # noqa: F401
