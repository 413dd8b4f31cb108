# FCOS with a ResNet-18 trunk (C3-C5), a 3-level FPN (P3-P5) and the improved-FCOS head
# (GroupNorm towers, centre sampling, centerness on the regression branch, GIoU, ReLU on
# stride-normalised distances). Channel width and levels are what configs change most.
model = dict(
    type='FCOS',
    backbone=dict(type='ResNet', depth=18, out_indices=(1, 2, 3), frozen_stages=-1,
                  norm_eval=False, pretrained=None),
    neck=dict(type='FPN', in_channels=[128, 256, 512], out_channels=64, num_outs=3),
    head=dict(
        type='FCOSHead', num_classes=20, in_channels=64, feat_channels=64, stacked_convs=4,
        strides=(8, 16, 32), regress_ranges=((0, 64), (64, 128), (128, float('inf'))),
        center_sampling=True, center_radius=1.5, norm=dict(type='GN', num_groups=32),
        reg_activation='relu', centerness_on_reg=True, prior_prob=0.01,
        loss_cls=dict(type='FocalLoss', gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=1.0),
        loss_centerness=dict(type='BCEWithLogitsLoss', loss_weight=1.0),
        test_cfg=dict(score_thr=0.05, nms_pre=1000, iou_thr=0.6, max_per_img=100,
                      score_mode='sqrt')))
