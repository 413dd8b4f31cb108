# SimpleCNN (the 2024 course recipe) on VOC2007 multi-label at 64 px, 5 epochs. Expected mAP ~0.22.
_base_ = ['../_base_/models/simple_cnn.py', '../_base_/datasets/voc07_cls.py',
          '../_base_/default_runtime.py']
# The VOC07 stretch-and-flip pipelines at 64 px.
input_size = 64
train_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                  for t in _base_.resize_train_pipeline]
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
# Decode every JPEG once into 64 px: the CNN is far cheaper than decoding a 500x375 image.
train_dataloader = dict(dataset=dict(
    pipeline=train_pipeline, cache=dict(type='memory', size=(input_size, input_size))))
val_dataloader = dict(dataset=dict(
    pipeline=test_pipeline, cache=dict(type='memory', size=(input_size, input_size))))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='StepLR', step_size=4, gamma=0.1, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=1)
default_hooks = dict(checkpoint=dict(save_best='multilabel/mAP'))
