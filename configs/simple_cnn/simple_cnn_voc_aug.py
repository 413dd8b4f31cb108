# The 2024 course's SimpleCNN on VOC2007 WITH augmentation: random-resized crops (half to all of
# the image) and horizontal flips at 64 px. Its twin without augmentation is simple_cnn_voc_noaug.py.
_base_ = ['./simple_cnn_voc.py']
# the base's resize-and-flip training pipeline with the resize turned into a random-resized crop
train_pipeline = [dict(type='RandomResizedCrop', size=64, scale=(0.5, 1.0)) if t.type == 'Resize' else t
                  for t in _base_.train_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
