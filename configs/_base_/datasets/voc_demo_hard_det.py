# The hard demo VOC data, detection mode: the easy demo's 20 shape classes over real photographs,
# 2-4 overlapping objects of 8-120 px, several per class, distractors of no class, lighting jitter.
# Written into data/demo_hard/VOCdevkit on first use
# (or: python tools/make_demo_data.py --out data/demo_hard --variant hard).
_base_ = ['./voc_demo_det.py']
data_root = 'data/demo_hard/VOCdevkit'
train_dataloader = dict(dataset=dict(data_root=data_root, variant='hard'))
val_dataloader = dict(dataset=dict(data_root=data_root, variant='hard'))
test_dataloader = val_dataloader
