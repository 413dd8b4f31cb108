# CaffeNet (the 2020 course recipe) from scratch on VOC2007 multi-label: 227 px, Adam 1e-4,
# batch 32, 50 epochs. Expected mAP ~0.38-0.43.
_base_ = ['../_base_/models/caffenet.py', '../_base_/datasets/voc07_cls.py',
          '../_base_/default_runtime.py']
# The VOC07 pipelines at 227 px: random-resized crops to train, a plain resize to test.
input_size = 227
train_pipeline = [dict(t, size=input_size) if t.type == 'RandomResizedCrop' else t
                  for t in _base_.train_pipeline]
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = []                                       # constant learning rate, as the recipe
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5, save_best='multilabel/mAP'))
