"""RegNetX trunk (Radosavovic et al. 2020) from torchvision, returning the maps a task needs.

RegNetX-400MF is the course recipe's FCOS backbone: ~5 M parameters, strides 4/8/16/32 for its four
stages (``block1..block4``), so ``out_indices=(1, 2, 3)`` gives C3-C5. ImageNet initialisation goes
through torchvision's weights API, offline (see ``vlrkit.models.pretrained``).
"""
import torch.nn as nn
from torchvision.models import regnet

from vlrkit.errors import ConfigError
from vlrkit.models.backbones.frozen_stages import FrozenStagesMixin
from vlrkit.models.pretrained import load_pretrained
from vlrkit.registry import BACKBONES

# arch -> torchvision builder, the weights 'imagenet' stands for
ARCHS = {
    'regnetx_400mf': (regnet.regnet_x_400mf, 'RegNet_X_400MF_Weights.IMAGENET1K_V1'),
    'regnetx_800mf': (regnet.regnet_x_800mf, 'RegNet_X_800MF_Weights.IMAGENET1K_V1'),
    'regnetx_1_6gf': (regnet.regnet_x_1_6gf, 'RegNet_X_1_6GF_Weights.IMAGENET1K_V1'),
}
NUM_STAGES = 4


@BACKBONES.register_module()
class RegNet(FrozenStagesMixin, nn.Module):
    """torchvision RegNet without its pooling and fc.

    Args:
        arch: one of ``ARCHS`` ('regnetx_400mf' by default).
        out_indices: stages returned, 0..3 = block1..block4 (strides 4, 8, 16, 32).
        frozen_stages: -1 none; 0 the stem; N the stem and the first N stages.
        norm_eval: keep BatchNorm in eval mode while training (small detection batches).
        pretrained: None, 'imagenet', a torchvision weights name, or a checkpoint path.

    Shapes: images (N, 3, H, W) -> tuple of (N, out_channels[i], H / stride_i, W / stride_i).
    """

    def __init__(self, arch='regnetx_400mf', out_indices=(1, 2, 3), frozen_stages=-1,
                 norm_eval=False, pretrained=None, key_map=None):
        super().__init__()
        if arch not in ARCHS:
            raise ConfigError(f'RegNet arch={arch!r} is not supported; choose one of {sorted(ARCHS)}')
        out_indices = tuple(sorted(set(out_indices)))
        if not out_indices or any(i not in range(NUM_STAGES) for i in out_indices):
            raise ConfigError(f'RegNet out_indices={out_indices} must be stage indices in 0..3')
        builder, default_weights = ARCHS[arch]
        net = builder(weights=None)
        self.stem = net.stem
        self.trunk_output = net.trunk_output       # torchvision's names, so checkpoints load as-is
        self.out_indices = out_indices
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        widths = [stage[-1].f.c[0].out_channels for stage in self.trunk_output]  # last 1x1 conv
        self.out_channels = [widths[i] for i in out_indices]
        self.load_report = load_pretrained(self, pretrained, default_weights, key_map=key_map,
                                           ignore_prefixes=('fc.',))
        self._freeze_stages()

    @property
    def stages(self):
        return list(self.trunk_output)

    def stem_modules(self):
        return [self.stem]

    def forward(self, images):
        x = self.stem(images)
        outs = []
        for index, stage in enumerate(self.trunk_output):
            x = stage(x)
            if index in self.out_indices:
                outs.append(x)
            if index == self.out_indices[-1]:
                break
        return tuple(outs)
