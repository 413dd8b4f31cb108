"""The one contract every task head keeps, so every top-level model reads the same way.

A model hands its head the feature levels and the batch: ``loss(feats, batch)`` for training and
``predict(feats, batch)`` for inference. A head writes ``forward(feats)`` (raw tensors, for analysis
and export) and the two halves that turn those tensors into losses or predictions,
``loss_by_feat(outputs, batch)`` and ``predict_by_feat(outputs, batch)`` (mmdetection's split).
Keeping the batch whole in both halves means a head reads the keys it needs (labels, difficult,
boxes, scale_factor, ...) from ``vlrkit.structures`` instead of the model unpacking them for it.

A head that supports the flip test (``BaseModel.flip_test``) also writes
``merge_flipped(outputs, mirrored_outputs, batch)``: the predictions of the images from the raw
outputs of both views, so that what is averaged or merged is decided where the outputs are
understood.
"""
import torch.nn as nn


class BaseHead(nn.Module):
    """Subclasses implement ``forward``, ``loss_by_feat`` and ``predict_by_feat``.

    ``outputs`` is whatever ``forward`` returns: one tensor, or a tuple of them, passed on as is.
    ``predict_by_feat`` returns one prediction dict per image with the keys and pixel space that
    ``vlrkit.structures`` documents (detection boxes in original image pixels), so a model never
    post-processes what its head predicted; it may only add what the head cannot know (the
    localiser adds where its heatmap cells sit on the image).
    """

    def loss(self, feats, batch):
        """feats: tuple of feature levels -> dict of losses (keys starting with ``loss`` are summed)."""
        return self.loss_by_feat(self(feats), batch)

    def predict(self, feats, batch):
        """feats: tuple of feature levels -> list of one prediction dict per image."""
        return self.predict_by_feat(self(feats), batch)

    def loss_by_feat(self, outputs, batch):
        raise NotImplementedError(f'{type(self).__name__} must implement loss_by_feat(outputs, batch)')

    def predict_by_feat(self, outputs, batch):
        raise NotImplementedError(f'{type(self).__name__} must implement predict_by_feat(outputs, batch)')

    def merge_flipped(self, outputs, mirrored_outputs, batch):
        """One prediction dict per image from ``forward``'s outputs on ``batch['images']`` and on
        ``batch['images'].flip(-1)`` (the mirrored outputs as computed: still mirrored)."""
        raise NotImplementedError(f'{type(self).__name__} has no flip test: implement '
                                  'merge_flipped(outputs, mirrored_outputs, batch)')

    @property
    def can_merge_flipped(self):
        """Whether this head's class implements ``merge_flipped``."""
        return type(self).merge_flipped is not BaseHead.merge_flipped
