# CS6910 grid, filter counts, Net2: 4 unpadded 5x5 convs 32-64-128-128 with a max-pool after each,
# global pool, fc 128 -> 64 -> 64, head 64 -> 33. 682,913 parameters; maps 80, 40, 36, 18, 14, 7, 3, 1.
_base_ = ['./baseline.py']
model = dict(
    backbone=dict(layers=['conv-32', 'maxpool2', 'conv-64', 'maxpool2', 'conv-128', 'maxpool2',
                          'conv-128', 'maxpool2', 'gap', 'fc64', 'fc64']),
    head=dict(in_channels=64))
