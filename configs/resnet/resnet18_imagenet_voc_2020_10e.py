# The 2020 course recipe: ResNet-18 fine-tuned from torchvision's ImageNet weights on VOC2007
# multi-label for 10 epochs, stem and layer1 frozen. Expected mAP ~0.8 (not measured here).
# The 2024 recipe (every layer trained, 50 epochs) is resnet18_imagenet_voc_2024_50e.py.
# Offline: put resnet18-f37072fd.pth into torch.hub.get_dir()/checkpoints (see
# docs/voc_classification.md), or set model.backbone.pretrained to its path.
_base_ = ['../_base_/models/resnet18.py', '../_base_/datasets/voc07_cls.py',
          '../_base_/default_runtime.py']
model = dict(backbone=dict(pretrained='imagenet', frozen_stages=1))   # stem + layer1 stay fixed
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=10, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=2, save_best='multilabel/mAP'))
