# CaffeNet from scratch on the synthetic VOC demo (128 px images stretched to 227), Adam 1e-4,
# batch 32 as the VOC config, but 4 epochs: a check that the whole path trains, not a result.
_base_ = ['../_base_/models/caffenet.py', '../_base_/datasets/voc_demo_cls.py',
          '../_base_/default_runtime.py']
# The demo pipelines at 227 px; the cache keeps the 128 px demo images, Resize stretches them.
input_size = 227
train_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                  for t in _base_.train_pipeline]
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(dataset=dict(
    pipeline=train_pipeline, cache=dict(type='memory', size=(128, 128))))
val_dataloader = dict(dataset=dict(
    pipeline=test_pipeline, cache=dict(type='memory', size=(128, 128))))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=4)
default_hooks = dict(checkpoint=dict(interval=4, save_best='multilabel/mAP'))
