"""Importing this package registers its backbones."""
from . import simple_cnn  # noqa: F401
