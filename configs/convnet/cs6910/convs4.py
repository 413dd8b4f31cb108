# CS6910 grid, conv layers: 4 convs, the baseline plus an unpadded conv 3x3 256 -> 256 after its last
# pool. 1,722,273 parameters; maps 80, 40, 36, 18, 14, 7, 5.
_base_ = ['./baseline.py']
model = dict(backbone=dict(layers=['conv-64', 'maxpool2', 'conv-128', 'maxpool2', 'conv-256', 'maxpool2',
                                   'conv3-256', 'gap', 'fc256', 'fc128']))
