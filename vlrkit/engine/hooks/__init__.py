"""Importing this package registers its components."""
from . import heatmap_vis_hook  # noqa: F401
