# CS6910 grid, fc layers: 2 fc, 256 -> 128 -> 33 (the baseline's convs). 1,066,401 parameters.
_base_ = ['./baseline.py']
model = dict(backbone=dict(layers=['conv-64', 'maxpool2', 'conv-128', 'maxpool2', 'conv-256', 'maxpool2',
                                   'gap', 'fc128']))
