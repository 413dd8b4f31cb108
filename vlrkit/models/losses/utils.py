"""Weighting and reduction shared by every loss (mmdetection's ``weight`` / ``avg_factor`` convention)."""
import torch

from vlrkit.errors import ConfigError

REDUCTIONS = ('none', 'mean', 'sum')


def weighted_reduce(loss, weight=None, reduction='mean', avg_factor=None):
    """Apply an element-wise ``weight``, then reduce: mean, sum, none, or sum / ``avg_factor``.

    With ``avg_factor`` and reduction 'mean' the weighted sum is divided by it (the mean over the
    entries that count, not over all entries); 'sum' with an ``avg_factor`` is contradictory.
    """
    if weight is not None:
        loss = loss * weight
    if avg_factor is None:
        return {'none': loss, 'mean': loss.mean(), 'sum': loss.sum()}[reduction]
    if reduction == 'mean':
        # eps keeps an all-masked batch at 0 instead of NaN when a caller passes avg_factor=0.
        return loss.sum() / (avg_factor + torch.finfo(loss.dtype).eps)
    if reduction == 'none':
        return loss
    raise ConfigError('avg_factor cannot be used with reduction="sum"; use "mean" or leave avg_factor None')
