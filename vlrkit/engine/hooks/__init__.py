"""Importing this package registers its hooks."""
from . import (checkpoint_hook, filter_vis_hook, grad_histogram_hook, logger_hook,  # noqa: F401
               nan_guard_hook, param_scheduler_hook, sampler_seed_hook, tensorboard_hook,
               train_image_vis_hook)
from . import heatmap_vis_hook  # noqa: F401
from . import det_vis_hook  # noqa: F401
