"""Importing this package registers its hooks."""
from . import (checkpoint_hook, logger_hook, nan_guard_hook, param_scheduler_hook,  # noqa: F401
               sampler_seed_hook, tensorboard_hook)
from . import heatmap_vis_hook  # noqa: F401
from . import det_vis_hook  # noqa: F401
