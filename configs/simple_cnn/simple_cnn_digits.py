# SimpleCNN on scikit-learn's digits: the embedded, download-free classification demo.
_base_ = ['../_base_/datasets/digits.py', '../_base_/schedules/sgd_5e.py',
          '../_base_/default_runtime.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='SimpleCNN', in_channels=1, input_size=28, nonlinearity='relu'),
    head=dict(type='LinearClsHead', in_channels=128, num_classes=10,
              loss_cls=dict(type='CrossEntropyLoss')))
optim_wrapper = dict(optimizer=dict(lr=0.03))
default_hooks = dict(checkpoint=dict(save_best='accuracy/top1'))
