"""Importing this package registers the hooks and the optimizer/scheduler helpers."""
from . import hooks  # noqa: F401
