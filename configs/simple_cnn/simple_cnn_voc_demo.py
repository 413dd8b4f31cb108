# SimpleCNN on the synthetic VOC demo (64 px, multi-label), with the VOC config's model and a
# 5-epoch Adam schedule.
_base_ = ['../_base_/models/simple_cnn.py', '../_base_/datasets/voc_demo_cls.py',
          '../_base_/default_runtime.py']
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='StepLR', step_size=4, gamma=0.1, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5, save_best='multilabel/mAP'))
