"""Linear classification head, single-label (softmax) or multi-label (sigmoid)."""
import torch.nn as nn

from vlrkit.registry import HEADS, LOSSES
from .base_head import BaseHead
from .multilabel_loss import difficult_masked_loss


@HEADS.register_module()
class LinearClsHead(BaseHead):
    """Last feature level (N, C) -> logits (N, K).

    The head reads the last (deepest) level of the tuple a backbone or neck returns; it must be a
    vector per image (an fc backbone such as SimpleCNN or CaffeNet, or a pooling neck after a
    convolutional one). Multi-label targets are multi-hot (N, K) with a ``difficult`` (N, K) mask,
    scored by ``difficult_masked_loss``; single-label targets are class indices (N,).

    Args:
        in_channels: C.  num_classes: K.
        loss_cls: config of the classification loss (LOSSES registry).
        multi_label: sigmoid per class instead of one softmax.
        dropout: drop probability before the linear layer.
    """

    def __init__(self, in_channels, num_classes, loss_cls=dict(type='CrossEntropyLoss'),
                 multi_label=False, dropout=0.0):
        super().__init__()
        self.num_classes, self.multi_label = num_classes, multi_label
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.fc = nn.Linear(in_channels, num_classes)
        self.loss_cls = LOSSES.build(loss_cls)

    def forward(self, feats):
        """feats: tuple of levels, the last (N, C) -> logits (N, K)."""
        return self.fc(self.dropout(feats[-1]))

    def loss_by_feat(self, logits, batch):
        if self.multi_label:
            return {'loss_cls': difficult_masked_loss(self.loss_cls, logits, batch['labels'],
                                                      batch.get('difficult'))}
        return {'loss_cls': self.loss_cls(logits, batch['labels'])}

    def predict_by_feat(self, logits, batch):
        return self.predictions(self.class_scores(logits))

    def merge_flipped(self, logits, mirrored_logits, batch):
        """The mean of the class probabilities of each image and of its mirror image.

        Probabilities, not logits: a view that is sure of a class should not outvote the other
        without bound, and the mean of two distributions is still one (softmax sums to 1).
        """
        return self.predictions((self.class_scores(logits) + self.class_scores(mirrored_logits)) / 2)

    def class_scores(self, logits):
        """logits (N, K) -> probabilities (N, K): sigmoid per class, or softmax over classes."""
        logits = logits.float()
        return logits.sigmoid() if self.multi_label else logits.softmax(dim=1)

    def predictions(self, scores):
        """(N, K) probabilities -> one prediction dict per image (``pred_label`` if single-label)."""
        if self.multi_label:
            return [{'scores': s} for s in scores]
        return [{'scores': s, 'pred_label': s.argmax()} for s in scores]
