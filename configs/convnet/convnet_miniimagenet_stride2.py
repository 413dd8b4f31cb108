# Ablation: the first conv strides by 2 instead of being followed by a max-pool (cheaper, less detail).
_base_ = ['./convnet_miniimagenet.py']
model = dict(backbone=dict(layers=['conv5-64-s2', 'conv5-128', 'maxpool2', 'conv5-256', 'maxpool2',
                                   'gap', 'fc256', 'fc128']))
