"""Box regression losses: GIoU on decoded boxes (FCOS's choice) and L1 on the encoded deltas.

The head asks each loss which space it works in through ``target_space``: an IoU loss compares
boxes in pixels (x1, y1, x2, y2), L1 compares stride-normalised LTRB deltas.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from vlrkit.registry import LOSSES
from .utils import weighted_reduce


def generalized_box_iou_loss(pred, target, eps=1e-7):
    """1 - GIoU of matching rows of (..., 4) xyxy boxes: ``torchvision.ops.generalized_box_iou_loss``'s
    values, with the overlap clamped at 0 instead of computed under a boolean mask (a selection whose
    size the host waits to learn from the device, every step)."""
    x1, y1, x2, y2 = pred.unbind(-1)
    x1g, y1g, x2g, y2g = target.unbind(-1)
    overlap = ((torch.min(x2, x2g) - torch.max(x1, x1g)).clamp(min=0) *
               (torch.min(y2, y2g) - torch.max(y1, y1g)).clamp(min=0))
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - overlap
    iou = overlap / (union + eps)
    enclosing = (torch.max(x2, x2g) - torch.min(x1, x1g)) * (torch.max(y2, y2g) - torch.min(y1, y1g))
    return 1 - (iou - (enclosing - union) / (enclosing + eps))


@LOSSES.register_module()
class GIoULoss(nn.Module):
    """1 - GIoU between predicted and target boxes (P, 4) in xyxy.

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
        loss = generalized_box_iou_loss(pred.float(), target.float(), eps=self.eps)
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
