# The 2020 course recipe's classification schedule: 5 epochs of SGD with momentum, step decay
# at epoch 4.
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='MultiStepLR', milestones=[4], gamma=0.1, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=1)
