"""The contract every top-level model keeps, so one Runner can train and evaluate any of them."""
import torch.nn as nn


def feature_levels(feats, part):
    """``feats``, what backbone or neck ``part`` returned, checked to be a tuple of feature levels.

    Every head reads levels by position (``feats[-1]``, ``feats[0]``, one per FPN level); a bare
    tensor would be indexed along its batch dimension instead and fail far from the cause, or not
    at all. Raised as a TypeError: the fix is in the part's code, not in a config.
    """
    if not isinstance(feats, tuple):
        raise TypeError(f'{type(part).__name__}.forward returned a {type(feats).__name__}; a backbone '
                        'or neck returns a tuple of feature levels (one level: return (x,)), '
                        'see docs/customize_model.md')
    return feats


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
