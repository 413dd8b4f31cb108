# The 2024 course's SimpleCNN on the synthetic VOC demo WITH augmentation: random-resized crops
# (half to all of the image) and horizontal flips at 64 px. Its twin without augmentation is
# simple_cnn_voc_demo_noaug.py; the VOC2007 pair is simple_cnn_voc_aug.py / simple_cnn_voc_noaug.py.
_base_ = ['./simple_cnn_voc_demo.py']
# the base's resize-and-flip training pipeline with the resize turned into a random-resized crop
train_pipeline = [dict(type='RandomResizedCrop', size=64, scale=(0.5, 1.0)) if t.type == 'Resize' else t
                  for t in _base_.train_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
