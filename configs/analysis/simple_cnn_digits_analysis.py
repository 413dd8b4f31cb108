# Every analysis of a SimpleCNN trained on scikit-learn's digits (configs/simple_cnn):
#   python tools/train.py configs/simple_cnn/simple_cnn_digits.py
#   python tools/analyze.py configs/analysis/simple_cnn_digits_analysis.py \
#       work_dirs/simple_cnn_digits/epoch_5.pth
_base_ = ['../simple_cnn/simple_cnn_digits.py']
# Digits inputs are normalised with mean 0.5, std 0.5 (one channel); the figures undo that.
norm = dict(mean=[0.5], std=[0.5])
analysis = [
    dict(type='ConfusionMatrix'),
    dict(type='KNNRetrieval', layer='backbone.fc1', k=5, metric='cosine', num_queries=5, **norm),
    dict(type='TSNEPlot', layer='backbone.fc1', num_images=300, **norm),
    dict(type='OcclusionSensitivity', num_images=3, window=6, stride=2, value=-1.0, **norm),
    dict(type='FilterIdentification', filters={'backbone.conv2': [0, 1, 2, 3]}, top_k=8, **norm),
    dict(type='FilterAblation', filters={'backbone.conv2': list(range(16))}, **norm),
    dict(type='PerClassAP'),
]
