"""The multi-label classification loss with VOC's difficult rule, shared by every image-label head.

PASCAL VOC marks some objects difficult. A class present in an image only as difficult objects
neither rewards nor punishes the model: its (image, class) entry gets weight 0 and the loss
averages over the remaining entries (``avg_factor = weight.sum()``), so a batch with many
difficult entries is not scaled down. LinearClsHead (multi-label) and LocalizerHead both score
pooled (N, K) logits against multi-hot labels this way.
"""
import torch

from vlrkit.errors import ConfigError


def difficult_masked_loss(loss_cls, logits, labels, difficult=None):
    """``loss_cls(logits, labels, weight=~difficult, avg_factor=#valid entries)``.

    Args:
        loss_cls: a loss with the vlrkit signature (``weight``, ``avg_factor``), e.g. BCEWithLogitsLoss.
        logits: (N, K) image-level logits.  labels: (N, K) multi-hot.
        difficult: optional (N, K) bool, True where the class is present only as difficult objects.
    """
    if labels.shape != logits.shape:
        raise ConfigError(f'multi-label loss: labels {tuple(labels.shape)} must be multi-hot (N, K) '
                          f'like the logits {tuple(logits.shape)}; use the dataset\'s multi-label '
                          'classification mode')
    weight = torch.ones_like(logits) if difficult is None else (~difficult.bool()).to(logits.dtype)
    return loss_cls(logits, labels.to(logits.dtype), weight=weight,
                    avg_factor=weight.sum().clamp(min=1.0))
