# Paper-style FCOS (with the improvements: GN head, centre sampling, GIoU, centerness on the
# regression branch) on VOC 2007+2012 trainval, tested on VOC 2007 test: ResNet-50 (ImageNet,
# stem + layer1 frozen, BatchNorm frozen), FPN P3-P7 (P6/P7 from P5), 256 channels, the paper's
# regress ranges, VOC-typical 1000x600 keep-ratio input, 12 epochs at batch 16 (1x schedule).
#   python tools/train.py configs/fcos/fcos_r50_fpn_gn-head_1x_voc0712.py
_base_ = ['../_base_/models/fcos_r18_fpn.py', '../_base_/datasets/voc07_det.py',
          '../_base_/default_runtime.py']
# What differs from the R18 FPN model: trunk, five FPN levels of 256 channels, the paper's ranges,
# and class score x centerness (not its square root) to rank detections.
model = dict(
    backbone=dict(depth=50, frozen_stages=1, norm_eval=True, pretrained='imagenet'),
    neck=dict(in_channels=[512, 1024, 2048], out_channels=256, num_outs=5,
              add_extra_convs='on_output', relu_before_extra_convs=True),
    head=dict(
        in_channels=256, feat_channels=256, strides=(8, 16, 32, 64, 128),
        regress_ranges=((0, 64), (64, 128), (128, 256), (256, 512), (512, float('inf'))),
        test_cfg=dict(score_mode='product')))
# The VOC detection pipelines at (h, w) = (600, 1000) (keep ratio, pad to /32), on 07+12 trainval.
image_scale = (600, 1000)
train_pipeline = [dict(t, scale=image_scale) if t.type == 'Resize' else t
                  for t in _base_.train_pipeline]
test_pipeline = [dict(t, scale=image_scale) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
data_root = 'data/VOCdevkit'
train_dataloader = dict(
    batch_size=16, shuffle=True,
    dataset=dict(_delete_=True, type='ConcatDataset', datasets=[
        dict(type='VOCDataset', data_root=data_root, year='2007', split='trainval',
             mode='detection', pipeline=train_pipeline),
        dict(type='VOCDataset', data_root=data_root, year='2012', split='trainval',
             mode='detection', pipeline=train_pipeline)]))
val_dataloader = dict(batch_size=8, dataset=dict(pipeline=test_pipeline))
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
