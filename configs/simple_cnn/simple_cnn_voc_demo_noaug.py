# The 2024 course's SimpleCNN on the synthetic VOC demo WITHOUT augmentation: every training image
# is only stretched to 64 px, no flips, no crops. Its twin with augmentation is
# simple_cnn_voc_demo_aug.py; their work_dirs' log.jsonl files are the two curves to compare.
_base_ = ['./simple_cnn_voc_demo.py']
# the test pipeline (load, resize, normalise, pack) has no random step
train_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline))
