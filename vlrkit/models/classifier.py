"""ImageClassifier: backbone -> optional neck -> classification head."""
import torch.nn as nn

from ..registry import BACKBONES, HEADS, MODELS, NECKS
from .base import BaseModel


@MODELS.register_module()
class ImageClassifier(BaseModel):
    """Single- or multi-label image classifier composed from config dicts.

    A backbone that returns several feature maps (ResNet with ``out_indices``) needs a neck such
    as GlobalAveragePooling; otherwise the last of them is used.
    """

    def __init__(self, backbone, head, neck=None):
        super().__init__()
        self.backbone = BACKBONES.build(backbone)
        self.neck = NECKS.build(neck) if neck else None
        self.head = HEADS.build(head)

    def forward_features(self, images):
        features = self.backbone(images)
        if self.neck is not None:
            features = self.neck(features)
        return features[-1] if isinstance(features, (tuple, list)) else features

    def forward(self, images):
        """images (N, C, H, W) -> logits (N, K)."""
        return self.head(self.forward_features(images))

    def loss(self, batch):
        return self.head.loss_by_feat(self(batch['images']), batch)

    def predict(self, batch):
        return self.head.predict_by_feat(self(batch['images']))

    def reset_classifier(self, num_classes):
        """A fresh final layer for ``num_classes`` (fine-tuning on a new label set)."""
        old = self.head.fc
        self.head.fc = nn.Linear(old.in_features, num_classes).to(old.weight.device)
        self.head.num_classes = num_classes
