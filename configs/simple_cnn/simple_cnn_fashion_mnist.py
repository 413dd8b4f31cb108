# SimpleCNN on Fashion-MNIST with the 2020 course report's hyper-parameters: Adam at lr 0.001,
# batch 64, a StepLR schedule, 5 epochs (the report gives about 91% accuracy; not measured here).
# StepLR(step_size=1, gamma=0.7) is the PyTorch MNIST example's, the starter code's origin; the
# report names StepLR, not its numbers.
# Curves per epoch: train loss (LoggerHook), test accuracy (val every epoch). Test loss and train
# accuracy need evaluation-time losses and train-split metrics, which this config would switch on
# with val_cfg=dict(compute_loss=True) once the Runner has them (another change; wired after merge).
_base_ = ['../_base_/datasets/fashion_mnist.py', '../_base_/default_runtime.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='SimpleCNN', in_channels=1, input_size=28, nonlinearity='relu'),
    head=dict(type='LinearClsHead', in_channels=128, num_classes=10))
train_dataloader = dict(batch_size=64)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=0.001))
param_scheduler = [dict(type='StepLR', step_size=1, gamma=0.7, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=1)
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(save_best='accuracy/top1'))
