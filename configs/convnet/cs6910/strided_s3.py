# CS6910 grid, conv stride 3. The baseline with stride-3 convs AND its pools vanishes: 84 -> conv 27
# -> pool 13 -> conv 3 -> pool 1, and the third 5x5 conv has no 5x5 window left. So this net drops
# the pools (like strided.py) and lets the stride alone shrink the maps: 84 -> 27 -> 8 -> 2, then
# the global pool. Same 1,132,193 parameters; each conv sees every third position only.
_base_ = ['./baseline.py']
model = dict(backbone=dict(stride=3, layers=['conv-64', 'conv-128', 'conv-256', 'gap', 'fc256', 'fc128']))
