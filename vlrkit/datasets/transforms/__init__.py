"""Importing this package registers its components."""
from . import color, compose, crop, flip, formatting, loading, normalize, pad, resize  # noqa: F401
from .compose import Compose  # noqa: F401
