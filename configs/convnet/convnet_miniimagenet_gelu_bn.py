# Ablation: GELU instead of ReLU, and BatchNorm after every conv.
_base_ = ['./convnet_miniimagenet.py']
model = dict(backbone=dict(nonlinearity='gelu', batch_norm=True))
