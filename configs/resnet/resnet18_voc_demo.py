# ResNet-18 from scratch on the synthetic VOC demo at 96 px (layer4 is 3 x 3), multi-label.
_base_ = ['../_base_/datasets/voc_demo_cls.py', '../_base_/default_runtime.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, out_indices=(3,), pretrained=None),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', in_channels=512, num_classes=20, multi_label=True,
              loss_cls=dict(type='BCEWithLogitsLoss')))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(96, 96), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(96, 96), keep_ratio=False),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, cache=dict(type='memory', size=(96, 96))))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline, cache=dict(type='memory', size=(96, 96))))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=5, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5, save_best='multilabel/mAP'))
