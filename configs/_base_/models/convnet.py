# The CS6910-style list-configured CNN for mini-ImageNet's 33 classes at 84 px: conv 5x5
# 64/128/256 with max-pools, global average pool, fc 256 -> 256 -> 128, head 128 -> 33
# (1,132,193 parameters). Each `layers` entry is one layer (see ConvNet's docstring).
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ConvNet', in_channels=3, input_size=84, nonlinearity='relu', batch_norm=False,
        layers=['conv5-64', 'maxpool2', 'conv5-128', 'maxpool2', 'conv5-256', 'maxpool2', 'gap',
                'fc256', 'fc128']),
    head=dict(type='LinearClsHead', in_channels=128, num_classes=33,
              loss_cls=dict(type='CrossEntropyLoss')))
