"""WSDDN's region head (Bilen & Vedaldi, CVPR 2016), with OICR's refinement streams as an option.

Each region (proposal) of an image is RoI-pooled from conv5 and passed through fc6 / fc7. Two
streams score it:

* the classification stream ``softmax over classes``: *what* the region is;
* the detection stream ``softmax over the regions of its image``: *which* region of the image
  best shows each class.

Their product is a region score that is high only for a region that is both of class c and the
image's best region for c; summed over the image's regions it gives an image score in [0, 1]
(clamped against rounding), trained with binary cross-entropy on image labels alone.

Images of one batch have different numbers of regions, so regions are kept flat, all images
concatenated, with ``region_image`` saying whose each is; the detection softmax normalises over
each image's own regions (``segment_softmax``) and image scores sum over them
(``segment_sum``). Nothing is padded, so nothing leaks across images.

With ``context_scale=s`` the detection stream is ContextLocNet's contrastive model (Kantorov et
al., ECCV 2016): a region's detection logit is its own minus that of its *frame*, the ring between
the region and the region enlarged ``s`` times. A part of an object has more of the object in its
frame than the whole object has, so the whole object wins the detection softmax.

With ``refine_times=T`` the head adds OICR's T refinement classifiers (``oicr.py``): fc7 -> K + 1
logits (background last), stream t trained on pseudo-labels from stream t - 1 (stream 0 being
WSDDN's region scores); at test time their softmax scores are averaged as the detection scores.

Shape legend: ``N`` images, ``R`` regions of the whole batch (sum of P_i), ``K`` classes,
``T`` refinement streams, ``D`` fc7 channels.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import RoIAlign, RoIPool, batched_nms, box_iou

from vlrkit.errors import ConfigError
from vlrkit.registry import HEADS, LOSSES
from vlrkit.structures import flip_boxes, image_pairs
from .base_head import BaseHead
from .multilabel_loss import difficult_masked_loss
from .oicr import oicr_pseudo_labels

ROI_OPS = ('roi_pool', 'roi_align')

#: torchvision ``alexnet`` classifier names -> ours: fc6 and fc7 take ImageNet weights, fc8 does not.
TORCHVISION_FC_KEY_MAP = [(r'^classifier\.1\.', 'fc6.'), (r'^classifier\.4\.', 'fc7.')]


def segment_softmax(logits, segment, num_segments):
    """Softmax over the rows of each segment, column by column.

    Args:
        logits: (R, K).  segment: (R,) long, the segment (image) of each row, in 0..num_segments-1.
    Returns:
        (R, K): for every segment s and column k, the rows of s sum to 1.
    """
    index = segment[:, None].expand_as(logits)
    # Subtracting each segment's maximum keeps exp finite; it cancels in the ratio, hence detach.
    seg_max = logits.new_full((num_segments, logits.shape[1]), float('-inf')).scatter_reduce(
        0, index, logits.detach(), reduce='amax')
    exp = (logits - seg_max[segment]).exp()
    return exp / segment_sum(exp, segment, num_segments)[segment]


def segment_sum(values, segment, num_segments):
    """(R, K) rows summed per segment -> (num_segments, K); an empty segment sums to 0."""
    return values.new_zeros((num_segments, values.shape[1])).index_add(0, segment, values)


def enlarge_boxes(boxes, scale):
    """(P, 4) boxes scaled ``scale`` times about their centres."""
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = (boxes[:, 2:] - boxes[:, :2]) * (scale / 2)
    return torch.cat([centre - half, centre + half], dim=1)


def frame_mask(roi_size, scale):
    """(roi_size, roi_size) 0/1 mask of a box enlarged ``scale`` times and pooled to a grid: 0 on
    the bins whose centres lie inside the original box, 1 on the frame around it."""
    centres = (torch.arange(roi_size) + 0.5) / roi_size
    margin = (scale - 1) / (2 * scale)               # the original box spans [margin, 1 - margin]
    outside = (centres < margin) | (centres > 1 - margin)
    return (outside[:, None] | outside[None, :]).float()


def batch_proposals(batch):
    """``batch['proposals']``: one (P_i, 4) tensor per image, or a ConfigError saying what to add."""
    proposals = batch.get('proposals')
    count = batch['images'].shape[0]
    if proposals is None or len(proposals) != count:
        found = 'no proposals' if proposals is None else f'{len(proposals)} proposal sets'
        raise ConfigError(f"a region-based model needs batch['proposals'], one (P, 4) tensor per "
                          f'image; the batch of {count} images has {found}. Give the dataset a '
                          'proposal source in its config (see docs/wsddn.md)')
    return list(proposals)


def image_targets(batch):
    """Multi-hot (N, K) image labels and (N, K) difficult mask (or None) of a batch.

    A detection-mode batch carries them as ``img_labels`` / ``img_difficult`` beside its
    per-object ``labels``; a multi-label classification batch as ``labels`` / ``difficult``.
    """
    if 'img_labels' in batch:
        return batch['img_labels'], batch.get('img_difficult')
    labels = batch.get('labels')
    if not (isinstance(labels, torch.Tensor) and labels.dim() == 2):
        raise ConfigError("a weakly-supervised detector trains on image labels: a multi-hot (N, K) "
                          "batch['labels'] (a dataset in multi-label classification mode) or "
                          "batch['img_labels'] beside a detection batch's objects; this batch has "
                          f"{'no labels' if labels is None else 'per-object labels'}")
    return labels, batch.get('difficult')


@HEADS.register_module()
class WSDDNHead(BaseHead):
    """RoI pooling -> fc6 -> fc7 -> classification and detection streams (+ T OICR streams).

    Args:
        num_classes: K.
        in_channels: channels of the feature level regions are pooled from (256 for AlexNet conv5).
        roi_op: 'roi_pool' (max pooling in bins, Fast R-CNN and the homework) or 'roi_align'
            (bilinear sampling, no quantisation of the box edges).
        roi_size: side of the pooled grid (6: what AlexNet's fc6 was trained on).
        spatial_scale: feature cells per input pixel (1/16 for AlexNet conv5).
        fc_channels: width of fc6 and fc7 (4096 in AlexNet).
        dropout: after fc6 and after fc7, in training.
        pretrained: None, 'imagenet' or a checkpoint path with torchvision's AlexNet names: fc6 /
            fc7 start from its ``classifier.1`` / ``classifier.4`` (needs in_channels 256,
            roi_size 6, fc_channels 4096).
        refine_times: T, OICR's refinement streams (0: plain WSDDN).
        refine_iou_thr: overlap with a seed that makes a region a positive in OICR (0.5).
        context_scale: None (WSDDN's detection stream) or the enlargement of ContextLocNet's
            context frame (1.8 in its paper): the detection logits become the region's minus its
            frame's, both from the shared fc6 / fc7 and ``det_stream``. The frame is RoI-aligned
            from the enlarged box with the bins inside the region itself zeroed.
        spatial_reg_weight: weight of the paper's spatial regulariser (0: off). For each present
            class it pulls the fc7 features of regions overlapping the top region (IoU > 0.6)
            towards the top region's, weighted by half the squared top score: neighbours of a
            confident region should be described alike, so scores do not jump between them.
        loss_cls: loss of the image scores (probabilities) against image labels.
        loss_refine: per-region loss of each refinement stream, weighted by OICR's seed scores.
        test_cfg: ``score_thr`` per (region, class), ``iou_thr`` of the per-class NMS,
            ``max_per_img`` detections kept.
    """

    def __init__(self, num_classes=20, in_channels=256, roi_op='roi_pool', roi_size=6,
                 spatial_scale=1 / 16, fc_channels=4096, dropout=0.5, pretrained=None,
                 refine_times=0, refine_iou_thr=0.5, context_scale=None, spatial_reg_weight=0.0,
                 loss_cls=dict(type='BCELoss'), loss_refine=dict(type='CrossEntropyLoss'),
                 test_cfg=dict(score_thr=0.05, iou_thr=0.3, max_per_img=100)):
        super().__init__()
        if roi_op not in ROI_OPS:
            raise ConfigError(f'WSDDNHead roi_op={roi_op!r}; choose one of {ROI_OPS}')
        if refine_times < 0:
            raise ConfigError(f'WSDDNHead refine_times={refine_times}; give 0 (WSDDN) or the '
                              'number of OICR refinement streams')
        if context_scale is not None and context_scale <= 1:
            raise ConfigError(f'WSDDNHead context_scale={context_scale}; give None (no context) or '
                              'the frame enlargement, above 1 (ContextLocNet: 1.8)')
        self.num_classes = num_classes
        self.context_scale = context_scale
        if context_scale is not None:
            self.frame_layer = RoIAlign(roi_size, spatial_scale, sampling_ratio=2, aligned=True)
            self.register_buffer('frame_mask', frame_mask(roi_size, context_scale), persistent=False)
        self.roi_layer = (RoIPool(roi_size, spatial_scale) if roi_op == 'roi_pool'
                          else RoIAlign(roi_size, spatial_scale, sampling_ratio=2, aligned=True))
        self.fc6 = nn.Linear(in_channels * roi_size * roi_size, fc_channels)
        self.fc7 = nn.Linear(fc_channels, fc_channels)
        self.dropout = nn.Dropout(dropout)
        self.cls_stream = nn.Linear(fc_channels, num_classes)
        self.det_stream = nn.Linear(fc_channels, num_classes)
        self.refine_streams = nn.ModuleList(nn.Linear(fc_channels, num_classes + 1)
                                            for _ in range(refine_times))
        self.refine_iou_thr = refine_iou_thr
        self.spatial_reg_weight = spatial_reg_weight
        self.loss_cls = LOSSES.build(loss_cls)
        self.loss_refine = LOSSES.build(loss_refine)
        self.test_cfg = dict(test_cfg)
        self.load_report = None
        self.init_weights()
        if pretrained is not None:
            self.load_pretrained(pretrained)

    def init_weights(self):
        """He init for fc6 / fc7 (as AlexNetFeatures, for training from scratch); the streams start
        near zero (std 0.01, Fast R-CNN's classifier init), so every softmax starts near uniform."""
        for fc in (self.fc6, self.fc7):
            nn.init.kaiming_normal_(fc.weight, mode='fan_in', nonlinearity='relu')
            nn.init.zeros_(fc.bias)
        for stream in (self.cls_stream, self.det_stream, *self.refine_streams):
            nn.init.normal_(stream.weight, std=0.01)
            nn.init.zeros_(stream.bias)

    def load_pretrained(self, pretrained):
        """fc6 / fc7 from torchvision's ImageNet AlexNet (or a checkpoint with its names)."""
        from vlrkit.models.pretrained import load_pretrained
        self.load_report = load_pretrained(
            self, pretrained, default_weights='AlexNet_Weights.IMAGENET1K_V1',
            key_map=TORCHVISION_FC_KEY_MAP, ignore_prefixes=('features.', 'classifier.6.'))
        if self.load_report.shape_mismatch or not {'fc6.weight', 'fc7.weight'} <= set(
                self.load_report.loaded):
            raise ConfigError(f'WSDDNHead pretrained={pretrained!r} did not fit fc6 / fc7 '
                              f'({self.load_report}); ImageNet AlexNet weights need in_channels=256, '
                              'roi_size=6, fc_channels=4096')

    def forward(self, feats, proposals):
        """Score the regions of every image.

        Args:
            feats: tuple of feature levels; regions are pooled from the last (conv5).
            proposals: list of N tensors (P_i, 4), x1, y1, x2, y2 in input pixels.
        Returns dict:
            region_scores (R, K): classification softmax × detection softmax (WSDDN's scores).
            cls_probs (R, K) / det_probs (R, K): the two streams apart (softmax over classes /
                over each image's regions), for pictures of what each stream sees.
            refine_logits (T, R, K + 1): OICR streams' logits (T = 0 without refinement).
            region_feats (R, D): fc7 features (the spatial regulariser compares them).
            region_image (R,) long: the image each region belongs to.
        """
        conv5 = feats[-1]
        sizes = torch.tensor([len(p) for p in proposals], device=conv5.device)
        region_image = torch.repeat_interleave(torch.arange(len(proposals), device=conv5.device),
                                               sizes)
        # Pooled in float32: torchvision has no bf16 RoI kernels on CPU and casts only under CUDA
        # autocast; fc6 (under autocast) casts back to the compute dtype.
        pooled = self.roi_layer(conv5.float(), [p.float() for p in proposals])   # (R, C, s, s)
        region_feats = self.fc_features(pooled)
        det_logits = self.det_stream(region_feats).float()
        if self.context_scale is not None:
            frames = self.frame_layer(conv5.float(), [enlarge_boxes(p.float(), self.context_scale)
                                                      for p in proposals]) * self.frame_mask
            det_logits = det_logits - self.det_stream(self.fc_features(frames)).float()
        # Softmaxes in float32: under AMP a bf16 softmax over hundreds of regions loses the tail.
        cls_probs = self.cls_stream(region_feats).float().softmax(dim=1)
        det_probs = segment_softmax(det_logits, region_image, len(proposals))
        if self.refine_streams:
            refine_logits = torch.stack([stream(region_feats).float()
                                         for stream in self.refine_streams])
        else:
            refine_logits = cls_probs.new_zeros((0, len(region_image), self.num_classes + 1))
        return dict(region_scores=cls_probs * det_probs, cls_probs=cls_probs, det_probs=det_probs,
                    refine_logits=refine_logits, region_feats=region_feats,
                    region_image=region_image)

    def fc_features(self, pooled):
        """(R, C, s, s) pooled regions -> (R, D) fc7 features (fc6, fc7, ReLU and dropout)."""
        x = self.dropout(F.relu(self.fc6(pooled.flatten(1)), inplace=True))
        return self.dropout(F.relu(self.fc7(x), inplace=True))

    def loss(self, feats, batch):
        """BaseHead's pair, with the batch's proposals handed to ``forward`` beside the features."""
        return self.loss_by_feat(self(feats, batch_proposals(batch)), batch)

    def predict(self, feats, batch):
        return self.predict_by_feat(self(feats, batch_proposals(batch)), batch)

    def predict_flipped(self, feats, mirrored_feats, batch):
        """The flip test: the regions scored on the images and, mirrored, on their mirror images.

        ``mirrored_feats`` are the levels of ``batch['images'].flip(-1)`` (the padded batch, width
        W); proposal i is mirrored with x -> W - x, so region i of both views is the same region.
        """
        proposals = batch_proposals(batch)
        width = batch['images'].shape[-1]
        mirrored = [flip_boxes(boxes, width) for boxes in proposals]
        return self.merge_flipped(self(feats, proposals), self(mirrored_feats, mirrored), batch)

    @torch.no_grad()
    def merge_flipped(self, outputs, mirrored_outputs, batch):
        """Predictions from the mean of both views' class probabilities, region by region.

        Probabilities, not logits, as the classifiers' flip test: WSDDN's region scores are
        averaged, and so are the OICR streams' softmax scores, kept as log-probabilities (the
        softmax of log p is p) so that ``predict_by_feat`` reads them as it reads logits.
        """
        merged = dict(outputs, region_scores=(outputs['region_scores']
                                              + mirrored_outputs['region_scores']) / 2)
        if len(outputs['refine_logits']):
            merged['refine_logits'] = ((outputs['refine_logits'].softmax(dim=2)
                                        + mirrored_outputs['refine_logits'].softmax(dim=2)) / 2).log()
        return self.predict_by_feat(merged, batch)

    def image_scores(self, outputs, num_images):
        """(N, K) image scores: region scores summed over each image's regions, clamped to [0, 1]."""
        return segment_sum(outputs['region_scores'], outputs['region_image'], num_images).clamp(0, 1)

    def loss_by_feat(self, outputs, batch):
        """``loss_cls`` (BCE of image scores, difficult entries masked), ``loss_refine<t>`` per OICR
        stream and ``loss_spatial`` when the regulariser is on."""
        labels, difficult = image_targets(batch)
        proposals = batch_proposals(batch)
        img_scores = self.image_scores(outputs, len(proposals))
        losses = dict(loss_cls=difficult_masked_loss(self.loss_cls, img_scores, labels, difficult))
        if self.spatial_reg_weight > 0:
            losses['loss_spatial'] = self.spatial_reg_weight * self.spatial_regulariser(
                outputs, proposals, labels)
        losses.update(self.refinement_losses(outputs, proposals, labels))
        return losses

    def refinement_losses(self, outputs, proposals, labels):
        """One weighted cross-entropy per OICR stream, averaged over the batch's regions; stream t
        is supervised by stream t - 1's detached scores (stream 0: WSDDN's region scores)."""
        losses = {}
        supervision = outputs['region_scores'].detach()
        region_counts = [len(p) for p in proposals]
        for index, logits in enumerate(outputs['refine_logits']):
            targets = [oicr_pseudo_labels(boxes, scores, present > 0.5, self.refine_iou_thr)
                       for boxes, scores, present in zip(
                           proposals, supervision.split(region_counts), labels)]
            region_labels = torch.cat([t[0] for t in targets])
            weights = torch.cat([t[1] for t in targets])
            losses[f'loss_refine{index + 1}'] = self.loss_refine(
                logits, region_labels, weight=weights, avg_factor=max(len(region_labels), 1))
            supervision = logits.detach().softmax(dim=1)[:, :self.num_classes]
        return losses

    def spatial_regulariser(self, outputs, proposals, labels):
        """WSDDN's spatial regulariser, averaged over the (image, present class) pairs.

        For each present class c of an image: ``top`` its highest-scoring region; every region
        with IoU > 0.6 to ``top`` adds ``0.5 * score(top, c)^2 * ||fc7(top) - fc7(region)||^2``.
        The score is a weight (detached): the term moves features, not scores.
        """
        region_counts = [len(p) for p in proposals]
        terms, pairs = [], 0
        for boxes, scores, feats, present in zip(proposals, outputs['region_scores'].split(region_counts),
                                                 outputs['region_feats'].split(region_counts), labels):
            classes = torch.nonzero(present > 0.5).flatten()
            if len(boxes) == 0 or classes.numel() == 0:
                continue
            top_score, top = scores[:, classes].detach().max(dim=0)           # (C,)
            near = box_iou(boxes[top].float(), boxes.float()) > 0.6           # (C, P)
            distance = (feats[None] - feats[top][:, None]).pow(2).sum(dim=2)  # (C, P)
            terms.append((0.5 * top_score[:, None] ** 2 * distance * near).sum())
            pairs += classes.numel()
        if not terms:
            return outputs['region_feats'].sum() * 0
        return torch.stack(terms).sum() / pairs

    def region_class_scores(self, outputs):
        """(R, K) detection scores: WSDDN's region scores, or the mean of the OICR streams'
        softmax scores without background (the paper's test-time rule)."""
        if len(outputs['refine_logits']) == 0:
            return outputs['region_scores']
        return outputs['refine_logits'].softmax(dim=2)[..., :self.num_classes].mean(dim=0)

    def predict_by_feat(self, outputs, batch):
        """Per image: detections ``boxes`` (D, 4) in original pixels, ``scores`` (D,), ``labels``
        (D,), and ``img_scores`` (K,) the image-level class scores (for classification metrics).

        Per class the regions scoring above ``score_thr`` are kept, NMS at ``iou_thr`` runs class by
        class, and boxes are divided by the batch's ``scale_factor`` and clipped to ``ori_shape``,
        the mapping FCOSHead applies.
        """
        cfg = self.test_cfg
        proposals = batch_proposals(batch)
        count = len(proposals)
        region_scores = self.region_class_scores(outputs).float()
        img_scores = self.image_scores(outputs, count).float()
        scale_factors = image_pairs(batch, 'scale_factor', count, default=(1.0, 1.0))
        ori_shapes = image_pairs(batch, 'ori_shape', count)
        results = []
        for boxes, scores, image_score, (sx, sy), ori_shape in zip(
                proposals, region_scores.split([len(p) for p in proposals]), img_scores,
                scale_factors, ori_shapes):
            region, label = torch.nonzero(scores > cfg['score_thr'], as_tuple=True)
            boxes, scores = boxes[region].float(), scores[region, label]
            keep = batched_nms(boxes, scores, label, cfg['iou_thr'])[:cfg['max_per_img']]
            boxes = boxes[keep] / boxes.new_tensor([sx, sy, sx, sy])
            if ori_shape is not None:
                height, width = ori_shape
                boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
                boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
            results.append(dict(boxes=boxes, scores=scores[keep], labels=label[keep],
                                img_scores=image_score))
        return results
