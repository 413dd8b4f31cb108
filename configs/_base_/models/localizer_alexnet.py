# LocalizerAlexNet (Oquab et al.): AlexNet's conv layers (torchvision ImageNet weights, offline),
# then 1x1 convs to one class map per VOC class, max-pooled to image-level scores and trained
# with image labels only (difficult classes masked out of the loss). See docs/localizer.md.
model = dict(
    type='LocalizerAlexNet',
    backbone=dict(type='AlexNetFeatures', pretrained='imagenet'),
    head=dict(type='LocalizerHead', num_classes=20, pooling='max',
              loss_cls=dict(type='BCEWithLogitsLoss')))
