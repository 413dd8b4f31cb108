"""Importing this package registers its backbones."""
from . import caffenet  # noqa: F401
from . import conv_net  # noqa: F401
from . import resnet  # noqa: F401
from . import simple_cnn  # noqa: F401
from . import alexnet  # noqa: F401
from . import regnet  # noqa: F401
