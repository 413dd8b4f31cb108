"""The contract every top-level model keeps, so one Runner can train and evaluate any of them."""
import inspect

import torch.nn as nn

from vlrkit.errors import ConfigError
from vlrkit.registry import MODELS
from .heads.base_head import BaseHead


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


def with_flip_test(model_cfg):
    """A copy of ``model_cfg`` with ``flip_test=True`` (``tools/test.py --tta``).

    Checked against the model type's constructor first: a model that takes no ``flip_test``
    would otherwise fail in the registry with a TypeError that does not say what to do.
    """
    model_type = model_cfg.get('type')
    model_cls = MODELS.get(model_type) if isinstance(model_type, str) else model_type
    if model_cls is not None:
        params = inspect.signature(model_cls).parameters
        takes_it = 'flip_test' in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
        if not takes_it:
            raise ConfigError(f'model type {getattr(model_cls, "__name__", model_type)!r} has no flip '
                              'test (its constructor takes no flip_test); run without --tta / tta=True')
    return type(model_cfg)({**model_cfg, 'flip_test': True})


class BaseModel(nn.Module):
    """A top-level model: composes the parts it is given by config and nothing deeper.

    ``loss(batch)`` returns a dict of tensors; the Runner sums every key that starts with ``loss``
    and logs the rest. ``predict(batch)`` returns one prediction dict per image (keys in
    ``vlrkit.structures``). ``forward(images)`` returns raw tensors for analysis and export.

    A model made of feature levels and a ``self.head`` (a ``BaseHead``) writes only
    ``extract_feat(images) -> tuple of levels``: the three calls below hand those levels to the
    head's call pair, so every such model trains and predicts the same way. One without a head
    overrides all three.

    Flip test-time augmentation is one switch for every family, ``flip_test`` (a constructor
    argument of each model that offers it, set last in its ``__init__`` so that the check below
    sees the built head; ``tools/test.py --tta`` turns it on). With it, ``predict`` runs the
    network on the images and on their mirror images (the padded batch flipped along x) and
    hands both raw outputs to ``merge_flipped``. The merge belongs to the head, because only the
    head knows what its outputs mean: class probabilities are averaged, boxes are mirrored back
    and merged by NMS. A model whose merge needs its own geometry (the localiser's map grid)
    overrides ``merge_flipped``. Asking for the flip test of a model that has no merge is a
    ConfigError naming the model type.
    """

    _flip_test = False

    @property
    def flip_test(self):
        """Whether ``predict`` merges the predictions of each image and of its mirror image."""
        return self._flip_test

    @flip_test.setter
    def flip_test(self, enabled):
        if enabled and not self.can_flip_test:
            raise ConfigError(f'{type(self).__name__} cannot flip-test: its head '
                              f'{type(getattr(self, "head", None)).__name__} has no merge_flipped; '
                              'set flip_test=False (or run without --tta), or implement '
                              'merge_flipped(outputs, mirrored_outputs, batch) in the head')
        self._flip_test = bool(enabled)

    @property
    def can_flip_test(self):
        """True when ``merge_flipped`` has something to call: overridden here or in the head."""
        if type(self).merge_flipped is not BaseModel.merge_flipped:
            return True
        head = getattr(self, 'head', None)
        return isinstance(head, BaseHead) and head.can_merge_flipped

    def extract_feat(self, images):
        raise NotImplementedError(f'{type(self).__name__} must implement extract_feat(images)')

    def forward(self, images):
        """images (N, C, H, W) -> the head's raw outputs."""
        return self.head(self.extract_feat(images))

    def loss(self, batch):
        return self.head.loss(self.extract_feat(batch['images']), batch)

    def predict(self, batch):
        images = batch['images']
        if not self.flip_test:
            return self.head.predict(self.extract_feat(images), batch)
        return self.merge_flipped(self(images), self(images.flip(-1)), batch)

    def merge_flipped(self, outputs, mirrored_outputs, batch):
        """Predictions from the head outputs of ``batch['images']`` and of ``images.flip(-1)``
        (``mirrored_outputs`` as the network saw them: still mirrored)."""
        return self.head.merge_flipped(outputs, mirrored_outputs, batch)
