# SimpleCNN (2024 homework variant) on VOC2007 multi-label at 64 px, 5 epochs. Homework mAP ~0.22.
_base_ = ['../_base_/datasets/voc07_cls.py', '../_base_/default_runtime.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='SimpleCNN', in_channels=3, input_size=64, nonlinearity='relu'),  # fc 16384 -> 128
    head=dict(type='LinearClsHead', in_channels=128, num_classes=20, multi_label=True,
              loss_cls=dict(type='BCEWithLogitsLoss')))   # difficult-masked, averaged over valid entries
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
# Decode every JPEG once into 64 px: the CNN is far cheaper than decoding a 500x375 image.
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, cache=dict(type='memory', size=(64, 64))))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline, cache=dict(type='memory', size=(64, 64))))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='StepLR', step_size=4, gamma=0.1, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=1)
default_hooks = dict(checkpoint=dict(save_best='multilabel/mAP'))
