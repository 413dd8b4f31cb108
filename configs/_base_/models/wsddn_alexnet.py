# WSDDN (Bilen & Vedaldi, CVPR 2016) as in the weakly-supervised homework: AlexNet conv1-conv5
# (torchvision ImageNet weights, offline; conv1 frozen), RoI max pooling of every proposal to 6x6
# at 1/16 (conv5's stride), fc6 / fc7 from ImageNet AlexNet, then the classification stream
# (softmax over classes) times the detection stream (softmax over each image's regions), summed
# into image scores and trained with BCE on image labels. refine_times=K adds OICR's K refinement
# classifiers (Tang et al., CVPR 2017); context_scale=1.8 makes the detection stream ContextLocNet's
# contrastive one (Kantorov et al., ECCV 2016). See docs/wsddn.md.
model = dict(
    type='WSDDN',
    backbone=dict(type='AlexNetFeatures', pretrained='imagenet', frozen_stages=0),
    head=dict(
        type='WSDDNHead', num_classes=20, in_channels=256, roi_op='roi_pool', roi_size=6,
        spatial_scale=1 / 16, fc_channels=4096, dropout=0.5, pretrained='imagenet',
        refine_times=0, refine_iou_thr=0.5, context_scale=None, spatial_reg_weight=0.0,
        loss_cls=dict(type='BCELoss'), loss_refine=dict(type='CrossEntropyLoss'),
        test_cfg=dict(score_thr=0.05, iou_thr=0.3, max_per_img=100)))
