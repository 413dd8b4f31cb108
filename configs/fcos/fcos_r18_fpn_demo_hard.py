# FCOS ResNet-18 FPN on the hard demo data (real-photo backgrounds, occlusion, distractors,
# 8-120 px objects), from scratch on a CPU; the easy demo's model and schedule, so the two
# configs differ in data only:
#   python tools/train.py configs/fcos/fcos_r18_fpn_demo_hard.py
_base_ = ['./fcos_r18_fpn_demo.py']
data_root = 'data/demo_hard/VOCdevkit'
train_dataloader = dict(dataset=dict(data_root=data_root, variant='hard'))
val_dataloader = dict(dataset=dict(data_root=data_root, variant='hard'))
test_dataloader = val_dataloader
