"""CaffeNet, the 2020 course recipe's VOC classifier: AlexNet as Caffe shipped it, trained from scratch.

Layers keep their Caffe names (``conv1`` .. ``conv5``, ``pool5``, ``fc6``, ``fc7``) as attributes,
so analysis tools hook ``backbone.pool5`` or ``backbone.fc7`` (nearest neighbours, t-SNE) and read
``backbone.conv1.weight`` (filter pictures). A hook on a conv/fc layer sees its output *before* the
ReLU; the ReLUs are separate modules (``relu1`` .. ``relu7``).

The classifier layer fc8 is the head's (``LinearClsHead(in_channels=4096, num_classes=20)``): this
backbone returns ``(fc7,)``, one level of fc7 features, the tuple of levels every backbone returns.
"""
import torch
import torch.nn as nn

from vlrkit.errors import ConfigError
from vlrkit.registry import BACKBONES

#: Flattened pool5 size: 256 channels x 6 x 6, for 227 and (thanks to Caffe's ceil-mode pooling) 224.
POOL5_FEATURES = 256 * 6 * 6


@BACKBONES.register_module()
class CaffeNet(nn.Module):
    """conv 11x11/4 96 valid -> ReLU -> max-pool 3/2 -> conv 5x5 256 same -> ReLU -> pool ->
    conv 3x3 384 -> conv 3x3 384 -> conv 3x3 256 (same, each + ReLU) -> pool5 -> fc6 4096 -> ReLU ->
    dropout -> fc7 4096 -> ReLU -> dropout.

    Pooling rounds up like Caffe's (``ceil_mode=True``), so a 224 input gives 54 -> 27 -> 13 -> 6
    exactly as 227 gives 55 -> 27 -> 13 -> 6: pool5 is 256 x 6 x 6 = 9216 either way.

    Args:
        in_channels: image channels.
        dropout: drop probability after fc6 and fc7 (0.5 in the 2020 recipe).
        init: 'xavier' (the 2020 recipe's xavier-uniform weights, zero biases) or 'default' (PyTorch's).

    Shapes: images (N, in_channels, 227 or 224, same) -> ((N, 4096) fc7 features,).
    """

    out_channels = 4096

    def __init__(self, in_channels=3, dropout=0.5, init='xavier'):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 96, kernel_size=11, stride=4)
        self.relu1 = nn.ReLU(inplace=True)
        self.pool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = nn.Conv2d(96, 256, kernel_size=5, padding=2)
        self.relu2 = nn.ReLU(inplace=True)
        self.pool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv3 = nn.Conv2d(256, 384, kernel_size=3, padding=1)
        self.relu3 = nn.ReLU(inplace=True)
        self.conv4 = nn.Conv2d(384, 384, kernel_size=3, padding=1)
        self.relu4 = nn.ReLU(inplace=True)
        self.conv5 = nn.Conv2d(384, 256, kernel_size=3, padding=1)
        self.relu5 = nn.ReLU(inplace=True)
        self.pool5 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.fc6 = nn.Linear(POOL5_FEATURES, 4096)
        self.relu6 = nn.ReLU(inplace=True)
        self.drop6 = nn.Dropout(dropout)
        self.fc7 = nn.Linear(4096, 4096)
        self.relu7 = nn.ReLU(inplace=True)
        self.drop7 = nn.Dropout(dropout)
        if init == 'xavier':
            for module in self.modules():
                if isinstance(module, (nn.Conv2d, nn.Linear)):
                    nn.init.xavier_uniform_(module.weight)
                    nn.init.zeros_(module.bias)
        elif init != 'default':
            raise ConfigError(f"CaffeNet init={init!r}; choose 'xavier' or 'default'")

    def forward_pool5(self, images):
        """(N, C, H, W) -> (N, 256, 6, 6) pool5 maps."""
        x = self.pool1(self.relu1(self.conv1(images)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = self.relu5(self.conv5(self.relu4(self.conv4(self.relu3(self.conv3(x))))))
        return self.pool5(x)

    def forward(self, images):
        pool5 = self.forward_pool5(images)
        if pool5.shape[1:] != (256, 6, 6):
            raise ConfigError(f'CaffeNet needs 227x227 or 224x224 inputs (pool5 256x6x6 = 9216 for fc6); '
                              f'input {tuple(images.shape[-2:])} gives pool5 {tuple(pool5.shape[1:])}. '
                              'Resize to 227 or 224 in the data pipeline.')
        x = self.drop6(self.relu6(self.fc6(torch.flatten(pool5, 1))))
        return (self.drop7(self.relu7(self.fc7(x))),)
