# CS6910 mini-ImageNet ablation grid, the baseline every row changes: 84 px, 33 classes, unpadded
# 5x5 convs 64-128-256 with a 2x2 max-pool after each, global average pool, fc 256 -> 256 -> 128,
# head 128 -> 33: 1,132,193 parameters, maps 80, 40, 36, 18, 14, 7.
# Recipe: SGD lr 0.001 (momentum 0.9, as in the PyTorch CIFAR-10 tutorial this recipe follows),
# batch 4. The epoch count is not part of the recipe; 20 is ours.
# Without mini-ImageNet on disk, docs/ablations.md shows the overrides that run it on Digits.
_base_ = ['../../_base_/models/convnet.py', '../../_base_/datasets/mini_imagenet.py',
          '../../_base_/default_runtime.py']
model = dict(backbone=dict(
    kernel=5, stride=1, padding=0,     # every 'conv-N' below; sweep with model.backbone.kernel=3,5,7
    layers=['conv-64', 'maxpool2', 'conv-128', 'maxpool2', 'conv-256', 'maxpool2', 'gap',
            'fc256', 'fc128']))
train_dataloader = dict(batch_size=4)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.001, momentum=0.9))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=1)
default_hooks = dict(logger=dict(interval=200), checkpoint=dict(save_best='accuracy/top1'))
