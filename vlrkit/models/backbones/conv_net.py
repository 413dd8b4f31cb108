"""ConvNet: a CNN written as a list of layer specs, so an architecture ablation is one config line.

The CS6910 mini-ImageNet experiments vary the number of conv and fc layers, filter counts, where
max-pooling happens, strides and the nonlinearity. Here each of those is an entry of ``layers``,
given either as a dict or as a short string:

    'conv5-64'        conv 5x5, 64 filters (stride 1, padding k // 2); 'conv3-128-s2' stride 2,
                      'conv5-64-p0' no padding ('valid'); 'conv-64' takes the backbone's ``kernel``
    'maxpool2'        max-pool 2x2 (stride 2); 'avgpool3' average-pool 3x3 (stride 3); 'maxpool3-s2'
                      max-pool 3x3 with stride 2 (overlapping windows)
    'gap' / 'gmp'     global average / max pool to 1x1 (the fc input no longer depends on image size)
    'fc256'           fully connected layer with 256 units (the flatten before the first fc is implied)
    'dropout0.5'      dropout with p = 0.5

The dict forms are ``dict(type='conv', kernel=5, filters=64, stride=1, padding=2)``,
``dict(type='pool', kernel=2, stride=2, mode='max')``, ``dict(type='global_pool', mode='avg')``,
``dict(type='fc', units=256)``, ``dict(type='dropout', p=0.5)``. A conv that does not name its
kernel, stride or padding takes the backbone's ``kernel``, ``stride`` and ``padding``: a sweep over
kernel sizes or strides is then one key (``model.backbone.kernel=3,5,7``). Every conv is followed
by optional BatchNorm and the nonlinearity, every fc by the nonlinearity. The class scores are the head's
(``LinearClsHead(in_channels=<last fc>, num_classes=...)``); the backbone returns one level, the
last features: ``((N, units of the last fc),)``, or the last map when there is no fc.

The boilerplate ``BOILERPLATE_LAYERS`` with a 33-class head has 1,132,193 parameters:
conv 5x5 3->64 (4,864) + 64->128 (204,928) + 128->256 (819,456) + fc 256->256 (65,792) +
fc 256->128 (32,896) + head 128->33 (4,257).
"""
import re
from collections import OrderedDict

import torch
import torch.nn as nn

from vlrkit.errors import ConfigError
from vlrkit.registry import BACKBONES

BOILERPLATE_LAYERS = ('conv5-64', 'maxpool2', 'conv5-128', 'maxpool2', 'conv5-256', 'maxpool2', 'gap',
                      'fc256', 'fc128')

NONLINEARITIES = {
    'relu': nn.ReLU, 'leaky_relu': nn.LeakyReLU, 'elu': nn.ELU, 'gelu': nn.GELU, 'silu': nn.SiLU,
    'mish': nn.Mish, 'tanh': nn.Tanh, 'sigmoid': nn.Sigmoid,
}

_SPEC_PATTERNS = [
    (re.compile(r'^conv(\d*)-(\d+)((?:-[sp]\d+)*)$'), 'conv'),
    (re.compile(r'^(max|avg)pool(\d+)(?:-s(\d+))?$'), 'pool'),
    (re.compile(r'^g(a|m)p$'), 'global_pool'),
    (re.compile(r'^fc(\d+)$'), 'fc'),
    (re.compile(r'^dropout(0?\.\d+|0|1)$'), 'dropout'),
]


def parse_layer(spec):
    """A layer spec string or dict -> a complete dict (see the module docstring for the forms)."""
    if isinstance(spec, dict):
        if spec.get('type') not in ('conv', 'pool', 'global_pool', 'fc', 'dropout'):
            raise ConfigError(f"ConvNet layer {spec!r}: type must be 'conv', 'pool', 'global_pool', "
                              "'fc' or 'dropout'")
        return dict(spec)
    for pattern, kind in _SPEC_PATTERNS:
        match = pattern.match(str(spec))
        if not match:
            continue
        if kind == 'conv':
            layer = dict(type='conv', filters=int(match[2]))
            if match[1]:
                layer['kernel'] = int(match[1])
            for option in filter(None, match[3].split('-')):
                layer['stride' if option[0] == 's' else 'padding'] = int(option[1:])
            return layer
        if kind == 'pool':
            layer = dict(type='pool', mode=match[1], kernel=int(match[2]))
            if match[3]:
                layer['stride'] = int(match[3])
            return layer
        if kind == 'global_pool':
            return dict(type='global_pool', mode='avg' if match[1] == 'a' else 'max')
        if kind == 'fc':
            return dict(type='fc', units=int(match[1]))
        return dict(type='dropout', p=float(match[1]))
    raise ConfigError(f"ConvNet layer spec {spec!r} not understood; use e.g. 'conv5-64', 'conv3-128-s2', "
                      "'conv5-64-p0', 'conv-64', 'maxpool2', 'maxpool3-s2', 'avgpool2', 'gap', 'gmp', "
                      "'fc256', 'dropout0.5' or a dict")


@BACKBONES.register_module()
class ConvNet(nn.Module):
    """A sequential CNN from layer specs.

    Args:
        layers: list of specs (strings or dicts, see the module docstring).
        in_channels: image channels.
        input_size: (H, W) or one int; used once to size the first fc layer when there is no
            global pool before it. Other image sizes then fail at fc with a message saying so.
        nonlinearity: one of ``NONLINEARITIES`` (per layer: ``nonlinearity`` key of a dict spec).
        batch_norm: BatchNorm after every conv (per layer: ``batch_norm`` key of a dict spec).
        kernel: kernel size of the convs that do not name one (``'conv-64'``).
        stride: stride of the convs that do not name one.
        padding: padding of the convs that do not name one; ``'same'`` is ``kernel // 2`` (the
            map keeps its size at stride 1), ``0`` is unpadded ('valid': a 5x5 conv takes 4 px).

    Modules are named ``conv1``, ``bn1``, ``act1``, ``pool1``, ``fc1``, ``act_fc1`` ... inside
    ``self.layers`` (``backbone.layers.conv1``), for hooks and filter pictures.
    """

    def __init__(self, layers=BOILERPLATE_LAYERS, in_channels=3, input_size=64, nonlinearity='relu',
                 batch_norm=False, kernel=None, stride=1, padding='same'):
        super().__init__()
        specs = [parse_layer(spec) for spec in layers]
        size = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
        modules = OrderedDict()
        counts = dict(conv=0, pool=0, fc=0, dropout=0)
        channels, flat = in_channels, None   # flat: features after flatten, once an fc has begun
        for spec in specs:
            kind = spec['type']
            act_name = spec.get('nonlinearity', nonlinearity)
            if act_name not in NONLINEARITIES:
                raise ConfigError(f'ConvNet nonlinearity {act_name!r}; choose one of {sorted(NONLINEARITIES)}')
            if kind in ('conv', 'pool', 'global_pool') and flat is not None:
                raise ConfigError(f'ConvNet layer {spec!r} comes after an fc layer; convs and pools go first')
            if kind == 'conv':
                counts['conv'] += 1
                i, k = counts['conv'], spec.get('kernel', kernel)
                if k is None:
                    raise ConfigError(f"ConvNet layer {spec!r} names no kernel size; write 'conv5-64' "
                                      'or set the backbone\'s kernel=5')
                pad = spec.get('padding', padding)
                modules[f'conv{i}'] = nn.Conv2d(channels, spec['filters'], k,
                                                stride=spec.get('stride', stride),
                                                padding=k // 2 if pad == 'same' else pad)
                if spec.get('batch_norm', batch_norm):
                    modules[f'bn{i}'] = nn.BatchNorm2d(spec['filters'])
                modules[f'act{i}'] = NONLINEARITIES[act_name]()
                channels = spec['filters']
            elif kind == 'pool':
                counts['pool'] += 1
                pool = nn.MaxPool2d if spec.get('mode', 'max') == 'max' else nn.AvgPool2d
                modules[f'pool{counts["pool"]}'] = pool(spec['kernel'], stride=spec.get('stride'))
            elif kind == 'global_pool':
                pool = nn.AdaptiveMaxPool2d if spec.get('mode', 'avg') == 'max' else nn.AdaptiveAvgPool2d
                modules['global_pool'] = pool(1)
            elif kind == 'fc':
                if flat is None:
                    flat = self._flat_features(modules, in_channels, size)
                    modules['flatten'] = nn.Flatten(1)
                counts['fc'] += 1
                modules[f'fc{counts["fc"]}'] = nn.Linear(flat, spec['units'])
                modules[f'act_fc{counts["fc"]}'] = NONLINEARITIES[act_name]()
                flat = spec['units']
            else:
                counts['dropout'] += 1
                modules[f'dropout{counts["dropout"]}'] = nn.Dropout(spec['p'])
        self.layers = nn.Sequential(modules)
        self.input_size = size
        self.out_channels = flat if flat is not None else channels

    @staticmethod
    def _flat_features(modules, in_channels, size):
        """Features entering the first fc: run the conv part once on a dummy image of ``size``."""
        conv_part = nn.Sequential(OrderedDict(modules)).eval()  # eval: BatchNorm accepts one image
        try:
            with torch.no_grad():
                out = conv_part(torch.zeros(1, in_channels, *size))
        except RuntimeError as err:  # torch: "Output size is too small"
            raise ConfigError(f'ConvNet: the conv/pool layers shrink a {size} input to nothing ({err}); '
                              'use fewer pools or strides, more padding, or a larger input_size') from err
        finally:
            conv_part.train()
        return out[0].numel()

    def forward(self, images):
        """images (N, C, H, W) -> (last features,), the tuple of levels every backbone returns."""
        x = images
        for layer in self.layers:
            if isinstance(layer, nn.Linear) and x.shape[-1] != layer.in_features:
                raise ConfigError(f'ConvNet was sized for {self.input_size} inputs (its first fc layer) '
                                  f'but got {tuple(images.shape[-2:])}; set input_size in the config '
                                  "or add a 'gap' layer before the first fc")
            x = layer(x)
        return (x,)
