# PASCAL VOC 2007 multi-label classification: train on trainval (5,011 images), test on test (4,952).
# data_root is the VOCdevkit folder (VOCdevkit/VOC2007/{JPEGImages,Annotations,ImageSets/Main}).
# Pipelines here are for 224 px models (ResNet); a model config with another input size sets its
# own train_pipeline / test_pipeline and passes them to the dataloaders' dataset dicts.
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='RandomResizedCrop', size=224, scale=(0.25, 1.0)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),              # ImageNet mean / std
    dict(type='PackSample'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
train_dataloader = dict(
    batch_size=32, num_workers=2, shuffle=True,
    dataset=dict(type=dataset_type, data_root=data_root, year='2007', split='trainval',
                 mode='classification', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=2, shuffle=False,
    dataset=dict(type=dataset_type, data_root=data_root, year='2007', split='test',
                 mode='classification', pipeline=test_pipeline))
test_dataloader = val_dataloader
# metric1: mAP over classes (difficult entries excluded); metric2: recall / precision / F1 at 0.5.
val_evaluator = [dict(type='MultiLabelMAP'), dict(type='MultiLabelFBeta', thr=0.5, beta=1.0)]
test_evaluator = val_evaluator
