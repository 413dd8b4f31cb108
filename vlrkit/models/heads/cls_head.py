"""Linear classification head, single-label (softmax) or multi-label (sigmoid)."""
import torch
import torch.nn as nn

from ...registry import HEADS, LOSSES


@HEADS.register_module()
class LinearClsHead(nn.Module):
    """features (N, C) -> logits (N, K).

    Multi-label targets are multi-hot (N, K) with a ``difficult`` (N, K) mask: a class present only
    as difficult objects neither helps nor hurts, so its entries get weight 0 and the loss averages
    over the remaining entries.
    """

    def __init__(self, in_channels, num_classes, loss=dict(type='CrossEntropyLoss'),
                 multi_label=False, dropout=0.0):
        super().__init__()
        self.num_classes, self.multi_label = num_classes, multi_label
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.fc = nn.Linear(in_channels, num_classes)
        self.loss_cls = LOSSES.build(loss)

    def forward(self, features):
        return self.fc(self.dropout(features))

    def loss_by_feat(self, logits, batch):
        labels = batch['labels']
        if not self.multi_label:
            return {'loss_cls': self.loss_cls(logits, labels)}
        difficult = batch.get('difficult')
        weight = torch.ones_like(logits) if difficult is None else (~difficult.bool()).to(logits.dtype)
        return {'loss_cls': self.loss_cls(logits, labels.to(logits.dtype), weight=weight,
                                          avg_factor=weight.sum().clamp(min=1))}

    def predict_by_feat(self, logits):
        logits = logits.float()
        if self.multi_label:
            return [{'scores': s} for s in logits.sigmoid()]
        scores = logits.softmax(dim=1)
        return [{'scores': s, 'pred_label': s.argmax()} for s in scores]
