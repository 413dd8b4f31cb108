# CS6910 grid, max-pooling: a pool after every second conv. 4 unpadded 5x5 convs 64-128-256-512,
# fc 512 -> 256 -> 128 -> 33. 4,475,041 parameters; maps 80, 76, 38, 34, 30, 15.
_base_ = ['./baseline.py']
model = dict(backbone=dict(layers=['conv-64', 'conv-128', 'maxpool2', 'conv-256', 'conv-512', 'maxpool2',
                                   'gap', 'fc256', 'fc128']))
