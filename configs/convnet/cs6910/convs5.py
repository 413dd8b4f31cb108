# CS6910 grid, conv layers: 5 convs, the baseline plus conv 3x3 256 -> 256 and conv 3x3 256 -> 512
# after its last pool, fc 512 -> 256 -> 128 -> 33. 2,967,969 parameters; maps 80, 40, 36, 18, 14,
# 7, 5, 3.
_base_ = ['./baseline.py']
model = dict(backbone=dict(layers=['conv-64', 'maxpool2', 'conv-128', 'maxpool2', 'conv-256', 'maxpool2',
                                   'conv3-256', 'conv3-512', 'gap', 'fc256', 'fc128']))
