"""Binary cross-entropy on logits or on probabilities, with per-entry weights and an averaging factor.

Multi-label VOC classification weights each (image, class) entry with ``~difficult`` and averages
over the valid entries (``avg_factor = weight.sum()``), as the 2020 course recipe does: a class present only
as difficult objects neither rewards nor punishes the model. FCOS uses the same loss for
centerness, averaged over positive locations.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from vlrkit.errors import ConfigError
from vlrkit.registry import LOSSES
from .utils import REDUCTIONS, weighted_reduce


@LOSSES.register_module()
class BCEWithLogitsLoss(nn.Module):
    """``loss_weight * reduce(weight * BCE(sigmoid(pred), target))``.

    Args:
        reduction: 'mean', 'sum' or 'none'.
        loss_weight: multiplier of the result (balances this loss against others).
        pos_weight: optional (K,) weight of positive entries per class (torch's pos_weight).

    Shapes: pred (N, K) logits (or any shape), target same shape in [0, 1], weight broadcastable.
    """

    def __init__(self, reduction='mean', loss_weight=1.0, pos_weight=None):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ConfigError(f'BCEWithLogitsLoss reduction={reduction!r}; choose one of {REDUCTIONS}')
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.register_buffer('pos_weight', None if pos_weight is None else torch.as_tensor(
            pos_weight, dtype=torch.float32), persistent=False)

    def forward(self, pred, target, weight=None, avg_factor=None):
        if pred.shape != target.shape:
            raise ValueError(f'BCEWithLogitsLoss: pred {tuple(pred.shape)} and target '
                             f'{tuple(target.shape)} must have the same shape')
        loss = F.binary_cross_entropy_with_logits(pred, target.to(pred.dtype), reduction='none',
                                                  pos_weight=self.pos_weight)
        if weight is not None:
            weight = weight.to(loss.dtype)
        return self.loss_weight * weighted_reduce(loss, weight, self.reduction, avg_factor)


@LOSSES.register_module()
class BCELoss(nn.Module):
    """``loss_weight * reduce(weight * BCE(pred, target))`` for ``pred`` already in [0, 1].

    For scores that are not a sigmoid of one logit: WSDDN's image score is a sum of region
    probabilities clamped to [0, 1], so there is no logit to hand to BCEWithLogitsLoss. The log is
    clamped at -100 as torch's ``binary_cross_entropy`` does (a score of exactly 0 or 1 gives a
    finite loss), and computed in float32 by hand because torch's BCE refuses to run under autocast.

    Args:
        reduction: 'mean', 'sum' or 'none'.
        loss_weight: multiplier of the result.

    Shapes: pred (N, K) probabilities (or any shape), target same shape in [0, 1], weight broadcastable.
    """

    def __init__(self, reduction='mean', loss_weight=1.0):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ConfigError(f'BCELoss reduction={reduction!r}; choose one of {REDUCTIONS}')
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None):
        if pred.shape != target.shape:
            raise ValueError(f'BCELoss: pred {tuple(pred.shape)} and target {tuple(target.shape)} '
                             'must have the same shape')
        pred, target = pred.float(), target.float()
        loss = -(target * torch.log(pred).clamp(min=-100)
                 + (1 - target) * torch.log(1 - pred).clamp(min=-100))
        if weight is not None:
            weight = weight.to(loss.dtype)
        return self.loss_weight * weighted_reduce(loss, weight, self.reduction, avg_factor)
