# SimpleCNN on Fashion-MNIST, the 2020 course recipe's setting (5 epochs; it reports about 91%
# accuracy).
_base_ = ['../_base_/datasets/fashion_mnist.py', '../_base_/schedules/sgd_5e.py',
          '../_base_/default_runtime.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='SimpleCNN', in_channels=1, input_size=28, nonlinearity='relu'),
    head=dict(type='LinearClsHead', in_channels=128, num_classes=10))
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(save_best='accuracy/top1'))
