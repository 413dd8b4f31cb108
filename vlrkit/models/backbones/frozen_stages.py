"""Freezing the first stages of a stem-plus-stages backbone (ResNet, RegNet, AlexNetFeatures).

Fine-tuning and small-batch detection keep early, generic layers fixed. ``frozen_stages`` means
the same in every backbone (mmdetection's convention): -1 trains everything, 0 freezes the stem,
N freezes the stem and the first N stages. Frozen modules get no gradients and keep their
BatchNorm statistics; ``norm_eval`` keeps every BatchNorm in eval mode, because batch statistics
of a few images are noise.
"""
import torch.nn as nn

from vlrkit.errors import ConfigError


class FrozenStagesMixin:
    """Mixed into an ``nn.Module`` that defines ``stem_modules()``, ``stages`` and
    ``frozen_stages`` (and ``norm_eval`` if it has BatchNorm); call ``self._freeze_stages()`` at
    the end of ``__init__``."""

    #: A backbone with BatchNorm sets it from its config; one without has nothing to keep in eval.
    norm_eval = False

    def _frozen_modules(self):
        if self.frozen_stages < 0:
            return []
        return list(self.stem_modules()) + list(self.stages)[:self.frozen_stages]

    def _freeze_stages(self):
        num_stages = len(self.stages)
        if self.frozen_stages not in range(-1, num_stages + 1):
            raise ConfigError(f'{type(self).__name__} frozen_stages={self.frozen_stages} must be -1 '
                              f'(train everything), 0 (freeze the stem) or 1..{num_stages} (the stem '
                              'and that many stages)')
        for module in self._frozen_modules():
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode=True):
        """Switch mode, but keep frozen stages (and all BatchNorm under ``norm_eval``) in eval."""
        super().train(mode)
        if mode:
            for module in self._frozen_modules():
                module.eval()
            if self.norm_eval:
                for module in self.modules():
                    if isinstance(module, nn.modules.batchnorm._BatchNorm):
                        module.eval()
        return self
