"""A tiny FCOS (ResNet-18 C3-C5, a 32-channel FPN and head, K classes) and batches for it."""
import torch

from vlrkit.registry import MODELS

K = 4


def tiny_fcos(**head):
    return MODELS.build(dict(
        type='FCOS', backbone=dict(type='ResNet', depth=18, out_indices=(1, 2, 3)),
        neck=dict(type='FPN', in_channels=[128, 256, 512], out_channels=32),
        head=dict(type='FCOSHead', num_classes=K, in_channels=32, feat_channels=32, stacked_convs=2,
                  strides=(8, 16, 32), **{'norm': dict(type='GN', num_groups=8), **head})))


def batch_of(boxes, labels, difficult=None, size=64):
    """Random images of ``size`` px with per-image ``boxes`` (xyxy lists), ``labels`` and
    ``difficult`` flags (none difficult by default)."""
    torch.manual_seed(0)
    return dict(images=torch.randn(len(boxes), 3, size, size),
                boxes=[torch.tensor(b, dtype=torch.float32).reshape(-1, 4) for b in boxes],
                labels=[torch.tensor(l, dtype=torch.long) for l in labels],
                difficult=[torch.tensor(d, dtype=torch.bool) for d in difficult] if difficult
                else [torch.zeros(len(l), dtype=torch.bool) for l in labels])
