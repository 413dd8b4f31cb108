"""Softmax cross-entropy for single-label classification, in the vlrkit loss signature."""
import torch.nn as nn
import torch.nn.functional as F

from vlrkit.errors import ConfigError
from vlrkit.registry import LOSSES
from .utils import REDUCTIONS, weighted_reduce


@LOSSES.register_module()
class CrossEntropyLoss(nn.Module):

    def __init__(self, reduction='mean', loss_weight=1.0, label_smoothing=0.0):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ConfigError(f'CrossEntropyLoss reduction={reduction!r}; choose one of {REDUCTIONS}')
        self.reduction, self.loss_weight, self.label_smoothing = reduction, loss_weight, label_smoothing

    def forward(self, pred, target, weight=None, avg_factor=None):
        """pred (N, K) logits, target (N,) class indices, weight (N,) per-sample."""
        loss = F.cross_entropy(pred, target, reduction='none', label_smoothing=self.label_smoothing)
        return self.loss_weight * weighted_reduce(loss, weight, self.reduction, avg_factor)
