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

    ``flip_test=True``: the scores are the mean of the class probabilities of each image and of
    its mirror image (``LinearClsHead.merge_flipped``; ``BaseModel`` has the mechanics).
    """

    def __init__(self, backbone, head, neck=None, flip_test=False):
        super().__init__()
        self.backbone = BACKBONES.build(backbone)
        self.neck = NECKS.build(neck) if neck else None
        self.head = HEADS.build(head)
        self.flip_test = flip_test

    def extract_feat(self, images):
        """images (N, C, H, W) -> tuple of feature levels (after the neck, when there is one)."""
        feats = feature_levels(self.backbone(images), self.backbone)
        return feature_levels(self.neck(feats), self.neck) if self.neck is not None else feats
