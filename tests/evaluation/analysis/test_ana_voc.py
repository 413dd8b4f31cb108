"""Every analysis on multi-label VOC-format data (the synthetic demo devkit), through analyze()."""
import json

import pytest

from vlrkit.config import load_config
from vlrkit.engine.runner import Runner
from vlrkit.evaluation.analysis.analyze import analyze

from helpers import REPO

ROOT = REPO
NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
ANALYSES = [
    dict(type='KNNRetrieval', layer='backbone.pool2', k=3, num_queries=3, **NORM),
    dict(type='TSNEPlot', layer='backbone.fc1', num_images=20, perplexity=5, max_iter=250, **NORM),
    dict(type='PerClassAP', model_name='init'),
    dict(type='OcclusionSensitivity', num_images=1, window=16, stride=16, **NORM),
    dict(type='FilterIdentification', filters={'backbone.conv2': [0, 1]}, top_k=3, **NORM),
    dict(type='FilterAblation', filters={'backbone.conv2': list(range(32))}, **NORM),
]


def test_multilabel_voc_analyses(demo_voc_root, tmp_path):
    data = dict(data_root=str(demo_voc_root), num_trainval=40, num_test=20, image_size=128, seed=0)
    cfg = load_config(ROOT / 'configs/simple_cnn/simple_cnn_voc_demo.py', {
        'test_dataloader.dataset': data, 'test_dataloader.batch_size': 8, 'work_dir': str(tmp_path),
        'analysis': ANALYSES})
    runner = Runner.from_cfg(cfg)
    metrics = analyze(runner)
    assert metrics['per_class_ap/init/mAP'] == pytest.approx(metrics['multilabel/mAP'])
    assert 0 <= metrics['knn/precision@3'] <= 1 and metrics['tsne/num_points'] == 20
    assert metrics['filter_id/backbone.conv2/receptive_field'] == 14  # 5x5, pool 2, 5x5
    out = tmp_path / 'analysis'
    written = json.loads((out / 'metrics.json').read_text())  # strict JSON: NaN became null
    assert written == pytest.approx({k: None if v != v else v for k, v in metrics.items()})
    page = (out / 'index.html').read_text()
    for png in out.glob('*.png'):
        assert f'src="{png.name}"' in page
    assert 'No log.jsonl' in page  # an untrained model: the page says where curves come from
