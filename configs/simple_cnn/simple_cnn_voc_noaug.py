# The 2024 course's SimpleCNN on VOC2007 WITHOUT augmentation: every training image is only
# stretched to 64 px, no flips, no crops. Its twin with augmentation is simple_cnn_voc_aug.py;
# their work_dirs' log.jsonl files are the two curves to compare.
_base_ = ['./simple_cnn_voc.py']
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
