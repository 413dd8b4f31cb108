"""FCOS: the one-stage, anchor-free detector as a composition of backbone -> FPN -> FCOSHead."""
from vlrkit.registry import BACKBONES, HEADS, MODELS, NECKS
from .base import BaseModel, feature_levels


@MODELS.register_module()
class FCOS(BaseModel):
    """Fully convolutional one-stage detector (Tian et al. 2019).

    Args:
        backbone / neck / head: config dicts for the BACKBONES / NECKS / HEADS registries.

    ``loss(batch)`` reads ``images`` (N, 3, H, W) and per-image ``boxes`` (M_i, 4) in input pixels,
    ``labels`` (M_i,), ``difficult`` (M_i,). ``predict(batch)`` returns per image ``boxes`` (D, 4)
    in *original* image pixels, ``scores`` (D,), ``labels`` (D,); the head maps the boxes back
    with the batch's ``scale_factor`` (``FCOSHead.predict_by_feat``). ``forward(images)`` returns the
    raw head outputs: (class logits, LTRB deltas / stride, centerness logits), per level.

    ``flip_test=True``: ``predict`` also detects on the mirror image, mirrors those boxes back and
    merges both sets by class-wise NMS (``FCOSHead.merge_flipped``; ``BaseModel`` has the mechanics).
    """

    def __init__(self, backbone, neck, head, flip_test=False):
        super().__init__()
        self.backbone = BACKBONES.build(backbone)
        self.neck = NECKS.build(neck)
        self.head = HEADS.build(head)
        self.flip_test = flip_test

    def extract_feat(self, images):
        """images (N, 3, H, W) -> FPN levels, finest first."""
        return self.neck(feature_levels(self.backbone(images), self.backbone))
