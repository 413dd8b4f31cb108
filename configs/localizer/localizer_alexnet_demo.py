# LocalizerAlexNet on the synthetic demo data (generated into data/demo on first use): trains from
# scratch in a few CPU minutes. What differs from the VOC recipe, each for CPU time:
# AlexNet at half width, Adam instead of SGD (there are no pretrained weights to fine-tune),
# batch 16, fewer epochs, and the last layer starts at the label prior. The 128 px demo images
# are upsampled to 256 px: 13x13 maps, one cell per 8 original pixels (at 128 px they are 5x5).
_base_ = ['../_base_/models/localizer_alexnet.py', '../_base_/datasets/voc_demo_cls.py',
          '../_base_/default_runtime.py']

# The demo pipelines at 256 px; the cache keeps the decoded 128 px demo images, Resize stretches
# them per sample.
input_size = 256
train_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                  for t in _base_.train_pipeline]
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(batch_size=16, dataset=dict(
    pipeline=train_pipeline, cache=dict(type='memory', size=(128, 128))))
val_dataloader = dict(batch_size=50, dataset=dict(
    pipeline=test_pipeline, cache=dict(type='memory', size=(128, 128))))
test_dataloader = val_dataloader

# flip_test: maps are averaged with those of the mirrored image (the plain model's boxes lean
# 3 px to one side otherwise). Boxes: threshold at 0.6 of the way from the map's median (its
# background level: demo objects cover far less than half of an image) to its peak; both chosen
# on the `val` split, not the test images (docs/benchmarks.md, "Localizer").
model = dict(
    flip_test=True,
    backbone=dict(pretrained=None, widths=(32, 96, 192, 128, 128)),   # from scratch, half width
    head=dict(in_channels=128, feat_channels=128, prior_prob=0.1))

val_evaluator = [
    dict(type='MultiLabelMAP'),
    dict(type='MultiLabelFBeta', thr=0.5, beta=1.0),
    dict(type='CorLocMetric', rel_threshold=0.6, background_quantile=0.5),
]
test_evaluator = val_evaluator
analysis = [dict(type='HeatmapGrid', num_images=20)]

optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4))
param_scheduler = [dict(type='StepLR', step_size=18, gamma=0.1, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=24, val_interval=6)
default_hooks = dict(checkpoint=dict(interval=6, save_best='loc/corloc'), logger=dict(interval=10))
custom_hooks = [dict(type='HeatmapVisHook', interval=6, num_images=3)]
