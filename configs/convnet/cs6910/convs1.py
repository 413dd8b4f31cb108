# CS6910 grid, conv layers: 1 conv (conv 5x5 64 + pool), fc 64 -> 256 -> 128 -> 33.
# 58,657 parameters; maps 80, 40.
_base_ = ['./baseline.py']
model = dict(backbone=dict(layers=['conv-64', 'maxpool2', 'gap', 'fc256', 'fc128']))
