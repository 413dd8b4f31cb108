# CS6910 grid, filter counts, Net1: 4 unpadded 5x5 convs 8-16-32-64 with a max-pool after each,
# global pool, fc 64 -> 64 -> 33, head 33 -> 33. 75,347 parameters; maps 80, 40, 36, 18, 14, 7, 3, 1.
_base_ = ['./baseline.py']
model = dict(
    backbone=dict(layers=['conv-8', 'maxpool2', 'conv-16', 'maxpool2', 'conv-32', 'maxpool2', 'conv-64',
                          'maxpool2', 'gap', 'fc64', 'fc33']),
    head=dict(in_channels=33))
