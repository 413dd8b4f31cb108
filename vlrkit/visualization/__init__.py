"""Importing this package registers its components."""
from . import boxes  # noqa: F401
from . import browse  # noqa: F401
