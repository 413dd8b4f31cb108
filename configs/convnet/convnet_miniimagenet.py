# CS6910-style list-configured CNN on mini-ImageNet (33 classes, data_root/<split>/<class>/*.jpg), 84 px.
# Boilerplate: conv 5x5 64/128/256 with max-pools, global average pool, fc 256 -> 256 -> 128, head
# 128 -> 33: 1,132,193 parameters. Ablations inherit this file and change one line.
_base_ = ['../_base_/default_runtime.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ConvNet', in_channels=3, input_size=84, nonlinearity='relu', batch_norm=False,
        layers=['conv5-64', 'maxpool2', 'conv5-128', 'maxpool2', 'conv5-256', 'maxpool2', 'gap',
                'fc256', 'fc128']),
    head=dict(type='LinearClsHead', in_channels=128, num_classes=33, loss_cls=dict(type='CrossEntropyLoss')))
dataset_type = 'ImageFolderDataset'
data_root = 'data/mini-imagenet'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='RandomResizedCrop', size=84, scale=(0.35, 1.0)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(84, 84), keep_ratio=False),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
train_dataloader = dict(
    batch_size=64, num_workers=2, shuffle=True,
    dataset=dict(type=dataset_type, data_root=data_root, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128, num_workers=2, shuffle=False,
    dataset=dict(type=dataset_type, data_root=data_root, split='val', pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=128, num_workers=2, shuffle=False,
    dataset=dict(type=dataset_type, data_root=data_root, split='test', pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-4))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=30, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=1)
default_hooks = dict(checkpoint=dict(save_best='accuracy/top1'))
