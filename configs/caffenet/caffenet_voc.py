# CaffeNet (2020 homework) from scratch on VOC2007 multi-label: 227 px, Adam 1e-4, batch 32,
# 50 epochs. Homework mAP ~0.38-0.43.
_base_ = ['../_base_/datasets/voc07_cls.py', '../_base_/default_runtime.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='CaffeNet', dropout=0.5),                          # returns fc7 (4096)
    head=dict(type='LinearClsHead', in_channels=4096, num_classes=20,     # fc8
              multi_label=True, loss_cls=dict(type='BCEWithLogitsLoss')))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='RandomResizedCrop', size=227, scale=(0.25, 1.0)),
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
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = []                                       # constant learning rate, as the homework
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5, save_best='multilabel/mAP'))
