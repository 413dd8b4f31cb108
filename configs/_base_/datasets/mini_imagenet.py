# mini-ImageNet as an image folder (33 classes, data_root/<split>/<class>/*.jpg; train, val and
# test splits), 84 px: random-resized crops and flips to train, a plain resize to test.
dataset_type = 'ImageFolderDataset'
data_root = 'data/mini-imagenet'
input_size = 84
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='RandomResizedCrop', size=input_size, scale=(0.35, 1.0)),
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
    batch_size=64, shuffle=True,
    dataset=dict(type=dataset_type, data_root=data_root, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128, shuffle=False,
    dataset=dict(type=dataset_type, data_root=data_root, split='val', pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=128, shuffle=False,
    dataset=dict(type=dataset_type, data_root=data_root, split='test', pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
