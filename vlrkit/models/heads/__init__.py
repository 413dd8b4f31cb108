"""Importing this package registers its heads."""
from . import cls_head  # noqa: F401
from . import localizer_head  # noqa: F401
from . import fcos_head  # noqa: F401
from . import wsddn_head  # noqa: F401
