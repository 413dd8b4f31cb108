# Ablation: a fourth conv layer (5x5, 256 filters) before the global pool.
_base_ = ['./convnet_miniimagenet.py']
model = dict(backbone=dict(layers=['conv5-64', 'maxpool2', 'conv5-128', 'maxpool2', 'conv5-256',
                                   'maxpool2', 'conv5-256', 'gap', 'fc256', 'fc128']))
