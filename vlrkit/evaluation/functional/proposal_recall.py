"""Proposal recall: how many ground-truth objects some proposal covers, the ceiling of any
detector that only scores proposals.

Shapes: G ground-truth boxes, P proposals (highest score first), C proposal counts, T IoU
thresholds.
"""
import numpy as np
import torch
from torchvision.ops import box_iou

# IoU 0.5:0.05:0.95, the thresholds average recall (Hosang et al., PAMI 2016) averages over.
AR_IOU_THRS = tuple(np.round(np.arange(0.5, 0.951, 0.05), 2).tolist())


def best_overlaps(gt_boxes, proposals, counts):
    """(G, C) IoU of each ground-truth box with its best proposal among the first ``counts[c]``
    proposals (0 where there is none). ``proposals`` (P, 4) are sorted highest score first."""
    gt = torch.as_tensor(np.asarray(gt_boxes, np.float32).reshape(-1, 4))
    props = torch.as_tensor(np.asarray(proposals, np.float32).reshape(-1, 4))
    best = np.zeros((len(gt), len(counts)), np.float32)
    if len(gt) == 0 or len(props) == 0:
        return best
    iou = box_iou(gt, props).numpy()  # (G, P)
    # Running maximum over the ranked proposals: column k is the best of the first k + 1.
    running = np.maximum.accumulate(iou, axis=1)
    for c, count in enumerate(counts):
        best[:, c] = running[:, min(count, len(props)) - 1]
    return best


def recall_curve(best, iou_thrs):
    """(C, T) fraction of ground-truth boxes whose best overlap (G, C) reaches each threshold."""
    if len(best) == 0:
        return np.zeros((best.shape[1], len(iou_thrs)), np.float64)
    return (best[:, :, None] >= np.asarray(iou_thrs)[None, None, :]).mean(axis=0)


def proposal_recall(best, counts, iou_thr=0.5, ar_iou_thrs=AR_IOU_THRS):
    """``{'recall@k': recall at IoU ``iou_thr``, 'AR@k': recall averaged over ``ar_iou_thrs``}``
    for each count k, from the stacked (G, C) best overlaps of every image."""
    at_thr = recall_curve(best, [iou_thr])[:, 0]
    average = recall_curve(best, ar_iou_thrs).mean(axis=1)
    out = {}
    for c, count in enumerate(counts):
        out[f'recall@{count}'] = float(at_thr[c])
        out[f'AR@{count}'] = float(average[c])
    return out
