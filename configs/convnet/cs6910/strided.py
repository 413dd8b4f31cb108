# CS6910 grid, max-pooling and strides: the baseline's convs stride 2 instead of being followed by a
# max-pool (the "strided convs instead of pools" and the "conv stride 2" rows). Same 1,132,193
# parameters (pools have none); maps 40, 18, 7. The stride is one key (model.backbone.stride),
# so a stride sweep runs on this file; stride 3 is strided_s3.py.
_base_ = ['./baseline.py']
model = dict(backbone=dict(stride=2, layers=['conv-64', 'conv-128', 'conv-256', 'gap', 'fc256', 'fc128']))
