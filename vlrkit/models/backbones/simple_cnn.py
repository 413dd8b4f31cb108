"""SimpleCNN of the VLR homeworks: two 5×5 conv blocks with average pooling, then a 128-d fc.

2020 variant: 1×28×28 input (MNIST / Fashion-MNIST); 454,922 parameters with its 10-way head.
2024 variant: ``in_channels=3, input_size=64`` (PASCAL VOC), where fc1 sees 64·16·16 = 16,384 inputs.
The classifier layer (fc2 in the homework) is the head's ``fc``, so the same backbone serves both.
"""
import torch.nn as nn

from ...errors import ConfigError
from ...registry import BACKBONES

NONLINEARITIES = {'relu': nn.ReLU, 'tanh': nn.Tanh, 'sigmoid': nn.Sigmoid,
                  'leaky_relu': nn.LeakyReLU, 'gelu': nn.GELU, None: nn.Identity, 'none': nn.Identity}


def make_nonlinearity(name):
    if name not in NONLINEARITIES:
        raise ValueError(f'nonlinearity={name!r}; choose one of {[k for k in NONLINEARITIES if k]}')
    return NONLINEARITIES[name]()


@BACKBONES.register_module()
class SimpleCNN(nn.Module):
    """images (N, C, S, S) -> features (N, feat_dim). ``S`` must be divisible by 4 (two 2× pools)."""

    def __init__(self, in_channels=1, input_size=28, nonlinearity='relu', feat_dim=128):
        super().__init__()
        if input_size % 4:
            raise ValueError(f'SimpleCNN input_size={input_size} must be divisible by 4 (two 2x pools)')
        self.input_size = input_size
        self.conv1 = nn.Conv2d(in_channels, 32, kernel_size=5, padding=2)
        self.act1 = make_nonlinearity(nonlinearity)
        self.pool1 = nn.AvgPool2d(2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5, padding=2)
        self.act2 = make_nonlinearity(nonlinearity)
        self.pool2 = nn.AvgPool2d(2)
        self.fc1 = nn.Linear(64 * (input_size // 4) ** 2, feat_dim)
        self.act3 = make_nonlinearity(nonlinearity)
        self.out_channels = feat_dim

    def forward(self, images):
        if images.shape[-1] != self.input_size or images.shape[-2] != self.input_size:
            raise ConfigError(f'SimpleCNN was built for {self.input_size}x{self.input_size} inputs but '
                             f'got {tuple(images.shape[-2:])}; set backbone.input_size or resize the data')
        x = self.pool1(self.act1(self.conv1(images)))
        x = self.pool2(self.act2(self.conv2(x)))
        return self.act3(self.fc1(x.flatten(1)))
