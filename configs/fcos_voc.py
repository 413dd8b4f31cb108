# FCOS on PASCAL VOC 2007, the 2024 course recipe: RegNetX-400MF (ImageNet) + FPN P3-P5 with 64
# channels, 224 px, batch 16, SGD lr 8e-3 for 9,000 iterations, lr x0.1 at 60% and 90%, warmup.
# Target: >= 20 VOC mAP@0.5 on VOC2007 test.
#   python tools/train.py configs/fcos_voc.py
# Needs data/VOCdevkit/VOC2007 and the torchvision RegNetX-400MF ImageNet weights in the torch hub
# cache (the error message says which file and where), or model.backbone.pretrained=None.
_base_ = ['_base_/models/fcos_r18_fpn.py', '_base_/datasets/voc07_det.py',
          '_base_/default_runtime.py']
# The FCOS R18 FPN model with a RegNetX-400MF trunk (C3-C5: 64, 160, 400 channels) and
# GN(16) towers.
model = dict(
    backbone=dict(_delete_=True, type='RegNet', arch='regnetx_400mf', out_indices=(1, 2, 3),
                  frozen_stages=-1, norm_eval=False, pretrained='imagenet'),
    neck=dict(in_channels=[64, 160, 400]),
    head=dict(norm=dict(type='GN', num_groups=16)))
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
