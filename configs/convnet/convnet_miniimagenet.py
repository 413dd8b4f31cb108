# The CS6910-style list-configured CNN on mini-ImageNet (33 classes), 84 px, 30 epochs of Adam
# with a cosine schedule. Ablations inherit this file and change one line.
_base_ = ['../_base_/models/convnet.py', '../_base_/datasets/mini_imagenet.py',
          '../_base_/default_runtime.py']
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-4))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=30, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=1)
default_hooks = dict(checkpoint=dict(save_best='accuracy/top1'))
