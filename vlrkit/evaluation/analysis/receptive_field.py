"""Receptive field of any layer, from the chain of kernels, strides, paddings and dilations.

For a unit of a layer's output, the receptive field is the square of input pixels that can
influence it. Along a chain of sliding-window layers (convolutions and poolings), each with kernel
``k``, stride ``s``, padding ``p`` and dilation ``d`` (effective kernel ``k_eff = d (k - 1) + 1``):

    rf_out    = rf_in + (k_eff - 1) * jump_in        size of the field, in input pixels
    jump_out  = jump_in * s                          input pixels between neighbouring units
    start_out = start_in + ((k_eff - 1) / 2 - p) * jump_in    centre of unit (0, 0)'s field

starting from the image itself (rf 1, jump 1, start 0). Nothing is written per model: the chain is
read from the modules the model actually runs, in order, up to the layer asked for (a forward
pass with forward hooks). torchvision AlexNet gives conv1 11, pool1 19, conv2 51, pool2 67,
conv3 99, conv4 131, conv5 163 and pool5 195 pixels.

Branches: a sliding-window module joins the chain only when its input has the spatial size of the
chain's current output, so a ResNet's strided ``downsample`` shortcut (which reads the block's
input) is left out, and a 1x1 stride-1 shortcut changes nothing. Parallel branches of equal size
(Inception) would be chained one after the other and overestimate the field.
"""
from dataclasses import dataclass

import torch

from vlrkit.errors import ConfigError


@dataclass(frozen=True)
class FieldGeometry:
    """Receptive field of one layer's units, in input-image pixels.

    ``rf`` is the side of the field, ``jump`` the distance between the fields of neighbouring units,
    ``start`` the centre of unit (0, 0)'s field (may be negative when padding reaches outside).
    """
    rf: int
    jump: int
    start: float

    def box(self, y, x):
        """Field of unit (y, x) as (y0, x0, y1, x1), half-open, possibly outside the image."""
        half = (self.rf - 1) / 2.0
        cy, cx = self.start + y * self.jump, self.start + x * self.jump
        y0, x0 = int(round(cy - half)), int(round(cx - half))
        return y0, x0, y0 + self.rf, x0 + self.rf


IMAGE = FieldGeometry(rf=1, jump=1, start=0.0)


def _pair(value):
    return value if isinstance(value, (tuple, list)) else (value, value)


def window_params(module):
    """(kernel, stride, padding, dilation) along the height of a sliding-window module, or None.

    Any module carrying ``kernel_size`` and ``stride`` counts (Conv*, MaxPool*, AvgPool*), so user
    layers built the same way are picked up too. Adaptive poolings have no fixed window and return
    None: they are global for typical inputs and do not belong in a field computation.
    """
    if not (hasattr(module, 'kernel_size') and hasattr(module, 'stride')):
        return None
    kernel = _pair(module.kernel_size)[0]
    stride = _pair(module.stride if module.stride is not None else module.kernel_size)[0]
    padding = getattr(module, 'padding', 0)
    if isinstance(padding, str):  # 'same' keeps the size: centred padding of (k_eff - 1) / 2
        dilation = _pair(getattr(module, 'dilation', 1))[0]
        padding = (dilation * (kernel - 1)) // 2 if padding == 'same' else 0
    padding = _pair(padding)[0]
    dilation = _pair(getattr(module, 'dilation', 1))[0]
    return int(kernel), int(stride), int(padding), int(dilation)


def chain_geometry(layers, start=IMAGE):
    """Geometry after each (kernel, stride, padding, dilation) of ``layers``, in order."""
    geometries, current = [], start
    for kernel, stride, padding, dilation in layers:
        k_eff = dilation * (kernel - 1) + 1
        current = FieldGeometry(
            rf=current.rf + (k_eff - 1) * current.jump,
            jump=current.jump * stride,
            start=current.start + ((k_eff - 1) / 2.0 - padding) * current.jump)
        geometries.append(current)
    return geometries


def window_chain(model, layer=None, input_size=(3, 224, 224)):
    """The sliding-window modules on the path to ``layer``: list of (name, (k, s, p, d)).

    Runs ``model`` once on a zero image of ``input_size`` (C, H, W) with forward hooks and records,
    in execution order, the windowed leaf modules whose input continues the chain, stopping when
    ``layer`` (a dotted module name, e.g. ``backbone.pool5``) has finished; ``layer=None`` runs the
    whole forward pass.
    """
    modules = dict(model.named_modules())
    if layer is not None and layer not in modules:
        raise ConfigError(f'layer {layer!r} is not a module of {type(model).__name__}; module '
                          f'names look like {list(modules)[1:8]} (see model.named_modules())')
    chain, state, handles = [], {'size': tuple(input_size[1:]), 'done': False}, []

    def on_forward(name, module, inputs, output):
        params = window_params(module)
        is_leaf = next(module.children(), None) is None
        if params is not None and is_leaf and isinstance(inputs[0], torch.Tensor) \
                and tuple(inputs[0].shape[-2:]) == state['size']:
            chain.append((name, params))
            state['size'] = tuple(output.shape[-2:])
        if name == layer:
            state['done'] = True
            raise _LayerReached

    for name, module in modules.items():
        handles.append(module.register_forward_hook(
            lambda m, i, o, name=name: on_forward(name, m, i, o)))
    was_training = model.training
    model.eval()
    try:
        param = next(model.parameters(), None)
        device = param.device if param is not None else 'cpu'
        with torch.no_grad():
            model(torch.zeros((1, *input_size), device=device))
    except _LayerReached:
        pass
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    if layer is not None and not state['done']:
        raise RuntimeError(f'layer {layer!r} never ran in a forward pass of {type(model).__name__}'
                           f' on a {tuple(input_size)} input; pick a module on the forward path')
    return chain


class _LayerReached(Exception):
    """Raised from a forward hook to stop the pass once the layer asked for has run."""


def receptive_field(model, layer, input_size=(3, 224, 224)):
    """:class:`FieldGeometry` of ``layer``'s output units in ``model`` (see the module docstring)."""
    chain = window_chain(model, layer, input_size)
    geometries = chain_geometry([params for _, params in chain])
    return geometries[-1] if geometries else IMAGE


def receptive_fields(model, input_size=(3, 224, 224)):
    """Geometry after every sliding-window module on the main path: {name: FieldGeometry}."""
    chain = window_chain(model, None, input_size)
    return {name: geo for (name, _), geo in zip(chain, chain_geometry([p for _, p in chain]))}
