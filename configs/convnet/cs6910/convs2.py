# CS6910 grid, conv layers: 2 convs (64, 128, a pool after each), fc 128 -> 256 -> 128 -> 33.
# 279,969 parameters; maps 80, 40, 36, 18.
_base_ = ['./baseline.py']
model = dict(backbone=dict(layers=['conv-64', 'maxpool2', 'conv-128', 'maxpool2', 'gap', 'fc256',
                                   'fc128']))
