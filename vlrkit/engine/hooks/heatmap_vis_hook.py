"""Watch the heatmaps form: the same training and validation images, rendered every few epochs.

For each image of two fixed sets (the first ``num_images`` of a seeded shuffle of the training and
of the validation dataset) the hook writes the input image and, for every ground-truth class, its
heatmap blended over the image. Images go to TensorBoard (``heatmaps/<split>/<img_id>/...``) and to
``<work_dir>/heatmaps/epoch_<e>/<split>_<img_id>_<class>.png``. It runs after the first epoch,
every ``interval`` epochs and after the last one, so a run always shows the start and the end.
"""
import numpy as np
import torch
from PIL import Image

from vlrkit.evaluation.functional.heatmap_boxes import heatmap_to_original
from vlrkit.registry import HOOKS
from vlrkit.structures import collate
from vlrkit.visualization.heatmap import overlay_heatmap, tensor_to_rgb

from .hook import Hook


def pick_indices(dataset, num_images, seed):
    """``num_images`` dataset indices, the same in every run with the same seed."""
    order = np.random.default_rng(seed).permutation(len(dataset))
    return sorted(int(i) for i in order[:num_images])


def normalisation(dataset):
    """(mean, std) of the dataset pipeline's normalisation step, or (None, None) if it has none."""
    for step in getattr(getattr(dataset, 'pipeline', None), 'transforms', ()):
        if hasattr(step, 'mean') and hasattr(step, 'std'):
            return step.mean, step.std
    return None, None


def input_rgb(sample, mean=None, std=None):
    """The image the network saw (after resizing and any random flip), de-normalised, unpadded.

    Not the file on disk: a training sample may be flipped, and its heatmap belongs to the flip.
    """
    height, width = (int(v) for v in sample.get('img_shape', sample['image'].shape[-2:]))
    return tensor_to_rgb(sample['image'][:, :height, :width], mean, std)


@HOOKS.register_module()
class HeatmapVisHook(Hook):
    """Heatmap overlays of fixed training and validation images during training.

    Args:
        interval: render every ``interval`` epochs (the first and last epochs always).
        num_images: images per split.
        alpha: heatmap weight in the blend.
        cmap: matplotlib colormap.
        seed: fixes which images are shown.
        splits: which dataloaders' datasets to draw from: 'train' and/or 'val'.
        absolute_scale: colour probabilities 0..1 on a fixed scale (compares confidence across
            epochs) instead of stretching each map between its own min and max (shows shape).
    """

    priority = 'LOW'

    def __init__(self, interval=5, num_images=4, alpha=0.5, cmap='jet', seed=0,
                 splits=('train', 'val'), absolute_scale=False):
        unknown = set(splits) - {'train', 'val'}
        if unknown:
            raise ValueError(f"HeatmapVisHook splits={splits}; use 'train' and/or 'val'")
        self.interval = interval
        self.num_images = num_images
        self.alpha = alpha
        self.cmap = cmap
        self.seed = seed
        self.splits = tuple(splits)
        self.value_range = (0.0, 1.0) if absolute_scale else (None, None)

    def after_train_epoch(self, runner):
        first = runner.progress.epoch == 1
        if first or self.every_n_epochs(runner, self.interval) or self.is_last_train_epoch(runner):
            self.render(runner)

    def render(self, runner):
        """Draw every selected image of every split for the current epoch; rank 0 only."""
        if getattr(runner, 'rank', 0) != 0:
            return
        out_dir = runner.work_dir / 'heatmaps' / f'epoch_{runner.progress.epoch}'
        out_dir.mkdir(parents=True, exist_ok=True)
        model = runner.unwrapped_model
        was_training = model.training
        model.eval()
        try:
            for split in self.splits:
                loader = getattr(runner, f'{split}_dataloader', None)
                if loader is None:
                    continue
                dataset = loader.dataset
                mean, std = normalisation(dataset)
                for index in pick_indices(dataset, self.num_images, self.seed):
                    self._render_one(runner, model, split, dataset[index], out_dir, mean, std)
        finally:
            model.train(was_training)

    @torch.no_grad()
    def _render_one(self, runner, model, split, sample, out_dir, mean, std):
        batch = collate([sample])
        class_maps = torch.sigmoid(model(batch['images'].to(runner.device)).float())[0].cpu()
        image = input_rgb(sample, mean, std)
        maps = heatmap_to_original(class_maps.numpy(), batch['images'].shape[-2:],
                                   sample.get('img_shape'), image.shape[:2],
                                   **getattr(model, 'heatmap_geometry', {}))
        img_id = str(sample.get('img_id', 'image'))
        names = list(runner.class_names or range(len(maps)))
        step = runner.progress.epoch
        self._write(runner, f'heatmaps/{split}/{img_id}/image', image, step,
                    out_dir / f'{split}_{img_id}.png')
        labels = sample['labels'] if 'labels' in sample else torch.zeros(len(maps))
        for cls in torch.nonzero(torch.as_tensor(labels) > 0).flatten().tolist():
            blended = overlay_heatmap(image, maps[cls], self.alpha, self.cmap, *self.value_range)
            name = str(names[cls])
            self._write(runner, f'heatmaps/{split}/{img_id}/{name}', blended, step,
                        out_dir / f'{split}_{img_id}_{name}.png')

    @staticmethod
    def _write(runner, tag, image, step, path):
        Image.fromarray(image).save(path)
        if runner.writer is not None:
            runner.writer.add_image(tag, image, global_step=step, dataformats='HWC')
