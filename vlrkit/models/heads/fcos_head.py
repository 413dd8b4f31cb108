"""FCOS head (Tian et al. 2019, with the later improvements): per-pixel class, LTRB box, centerness.

Every feature-map location is a *point* at ``stride * (index + 0.5)`` in input pixels. A point
predicts K class logits, four distances to the sides of its object (left, top, right, bottom,
divided by the level's stride), and a centerness logit that down-weights off-centre boxes at test
time. No anchors: targets come from geometry alone (``assign_targets``).

Shape legend used throughout this file:
    N  images in the batch          L  points over all levels (sum of H_i * W_i)
    M  ground-truth boxes per image, padded to the batch maximum
    K  classes                      P  selected points (positives, or candidates at inference)

The geometry (``encode_ltrb``, ``decode_ltrb``, ``centerness_targets``,
``level_points``) and the assignment (``assign_targets``) are pure functions, tested on their own.
"""
import math

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torchvision.ops import batched_nms, clip_boxes_to_image

from vlrkit.dist import mean_over_ranks
from vlrkit.errors import ConfigError
from vlrkit.registry import HEADS, LOSSES
from vlrkit.structures import flip_boxes, image_pairs
from .base_head import BaseHead

INF = float('inf')
# The paper's regress ranges: P3 (0, 64), P4 (64, 128), P5 (128, 256), P6 (256, 512), P7 (512, inf).
FIVE_LEVEL_RANGES = ((0, 64), (64, 128), (128, 256), (256, 512), (512, INF))
# Three levels (the course recipe's P3-P5): the last level takes every larger object.
THREE_LEVEL_RANGES = ((0, 64), (64, 128), (128, INF))
# Label value of a point that is neither positive nor negative (claimed by a difficult box).
IGNORE = -1


# ----------------------------------------------------------------------------- geometry
def level_points(feat_sizes, strides, device=None, dtype=torch.float32):
    """Point centres and per-point stride for every level, concatenated level by level.

    Args:
        feat_sizes: [(H_i, W_i)] per level.  strides: [s_i] per level.
    Returns:
        points (L, 2) as (x, y) at ``s * (index + 0.5)`` (the centre of the input pixels a cell
        covers, so a 224 px image with stride 8 gives x = 4, 12, ..., 220), and strides (L,).
    """
    points, point_strides = [], []
    for (height, width), stride in zip(feat_sizes, strides):
        ys = (torch.arange(height, device=device, dtype=dtype) + 0.5) * stride
        xs = (torch.arange(width, device=device, dtype=dtype) + 0.5) * stride
        grid_y, grid_x = torch.meshgrid(ys, xs, indexing='ij')
        points.append(torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=-1))
        point_strides.append(torch.full((height * width,), float(stride), device=device, dtype=dtype))
    return torch.cat(points), torch.cat(point_strides)


def encode_ltrb(points, boxes, stride):
    """Distances from points to the sides of boxes, in units of the stride.

    Args:
        points (P, 2) x, y;  boxes (P, 4) x1, y1, x2, y2;  stride: number or (P,) tensor.
    Returns:
        (P, 4) (x - x1, y - y1, x2 - x, y2 - y) / stride; negative where a point lies outside.
    """
    x, y = points[..., 0], points[..., 1]
    ltrb = torch.stack([x - boxes[..., 0], y - boxes[..., 1], boxes[..., 2] - x, boxes[..., 3] - y], -1)
    stride = torch.as_tensor(stride, dtype=ltrb.dtype, device=ltrb.device)
    return ltrb / (stride[..., None] if stride.dim() else stride)


def decode_ltrb(points, deltas, stride):
    """Boxes (P, 4) x1, y1, x2, y2 from points (P, 2) and stride-normalised LTRB deltas (P, 4).

    Negative deltas are clamped to 0: a box never extends to the wrong side of its point.
    """
    stride = torch.as_tensor(stride, dtype=deltas.dtype, device=deltas.device)
    distances = deltas.clamp(min=0) * (stride[..., None] if stride.dim() else stride)
    x, y = points[..., 0], points[..., 1]
    return torch.stack([x - distances[..., 0], y - distances[..., 1],
                        x + distances[..., 2], y + distances[..., 3]], -1)


def centerness_targets(ltrb):
    """sqrt(min(l, r) / max(l, r) * min(t, b) / max(t, b)) for (P, 4) positive distances.

    1 at a box's centre, falling to 0 at its edge; the scale of ``ltrb`` cancels out.
    """
    left_right, top_bottom = ltrb[..., [0, 2]], ltrb[..., [1, 3]]
    ratio = (left_right.min(-1).values / left_right.max(-1).values.clamp(min=1e-12)) * \
            (top_bottom.min(-1).values / top_bottom.max(-1).values.clamp(min=1e-12))
    return ratio.clamp(min=0).sqrt()


def pad_ground_truth(boxes, labels, difficult=None):
    """Per-image ground truth lists -> padded batch tensors for vectorised assignment.

    Returns:
        boxes (N, M, 4), labels (N, M), difficult (N, M) bool, valid (N, M) bool (False = padding).
    """
    device = boxes[0].device if boxes else None
    if difficult is None:
        difficult = [torch.zeros(len(b), dtype=torch.bool, device=b.device) for b in boxes]
    # Sizes come from the lists' lengths, known on the host: reading them back from a device
    # tensor (or copying one there) would make the training step wait for the device.
    max_boxes = max([len(b) for b in boxes] + [1])  # M >= 1 keeps shapes non-empty
    pad = [torch.zeros(max_boxes, 4, device=device)]  # forces width M even when all are shorter
    boxes_t = pad_sequence([b.reshape(-1, 4).float() for b in boxes] + pad, batch_first=True)[:-1]
    labels_t = pad_sequence([l.reshape(-1).long() for l in labels] +
                            [torch.zeros(max_boxes, dtype=torch.long, device=device)], batch_first=True)[:-1]
    difficult_t = pad_sequence([d.reshape(-1).bool() for d in difficult] +
                               [torch.zeros(max_boxes, dtype=torch.bool, device=device)],
                               batch_first=True)[:-1]
    valid = pad_sequence([torch.ones(len(b), dtype=torch.bool, device=device) for b in boxes] +
                         [torch.zeros(max_boxes, dtype=torch.bool, device=device)], batch_first=True)[:-1]
    return boxes_t, labels_t, difficult_t, valid


def assign_targets(points, point_strides, point_ranges, gt_boxes, gt_labels, gt_valid,
                   gt_difficult=None, num_classes=80, center_sampling=False, center_radius=1.5):
    """FCOS target assignment for the whole batch at once.

    Args:
        points (L, 2), point_strides (L,), point_ranges (L, 2): each point's level range (lo, hi)
        gt_boxes (N, M, 4) input pixels, gt_labels (N, M), gt_valid (N, M), gt_difficult (N, M)
    Returns:
        labels (N, L) long: class of the assigned box, ``num_classes`` for background, ``IGNORE``
            for points a difficult box claims;
        box_targets (N, L, 4): the assigned box (xyxy pixels; meaningful where labels < K).
    """
    if gt_difficult is None:
        gt_difficult = torch.zeros_like(gt_valid)
    x = points[None, :, None, 0]                                   # (1, L, 1)
    y = points[None, :, None, 1]
    x1, y1, x2, y2 = (gt_boxes[:, None, :, i] for i in range(4))   # (N, 1, M) each
    ltrb = torch.stack([x - x1, y - y1, x2 - x, y2 - y], dim=-1)   # (N, L, M, 4) pixels

    # Rule 1: the point must lie strictly inside the box; a point on the edge has a zero
    # distance and could not regress that side.
    inside = ltrb.min(dim=-1).values > 0                           # (N, L, M)
    if center_sampling:
        # Rule 1': centre sampling keeps only points within radius * stride of the box centre
        # (clipped to the box): border points see mostly background and make poor positives.
        radius = center_radius * point_strides[None, :, None]      # (1, L, 1)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        cbox = torch.stack([x - torch.maximum(cx - radius, x1), y - torch.maximum(cy - radius, y1),
                            torch.minimum(cx + radius, x2) - x, torch.minimum(cy + radius, y2) - y], -1)
        inside = inside & (cbox.min(dim=-1).values > 0)

    # Rule 2: the box's largest distance must fall in the level's range, so each object is
    # learnt on the level whose receptive field suits its size (and overlaps split by scale).
    max_dist = ltrb.max(dim=-1).values                             # (N, L, M)
    in_range = (max_dist >= point_ranges[None, :, None, 0]) & (max_dist <= point_ranges[None, :, None, 1])
    claims = inside & in_range & gt_valid[:, None, :]              # padding claims nothing

    # Rule 3: a point claimed by several boxes regresses the smallest one: the small object is
    # the one that would otherwise get no point at all; the large one has other points.
    areas = ((x2 - x1) * (y2 - y1)).expand_as(claims)              # (N, L, M)
    min_area, assigned = torch.where(claims, areas, torch.full_like(areas, INF)).min(dim=-1)  # (N, L)
    positive = min_area < INF

    labels = torch.gather(gt_labels, 1, assigned)                  # (N, L)
    labels = torch.where(positive, labels, torch.full_like(labels, num_classes))
    # Rule 4: difficult boxes take part in the choice above but never become targets: a point
    # that would learn a difficult object is ignored (no positive to chase an ambiguous object,
    # no negative that punishes detecting it).
    claimed_by_difficult = positive & torch.gather(gt_difficult, 1, assigned)
    labels = torch.where(claimed_by_difficult, torch.full_like(labels, IGNORE), labels)
    box_targets = torch.gather(gt_boxes, 1, assigned[..., None].expand(-1, -1, 4))  # (N, L, 4)
    return labels, box_targets


# ----------------------------------------------------------------------------- modules
class Scale(nn.Module):
    """A learnable scalar per pyramid level: the shared head's outputs differ in range by level."""

    def __init__(self, value=1.0):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(float(value)))

    def forward(self, x):
        return x * self.scale


#: Norm layers a tower can use, by config ``type``: GroupNorm (the FCOS default, because detection
#: batches are small and batch statistics of a few images are noise) or BatchNorm.
NORM_LAYERS = {
    'GN': lambda cfg, channels: nn.GroupNorm(cfg.get('num_groups', 32), channels),
    'BN': lambda cfg, channels: nn.BatchNorm2d(channels),
}


def conv_tower(in_channels, channels, num_convs, norm):
    """``num_convs`` blocks of 3x3 conv + the norm ``norm['type']`` names + ReLU; ``norm=None``
    gives plain convs with a bias (a norm layer's shift makes a conv bias redundant)."""
    if norm is not None and norm.get('type') not in NORM_LAYERS:
        raise ConfigError(f"FCOSHead norm type {norm.get('type')!r} is not one of {sorted(NORM_LAYERS)}; "
                          'or give norm=None for plain convs with bias')
    layers = []
    for index in range(num_convs):
        layers.append(nn.Conv2d(in_channels if index == 0 else channels, channels, 3, padding=1,
                                bias=norm is None))
        if norm is not None:
            layers.append(NORM_LAYERS[norm['type']](norm, channels))
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


@HEADS.register_module()
class FCOSHead(BaseHead):
    """Shared FCOS head over the FPN levels.

    Args:
        num_classes: K, foreground classes (no background logit: sigmoid per class).
        in_channels: channels of every FPN level.
        feat_channels: channels of the towers.
        stacked_convs: convs per tower (4 in the paper).
        strides: stride of each level, e.g. (8, 16, 32) for P3-P5.
        regress_ranges: (lo, hi) per level in input pixels; None picks the paper's ranges for
            five levels or (0, 64), (64, 128), (128, inf) for three.
        center_sampling / center_radius: restrict positives to radius * stride around box centres.
        norm: dict(type='GN', num_groups=32), dict(type='BN') or None for plain convs with bias.
        reg_activation: 'relu' (improved FCOS, on stride-normalised outputs) or 'exp' (original).
        centerness_on_reg: predict centerness from the regression tower (better, the default) or
            from the classification tower (the original paper).
        prior_prob: initial foreground probability of every class logit, so the focal loss does
            not start with a flood of confident background mistakes.
        loss_cls / loss_bbox / loss_centerness: loss configs (LOSSES registry).
        num_pos_ema: None normalises losses by this batch's positives; a momentum (e.g. 0.9) uses
            an exponential moving average of it, which steadies tiny batches.
        test_cfg: score_thr, nms_pre (top-k per level before NMS), iou_thr (class-aware NMS),
            max_per_img, score_mode ('sqrt': sqrt(cls * ctr) as torchvision; 'product' as mmdet).
    """

    def __init__(self, num_classes, in_channels, feat_channels=256, stacked_convs=4,
                 strides=(8, 16, 32, 64, 128), regress_ranges=None, center_sampling=True,
                 center_radius=1.5, norm=dict(type='GN', num_groups=32), reg_activation='relu',
                 centerness_on_reg=True, prior_prob=0.01,
                 loss_cls=dict(type='FocalLoss', gamma=2.0, alpha=0.25, loss_weight=1.0),
                 loss_bbox=dict(type='GIoULoss', loss_weight=1.0),
                 loss_centerness=dict(type='BCEWithLogitsLoss', loss_weight=1.0),
                 num_pos_ema=None, test_cfg=None):
        super().__init__()
        if regress_ranges is None:
            defaults = {3: THREE_LEVEL_RANGES, 5: FIVE_LEVEL_RANGES}
            if len(strides) not in defaults:
                raise ConfigError(f'FCOSHead: give regress_ranges for {len(strides)} levels '
                                  f'(defaults exist for 3 and 5 levels)')
            regress_ranges = defaults[len(strides)]
        if len(regress_ranges) != len(strides):
            raise ConfigError(f'FCOSHead: {len(regress_ranges)} regress_ranges for {len(strides)} '
                              f'strides; give one (lo, hi) per level')
        if reg_activation not in ('relu', 'exp'):
            raise ConfigError(f"FCOSHead reg_activation={reg_activation!r}; use 'relu' or 'exp'")
        self.num_classes = num_classes
        self.strides = tuple(strides)
        self.regress_ranges = tuple((float(lo), float(hi)) for lo, hi in regress_ranges)
        self.center_sampling = center_sampling
        self.center_radius = center_radius
        self.reg_activation = reg_activation
        self.centerness_on_reg = centerness_on_reg
        self.num_pos_ema = num_pos_ema
        self.test_cfg = {**dict(score_thr=0.05, nms_pre=1000, iou_thr=0.6, max_per_img=100,
                                score_mode='sqrt'), **(test_cfg or {})}

        self.cls_convs = conv_tower(in_channels, feat_channels, stacked_convs, norm)
        self.reg_convs = conv_tower(in_channels, feat_channels, stacked_convs, norm)
        self.conv_cls = nn.Conv2d(feat_channels, num_classes, 3, padding=1)
        self.conv_reg = nn.Conv2d(feat_channels, 4, 3, padding=1)
        self.conv_centerness = nn.Conv2d(feat_channels, 1, 3, padding=1)
        self.scales = nn.ModuleList(Scale(1.0) for _ in self.strides)
        self.loss_cls = LOSSES.build(loss_cls)
        self.loss_bbox = LOSSES.build(loss_bbox)
        self.loss_centerness = LOSSES.build(loss_centerness)
        self.register_buffer('num_pos_avg', torch.tensor(-1.0), persistent=False)
        self._init_weights(prior_prob)

    def _init_weights(self, prior_prob):
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.normal_(module.weight, std=0.01)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        # sigmoid(bias) = prior_prob at the start (RetinaNet's initialisation)
        nn.init.constant_(self.conv_cls.bias, -math.log((1 - prior_prob) / prior_prob))

    # ------------------------------------------------------------------ forward
    def forward(self, feats):
        """feats: per level (N, C, H_i, W_i) -> three per-level lists:
        class logits (N, K, H_i, W_i), LTRB deltas / stride (N, 4, H_i, W_i) in float32,
        centerness logits (N, 1, H_i, W_i)."""
        cls_scores, bbox_preds, centernesses = [], [], []
        for feat, scale in zip(feats, self.scales):
            cls_feat, reg_feat = self.cls_convs(feat), self.reg_convs(feat)
            cls_scores.append(self.conv_cls(cls_feat))
            # float32 before the activation: exp / large distances overflow fp16 under AMP
            deltas = scale(self.conv_reg(reg_feat)).float()
            bbox_preds.append(deltas.relu() if self.reg_activation == 'relu' else deltas.exp())
            centernesses.append(self.conv_centerness(reg_feat if self.centerness_on_reg else cls_feat))
        return cls_scores, bbox_preds, centernesses

    def points_for(self, feats_or_scores):
        sizes = [tuple(f.shape[-2:]) for f in feats_or_scores]
        return level_points(sizes, self.strides, device=feats_or_scores[0].device)

    def point_ranges(self, feats_or_scores):
        """(L, 2) regress range (low, high) of every point. Filled on the device: a tensor copied
        from the host each step would make the step wait for the device."""
        device = feats_or_scores[0].device
        ranges = []
        for (low, high), f in zip(self.regress_ranges, feats_or_scores):
            count = f.shape[-2] * f.shape[-1]
            ranges.append(torch.stack([torch.full((count,), float(low), device=device),
                                       torch.full((count,), float(high), device=device)], dim=-1))
        return torch.cat(ranges)

    @staticmethod
    def flatten_levels(per_level):
        """[(N, C, H_i, W_i)] -> (N, L, C), levels concatenated in the order of ``level_points``."""
        return torch.cat([x.permute(0, 2, 3, 1).reshape(x.shape[0], -1, x.shape[1]) for x in per_level], 1)

    def loss_by_feat(self, outputs, batch):
        """Losses from the head's ``outputs`` (``forward``'s three per-level lists) and the batch's
        per-image ground truth: ``boxes`` (M_i, 4) in input pixels, ``labels`` (M_i,) and the
        optional ``difficult`` (M_i,)."""
        cls_scores, bbox_preds, centernesses = outputs
        gt_boxes, gt_labels, gt_difficult = batch['boxes'], batch['labels'], batch.get('difficult')
        points, strides = self.points_for(cls_scores)                       # (L, 2), (L,)
        boxes, labels, difficult, valid = pad_ground_truth(gt_boxes, gt_labels, gt_difficult)
        with torch.no_grad():
            target_labels, box_targets = assign_targets(
                points, strides, self.point_ranges(cls_scores), boxes, labels, valid, difficult,
                self.num_classes, self.center_sampling, self.center_radius)   # (N, L), (N, L, 4)

        cls_flat = self.flatten_levels(cls_scores)                           # (N, L, K)
        deltas_flat = self.flatten_levels(bbox_preds)                        # (N, L, 4)
        ctr_flat = self.flatten_levels(centernesses)[..., 0]                 # (N, L)

        positive = (target_labels >= 0) & (target_labels < self.num_classes)  # (N, L)
        considered = target_labels != IGNORE                                # ignored points drop out
        pos_count = positive.sum().float()
        num_pos = self.normaliser(pos_count)
        # Every point enters every loss, weighted 0 where it does not count: selecting the points
        # that do (``x[mask]``) gives a tensor whose size only the device knows, and the host
        # would wait for the device to learn it, every step.
        cls_targets = torch.where(considered, target_labels, torch.full_like(target_labels, self.num_classes))
        loss_cls = self.loss_cls(cls_flat, cls_targets, weight=considered.float(), avg_factor=num_pos)

        # A point that is no positive regresses a stand-in box, the stride-sized square around it,
        # at weight 0: a real box keeps the IoU and its gradient finite there (0 * NaN is NaN).
        stand_in = torch.cat([points - strides[:, None], points + strides[:, None]], -1)  # (L, 4)
        box_targets = torch.where(positive[..., None], box_targets, stand_in)  # (N, L, 4)
        points, strides = points.expand(len(gt_boxes), -1, -1), strides.expand(len(gt_boxes), -1)
        target_deltas = encode_ltrb(points, box_targets, strides)           # (N, L, 4)
        ctr_targets = centerness_targets(target_deltas)                      # (N, L)
        # Box loss weighted by centerness (FCOS improvements): central points give the best boxes.
        box_weight = ctr_targets * positive
        ctr_norm = mean_over_ranks(box_weight.sum().detach()).clamp(min=1e-6)
        if getattr(self.loss_bbox, 'target_space', 'boxes') == 'deltas':
            loss_bbox = self.loss_bbox(deltas_flat, target_deltas, weight=box_weight, avg_factor=ctr_norm)
        else:
            pred_boxes = decode_ltrb(points, deltas_flat, strides)
            loss_bbox = self.loss_bbox(pred_boxes, box_targets, weight=box_weight, avg_factor=ctr_norm)
        # No positives: every weight is 0, so the losses are 0 with every parameter in the graph.
        loss_ctr = self.loss_centerness(ctr_flat, ctr_targets, weight=positive.float(), avg_factor=num_pos)
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox, loss_centerness=loss_ctr,
                    num_pos=pos_count.detach())

    def normaliser(self, num_pos):
        """Positives averaged over ranks (optionally an EMA), at least 1: the loss scale stays
        comparable whatever the batch's object count, and zero positives cannot divide by zero."""
        num_pos = mean_over_ranks(num_pos).clamp(min=1.0)
        if self.num_pos_ema is None or not self.training:
            return num_pos
        # The first step starts the average (the buffer holds -1 until then); on the device, as
        # reading either value on the host would make every step wait for the device.
        moving = self.num_pos_avg * self.num_pos_ema + (1 - self.num_pos_ema) * num_pos
        self.num_pos_avg.copy_(torch.where(self.num_pos_avg < 0, num_pos, moving))
        return self.num_pos_avg.clone().clamp(min=1.0)

    # ------------------------------------------------------------------ inference
    @torch.no_grad()
    def predict_by_feat(self, outputs, batch):
        """Detections per image in *original* image pixels: N dicts of boxes (D, 4), scores (D,),
        labels (D,), the prediction contract of ``vlrkit.structures``.

        Boxes are decoded and clipped in input pixels (``decode_detections``), then divided by
        the batch's ``scale_factor`` and clipped to ``ori_shape`` (``to_original_pixels``), as
        mmdetection's heads rescale in ``predict_by_feat``: the head is what turns points into
        boxes, so it is the one place that knows they are in input pixels, and every model that
        uses it (FCOS today, others tomorrow) returns original-image boxes without repeating the
        mapping. Without ``img_shape`` the whole input is the image; without ``scale_factor`` the
        input is the original.
        """
        return self.to_original_pixels(self.decode_detections(*outputs, self.img_shapes(batch)), batch)

    @torch.no_grad()
    def merge_flipped(self, outputs, mirrored_outputs, batch):
        """Detections of each image and of its mirror image, merged: the flip test.

        The mirror image is the padded input flipped along x, so an image of width w lies at
        x in [W - w, W] of it (W the padded width) and its padding on the left; its candidate
        boxes are mirrored back with x -> W - x onto the input frame, where they join the
        image's own candidates. One class-wise NMS (the head's ``iou_thr``) over both sets
        keeps a box seen in both views once, at its better score, and at most ``max_per_img``
        boxes survive, as without the flip test; then the boxes go to original pixels.
        """
        width = batch['images'].shape[-1]
        results = []
        for (boxes, scores, labels), (mirrored, mirrored_scores, mirrored_labels), img_shape in zip(
                self.decode_candidates(*outputs), self.decode_candidates(*mirrored_outputs),
                self.img_shapes(batch)):
            results.append(self.select_detections(
                torch.cat([boxes, flip_boxes(mirrored, width)]), torch.cat([scores, mirrored_scores]),
                torch.cat([labels, mirrored_labels]), img_shape))
        return self.to_original_pixels(results, batch)

    @staticmethod
    def img_shapes(batch):
        """(h, w) of every image before padding; the whole input when the batch does not say."""
        images = batch['images']
        return image_pairs(batch, 'img_shape', images.shape[0], default=tuple(images.shape[-2:]))

    @staticmethod
    def to_original_pixels(results, batch):
        """Detections in input pixels -> original pixels: divided by ``scale_factor``, clipped to
        ``ori_shape`` (rounding of the resize can leave a sliver outside)."""
        count = batch['images'].shape[0]
        scale_factors = image_pairs(batch, 'scale_factor', count, default=(1.0, 1.0))
        ori_shapes = image_pairs(batch, 'ori_shape', count)
        for result, (sx, sy), ori_shape in zip(results, scale_factors, ori_shapes):
            boxes = result['boxes'] / result['boxes'].new_tensor([sx, sy, sx, sy])
            if ori_shape is not None:
                height, width = ori_shape
                boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
                boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
            result['boxes'] = boxes
        return results

    def decode_detections(self, cls_scores, bbox_preds, centernesses, img_shapes):
        """Detections per image in *input* pixels, clipped to each image's unpadded (h, w).

        Returns a list of N dicts with boxes (D, 4), scores (D,), labels (D,).
        """
        return [self.select_detections(*candidates, img_shape) for candidates, img_shape
                in zip(self.decode_candidates(cls_scores, bbox_preds, centernesses), img_shapes)]

    def decode_candidates(self, cls_scores, bbox_preds, centernesses):
        """Per image, the (boxes (P, 4) input pixels, scores (P,), labels (P,)) of every point and
        class scoring above ``score_thr``, at most ``nms_pre`` per level; not clipped, no NMS."""
        cfg = self.test_cfg
        points, strides = self.points_for(cls_scores)
        level_sizes = [s.shape[-2] * s.shape[-1] for s in cls_scores]
        cls_flat = self.flatten_levels(cls_scores).float().sigmoid()          # (N, L, K)
        ctr_flat = self.flatten_levels(centernesses).float().sigmoid()        # (N, L, 1)
        scores_all = cls_flat * ctr_flat
        if cfg['score_mode'] == 'sqrt':
            scores_all = scores_all.sqrt()
        deltas_flat = self.flatten_levels(bbox_preds).float()                 # (N, L, 4)
        candidates = []
        for image_index in range(len(scores_all)):
            boxes, scores, labels = [], [], []
            start = 0
            for size in level_sizes:                                          # top-k per level
                level_scores = scores_all[image_index, start:start + size].reshape(-1)  # (L_i * K,)
                selected = torch.nonzero(level_scores > cfg['score_thr']).squeeze(1)
                if selected.numel() > cfg['nms_pre']:
                    top = level_scores[selected].topk(cfg['nms_pre']).indices
                    selected = selected[top]
                point_index = start + selected // self.num_classes
                boxes.append(decode_ltrb(points[point_index], deltas_flat[image_index, point_index],
                                         strides[point_index]))
                scores.append(level_scores[selected])
                labels.append(selected % self.num_classes)
                start += size
            candidates.append((torch.cat(boxes), torch.cat(scores), torch.cat(labels)))
        return candidates

    def select_detections(self, boxes, scores, labels, img_shape):
        """Candidates of one image -> dict of the boxes, scores, labels kept: clipped to the image's
        (h, w), class-wise NMS at ``iou_thr``, the ``max_per_img`` best."""
        boxes = clip_boxes_to_image(boxes, tuple(int(v) for v in img_shape))
        keep = batched_nms(boxes, scores, labels, self.test_cfg['iou_thr'])[:self.test_cfg['max_per_img']]
        return dict(boxes=boxes[keep], scores=scores[keep], labels=labels[keep])
