# LocalizerAlexNet on PASCAL VOC 2007 (the homework recipe): trained with image labels only,
# scored on classification (metric1 = multi-label mAP, metric2 = recall / F-beta at 0.5) and on
# localisation (CorLoc and VOC mAP of the boxes drawn from its heatmaps). See docs/localizer.md.
_base_ = ['../_base_/datasets/voc07_cls.py', '../_base_/default_runtime.py']

input_size = 512                    # 512x512 input -> 29x29 class maps
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),         # ImageNet mean / std, as the pretrained AlexNet expects
    dict(type='PackSample'),        # labels (20,) multi-hot, difficult (20,), objects (boxes)
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
train_dataloader = dict(batch_size=32, num_workers=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, num_workers=4, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

model = dict(
    type='LocalizerAlexNet',
    backbone=dict(type='AlexNetFeatures', pretrained='imagenet'),  # torchvision weights, offline
    head=dict(type='LocalizerHead', num_classes=20, pooling='max',
              loss_cls=dict(type='BCEWithLogitsLoss')))  # difficult classes masked out

val_evaluator = [
    dict(type='MultiLabelMAP'),                          # metric1
    dict(type='MultiLabelFBeta', thr=0.5, beta=1.0),     # metric2: recall (and F-beta) at 0.5
    dict(type='CorLocMetric', rel_threshold=0.5),        # CorLoc + VOC mAP of heatmap boxes
]
test_evaluator = val_evaluator
analysis = [dict(type='HeatmapGrid', num_images=20)]     # tools/analyze.py: 20 random val images

optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='StepLR', step_size=30, gamma=0.1, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=2, save_best='multilabel/mAP'))
custom_hooks = [dict(type='HeatmapVisHook', interval=5, num_images=4)]
