"""ResNet backbone over torchvision's resnet18/34/50, returning the feature maps a task needs.

Stage indices follow mmdetection: ``layer1..layer4`` are 0..3 with strides 4, 8, 16, 32. A
classifier takes ``out_indices=(3,)`` plus a pooling neck; FCOS takes ``(1, 2, 3)`` (C3-C5).
ImageNet initialisation goes through torchvision's weights API, offline (see ``pretrained.py``).
"""
import torch.nn as nn
from torchvision.models import resnet18, resnet34, resnet50

from vlrkit.errors import ConfigError
from vlrkit.models.backbones.frozen_stages import FrozenStagesMixin
from vlrkit.models.pretrained import load_pretrained
from vlrkit.registry import BACKBONES

# depth -> (torchvision builder, weights 'imagenet' stands for, output channels of layer1..layer4)
ARCHS = {
    18: (resnet18, 'ResNet18_Weights.IMAGENET1K_V1', (64, 128, 256, 512)),
    34: (resnet34, 'ResNet34_Weights.IMAGENET1K_V1', (64, 128, 256, 512)),
    50: (resnet50, 'ResNet50_Weights.IMAGENET1K_V1', (256, 512, 1024, 2048)),
}
NUM_STAGES = 4


@BACKBONES.register_module()
class ResNet(FrozenStagesMixin, nn.Module):
    """torchvision ResNet without its pooling and fc, as a multi-scale backbone.

    Args:
        depth: 18, 34 or 50.
        out_indices: stages whose outputs ``forward`` returns, in stage order (0..3 = layer1..layer4).
        frozen_stages: -1 trains everything; 0 freezes the stem (conv1, bn1); N freezes the stem and
            layer1..layerN (no gradients, BatchNorm statistics fixed) — the usual fine-tuning setting.
        norm_eval: keep every BatchNorm in eval mode during training (small batches on detection
            would otherwise corrupt ImageNet statistics).
        pretrained: None (torchvision's random init), 'imagenet' (the depth's IMAGENET1K_V1 weights
            from the torch hub cache), a torchvision weights name, or a checkpoint path.
        key_map: optional renaming of the checkpoint's keys (see ``pretrained.remap_keys``).

    Shapes: images (N, 3, H, W) -> tuple of (N, out_channels[i], H / stride_i, W / stride_i).
    """

    def __init__(self, depth=18, out_indices=(3,), frozen_stages=-1, norm_eval=False,
                 pretrained=None, key_map=None):
        super().__init__()
        if depth not in ARCHS:
            raise ConfigError(f'ResNet depth={depth!r} is not supported; choose one of {sorted(ARCHS)}')
        out_indices = tuple(sorted(set(out_indices)))  # outputs come in stage order
        if not out_indices or any(i not in range(NUM_STAGES) for i in out_indices):
            raise ConfigError(f'ResNet out_indices={out_indices} must be non-empty stage indices in '
                              f'0..{NUM_STAGES - 1} (layer1..layer4, strides 4, 8, 16, 32)')
        builder, default_weights, channels = ARCHS[depth]
        net = builder(weights=None)
        self.out_indices = out_indices
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.out_channels = [channels[i] for i in out_indices]
        self.conv1, self.bn1, self.relu, self.maxpool = net.conv1, net.bn1, net.relu, net.maxpool
        self.layer1, self.layer2, self.layer3, self.layer4 = net.layer1, net.layer2, net.layer3, net.layer4
        # The ImageNet classifier (fc) belongs to the checkpoint, not to a backbone: drop it quietly.
        self.load_report = load_pretrained(self, pretrained, default_weights, key_map=key_map,
                                           ignore_prefixes=('fc.',))
        self._freeze_stages()

    @property
    def stages(self):
        return [self.layer1, self.layer2, self.layer3, self.layer4]

    def stem_modules(self):
        return [self.conv1, self.bn1]

    def forward(self, images):
        x = self.maxpool(self.relu(self.bn1(self.conv1(images))))
        outs = []
        for index, stage in enumerate(self.stages):
            x = stage(x)
            if index in self.out_indices:
                outs.append(x)
            if index == max(self.out_indices):
                break  # later stages would be computed for nothing
        return tuple(outs)
