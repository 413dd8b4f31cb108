# The 2024 course recipe: ResNet-18 with ImageNet weights for every layer but the last (the 20-class
# head starts fresh), ALL layers trained (frozen_stages=-1), 50 epochs on VOC2007 multi-label.
# Target mAP ~0.8 (the recipe's; not measured here). The curves it asks for: train loss and lr
# (LoggerHook / TensorBoard every 10 iterations), test mAP (every epoch) and gradient histograms of
# layer1.1.conv1.weight and layer4.0.bn2.bias (TensorBoard, grad/...). The optimizer and schedule
# are the 2020 fine-tune's; the recipe fixes the epochs and what trains, not the learning rate.
# Offline: the ImageNet file as for resnet18_imagenet_voc_2020_10e.py.
_base_ = ['../_base_/models/resnet18.py', '../_base_/datasets/voc07_cls.py',
          '../_base_/default_runtime.py']
model = dict(backbone=dict(pretrained='imagenet', frozen_stages=-1))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=50, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=5, save_best='multilabel/mAP'))
custom_hooks = [
    dict(type='GradHistogramHook', params=['layer1.1.conv1.weight', 'layer4.0.bn2.bias'],
         interval=50),
]
