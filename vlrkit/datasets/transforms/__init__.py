"""Importing this package registers its components."""
from . import albu, color, compose, crop, flip, formatting, loading  # noqa: F401
from . import hide_patches, load_proposals, normalize, pad, resize  # noqa: F401
from .compose import Compose  # noqa: F401
