# Every analysis of a SimpleCNN trained on the synthetic VOC demo (multi-label, 64 px, CPU minutes):
#   python tools/train.py configs/simple_cnn/simple_cnn_voc_demo.py
#   python tools/analyze.py configs/analysis/simple_cnn_voc_demo_analysis.py \
#       work_dirs/simple_cnn_voc_demo/epoch_5.pth
_base_ = ['../simple_cnn/simple_cnn_voc_demo.py']
norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])   # Normalize's default
analysis = [
    dict(type='KNNRetrieval', layer='backbone.fc1', k=5, metric='cosine', num_queries=5, **norm),
    dict(type='TSNEPlot', layer='backbone.fc1', num_images=500, **norm),
    dict(type='PerClassAP', model_name='simple_cnn'),
    dict(type='OcclusionSensitivity', num_images=4, window=12, stride=4, value=0.0, **norm),
    dict(type='FilterIdentification', filters={'backbone.conv1': 8, 'backbone.conv2': 8},
         top_k=8, **norm),
    dict(type='FilterAblation', filters={'backbone.conv2': list(range(16))}, **norm),
]
