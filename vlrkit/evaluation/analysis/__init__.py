"""Importing this package registers its components."""
from . import heatmap_grid  # noqa: F401
