# Paper-style FCOS (with the improvements: GN head, centre sampling, GIoU, centerness on the
# regression branch) on VOC 2007+2012 trainval, tested on VOC 2007 test: ResNet-50 (ImageNet,
# stem + layer1 frozen, BatchNorm frozen), FPN P3-P7 (P6/P7 from P5), 256 channels, the paper's
# regress ranges, VOC-typical 1000x600 keep-ratio input, 12 epochs at batch 16 (1x schedule).
#   python tools/train.py configs/fcos/fcos_r50_fpn_gn-head_1x_voc0712.py
_base_ = ['../_base_/datasets/voc07_det.py', '../_base_/default_runtime.py']
model = dict(
    type='FCOS',
    backbone=dict(type='ResNet', depth=50, out_indices=(1, 2, 3), frozen_stages=1, norm_eval=True,
                  pretrained='imagenet'),
    neck=dict(type='FPN', in_channels=[512, 1024, 2048], out_channels=256, num_outs=5,
              add_extra_convs='on_output', relu_before_extra_convs=True),
    head=dict(
        type='FCOSHead', num_classes=20, in_channels=256, feat_channels=256, stacked_convs=4,
        strides=(8, 16, 32, 64, 128),
        regress_ranges=((0, 64), (64, 128), (128, 256), (256, 512), (512, float('inf'))),
        center_sampling=True, center_radius=1.5, norm=dict(type='GN', num_groups=32),
        reg_activation='relu', centerness_on_reg=True, prior_prob=0.01,
        loss_cls=dict(type='FocalLoss', gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=1.0),
        loss_centerness=dict(type='BCEWithLogitsLoss', loss_weight=1.0),
        test_cfg=dict(score_thr=0.05, nms_pre=1000, iou_thr=0.6, max_per_img=100,
                      score_mode='product')))
image_scale = (600, 1000)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),
    dict(type='Pad', size_divisor=32),
    dict(type='PackSample'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='Normalize'),
    dict(type='Pad', size_divisor=32),
    dict(type='PackSample'),
]
data_root = 'data/VOCdevkit'
train_dataloader = dict(
    batch_size=16, num_workers=4, shuffle=True,
    dataset=dict(type='ConcatDataset', datasets=[
        dict(type='VOCDataset', data_root=data_root, year='2007', split='trainval',
             mode='detection', pipeline=train_pipeline),
        dict(type='VOCDataset', data_root=data_root, year='2012', split='trainval',
             mode='detection', pipeline=train_pipeline)]))
val_dataloader = dict(
    batch_size=8, num_workers=4,
    dataset=dict(type='VOCDataset', data_root=data_root, year='2007', split='test',
                 mode='detection', pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=2)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
                     clip_grad=dict(max_norm=35.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1 / 3, total_iters=500, by_epoch=False),
    dict(type='MultiStepLR', milestones=[8, 11], gamma=0.1, by_epoch=True),
]
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, save_best='voc/mAP',
                                     max_keep_ckpts=3))
amp = None   # 'bf16' on a recent GPU roughly halves the step time
