"""Global average pooling neck: turns the last feature map into one vector per image."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from vlrkit.registry import NECKS


@NECKS.register_module()
class GlobalAveragePooling(nn.Module):
    """Average the last map of a backbone's outputs over space.

    Backbones return a tuple of maps (one per ``out_indices``); a classifier head wants the last
    (deepest) one as a vector. Shapes: tuple of (N, C_i, H_i, W_i) or one (N, C, H, W) -> (N, C).
    """

    def forward(self, feats):
        last = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if not isinstance(last, torch.Tensor) or last.dim() != 4:
            raise ValueError('GlobalAveragePooling expects (N, C, H, W) feature maps, got '
                             f'{getattr(last, "shape", type(last))}')
        return torch.flatten(F.adaptive_avg_pool2d(last, 1), 1)
