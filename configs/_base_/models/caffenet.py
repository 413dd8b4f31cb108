# CaffeNet (AlexNet as in Caffe, the 2020 course recipe) for the 20 VOC classes, multi-label:
# 227 px input, the backbone returns fc7 (4096), the head is fc8.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='CaffeNet', dropout=0.5),
    head=dict(type='LinearClsHead', in_channels=4096, num_classes=20, multi_label=True,
              loss_cls=dict(type='BCEWithLogitsLoss')))
