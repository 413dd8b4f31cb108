# FCOS ResNet-18 FPN on the generated demo data, from scratch on a CPU (about ten minutes on a
# quiet 2-core machine):
#   python tools/train.py configs/fcos/fcos_r18_fpn_demo.py
_base_ = ['../_base_/models/fcos_r18_fpn.py', '../_base_/datasets/voc_demo_det.py',
          '../_base_/default_runtime.py']
# Demo objects are 20-70 px in 128 px images: shift the ranges down one octave so P4/P5 get work,
# and the centre-sampling radius with them (1.5 strides would cover whole small objects, making
# their border points positives; 0.75 keeps ~1/4 of them, the central ones).
model = dict(head=dict(regress_ranges=((0, 32), (32, 64), (64, float('inf'))), center_radius=0.75))
train_dataloader = dict(batch_size=8)
# From scratch and few iterations: AdamW gets a randomly initialised trunk going faster than SGD.
max_iters = 800
train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=400)
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
                     clip_grad=dict(max_norm=10.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, total_iters=50, by_epoch=False),
    dict(type='MultiStepLR', milestones=[int(max_iters * 0.75), int(max_iters * 0.9)], gamma=0.1,
         by_epoch=False),
]
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(type='CheckpointHook', interval=400, save_best='voc/mAP',
                                     max_keep_ckpts=1))
