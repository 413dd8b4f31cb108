# The list-configured ConvNet on the synthetic VOC demo (64 px, multi-label): BatchNorm, global max
# pooling (an object anywhere in the image lights its class up), one fc layer.
_base_ = ['../_base_/datasets/voc_demo_cls.py', '../_base_/default_runtime.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ConvNet', in_channels=3, input_size=64, nonlinearity='relu', batch_norm=True,
                  layers=['conv3-32', 'maxpool2', 'conv3-64', 'maxpool2', 'conv3-128', 'maxpool2', 'gmp',
                          'fc128']),
    head=dict(type='LinearClsHead', in_channels=128, num_classes=20, multi_label=True,
              loss_cls=dict(type='BCEWithLogitsLoss')))
optim_wrapper = dict(optimizer=dict(type='Adam', lr=3e-3))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=8, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=8)
default_hooks = dict(checkpoint=dict(interval=8, save_best='multilabel/mAP'))
