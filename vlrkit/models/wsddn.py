"""WSDDN: a weakly-supervised detector that scores region proposals with image labels alone.

Bilen & Vedaldi, "Weakly Supervised Deep Detection Networks" (CVPR 2016): a convolutional
backbone, RoI pooling of every proposal, and a two-stream region head whose region scores sum to
image scores (``heads/wsddn_head.py``); OICR's refinement streams (Tang et al., CVPR 2017) are the
head's ``refine_times`` option. See docs/wsddn.md.
"""
import torch

from vlrkit.registry import BACKBONES, HEADS, MODELS
from .base import BaseModel, feature_levels


@MODELS.register_module()
class WSDDN(BaseModel):
    """Backbone -> WSDDNHead over the batch's region proposals.

    Args:
        backbone / head: config dicts for the BACKBONES / HEADS registries (the homework's:
            ``AlexNetFeatures(pretrained='imagenet', frozen_stages=0)`` and ``WSDDNHead`` with
            RoI pooling 6×6 at 1/16, configs/_base_/models/wsddn_alexnet.py).

    ``loss(batch)`` reads ``images`` (N, 3, H, W), ``proposals`` (list of N (P_i, 4) in input
    pixels) and multi-hot image labels (``img_labels`` / ``img_difficult``, or a multi-label
    batch's ``labels`` / ``difficult``). ``predict(batch)`` returns per image ``boxes`` (D, 4) in
    original pixels, ``scores`` (D,), ``labels`` (D,) and ``img_scores`` (K,).

    ``flip_test=True``: ``predict`` also scores every proposal, mirrored, on the mirror image and
    averages the two views' class probabilities region by region (``WSDDNHead.merge_flipped``).
    The network needs the proposals of each view, so this model runs both views itself instead
    of ``BaseModel.predict``, which calls ``forward(images)`` without them.
    """

    def __init__(self, backbone, head, flip_test=False):
        super().__init__()
        self.backbone = BACKBONES.build(backbone)
        self.head = HEADS.build(head)
        self.flip_test = flip_test

    def predict(self, batch):
        if not self.flip_test:
            return super().predict(batch)
        images = batch['images']
        return self.head.predict_flipped(self.extract_feat(images),
                                         self.extract_feat(images.flip(-1)), batch)

    def extract_feat(self, images):
        """images (N, 3, H, W) -> (conv5,), the level regions are pooled from."""
        return feature_levels(self.backbone(images), self.backbone)

    def forward(self, images, proposals=None):
        """images (N, 3, H, W) and per-image proposals -> the head's raw outputs (a dict of tensors).

        Without proposals each image is one region covering the whole input, so analysis and
        export tools that call ``model(images)`` still get region scores of the right shape.
        """
        if proposals is None:
            height, width = images.shape[-2:]
            whole = images.new_tensor([[0.0, 0.0, width, height]])
            proposals = [whole] * len(images)
        return self.head(self.extract_feat(images), proposals)
