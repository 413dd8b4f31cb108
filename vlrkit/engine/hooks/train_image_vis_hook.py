"""The training images as the model sees them: after augmentation, normalisation undone.

Wrong crops, flipped boxes or a forgotten normalisation are obvious in a picture and invisible in
a loss curve. Every ``interval`` iterations the first images of the batch are tiled into a PNG
under ``work_dir/vis`` and sent to TensorBoard.
"""
from ...registry import HOOKS
from ...visualization.figures import save_image, tile_grid
from ...visualization.images import to_display
from .hook import Hook


@HOOKS.register_module()
class TrainImageVisHook(Hook):
    """Draw ``num_images`` training inputs every ``interval`` iterations.

    ``mean`` / ``std``: the normalisation of the pipeline (e.g. ImageNet's
    ``[123.675, 116.28, 103.53]`` / ``[58.395, 57.12, 57.375]``, or ``[0.5]`` / ``[0.5]`` for Digits);
    without them every image is stretched to its own range.
    """

    priority = 'LOW'

    def __init__(self, interval=100, num_images=16, mean=None, std=None, ncols=8):
        self.interval, self.num_images = interval, num_images
        self.mean, self.std, self.ncols = mean, std, ncols

    def before_train_iter(self, runner, batch_idx, batch):
        step = runner.progress.iter + 1   # the iteration about to run, 1-based
        if runner.rank != 0 or not (step == 1 or self.every_n(step, self.interval)):
            return
        images = [to_display(img, self.mean, self.std) for img in batch['images'][:self.num_images]]
        grid = tile_grid(images, ncols=self.ncols)
        save_image(grid, runner.work_dir / 'vis' / f'train_images_iter_{step}.png')
        if runner.writer is not None:
            runner.writer.add_image('train/images', grid, step, dataformats='HWC')
