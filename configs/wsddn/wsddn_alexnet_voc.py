# WSDDN on PASCAL VOC 2007, the weakly-supervised homework's recipe: ImageNet AlexNet (conv1
# frozen, fc6 / fc7 from its classifier), the top 300 selective search proposals of every image,
# one image a step, SGD lr 1e-4 with momentum 0.9 and weight decay 5e-4, 5 epochs
# (5 x 5,011 = 25,055 iterations), test mAP every 5,000 iterations.
# Expected, not measured here (VOC is not in this repository's test data): ~0.13 test mAP after
# 5 epochs (the course's figure), ~0.18 after 30k iterations, ~0.3 in the paper (longer training,
# multi-scale input and an ensemble). See docs/wsddn.md.
_base_ = ['../_base_/models/wsddn_alexnet.py', '../_base_/datasets/voc07_det_proposals.py',
          '../_base_/default_runtime.py']

model = dict(backbone=dict(frozen_stages=0))    # conv1 frozen (the base model says so too)

optim_wrapper = dict(optimizer=dict(type='SGD', lr=1e-4, momentum=0.9, weight_decay=5e-4))
param_scheduler = []
train_cfg = dict(by_epoch=False, max_iters=5 * 5011, val_interval=5000)

# TensorBoard (work_dir/tensorboard): the training loss every 10 iterations (default_runtime's
# TensorBoardHook), test mAP and per-class AP (voc/mAP, voc/AP/<cls>) at every evaluation,
# histograms of the gradients of conv2 and fc7 and of the weights of the frozen conv1, and the
# first 4 test images with their predicted boxes at every evaluation, the first and last included.
default_hooks = dict(checkpoint=dict(interval=5000, save_best='voc/mAP'))
custom_hooks = [
    dict(type='GradHistogramHook', params=['conv1.weight', 'conv2.weight', 'fc7.weight'],
         interval=500),
    dict(type='DetVisualizationHook', interval=5000, num_images=4, score_thr=0.1),
]
