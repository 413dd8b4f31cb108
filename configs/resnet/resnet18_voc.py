# ResNet-18 from scratch on VOC2007 multi-label, 224 px (the VOC07 preset's pipelines).
# Expected mAP ~0.5.
_base_ = ['../_base_/models/resnet18.py', '../_base_/datasets/voc07_cls.py',
          '../_base_/default_runtime.py']
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=50, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5, save_best='multilabel/mAP'))
