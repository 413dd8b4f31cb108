"""Importing this package registers its components."""
from . import resnet  # noqa: F401
from . import caffenet, conv_net  # noqa: F401
