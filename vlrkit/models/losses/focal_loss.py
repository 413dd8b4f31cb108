"""Sigmoid focal loss (Lin et al., RetinaNet) for dense one-stage classification.

Why focal: a dense detector scores ~10^4 locations per image and almost all are easy background;
down-weighting well-classified points (γ) and the background class (α) keeps the few positives
from drowning. The maths is ``torchvision.ops.sigmoid_focal_loss``; this wrapper adds the vlrkit
loss contract (``weight``, ``avg_factor``, ``loss_weight``) and accepts class indices as targets.
"""
import torch
import torch.nn as nn
from torchvision.ops import sigmoid_focal_loss

from vlrkit.registry import LOSSES
from .utils import weighted_reduce


@LOSSES.register_module()
class FocalLoss(nn.Module):
    """Focal loss over per-class sigmoid logits.

    Args:
        gamma: focusing exponent; 0 gives plain BCE.
        alpha: weight of the positive class in [0, 1], or a negative value to disable it.
        reduction: 'mean' | 'sum' | 'none' (used when ``avg_factor`` is not given).
        loss_weight: multiplier of the result, for balancing against the other losses.

    ``forward(pred (P, K) logits, target, weight=None, avg_factor=None)``: ``target`` is either
    class indices (P,) where the value K means background (all classes negative), or a (P, K)
    float one-hot / soft target. ``weight`` is (P,) or (P, K).
    """

    def __init__(self, gamma=2.0, alpha=0.25, reduction='mean', loss_weight=1.0):
        super().__init__()
        self.gamma = gamma
        self.alpha = alpha
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None):
        num_classes = pred.shape[-1]
        if target.dim() == pred.dim() - 1:
            # One-hot by comparison, index K (background) matching no column. Not F.one_hot: it
            # reads the targets' min and max back on the host to check them.
            target = target[..., None] == torch.arange(num_classes, device=target.device)
        target = target.to(pred.dtype)
        loss = sigmoid_focal_loss(pred.float(), target.float(), alpha=self.alpha,
                                  gamma=self.gamma, reduction='none')
        if weight is not None and weight.dim() == loss.dim() - 1:
            weight = weight[..., None]
        return self.loss_weight * weighted_reduce(loss, weight, self.reduction, avg_factor)
