# ResNet-18 fine-tuned from ImageNet on VOC2007 (configs/resnet), compared with the same network
# trained from scratch:
#   python tools/analyze.py configs/analysis/resnet18_voc_analysis.py \
#       work_dirs/resnet18_imagenet_voc_2020_10e/epoch_10.pth \
#       --cfg-options analysis.2.checkpoints.scratch=work_dirs/resnet18_voc/epoch_50.pth
# or with CaffeNet, another config, in the same per-class AP chart (the 2020 course's comparison):
#       --cfg-options "analysis.2.checkpoints.caffenet=dict(config='configs/caffenet/caffenet_voc.py',checkpoint='work_dirs/caffenet_voc/epoch_50.pth',input_size=227)"
_base_ = ['../resnet/resnet18_imagenet_voc_2020_10e.py']
norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
analysis = [
    # 'neck' is the global average pool of layer4: one 512-d vector per image
    dict(type='KNNRetrieval', layer='neck', k=4, metric='cosine', num_queries=5, seed=0, **norm),
    dict(type='TSNEPlot', layer='neck', num_images=1000, seed=0, **norm),
    # add the scratch run's checkpoint to see the two side by side (see the command above)
    dict(type='PerClassAP', model_name='finetuned', checkpoints={}),
    dict(type='OcclusionSensitivity', num_images=4, window=48, stride=12, value=0.0, **norm),
    dict(type='FilterIdentification', filters={'backbone.conv1': 8, 'backbone.layer4': [0, 1, 2]},
         top_k=9, **norm),
    dict(type='FilterAblation', filters={'backbone.layer4': list(range(64))}, **norm),
]
# Training with this config (python tools/train.py configs/analysis/resnet18_voc_analysis.py) also
# records gradients of two layers, the conv1 filters each epoch and augmented inputs; the report
# shows the pictures from work_dir/vis. Analysing does not run these hooks.
custom_hooks = [
    dict(type='GradHistogramHook', params=['layer1.1.conv1.weight', 'layer4.0.bn2.bias'],
         interval=50),
    dict(type='FilterVisHook', interval=1),
    dict(type='TrainImageVisHook', interval=500, num_images=16, **norm),
]
