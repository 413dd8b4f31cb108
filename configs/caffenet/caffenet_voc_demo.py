# CaffeNet from scratch on the synthetic VOC demo (128 px images stretched to 227), Adam 1e-4,
# batch 32 as the VOC config, but 4 epochs: a check that the whole path trains, not a result.
_base_ = ['../_base_/datasets/voc_demo_cls.py', '../_base_/default_runtime.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='CaffeNet', dropout=0.5),
    head=dict(type='LinearClsHead', in_channels=4096, num_classes=20, multi_label=True,
              loss_cls=dict(type='BCEWithLogitsLoss')))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(227, 227), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(227, 227), keep_ratio=False),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
# The cache keeps the 128 px demo images; Resize stretches them to 227 per sample.
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, cache=dict(type='memory', size=(128, 128))))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline, cache=dict(type='memory', size=(128, 128))))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=4)
default_hooks = dict(checkpoint=dict(interval=4, save_best='multilabel/mAP'))
