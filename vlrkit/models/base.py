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

    A model made of feature levels and a ``self.head`` (a ``BaseHead``) writes only
    ``extract_feat(images) -> tuple of levels``: the three calls below hand those levels to the
    head's call pair, so every such model trains and predicts the same way. A model that does more
    at test time (the localiser's flip test) overrides ``predict``; one without a head overrides
    all three.
    """

    def extract_feat(self, images):
        raise NotImplementedError(f'{type(self).__name__} must implement extract_feat(images)')

    def forward(self, images):
        """images (N, C, H, W) -> the head's raw outputs."""
        return self.head(self.extract_feat(images))

    def loss(self, batch):
        return self.head.loss(self.extract_feat(batch['images']), batch)

    def predict(self, batch):
        return self.head.predict(self.extract_feat(batch['images']), batch)
