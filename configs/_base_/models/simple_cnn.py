# SimpleCNN, the 2024 course recipe's multi-label VOC classifier: 3 x 64 x 64 input, two 5x5 convs,
# fc 16384 -> 128, a linear head to the 20 VOC classes.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='SimpleCNN', in_channels=3, input_size=64, nonlinearity='relu'),
    head=dict(type='LinearClsHead', in_channels=128, num_classes=20, multi_label=True,
              loss_cls=dict(type='BCEWithLogitsLoss')))  # difficult-masked, mean over valid entries
