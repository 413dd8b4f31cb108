"""Freezing the first stages of a stem-plus-stages backbone (ResNet, RegNet).

Fine-tuning and small-batch detection keep early, generic layers fixed: ``frozen_stages=k`` stops
gradients into the stem and the first k stages and keeps their BatchNorm statistics; ``norm_eval``
keeps every BatchNorm in eval mode, because batch statistics of a few images are noise.
"""
import torch.nn as nn


class FrozenStagesMixin:
    """Mixed into an ``nn.Module`` that defines ``stem_modules()``, ``stages``, ``frozen_stages``
    and ``norm_eval``; call ``self._freeze_stages()`` at the end of ``__init__``."""

    def _frozen_modules(self):
        if self.frozen_stages < 0:
            return []
        return list(self.stem_modules()) + list(self.stages)[:self.frozen_stages]

    def _freeze_stages(self):
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
