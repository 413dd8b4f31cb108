# LocalizerAlexNet on the synthetic demo data (tools/make_demo_data.py; generated on first use):
# trains from scratch in a few CPU minutes. Differences from the VOC recipe, each for CPU time:
# 192 px input (9x9 maps) instead of 512, AlexNet at half width, Adam instead of SGD (no
# pretrained weights to fine-tune), batch 16.
_base_ = ['./localizer_alexnet_voc.py']

data_root = 'data/demo/VOCdevkit'
input_size = 192
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=input_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='Resize', scale=input_size, keep_ratio=False),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
train_dataloader = dict(
    batch_size=16, num_workers=1,
    dataset=dict(type='DemoVOCDataset', data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=50, num_workers=1,
    dataset=dict(type='DemoVOCDataset', data_root=data_root, split='test',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader

model = dict(
    backbone=dict(pretrained=None, widths=(32, 96, 192, 128, 128)),
    head=dict(in_channels=128, feat_channels=128))

optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=5e-4))
param_scheduler = [dict(type='StepLR', step_size=6, gamma=0.1, by_epoch=True)]
train_cfg = dict(max_epochs=8, val_interval=4)
default_hooks = dict(checkpoint=dict(interval=4), logger=dict(interval=10))
custom_hooks = [dict(type='HeatmapVisHook', interval=4, num_images=3)]
