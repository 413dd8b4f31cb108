"""Weakly-supervised localisers: trained with image labels, they output where each class is.

``LocalizerAlexNet`` is Oquab et al.'s model (CVPR 2015): AlexNet conv1–conv5 plus a
convolutional classifier giving one heatmap per class, max-pooled to image scores.
``LocalizerAlexNetRobust`` keeps the same layers — a checkpoint of one loads into the other — and
changes how the maps are trained and read so that heatmaps cover whole objects instead of their
most discriminative part: smooth pooling and map dropout in the head (its defaults here), and
optionally maps averaged over an image pyramid. docs/localizer.md shows the difference.

Shapes: ``N`` images, ``K`` classes, ``H, W`` input pixels, ``h, w`` map cells (29×29 at 512 px).
"""
import copy

import torch
import torch.nn.functional as F

from vlrkit.errors import ConfigError
from vlrkit.models.base import BaseModel, feature_levels
from vlrkit.registry import BACKBONES, HEADS, MODELS


@MODELS.register_module()
class LocalizerAlexNet(BaseModel):
    """AlexNet features → LocalizerHead; ``forward(images)`` returns the class maps (N, K, h, w).

    Args:
        backbone: config of the feature extractor (default ``AlexNetFeatures``, random init).
        head: config of the heatmap head (default ``LocalizerHead`` with max pooling, 20 classes).
        flip_test: ``predict`` averages the maps of each image and of its mirror image (mirrored
            back onto the image). Learned filters are not left-right symmetric, so one pass's
            maps can lean to one side (the plain demo model's boxes sit 3.3 px left of the
            objects on 128 px images, its mirrored pass's 3.3 px right); the average cancels it.
    """

    default_head = dict(type='LocalizerHead', num_classes=20, pooling='max', map_dropout=0.0)

    def __init__(self, backbone=dict(type='AlexNetFeatures'), head=None, flip_test=False):
        super().__init__()
        head_cfg = copy.deepcopy(self.default_head)
        head_cfg.update(head or {})
        self.backbone = BACKBONES.build(backbone)
        self.head = HEADS.build(head_cfg)
        self.flip_test = flip_test    # after the head: the setter checks the flip test can run

    @property
    def heatmap_geometry(self):
        """dict(stride, offset): class-map cell o is centred on input pixel offset + o * stride
        (16 and 31.5 for AlexNet), so heatmaps are put back on the image where they belong."""
        stride = float(self.backbone.feature_stride)
        offset = self.backbone.feature_offset + self.head.map_offset_cells * stride
        return dict(stride=stride, offset=float(offset))

    def align_mirrored_maps(self, mirrored, input_width):
        """Resample the mirrored-back maps of mirrored images onto this model's map grid.

        Cell ``o`` of a map sits at input x ``offset + o * stride``; mirroring an input of width
        ``W`` and the map back puts it at ``W - offset - (w - 1 - o) * stride`` instead, which is
        off by ``W - 2 * offset - (w - 1) * stride`` pixels (1 px at 256 or 512 px for AlexNet,
        up to a stride for other widths). Linear interpolation along x removes the offset.
        """
        width = mirrored.shape[-1]
        geometry = self.heatmap_geometry
        shift_px = input_width - 2 * geometry['offset'] - (width - 1) * geometry['stride']
        # Value wanted at cell o lies at mirrored-map position o - shift_px / stride.
        pos = (torch.arange(width, dtype=mirrored.dtype, device=mirrored.device)
               - shift_px / geometry['stride']).clamp(0, width - 1)
        left = pos.floor().long()
        right = (left + 1).clamp(max=width - 1)
        frac = pos - left
        return mirrored[..., left] * (1 - frac) + mirrored[..., right] * frac

    def extract_feat(self, images):
        """(N, 3, H, W) normalised images -> (conv5,), the level the head draws its maps from."""
        return feature_levels(self.backbone(images), self.backbone)

    @torch.no_grad()
    def predict(self, batch):
        """Per image: ``scores`` (K,) probabilities, ``heatmaps`` (K, h, w) probabilities and
        ``heatmap_logits`` (K, h, w) over the padded input ``batch['images']`` (flip-averaged
        with ``flip_test``), and ``heatmap_stride`` / ``heatmap_offset`` (scalars, input pixels)
        placing the cells on it (see evaluation/functional/heatmap_boxes)."""
        geometry = {f'heatmap_{key}': torch.tensor(value)
                    for key, value in self.heatmap_geometry.items()}
        return [{**{key: value.detach().cpu() for key, value in pred.items()}, **geometry}
                for pred in super().predict(batch)]

    def merge_flipped(self, class_maps, mirrored_maps, batch):
        """The flip test: the mean of the class maps and of the mirror image's maps, mirrored back
        and resampled onto this model's cells, pooled and read by the head.

        The merge lives here, not in the head: putting the mirrored maps back on the cells needs
        this model's map geometry (``align_mirrored_maps``), and it must average raw class maps
        (pooling the average is not the average of pooled scores), so the averaged maps go to
        ``predict_by_feat``, the half of the head's ``predict`` that follows ``forward``.
        """
        aligned = self.align_mirrored_maps(mirrored_maps.flip(-1), batch['images'].shape[-1])
        return self.head.predict_by_feat((class_maps + aligned) / 2, batch)


@MODELS.register_module()
class LocalizerAlexNetRobust(LocalizerAlexNet):
    """LocalizerAlexNet whose heatmaps are trained to cover whole objects.

    Same backbone and classifier layers; the head defaults to log-sum-exp pooling (r = 5) and map
    dropout 0.3 (any key given in ``head`` overrides them), and ``scales`` can add an image pyramid.

    Args:
        scales: input scales whose class maps are resized to the scale-1 map size and averaged;
            objects too large for the receptive field at scale 1 are seen whole at smaller scales.
            The default ``(1.0,)`` computes exactly what LocalizerAlexNet does.
    """

    default_head = dict(type='LocalizerHead', num_classes=20, pooling='lse', lse_r=5.0,
                        map_dropout=0.3)

    def __init__(self, backbone=dict(type='AlexNetFeatures'), head=None, scales=(1.0,),
                 flip_test=False):
        super().__init__(backbone=backbone, head=head, flip_test=flip_test)
        if 1.0 not in scales or any(s <= 0 for s in scales):
            raise ConfigError(f'LocalizerAlexNetRobust scales={scales}; give positive input scales '
                              'including 1.0 (its map grid is the one returned)')
        self.scales = tuple(float(s) for s in scales)

    def extract_feat(self, images):
        """One conv5 level per scale, the scale-1 image first; the head averages their maps on
        the scale-1 grid (``LocalizerHead.forward``)."""
        feats = super().extract_feat(images)
        for scale in (s for s in self.scales if s != 1.0):
            scaled = F.interpolate(images, scale_factor=scale, mode='bilinear', align_corners=False,
                                   recompute_scale_factor=False)
            feats += super().extract_feat(scaled)
        return feats
