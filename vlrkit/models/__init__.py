"""Importing this package registers every backbone, neck, head, loss and top-level model."""
from . import backbones, classifier, heads, losses, necks  # noqa: F401
from . import localizer  # noqa: F401
from . import fcos  # noqa: F401
from . import wsddn  # noqa: F401
