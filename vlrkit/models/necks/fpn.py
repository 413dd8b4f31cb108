"""Feature Pyramid Network (Lin et al. 2017): one set of equally wide maps across scales.

Lateral 1x1 convs bring every backbone stage to ``out_channels``; a top-down pass upsamples the
coarser map (nearest) and adds it, so fine levels also carry semantic, coarse context; a 3x3 conv
per level smooths the upsampling seams. Extra levels (P6, P7 for large objects) are stride-2 3x3
convs on C5 (``'on_input'``, the original FCOS) or on P5 (``'on_output'``, the improved FCOS).
"""
import torch.nn as nn
import torch.nn.functional as F

from vlrkit.errors import ConfigError
from vlrkit.registry import NECKS


@NECKS.register_module()
class FPN(nn.Module):
    """Args:
        in_channels: channels of the backbone outputs used, finest first (e.g. C3, C4, C5).
        out_channels: channels of every output level.
        num_outs: number of outputs; more than ``len(in_channels)`` adds stride-2 extra levels.
        add_extra_convs: 'on_output' (from P5) or 'on_input' (from C5) for the extra levels.
        relu_before_extra_convs: ReLU between extra levels (as in FCOS / RetinaNet's P7).

    Shapes: tuple of (N, in_channels[i], H_i, W_i) -> tuple of ``num_outs`` (N, out_channels, ., .).
    """

    def __init__(self, in_channels, out_channels, num_outs=None, add_extra_convs='on_output',
                 relu_before_extra_convs=True):
        super().__init__()
        in_channels = list(in_channels)
        num_outs = num_outs or len(in_channels)
        if num_outs < len(in_channels):
            raise ConfigError(f'FPN num_outs={num_outs} is smaller than the {len(in_channels)} inputs')
        if add_extra_convs not in ('on_output', 'on_input'):
            raise ConfigError(f"FPN add_extra_convs={add_extra_convs!r}; use 'on_output' or 'on_input'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_outs = num_outs
        self.add_extra_convs = add_extra_convs
        self.relu_before_extra_convs = relu_before_extra_convs
        self.lateral_convs = nn.ModuleList(nn.Conv2d(c, out_channels, 1) for c in in_channels)
        self.fpn_convs = nn.ModuleList(nn.Conv2d(out_channels, out_channels, 3, padding=1)
                                       for _ in in_channels)
        extra_in = [in_channels[-1] if add_extra_convs == 'on_input' else out_channels] + \
            [out_channels] * (num_outs - len(in_channels) - 1)
        self.extra_convs = nn.ModuleList(nn.Conv2d(c, out_channels, 3, stride=2, padding=1)
                                         for c in extra_in[:num_outs - len(in_channels)])
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                # Xavier, as mmdetection's FPN: keeps the variance of the sum of levels in check
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, inputs):
        if len(inputs) != len(self.in_channels):
            raise ConfigError(f'FPN got {len(inputs)} feature maps but in_channels lists '
                              f'{len(self.in_channels)}; match the backbone out_indices')
        laterals = [conv(x) for conv, x in zip(self.lateral_convs, inputs)]
        for i in range(len(laterals) - 1, 0, -1):   # top-down: coarse context into fine levels
            laterals[i - 1] = laterals[i - 1] + F.interpolate(laterals[i], size=laterals[i - 1].shape[-2:],
                                                              mode='nearest')
        outs = [conv(x) for conv, x in zip(self.fpn_convs, laterals)]
        x = inputs[-1] if self.add_extra_convs == 'on_input' else outs[-1]
        for index, conv in enumerate(self.extra_convs):
            if index > 0 and self.relu_before_extra_convs:
                x = F.relu(x)
            x = conv(x)
            outs.append(x)
        return tuple(outs)
