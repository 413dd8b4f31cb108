"""The one reduction rule every vlrkit loss shares: weight, then sum / avg_factor or reduce."""
import torch


def weight_reduce_loss(loss, weight=None, reduction='mean', avg_factor=None):
    """Apply element weights, then reduce.

    ``avg_factor`` (e.g. the number of positive points, averaged across ranks) replaces the
    element count of 'mean': a dense detector normalises by positives, not by all locations.
    """
    if weight is not None:
        loss = loss * weight
    if avg_factor is not None:
        if reduction == 'none':
            return loss
        if reduction != 'mean':
            raise ValueError(f"avg_factor needs reduction='mean' or 'none', got {reduction!r}")
        # the epsilon keeps a zero avg_factor (no positives anywhere) from producing NaN
        return loss.sum() / (torch.as_tensor(avg_factor, dtype=loss.dtype,
                                             device=loss.device) + torch.finfo(loss.dtype).eps)
    if reduction == 'mean':
        return loss.mean() if loss.numel() else loss.sum()
    if reduction == 'sum':
        return loss.sum()
    if reduction == 'none':
        return loss
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
