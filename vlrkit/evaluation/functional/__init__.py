"""Importing this package registers its components."""
from .voc_map import average_precision, voc_map, voc_map_flat  # noqa: F401
from . import multilabel  # noqa: F401
