# ResNet-18 from scratch on the synthetic VOC demo at 96 px (layer4 is 3 x 3), multi-label.
_base_ = ['../_base_/models/resnet18.py', '../_base_/datasets/voc_demo_cls.py',
          '../_base_/default_runtime.py']
# The demo pipelines at 96 px: only their Resize (and the cache of decoded images) change.
input_size = 96
train_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                  for t in _base_.train_pipeline]
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(dataset=dict(
    pipeline=train_pipeline, cache=dict(type='memory', size=(input_size, input_size))))
val_dataloader = dict(dataset=dict(
    pipeline=test_pipeline, cache=dict(type='memory', size=(input_size, input_size))))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=5, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5, save_best='multilabel/mAP'))
