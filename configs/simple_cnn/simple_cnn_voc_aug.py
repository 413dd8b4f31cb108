# The 2024 course's SimpleCNN on VOC2007 WITH augmentation: random-resized crops (half to all of
# the image) and horizontal flips at 64 px. Its twin without augmentation is simple_cnn_voc_noaug.py.
_base_ = ['./simple_cnn_voc.py']
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='RandomResizedCrop', size=64, scale=(0.5, 1.0)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
