"""FCOS: the one-stage, anchor-free detector as a composition of backbone -> FPN -> FCOSHead."""
import torch

from vlrkit.registry import BACKBONES, HEADS, MODELS, NECKS
from .base import BaseModel


def _pairs(values, count):
    """Batch entries such as img_shape / scale_factor as a list of ``count`` float pairs.

    ``collate`` stacks them into an (N, 2) tensor when possible, else keeps a list of tuples.
    """
    if values is None:
        return None
    if isinstance(values, torch.Tensor):
        values = values.reshape(count, -1).tolist()
    return [tuple(float(v) for v in pair) for pair in values]


@MODELS.register_module()
class FCOS(BaseModel):
    """Fully convolutional one-stage detector (Tian et al. 2019).

    Args:
        backbone / neck / head: config dicts for the BACKBONES / NECKS / HEADS registries.

    ``loss(batch)`` reads ``images`` (N, 3, H, W) and per-image ``boxes`` (M_i, 4) in input pixels,
    ``labels`` (M_i,), ``difficult`` (M_i,). ``predict(batch)`` returns per image ``boxes`` (D, 4)
    in *original* image pixels (divided by ``scale_factor``), ``scores`` (D,), ``labels`` (D,).
    """

    def __init__(self, backbone, neck, head):
        super().__init__()
        self.backbone = BACKBONES.build(backbone)
        self.neck = NECKS.build(neck)
        self.head = HEADS.build(head)

    def extract_feat(self, images):
        return self.neck(self.backbone(images))

    def forward(self, images):
        """Raw head outputs: (class logits, LTRB deltas / stride, centerness logits), per level."""
        return self.head(self.extract_feat(images))

    def loss(self, batch):
        return self.head.loss(self.extract_feat(batch['images']), batch['boxes'], batch['labels'],
                              batch.get('difficult'))

    def predict(self, batch):
        images = batch['images']
        count = images.shape[0]
        img_shapes = _pairs(batch.get('img_shape'), count) or [tuple(images.shape[-2:])] * count
        results = self.head.predict_by_feat(*self(images), img_shapes)
        scale_factors = _pairs(batch.get('scale_factor'), count) or [(1.0, 1.0)] * count
        ori_shapes = _pairs(batch.get('ori_shape'), count)
        for index, (result, (sx, sy)) in enumerate(zip(results, scale_factors)):
            boxes = result['boxes'] / result['boxes'].new_tensor([sx, sy, sx, sy])
            if ori_shapes is not None:   # rounding of the resize can leave a sliver outside
                height, width = ori_shapes[index]
                boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
                boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
            result['boxes'] = boxes
        return results
