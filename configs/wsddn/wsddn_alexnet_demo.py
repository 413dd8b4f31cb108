# WSDDN on the synthetic demo data (generated into data/demo on first use), from scratch: no
# pretrained weights, a few CPU minutes. What differs from the VOC recipe
# (wsddn_alexnet_voc.py), each for CPU time or for training from scratch:
# AlexNet at half width with every layer trained (a frozen conv1 is only useful when pretrained),
# fc6 / fc7 256 wide instead of 4096, Adam instead of SGD, the first 64 selective search proposals
# of an image (of ~94; on 100 `val` images the first 50 already cover 98% of the objects at
# IoU >= 0.5, all of them 100%), and the 128 px demo images upsampled to 192 px (11x11 conv5
# cells). The detection stream is ContextLocNet's contrastive one (context_scale=1.8): a region's
# detection logit less its frame's, so a part of an object, whose frame holds the rest of it,
# loses to the whole object (on `val` after 12 epochs of `train`: det mAP 0.282 -> 0.394,
# CorLoc 0.382 -> 0.491).
# Schedule, input size, width, proposal count and context were picked on the `val` split
# (training on `train`), never on the test images (docs/benchmarks.md, "WSDDN and OICR").
_base_ = ['../_base_/models/wsddn_alexnet.py', '../_base_/datasets/voc_demo_det_proposals.py',
          '../_base_/default_runtime.py']

input_size = 192
num_proposals = 64


# The base pipelines with the demo's input size and proposal count.
train_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else
                  dict(t, source=dict(t.source, top_n=num_proposals)) if t.type == 'LoadProposals'
                  else t for t in _base_.train_pipeline]
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else
                 dict(t, source=dict(t.source, top_n=num_proposals)) if t.type == 'LoadProposals'
                 else t for t in _base_.test_pipeline]
train_dataloader = dict(batch_size=16, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=50, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

model = dict(
    # The flip test: on `val` after 12 epochs of `train` (that probe with roi_align), det mAP
    # 0.398 -> 0.413, CorLoc 0.483 either way.
    flip_test=True,
    backbone=dict(pretrained=None, frozen_stages=-1, widths=(32, 96, 192, 128, 128)),
    head=dict(in_channels=128, fc_channels=256, pretrained=None, num_classes=20,
              context_scale=1.8))

optim_wrapper = dict(optimizer=dict(type='Adam', lr=3e-4))
param_scheduler = [dict(type='StepLR', step_size=12, gamma=0.1, by_epoch=True)]
# val_dataloader is the test split: scored once, at the end, and no checkpoint is chosen by it.
train_cfg = dict(by_epoch=True, max_epochs=16, val_interval=16)
default_hooks = dict(checkpoint=dict(interval=16), logger=dict(interval=10))
custom_hooks = []
