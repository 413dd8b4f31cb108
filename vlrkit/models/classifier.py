"""ImageClassifier: backbone -> optional neck -> classification head."""
from vlrkit.registry import BACKBONES, HEADS, MODELS, NECKS
from .base import BaseModel, feature_levels


@MODELS.register_module()
class ImageClassifier(BaseModel):
    """Single- or multi-label image classifier composed from config dicts.

    The backbone (and the neck, when given) return a tuple of feature levels; the head classifies
    the last one. A convolutional backbone (ResNet) needs a pooling neck such as
    GlobalAveragePooling; an fc backbone (SimpleCNN, CaffeNet, ConvNet ending in fc) needs none.
    ``forward(images)`` returns the logits (N, K).
    """

    def __init__(self, backbone, head, neck=None):
        super().__init__()
        self.backbone = BACKBONES.build(backbone)
        self.neck = NECKS.build(neck) if neck else None
        self.head = HEADS.build(head)

    def extract_feat(self, images):
        """images (N, C, H, W) -> tuple of feature levels (after the neck, when there is one)."""
        feats = feature_levels(self.backbone(images), self.backbone)
        return feature_levels(self.neck(feats), self.neck) if self.neck is not None else feats
