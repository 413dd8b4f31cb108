"""Importing this package registers its losses."""
from . import cross_entropy  # noqa: F401
