"""The contract every top-level model keeps, so one Runner can train and evaluate any of them."""
import torch.nn as nn


class BaseModel(nn.Module):
    """A top-level model: composes the parts it is given by config and nothing deeper.

    ``loss(batch)`` returns a dict of tensors; the Runner sums every key that starts with ``loss``
    and logs the rest. ``predict(batch)`` returns one prediction dict per image (keys in
    ``vlrkit.structures``). ``forward(images)`` returns raw tensors for analysis and export.
    """

    def loss(self, batch):
        raise NotImplementedError(f'{type(self).__name__} must implement loss(batch)')

    def predict(self, batch):
        raise NotImplementedError(f'{type(self).__name__} must implement predict(batch)')

    def forward(self, images):
        raise NotImplementedError(f'{type(self).__name__} must implement forward(images)')
