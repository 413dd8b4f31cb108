# CS6910 grid, filter counts, Net3: 4 unpadded 5x5 convs 64-128-256-512 with a max-pool after each,
# global pool, fc 512 -> 1024 -> 128, head 128 -> 33. 4,967,329 parameters; maps 80, 40, 36, 18, 14,
# 7, 3, 1.
_base_ = ['./baseline.py']
model = dict(backbone=dict(layers=['conv-64', 'maxpool2', 'conv-128', 'maxpool2', 'conv-256', 'maxpool2',
                                   'conv-512', 'maxpool2', 'gap', 'fc1024', 'fc128']))
