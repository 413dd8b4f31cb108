# ResNet-18 for the 20 VOC classes, multi-label, from scratch (a config sets
# model.backbone.pretrained='imagenet' to fine-tune torchvision's weights).
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, out_indices=(3,), pretrained=None),
    neck=dict(type='GlobalAveragePooling'),                 # layer4 (512 x h/32 x w/32) -> 512
    head=dict(type='LinearClsHead', in_channels=512, num_classes=20, multi_label=True,
              loss_cls=dict(type='BCEWithLogitsLoss')))
