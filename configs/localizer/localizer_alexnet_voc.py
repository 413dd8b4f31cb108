# LocalizerAlexNet on PASCAL VOC 2007 (the course recipe): trained with image labels only,
# scored on classification (metric1 = multi-label mAP, metric2 = recall / F-beta at 0.5) and on
# localisation (CorLoc and VOC mAP of the boxes drawn from its heatmaps). See docs/localizer.md.
_base_ = ['../_base_/models/localizer_alexnet.py', '../_base_/datasets/voc07_cls.py',
          '../_base_/default_runtime.py']
# The VOC07 stretch-and-flip pipelines at 512 px: 512x512 input -> 29x29 class maps.
input_size = 512
train_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                  for t in _base_.resize_train_pipeline]
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='MultiLabelMAP'),                          # metric1
    dict(type='MultiLabelFBeta', thr=0.5, beta=1.0),     # metric2: recall (and F-beta) at 0.5
    dict(type='CorLocMetric', rel_threshold=0.5),        # CorLoc + VOC mAP of heatmap boxes
]
test_evaluator = val_evaluator
analysis = [dict(type='HeatmapGrid', num_images=20)]     # tools/analyze.py: 20 random val images

optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='StepLR', step_size=30, gamma=0.1, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=2, save_best='multilabel/mAP'))
custom_hooks = [dict(type='HeatmapVisHook', interval=5, num_images=4)]
