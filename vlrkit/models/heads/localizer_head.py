"""Class heatmaps from conv5 features, pooled to image scores: the weakly-supervised localiser head.

Oquab et al. ("Is object localization for free?", CVPR 2015) replace AlexNet's fully connected
layers by convolutions, so the network outputs one score *map* per class; a global max over each
map gives the image-level score trained with image labels only. The map's argmax then says where
the evidence is: localisation "for free".

Max pooling sends the whole gradient to one cell per class, so the network only needs its single
most discriminative part (a face, a wheel) and the heatmap lights up that part alone. The options
below make the pooled score depend on more of the object (see docs/localizer.md):

* ``pooling='lse'`` — log-sum-exp, ``(1/r) log mean exp(r·s)``, a smooth maximum: large ``r``
  approaches max pooling, small ``r`` the mean, and the gradient is a softmax over the cells, so
  every cell close to the top is pushed, not just the argmax (Pinheiro & Collobert, CVPR 2015).
* ``pooling='topk'`` — mean of the ``topk_ratio`` highest cells (a fixed fraction, as in
  WILDCAT's k-max, Durand et al. CVPR 2017).
* ``map_dropout=p`` — during training each cell of each class map is hidden from the pooling with
  probability ``p``; when the argmax is hidden, the score has to come from the rest of the object,
  so the network learns to score all of it (like Hide-and-Seek, Singh & Lee ICCV 2017, on maps).

Shapes: ``N`` images, ``C`` feature channels, ``K`` classes, ``h, w`` map cells.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from vlrkit.errors import ConfigError
from vlrkit.registry import HEADS, LOSSES
from .base_head import BaseHead
from .multilabel_loss import difficult_masked_loss

POOLINGS = ('max', 'lse', 'topk', 'avg')


def pool_class_maps(class_maps, pooling='max', lse_r=5.0, topk_ratio=0.1, keep=None):
    """Global pooling of (N, K, h, w) class maps to (N, K) image logits.

    Args:
        class_maps: (N, K, h, w) logits.
        pooling: one of ``POOLINGS``.
        lse_r: sharpness of log-sum-exp pooling.
        topk_ratio: fraction of cells averaged by top-k pooling (at least one cell).
        keep: optional bool (N, K, h, w) mask of the cells that take part (map dropout); cells
            outside it are ignored, so the pooled value is that of the kept cells alone.
    """
    maps = class_maps.flatten(2)                                    # (N, K, h*w)
    mask = None if keep is None else keep.flatten(2)
    if pooling == 'max':
        return (maps if mask is None else maps.masked_fill(~mask, float('-inf'))).amax(dim=2)
    if pooling == 'avg':
        if mask is None:
            return maps.mean(dim=2)
        return (maps * mask).sum(dim=2) / mask.sum(dim=2).clamp(min=1)
    if pooling == 'lse':
        scaled = lse_r * maps
        count = torch.full_like(maps[..., 0], maps.shape[2])
        if mask is not None:
            scaled = scaled.masked_fill(~mask, float('-inf'))
            count = mask.sum(dim=2).to(maps.dtype)
        return (torch.logsumexp(scaled, dim=2) - torch.log(count)) / lse_r
    if pooling == 'topk':
        k = max(1, int(math.ceil(topk_ratio * maps.shape[2])))
        if mask is not None:
            # Dropped cells sort last; with fewer than k kept cells the mean is over those kept.
            top = maps.masked_fill(~mask, float('-inf')).topk(k, dim=2).values
            kept = torch.isfinite(top)
            return torch.where(kept, top, torch.zeros_like(top)).sum(2) / kept.sum(2).clamp(min=1)
        return maps.topk(k, dim=2).values.mean(dim=2)
    raise ConfigError(f'pooling={pooling!r} is not one of {POOLINGS}')


@HEADS.register_module()
class LocalizerHead(BaseHead):
    """conv3×3 C→256 (no padding) → ReLU → conv1×1 256→256 → ReLU → conv1×1 256→K, then pooling.

    Args:
        num_classes: K, one heatmap per class.
        in_channels: channels of the feature levels (256 for AlexNet conv5).
        feat_channels: width of the two hidden layers.
        pooling: 'max' (Oquab et al.'s LocalizerAlexNet), 'lse', 'topk' or 'avg'.
        lse_r: log-sum-exp sharpness (only for 'lse').
        topk_ratio: fraction of cells averaged (only for 'topk').
        map_dropout: probability of hiding a class-map cell from the pooling during training.
        prior_prob: if given, the last layer starts at logit log(p / (1 - p)) everywhere with
            small weights (RetinaNet's prior init), so training from scratch does not begin with
            a large loss whose first Adam steps kill the hidden ReLUs; None keeps zero biases.
        loss_cls: config of the multi-label loss on pooled logits (difficult entries masked out).
    """

    #: The unpadded 3×3 conv drops one feature cell on each side: map cell o sits on feature cell o + 1.
    map_offset_cells = 1

    def __init__(self, num_classes=20, in_channels=256, feat_channels=256, pooling='max',
                 lse_r=5.0, topk_ratio=0.1, map_dropout=0.0, prior_prob=None,
                 loss_cls=dict(type='BCEWithLogitsLoss')):
        super().__init__()
        if pooling not in POOLINGS:
            raise ConfigError(f'LocalizerHead pooling={pooling!r}; choose one of {POOLINGS}')
        if not 0.0 <= map_dropout < 1.0:
            raise ConfigError(f'LocalizerHead map_dropout={map_dropout}; it must be in [0, 1)')
        if pooling == 'lse' and lse_r <= 0:
            raise ConfigError(f'LocalizerHead lse_r={lse_r}; log-sum-exp needs r > 0')
        if pooling == 'topk' and not 0.0 < topk_ratio <= 1.0:
            raise ConfigError(f'LocalizerHead topk_ratio={topk_ratio}; it must be in (0, 1]')
        self.num_classes = num_classes
        self.pooling = pooling
        self.lse_r = lse_r
        self.topk_ratio = topk_ratio
        self.map_dropout = map_dropout
        if prior_prob is not None and not 0.0 < prior_prob < 1.0:
            raise ConfigError(f'LocalizerHead prior_prob={prior_prob}; it must be in (0, 1)')
        self.prior_prob = prior_prob
        self.classifier = nn.Sequential(
            nn.Conv2d(in_channels, feat_channels, kernel_size=3),
            nn.ReLU(inplace=True),
            nn.Conv2d(feat_channels, feat_channels, kernel_size=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(feat_channels, num_classes, kernel_size=1),
        )
        self.loss_cls = LOSSES.build(loss_cls)
        self.init_weights()

    def init_weights(self):
        """Xavier-uniform weights and zero biases (the 2020 course recipe's init), or the prior init."""
        for module in self.classifier:
            if isinstance(module, nn.Conv2d):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
        if self.prior_prob is not None:
            last = self.classifier[-1]
            nn.init.normal_(last.weight, std=0.01)
            nn.init.constant_(last.bias, math.log(self.prior_prob / (1.0 - self.prior_prob)))

    def forward(self, feats):
        """Feature levels -> class maps (N, K, h, w); a 31×31 conv5 gives 29×29 maps.

        ``feats`` holds one (N, C, H', W') level per scale of an image pyramid, the scale-1 image
        first (a plain backbone gives just that one). The maps of every level are resized to the
        first level's grid and averaged: an object too large for the receptive field at scale 1
        is seen whole at a smaller scale, and the cells keep the geometry of the scale-1 image.
        """
        class_maps = self.classifier(feats[0])
        if len(feats) == 1:
            return class_maps
        maps = [class_maps] + [F.interpolate(self.classifier(feat), size=class_maps.shape[-2:],
                                             mode='bilinear', align_corners=False)
                               for feat in feats[1:]]
        return torch.stack(maps).mean(dim=0)

    def pool(self, class_maps):
        """(N, K, h, w) -> (N, K) image logits; map dropout acts only in training mode."""
        keep = None
        if self.training and self.map_dropout > 0:
            noise = torch.rand_like(class_maps)
            keep = noise >= self.map_dropout
            # Never hide a whole map: its cell with the largest noise always takes part.
            keep |= noise == noise.flatten(2).amax(dim=2)[..., None, None]
        return pool_class_maps(class_maps, self.pooling, self.lse_r, self.topk_ratio, keep)

    def loss_by_feat(self, class_maps, batch):
        """Multi-label loss of the pooled logits against ``batch['labels']`` (N, K); entries that
        ``batch['difficult']`` marks do not count (``difficult_masked_loss``)."""
        logits = self.pool(class_maps)
        losses = dict(loss_cls=difficult_masked_loss(self.loss_cls, logits, batch['labels'],
                                                     batch.get('difficult')))
        with torch.no_grad():
            # Logged, not optimised: how peaked the maps are (max minus mean logit, averaged).
            flat = class_maps.detach().flatten(2)
            losses['map_peakiness'] = (flat.amax(2) - flat.mean(2)).mean()
        return losses

    def predict_by_feat(self, class_maps, batch):
        """One dict per image: ``scores`` (K,) sigmoid of the pooled logits, ``heatmaps`` (K, h, w)
        sigmoid of the class maps (with max pooling a heatmap's peak equals its class score), for
        pictures, and ``heatmap_logits`` the maps themselves, for boxes: the sigmoid saturates,
        so a strong peak has a flat top in ``heatmaps`` that a relative threshold cannot see."""
        class_maps = class_maps.float()
        scores = torch.sigmoid(self.pool(class_maps))
        return [dict(scores=s, heatmaps=torch.sigmoid(m), heatmap_logits=m)
                for s, m in zip(scores, class_maps)]
