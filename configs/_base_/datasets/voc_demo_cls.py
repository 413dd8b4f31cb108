# Synthetic VOC-layout demo data (20 VOC classes as coloured shapes on textured backgrounds),
# generated into data_root on first use: 1,000 trainval + 500 test images of 128 px, seed 0.
# Same samples, targets and metrics as VOC2007; switch to real VOC with type / data_root only.
# A model with another input size keeps these pipelines and replaces only their Resize scale:
#   input_size = 96
#   train_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
#                     for t in _base_.train_pipeline]
dataset_type = 'DemoVOCDataset'
data_root = 'data/demo/VOCdevkit'
demo_settings = dict(num_trainval=1000, num_test=500, image_size=128, seed=0)
input_size = 64
train_pipeline = [
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
# num_workers=0 (not 'auto'): the memory cache serves the small images from the main process,
# and its random flips then do not depend on the machine's CPU count (each worker draws its own),
# so the demo's documented results repeat anywhere.
train_dataloader = dict(
    batch_size=32, num_workers=0, shuffle=True,
    dataset=dict(type=dataset_type, data_root=data_root, split='trainval', mode='classification',
                 pipeline=train_pipeline, cache=dict(type='memory', size=(input_size, input_size)),
                 **demo_settings))
val_dataloader = dict(
    batch_size=100, num_workers=0, shuffle=False,
    dataset=dict(type=dataset_type, data_root=data_root, split='test', mode='classification',
                 pipeline=test_pipeline, cache=dict(type='memory', size=(input_size, input_size)),
                 **demo_settings))
test_dataloader = val_dataloader
val_evaluator = [dict(type='MultiLabelMAP'), dict(type='MultiLabelFBeta', thr=0.5, beta=1.0)]
test_evaluator = val_evaluator
