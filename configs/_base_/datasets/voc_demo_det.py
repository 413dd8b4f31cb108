# Generated demo VOC data (coloured shapes named as the 20 VOC classes, 128 px), detection mode.
# Written into data/demo/VOCdevkit on first use (or: python tools/make_demo_data.py --out data/demo).
data_root = 'data/demo/VOCdevkit'
input_size = 128
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
    dataset=dict(type='DemoVOCDataset', data_root=data_root, split='trainval', mode='detection',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    dataset=dict(type='DemoVOCDataset', data_root=data_root, split='test', mode='detection',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='VOCDetectionMetric', iou_thr=0.5, eval_mode='area')
test_evaluator = val_evaluator
