"""Pictures of the first convolution's filters while training: edges and colour blobs appearing.

The classic "conv1 filters at epochs 0-4" figure: each filter's weights, normalised on their own,
tiled into one image, written as a PNG under ``work_dir/vis`` and to TensorBoard.
"""
import torch.nn as nn

from ...errors import ConfigError
from ...registry import HOOKS
from ...visualization.figures import filter_grid, save_image
from .hook import Hook


def first_conv_name(model):
    """Dotted name of the first Conv2d registered in ``model`` (the layer that sees pixels)."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            return name
    raise ConfigError(f'{type(model).__name__} has no Conv2d; give FilterVisHook a layer= name')


@HOOKS.register_module()
class FilterVisHook(Hook):
    """Draw a conv layer's filters before training and every ``interval`` iterations (epochs in an
    epoch-based run).

    Args:
        interval: iterations (or epochs) between pictures; 0 draws only the initial filters.
        layer: module name of the convolution; default the model's first Conv2d.
        max_filters: draw at most this many filters.
    """

    priority = 'LOW'

    def __init__(self, interval=100, layer=None, max_filters=64, ncols=8, scale=4):
        self.interval, self.layer = interval, layer
        self.max_filters, self.ncols, self.scale = max_filters, ncols, scale

    def before_train(self, runner):
        self._draw(runner, 'iter', runner.progress.iter)

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        if not runner.by_epoch and self.every_n_train_iters(runner, self.interval):
            self._draw(runner, 'iter', runner.progress.iter)

    def after_train_epoch(self, runner):
        if runner.by_epoch and self.every_n_epochs(runner, self.interval):
            self._draw(runner, 'epoch', runner.progress.epoch)

    def _draw(self, runner, unit, count):
        if runner.rank != 0:
            return
        model = runner.unwrapped_model
        name = self.layer or first_conv_name(model)
        modules = dict(model.named_modules())
        if name not in modules or not hasattr(modules[name], 'weight'):
            raise ConfigError(f'FilterVisHook layer={name!r} is not a layer with weights in '
                           f'{type(model).__name__}; e.g. {first_conv_name(model)!r}')
        grid = filter_grid(modules[name].weight[:self.max_filters], self.ncols, self.scale)
        save_image(grid, runner.work_dir / 'vis' / f'filters_{unit}_{count}.png')
        if runner.writer is not None:
            runner.writer.add_image(f'filters/{name}', grid, runner.progress.iter, dataformats='HWC')
