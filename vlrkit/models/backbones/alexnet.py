"""AlexNet's convolutional trunk as the localiser's feature extractor (Oquab et al. 2015).

It is torchvision's ``AlexNet.features`` without its last max-pool: keeping pool5 out preserves
spatial resolution (a 512×512 input gives 31×31 conv5 cells instead of 15×15), which is what the
class heatmaps are later drawn from. Layers carry their paper names (conv1 … conv5) rather than
torchvision's ``features.<index>``, so ImageNet weights are loaded through a key map.

Shapes: input (N, 3, H, W) -> conv5 (N, 256, H', W'); for H = 512: conv1 127, pool1 63, pool2 31,
conv3–conv5 31 (stride 16 overall).
"""
import torch.nn as nn
import torch.nn.functional as F

from vlrkit.errors import ConfigError
from vlrkit.models.backbones.frozen_stages import FrozenStagesMixin
from vlrkit.registry import BACKBONES

#: torchvision ``alexnet`` state-dict names -> ours; the classifier (fc6–fc8) has no place here.
TORCHVISION_KEY_MAP = [
    (r'^features\.0\.', 'conv1.'),
    (r'^features\.3\.', 'conv2.'),
    (r'^features\.6\.', 'conv3.'),
    (r'^features\.8\.', 'conv4.'),
    (r'^features\.10\.', 'conv5.'),
]


#: Channels of torchvision's AlexNet conv1 … conv5 (its ImageNet weights have these shapes).
TORCHVISION_WIDTHS = (64, 192, 384, 256, 256)


@BACKBONES.register_module()
class AlexNetFeatures(FrozenStagesMixin, nn.Module):
    """conv1 … conv5 of AlexNet (torchvision's variant: 64-192-384-256-256 channels), pool5 dropped.

    Args:
        pretrained: None (random init); 'imagenet' (torchvision's AlexNet_Weights.IMAGENET1K_V1 from
            the torch hub cache, never downloaded: a missing file raises with where to put it); a
            torchvision weights name; or the path of a checkpoint with torchvision's key names.
        frozen_stages: -1 trains everything; 0 freezes the stem (conv1); N freezes conv1 and the
            first N stages after it (conv2 … conv(N+1)), the meaning every backbone gives it
            (``FrozenStagesMixin``).
        widths: output channels of conv1 … conv5; torchvision's (64, 192, 384, 256, 256) by
            default (required for pretrained weights). Narrower widths keep AlexNet's geometry
            (kernels, strides, map sizes) at a fraction of the cost, for CPU demos.

    Returns from ``forward``: a one-element tuple ``(conv5,)`` of (N, C5, H', W') after ReLU, the
    shape every backbone of vlrkit gives (a tuple of feature levels).
    """

    #: conv5 cell ``o`` is centred on input coordinate ``feature_offset + o * feature_stride``
    #: (conv1 pad 2 / stride 4 centres at 4o + 3.5; each stride-2 pool maps o to 2o + 1).
    feature_stride = 16
    feature_offset = 15.5

    def __init__(self, pretrained=None, frozen_stages=-1, widths=TORCHVISION_WIDTHS):
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if len(widths) != 5 or min(widths) < 1:
            raise ConfigError(f'AlexNetFeatures widths={widths}; give 5 positive channel counts')
        if pretrained is not None and widths != TORCHVISION_WIDTHS:
            raise ConfigError(f'AlexNetFeatures: pretrained weights need widths={TORCHVISION_WIDTHS}, '
                              f'got {widths}; drop widths= or pretrained=')
        c1, c2, c3, c4, c5 = widths
        self.out_channels = c5
        self.conv1 = nn.Conv2d(3, c1, kernel_size=11, stride=4, padding=2)
        self.pool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=5, padding=2)
        self.pool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.conv3 = nn.Conv2d(c2, c3, kernel_size=3, padding=1)
        self.conv4 = nn.Conv2d(c3, c4, kernel_size=3, padding=1)
        self.conv5 = nn.Conv2d(c4, c5, kernel_size=3, padding=1)
        self.frozen_stages = frozen_stages
        self.load_report = None
        self.init_weights()
        if pretrained is not None:
            self.load_pretrained(pretrained)
        self._freeze_stages()

    def init_weights(self):
        """He (Kaiming) initialisation for training from scratch.

        PyTorch's default conv init has a third of He's variance, so activations shrink ~2× per
        layer (conv5 ends ~50× smaller than the input) and a network without batch norm barely
        moves for its first hundreds of steps. Pretrained weights overwrite this.
        """
        for index in range(1, 6):
            conv = getattr(self, f'conv{index}')
            nn.init.kaiming_normal_(conv.weight, mode='fan_in', nonlinearity='relu')
            nn.init.zeros_(conv.bias)

    def load_pretrained(self, pretrained):
        """Load torchvision AlexNet weights into conv1–conv5 (renamed keys, fc layers ignored)."""
        # Imported here: only pretrained runs need the loader.
        from vlrkit.models.pretrained import load_pretrained
        self.load_report = load_pretrained(
            self, pretrained, default_weights='AlexNet_Weights.IMAGENET1K_V1',
            key_map=TORCHVISION_KEY_MAP, ignore_prefixes=('classifier.',))
        if self.load_report.missing:
            raise RuntimeError(f'AlexNetFeatures: {pretrained!r} did not provide '
                               f'{self.load_report.missing}; is it an AlexNet checkpoint with '
                               "torchvision's 'features.<i>' names?")

    @property
    def stages(self):
        return [self.conv2, self.conv3, self.conv4, self.conv5]

    def stem_modules(self):
        return [self.conv1]

    def forward(self, images):
        x = self.pool1(F.relu(self.conv1(images), inplace=True))
        x = self.pool2(F.relu(self.conv2(x), inplace=True))
        x = F.relu(self.conv3(x), inplace=True)
        x = F.relu(self.conv4(x), inplace=True)
        return (F.relu(self.conv5(x), inplace=True),)
