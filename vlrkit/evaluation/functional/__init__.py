"""Importing this package registers its components."""
from . import multilabel  # noqa: F401
