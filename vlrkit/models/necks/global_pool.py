"""Global average pooling neck: turns every feature map into one vector per image."""
import torch
import torch.nn.functional as F

from vlrkit.errors import ConfigError
from vlrkit.registry import NECKS


@NECKS.register_module()
class GlobalAveragePooling(torch.nn.Module):
    """Average each level of a convolutional backbone over space, for a classification head.

    Like every neck it maps a tuple of levels to a tuple of levels; the head then reads the last.
    Shapes: tuple of (N, C_i, H_i, W_i) -> tuple of (N, C_i).
    """

    def forward(self, feats):
        for feat in feats:
            if feat.dim() != 4:
                raise ConfigError('GlobalAveragePooling expects (N, C, H, W) feature maps, got '
                                  f'{tuple(feat.shape)}; the backbone already returns vectors, '
                                  'so drop the neck')
        return tuple(torch.flatten(F.adaptive_avg_pool2d(feat, 1), 1) for feat in feats)
