# LocalizerAlexNetRobust on PASCAL VOC 2007: the same layers as LocalizerAlexNet, trained so that
# heatmaps cover whole objects (docs/localizer.md): log-sum-exp pooling instead of max, and map
# dropout that hides cells from the pooling; 45 epochs as in the course recipe.
_base_ = ['./localizer_alexnet_voc.py']

model = dict(
    type='LocalizerAlexNetRobust',
    head=dict(pooling='lse', lse_r=5.0, map_dropout=0.3),
    scales=(1.0,))                  # e.g. (1.0, 0.75) adds a smaller copy of each image
param_scheduler = [dict(type='StepLR', step_size=30, gamma=0.1, by_epoch=True)]
train_cfg = dict(max_epochs=45)
