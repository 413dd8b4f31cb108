"""Pictures of detections during training: predicted and ground-truth boxes side by side.

Every ``interval`` iterations the hook predicts the first ``num_images`` images of the validation
set (the training batch if there is none) and writes, per image, the ground truth (left, green)
next to the predictions (right, one colour per class, scores above ``score_thr``) to TensorBoard
(``det_vis/<i>``) and as PNGs in ``work_dir/<out_dir>/iter_<n>_<i>.png``.
"""
import numpy as np
import torch

from ...evaluation.metrics.localization import image_objects
from ...registry import HOOKS
from ...structures import collate, image_pair, move_to, to_numpy
from ...visualization.boxes import GT_COLOUR, draw_boxes, save_png, to_uint8_image
from .hook import Hook


@HOOKS.register_module()
class DetVisualizationHook(Hook):
    """Args:
        interval: iterations between pictures (the last iteration always gets one).
        num_images: images per picture set.
        score_thr: predictions below it are not drawn.
        out_dir: PNG folder inside the work_dir; None writes TensorBoard only.
    """

    priority = 'LOW'

    def __init__(self, interval=500, num_images=4, score_thr=0.3, out_dir='vis'):
        self.interval = interval
        self.num_images = num_images
        self.score_thr = score_thr
        self.out_dir = out_dir
        self._batch = None

    def _fixed_batch(self, runner, train_batch):
        """The same images every time, so pictures at different iterations compare directly."""
        if self._batch is None:
            loader = runner.val_dataloader or runner.train_dataloader
            if loader is not None:
                dataset = loader.dataset
                self._batch = collate([dataset[i] for i in range(min(self.num_images, len(dataset)))])
            else:
                self._batch = {k: v[:self.num_images] for k, v in train_batch.items()}
        return self._batch

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        if runner.rank != 0 or not (self.every_n_train_iters(runner, self.interval) or
                                    self.is_last_train_iter(runner)):
            return
        self.visualize(runner, self._fixed_batch(runner, batch), runner.progress.iter)

    @torch.no_grad()
    def visualize(self, runner, batch, step):
        model = runner.unwrapped_model
        was_training = model.training
        model.eval()
        preds = model.predict(move_to(batch, runner.device))
        model.train(was_training)
        names = runner.class_names
        out = None
        if self.out_dir is not None:
            out = runner.work_dir / self.out_dir
            out.mkdir(parents=True, exist_ok=True)
        for index, pred in enumerate(preds):
            picture = self.picture(batch, index, pred, names)
            if runner.writer is not None:
                runner.writer.add_image(f'det_vis/{index}', picture, step, dataformats='HWC')
            if out is not None:
                save_png(out / f'iter_{step}_{index}.png', picture)

    def picture(self, batch, index, pred, names):
        """Ground truth | predictions, both on the input image (predictions are mapped from
        original pixels back to input pixels with ``scale_factor``)."""
        image = to_uint8_image(batch['images'][index])
        # A weakly-supervised detector trains on classification batches: their `objects`.
        objects = image_objects(batch, index)
        gt = draw_boxes(image, objects['boxes'], objects['labels'], class_names=names,
                        colour=GT_COLOUR)
        scale = image_pair(batch, 'scale_factor', index, default=(1.0, 1.0))
        boxes = to_numpy(pred['boxes']) * np.tile(scale, 2)
        det = draw_boxes(image, boxes, pred['labels'].cpu(), pred['scores'].cpu(), names,
                         score_thr=self.score_thr)
        return np.concatenate([gt, np.full((image.shape[0], 4, 3), 255, np.uint8), det], axis=1)
