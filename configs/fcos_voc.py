# FCOS on PASCAL VOC 2007, the homework's recipe: RegNetX-400MF (ImageNet) + FPN P3-P5 with 64
# channels, 224 px, batch 16, SGD lr 8e-3 for 9,000 iterations, lr x0.1 at 60% and 90%, warmup.
# Target: >= 20 VOC mAP@0.5 on VOC2007 test.
#   python tools/train.py configs/fcos_voc.py
# Needs data/VOCdevkit/VOC2007 and the torchvision RegNetX-400MF ImageNet weights in the torch hub
# cache (the error message says which file and where), or model.backbone.pretrained=None.
_base_ = ['_base_/datasets/voc07_det.py', '_base_/default_runtime.py']
model = dict(
    type='FCOS',
    backbone=dict(type='RegNet', arch='regnetx_400mf', out_indices=(1, 2, 3), frozen_stages=-1,
                  norm_eval=False, pretrained='imagenet'),
    neck=dict(type='FPN', in_channels=[64, 160, 400], out_channels=64, num_outs=3),
    head=dict(
        type='FCOSHead', num_classes=20, in_channels=64, feat_channels=64, stacked_convs=4,
        strides=(8, 16, 32), regress_ranges=((0, 64), (64, 128), (128, float('inf'))),
        center_sampling=True, center_radius=1.5, norm=dict(type='GN', num_groups=16),
        reg_activation='relu', centerness_on_reg=True, prior_prob=0.01,
        loss_cls=dict(type='FocalLoss', gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=1.0),
        loss_centerness=dict(type='BCEWithLogitsLoss', loss_weight=1.0),
        test_cfg=dict(score_thr=0.05, nms_pre=1000, iou_thr=0.6, max_per_img=100, score_mode='sqrt')))
max_iters = 9000
train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=1000)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=8e-3, momentum=0.9, weight_decay=1e-4),
                     clip_grad=dict(max_norm=10.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, total_iters=500, by_epoch=False),
    dict(type='MultiStepLR', milestones=[int(0.6 * max_iters), int(0.9 * max_iters)], gamma=0.1,
         by_epoch=False),
]
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1000, save_best='voc/mAP',
                                     max_keep_ckpts=2))
custom_hooks = [dict(type='DetVisualizationHook', interval=1000, num_images=4, score_thr=0.3)]
