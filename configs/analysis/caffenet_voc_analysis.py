# What did CaffeNet (trained from scratch on VOC2007, configs/caffenet) learn?
#   python tools/analyze.py configs/analysis/caffenet_voc_analysis.py \
#       work_dirs/caffenet_voc/epoch_50.pth
# Writes work_dirs/caffenet_voc/analysis/index.html. Run a subset with --analyses knn tsne.
_base_ = ['../caffenet/caffenet_voc.py']
# The test pipeline's Normalize uses ImageNet statistics (0-255 scale); figures undo it.
norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
analysis = [
    # the 2020 course recipe's retrieval comparison: pool5 of CaffeNet vs the fine-tuned
    # ResNet's features
    dict(type='KNNRetrieval', layer='backbone.pool5', k=4, metric='euclidean', num_queries=5,
         seed=0, **norm),
    dict(type='KNNRetrieval', layer='backbone.fc7', k=4, metric='cosine', num_queries=5,
         seed=0, name='knn_fc7', prefix='knn_fc7', **norm),
    dict(type='TSNEPlot', layer='backbone.fc7', num_images=1000, seed=0, **norm),
    dict(type='PerClassAP', model_name='caffenet'),
    dict(type='OcclusionSensitivity', num_images=4, window=50, stride=12, value=0.0, **norm),
    dict(type='FilterIdentification', filters={'backbone.conv1': 8, 'backbone.conv5': [0, 1, 2, 3]},
         top_k=9, **norm),
    dict(type='FilterAblation', filters={'backbone.conv5': list(range(32))}, **norm),
]
