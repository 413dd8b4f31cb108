# PASCAL VOC 2007 multi-label classification: train on trainval (5,011 images), test on test (4,952).
# data_root is the VOCdevkit folder (VOCdevkit/VOC2007/{JPEGImages,Annotations,ImageSets/Main}).
# Pipelines for an input of input_size x input_size: train_pipeline takes random-resized crops
# (ResNet, CaffeNet), resize_train_pipeline stretches the whole image and flips it (models whose
# targets cover the whole image). A model with another input size replaces only the size:
#   input_size = 227
#   train_pipeline = [dict(t, size=input_size) if t.type == 'RandomResizedCrop' else t
#                     for t in _base_.train_pipeline]
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit'
input_size = 224
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='RandomResizedCrop', size=input_size, scale=(0.25, 1.0)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),              # ImageNet mean / std
    dict(type='PackSample'),             # labels (20,) multi-hot, difficult (20,), objects (boxes)
]
resize_train_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
train_dataloader = dict(
    batch_size=32, shuffle=True,
    dataset=dict(type=dataset_type, data_root=data_root, year='2007', split='trainval',
                 mode='classification', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, shuffle=False,
    dataset=dict(type=dataset_type, data_root=data_root, year='2007', split='test',
                 mode='classification', pipeline=test_pipeline))
test_dataloader = val_dataloader
# metric1: mAP over classes (difficult entries excluded); metric2: recall / precision / F1 at 0.5.
val_evaluator = [dict(type='MultiLabelMAP'), dict(type='MultiLabelFBeta', thr=0.5, beta=1.0)]
test_evaluator = val_evaluator
