"""Importing this package registers its components."""
from . import localization  # noqa: F401
