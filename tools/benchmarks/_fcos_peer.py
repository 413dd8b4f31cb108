"""What the FCOS benchmarks share: vlrkit's FCOS and torchvision's FCOS built alike, one step each.

Both detectors get the same trunk (torchvision ResNet-18, C3-C5, trainable BatchNorm), the same
FPN width and levels (P3-P5, no extra levels), the same head depth (4 convs, GroupNorm 32) and
the same inference settings (score 0.05, NMS 0.6, 100 per image). torchvision's FCOS normalises
and resizes inside the model; it is given images already at size and mean 0 / std 1, so its
transform only batches them. Difficult boxes are left out of torchvision's targets (it has no
ignore rule); vlrkit ignores them.

The timing helpers at the end (a synthetic batch, timed steps, interleaved rounds) serve both
fcos_throughput (CPU) and gpu_suite (AMP modes, CUDA).
"""
import contextlib
import time

import torch
from torchvision.models import resnet18
from torchvision.models.detection import FCOS as TorchvisionFCOS
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN

from vlrkit.registry import MODELS
from vlrkit.structures import image_pairs

STRIDES = (8, 16, 32)


def build_vlrkit_fcos(num_classes=20, width=64, regress_ranges=((0, 64), (64, 128), (128, float('inf'))),
                      stacked_convs=4, groups=32):
    return MODELS.build(dict(
        type='FCOS', backbone=dict(type='ResNet', depth=18, out_indices=(1, 2, 3)),
        neck=dict(type='FPN', in_channels=[128, 256, 512], out_channels=width, num_outs=3),
        head=dict(type='FCOSHead', num_classes=num_classes, in_channels=width, feat_channels=width,
                  stacked_convs=stacked_convs, strides=STRIDES, regress_ranges=regress_ranges,
                  center_sampling=True, center_radius=1.5, norm=dict(type='GN', num_groups=groups),
                  test_cfg=dict(score_thr=0.05, nms_pre=1000, iou_thr=0.6, max_per_img=100,
                                score_mode='sqrt'))))


def build_torchvision_fcos(num_classes=20, width=64, image_size=128, anchor_sizes=STRIDES):
    """torchvision FCOS; its regress ranges are (4, 8) x anchor size per level, so anchor sizes
    equal to the strides give (0, 64), (64, 128), (128, inf) and half of them (0, 32), (32, 64),
    (64, inf)."""
    trunk = resnet18(weights=None)
    backbone = BackboneWithFPN(trunk, return_layers={'layer2': '0', 'layer3': '1', 'layer4': '2'},
                               in_channels_list=[128, 256, 512], out_channels=width)
    backbone.fpn.extra_blocks = None          # P3-P5 only, like the vlrkit model
    anchors = AnchorGenerator(tuple((s,) for s in anchor_sizes), ((1.0,),) * len(anchor_sizes))
    return TorchvisionFCOS(backbone, num_classes, min_size=image_size, max_size=image_size,
                           image_mean=[0.0, 0.0, 0.0], image_std=[1.0, 1.0, 1.0],
                           anchor_generator=anchors, score_thresh=0.05, nms_thresh=0.6,
                           detections_per_img=100, topk_candidates=1000)


def torchvision_targets(batch):
    """Per-image target dicts without difficult boxes."""
    targets = []
    for boxes, labels, difficult in zip(batch['boxes'], batch['labels'], batch['difficult']):
        keep = ~difficult.bool()
        targets.append(dict(boxes=boxes[keep].float(), labels=labels[keep].long()))
    return targets


def vlrkit_loss(model, batch):
    losses = model.loss(batch)
    return sum(v for k, v in losses.items() if k.startswith('loss'))


def torchvision_loss(model, batch):
    images = [img for img in batch['images']]
    losses = model(images, torchvision_targets(batch))
    return sum(losses.values())


@torch.no_grad()
def torchvision_predict(model, batch):
    """Predictions in original pixels, like vlrkit's ``predict`` (input boxes / scale_factor)."""
    model.eval()
    count = batch['images'].shape[0]
    heights_widths = image_pairs(batch, 'img_shape', count, tuple(batch['images'].shape[-2:]))
    images = [img[:, :int(h), :int(w)] for img, (h, w) in zip(batch['images'], heights_widths)]
    outputs = model(images)
    results = []
    for out, (sx, sy) in zip(outputs, image_pairs(batch, 'scale_factor', count, (1.0, 1.0))):
        results.append(dict(boxes=out['boxes'] / out['boxes'].new_tensor([sx, sy, sx, sy]),
                            scores=out['scores'], labels=out['labels']))
    return results


def synthetic_batch(batch, image_size, num_classes, max_boxes=6, seed=0):
    """``batch`` random images with 1-``max_boxes`` random boxes each (8 px or larger)."""
    generator = torch.Generator().manual_seed(seed)
    boxes, labels, difficult = [], [], []
    for _ in range(batch):
        count = int(torch.randint(1, max_boxes + 1, (1,), generator=generator))
        xy = torch.rand(count, 2, generator=generator) * image_size * 0.6
        wh = 8 + torch.rand(count, 2, generator=generator) * image_size * 0.4
        boxes.append(torch.cat([xy, (xy + wh).clamp(max=image_size)], 1))
        labels.append(torch.randint(0, num_classes, (count,), generator=generator))
        difficult.append(torch.zeros(count, dtype=torch.bool))
    return dict(images=torch.randn(batch, 3, image_size, image_size, generator=generator),
                boxes=boxes, labels=labels, difficult=difficult)


def timed_steps(model, loss_fn, optimizer, batch, steps, amp_dtype=None, scaler=None):
    """Seconds of each of ``steps`` SGD steps, under autocast to ``amp_dtype`` when given, with
    ``scaler`` (fp16's GradScaler) when given. On CUDA each step ends with a synchronize, so the
    time is the step's and not only its kernel launches."""
    device = batch['images'].device
    autocast = (torch.autocast(device.type, dtype=amp_dtype) if amp_dtype is not None
                else contextlib.nullcontext())
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        with autocast:
            loss = loss_fn(model, batch)
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return times


def interleaved_times(peers, batch, rounds, steps=1, warmup=1, **step_options):
    """``peers``: {name: (model, loss_fn, optimizer)}. Warm-up steps for each (allocator, kernel
    selection, compilation), then ``rounds`` rounds of ``steps`` timed steps, the peers taking
    turns so that a noisy machine slows all alike. {name: [seconds per step]}."""
    times = {name: [] for name in peers}
    for model, loss_fn, optimizer in peers.values():
        timed_steps(model, loss_fn, optimizer, batch, warmup, **step_options)
    for _ in range(rounds):
        for name, (model, loss_fn, optimizer) in peers.items():
            times[name] += timed_steps(model, loss_fn, optimizer, batch, steps, **step_options)
    return times
