# PASCAL VOC 2007 detection: trainval to train, test to evaluate. Put the devkit at
# data/VOCdevkit/VOC2007 (JPEGImages, Annotations, ImageSets/Main) or override data_root.
# A model with another input scale keeps these pipelines and replaces only their Resize scale:
#   train_pipeline = [dict(t, scale=(512, 512)) if t.type == 'Resize' else t
#                     for t in _base_.train_pipeline]
data_root = 'data/VOCdevkit'
input_size = 224   # the 2024 course recipe's input size; keep-ratio resize, then pad to /32
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),
    dict(type='Pad', size_divisor=32),
    dict(type='PackSample'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=True),
    dict(type='Normalize'),
    dict(type='Pad', size_divisor=32),
    dict(type='PackSample'),
]
train_dataloader = dict(
    batch_size=16, shuffle=True,
    dataset=dict(type='VOCDataset', data_root=data_root, year='2007', split='trainval',
                 mode='detection', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    dataset=dict(type='VOCDataset', data_root=data_root, year='2007', split='test',
                 mode='detection', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='VOCDetectionMetric', iou_thr=0.5, eval_mode='area')
test_evaluator = [val_evaluator, dict(type='VOCDetectionMetric', iou_thr=0.5, eval_mode='11points',
                                      prefix='voc07', table=False)]
