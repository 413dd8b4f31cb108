"""Box regression losses: GIoU on decoded boxes (FCOS's choice) and L1 on the encoded deltas.

The head asks each loss which space it works in through ``target_space``: an IoU loss compares
boxes in pixels (x1, y1, x2, y2), L1 compares stride-normalised LTRB deltas.
"""
import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import generalized_box_iou_loss

from vlrkit.registry import LOSSES
from .utils import weighted_reduce


@LOSSES.register_module()
class GIoULoss(nn.Module):
    """1 - GIoU between predicted and target boxes (P, 4) in xyxy (torchvision.ops).

    GIoU is scale-invariant, so small and large boxes pull equally, and it still has a gradient
    when the boxes do not overlap (plain IoU loss is flat there).
    """

    target_space = 'boxes'

    def __init__(self, eps=1e-7, reduction='mean', loss_weight=1.0):
        super().__init__()
        self.eps = eps
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None):
        if pred.numel() == 0:
            # keep the graph connected so DDP sees a gradient for every parameter
            return pred.sum() * 0.0
        loss = generalized_box_iou_loss(pred.float(), target.float(), reduction='none', eps=self.eps)
        return self.loss_weight * weighted_reduce(loss, weight, self.reduction, avg_factor)


@LOSSES.register_module()
class L1Loss(nn.Module):
    """Mean absolute error over the 4 regression values (P, 4) -> summed per point.

    Used on stride-normalised LTRB deltas, so every pyramid level contributes on the same scale.
    """

    target_space = 'deltas'

    def __init__(self, reduction='mean', loss_weight=1.0):
        super().__init__()
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None):
        if pred.numel() == 0:
            return pred.sum() * 0.0
        loss = F.l1_loss(pred.float(), target.float(), reduction='none').sum(-1)
        return self.loss_weight * weighted_reduce(loss, weight, self.reduction, avg_factor)
