"""Softmax cross-entropy for single-label classification, in the vlrkit loss signature."""
import torch.nn as nn
import torch.nn.functional as F

from ...registry import LOSSES


def reduce_loss(loss, weight=None, reduction='mean', avg_factor=None):
    """Weight element-wise, then reduce; ``avg_factor`` replaces the element count in a mean."""
    if weight is not None:
        loss = loss * weight
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        return loss.sum()
    if reduction != 'mean':
        raise ValueError(f"reduction={reduction!r}; use 'mean', 'sum' or 'none'")
    return loss.sum() / avg_factor if avg_factor is not None else loss.mean()


@LOSSES.register_module()
class CrossEntropyLoss(nn.Module):

    def __init__(self, reduction='mean', loss_weight=1.0, label_smoothing=0.0):
        super().__init__()
        self.reduction, self.loss_weight, self.label_smoothing = reduction, loss_weight, label_smoothing

    def forward(self, pred, target, weight=None, avg_factor=None):
        """pred (N, K) logits, target (N,) class indices, weight (N,) per-sample."""
        loss = F.cross_entropy(pred, target, reduction='none', label_smoothing=self.label_smoothing)
        return self.loss_weight * reduce_loss(loss, weight, self.reduction, avg_factor)
