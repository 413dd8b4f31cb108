"""Read any layer's output by its module name, through forward hooks.

Analyses ask for features by the dotted name a config can write down: ``backbone.pool5``,
``head.fc7``, ``backbone.layer4``. A forward hook on that module keeps its output during one
forward pass of the model; nothing about the model changes and the hooks are removed afterwards.
"""
import contextlib
import difflib

import torch
import torch.nn as nn

from vlrkit.errors import ConfigError


def unwrap(model):
    """The plain module inside a DDP / DataParallel wrapper (module names never carry ``module.``)."""
    return model.module if isinstance(model, (nn.parallel.DistributedDataParallel,
                                              nn.DataParallel)) else model


def find_module(model, name):
    """``model``'s submodule called ``name``, or a ConfigError that lists names that do exist."""
    modules = dict(unwrap(model).named_modules())
    if name not in modules:
        near = difflib.get_close_matches(name, [n for n in modules if n], n=6, cutoff=0.6)
        raise ConfigError(f'no module named {name!r} in {type(unwrap(model)).__name__}; '
                          f'similar names: {near or list(modules)[1:10]}. Print '
                          f'[n for n, _ in model.named_modules()] to see them all.')
    return modules[name]


def first_tensor(output):
    """The tensor a module produced (some return tuples or dicts; the first tensor is kept)."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)):
        for item in output:
            if isinstance(item, torch.Tensor):
                return item
    if isinstance(output, dict):
        return first_tensor(list(output.values()))
    raise TypeError(f'module output of type {type(output).__name__} holds no tensor')


class ForwardHooks:
    """Context manager holding forward hooks on named modules: ``{module name: hook}``.

    Each hook is torch's ``hook(module, inputs, output)``; one that returns a value replaces the
    module's output. The hooks are removed on exit, so the model is exactly as before. Reading
    layers (:class:`LayerOutputs`) and switching filters off (``FilterMask``) are both this.
    """

    def __init__(self, model, hooks):
        self.model = unwrap(model)
        self.hooks = dict(hooks)
        self._handles = []

    def __enter__(self):
        for name, hook in self.hooks.items():
            self._handles.append(find_module(self.model, name).register_forward_hook(hook))
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        return False


class LayerOutputs(ForwardHooks):
    """Records the outputs of named modules during forward passes; entering gives the dict.

    Example::

        with LayerOutputs(model, ['backbone.pool5']) as outputs:
            model(images)
        pool5 = outputs['backbone.pool5']          # (N, C, h, w) as the module returned it

    ``detach`` (default) keeps no autograd graph.
    """

    def __init__(self, model, layers, detach=True):
        layers = [layers] if isinstance(layers, str) else list(layers)
        self.detach = detach
        self.outputs = {}
        super().__init__(model, {name: self._keep(name) for name in layers})

    def __enter__(self):
        super().__enter__()
        return self.outputs

    def _keep(self, name):
        def hook(module, inputs, output):
            tensor = first_tensor(output)
            self.outputs[name] = tensor.detach() if self.detach else tensor
        return hook


@contextlib.contextmanager
def eval_mode(model):
    """Run the model in eval mode (no dropout, BN running stats), then restore its mode."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@torch.no_grad()
def extract_features(model, images, layers, flatten=True):
    """Outputs of ``layers`` for ``images`` (N, C, H, W): {name: (N, D) float32 cpu tensor}.

    The model runs its raw ``forward(images)`` in eval mode; each layer's output is flattened per
    image (one row per image, e.g. pool5 of CaffeNet: 256 x 6 x 6 = 9216 numbers) unless
    ``flatten`` is False.
    """
    model = unwrap(model)
    with eval_mode(model), LayerOutputs(model, layers) as outputs:
        model(images)
    missing = [name for name in ([layers] if isinstance(layers, str) else layers)
               if name not in outputs]
    if missing:
        raise RuntimeError(f'layers {missing} did not run in {type(model).__name__}.forward; '
                           f'choose modules on the forward path')
    return {name: (out.flatten(1) if flatten else out).float().cpu()
            for name, out in outputs.items()}


def model_device(model):
    """The device of the model's first parameter (cpu for a parameter-free model)."""
    param = next(unwrap(model).parameters(), None)
    return param.device if param is not None else torch.device('cpu')
