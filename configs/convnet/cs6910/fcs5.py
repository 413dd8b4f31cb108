# CS6910 grid, fc layers: 5 fc, 256 -> 512 -> 256 -> 256 -> 128 -> 33 (the baseline's convs).
# 1,395,105 parameters.
_base_ = ['./baseline.py']
model = dict(backbone=dict(layers=['conv-64', 'maxpool2', 'conv-128', 'maxpool2', 'conv-256', 'maxpool2',
                                   'gap', 'fc512', 'fc256', 'fc256', 'fc128']))
