"""Importing this package registers every metric and analysis evaluator."""
from . import analysis, metrics  # noqa: F401
