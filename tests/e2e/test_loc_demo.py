"""The localiser end to end through the Runner on demo data: configs build, heatmaps are drawn,
CorLoc is reported; the slow test trains the robust demo recipe and checks its boxes and peaks."""

import numpy as np
import pytest
import torch

from vlrkit.config import load_config
from vlrkit.engine.runner import Runner
from helpers import REPO

CONFIGS = REPO / 'configs' / 'localizer'


def demo_cfg(name, data_root, work_dir, **overrides):
    options = {
        'train_dataloader.dataset.data_root': str(data_root),
        'val_dataloader.dataset.data_root': str(data_root),
        'test_dataloader.dataset.data_root': str(data_root),
        'train_dataloader.num_workers': 0, 'val_dataloader.num_workers': 0,
        'test_dataloader.num_workers': 0, 'work_dir': str(work_dir),
    }
    options.update(overrides)
    return load_config(CONFIGS / name, cfg_options=options)


@pytest.mark.parametrize('name', ['localizer_alexnet_voc.py', 'localizer_alexnet_robust_voc.py'])
def test_voc_configs_keep_the_course_recipe(name):
    cfg = load_config(CONFIGS / name)
    assert cfg.train_dataloader.batch_size == 32
    assert cfg.optim_wrapper.optimizer == dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)
    assert cfg.param_scheduler[0]['step_size'] == 30 and cfg.train_cfg.val_interval == 2
    assert cfg.train_cfg.max_epochs == (45 if 'robust' in name else 30)
    assert {e['type'] for e in cfg.val_evaluator} == {'MultiLabelMAP', 'MultiLabelFBeta',
                                                       'CorLocMetric'}


def test_one_epoch_of_the_demo_config_draws_heatmaps_and_reports_corloc(demo_voc_root, tmp_path):
    cfg = demo_cfg('localizer_alexnet_robust_demo.py', demo_voc_root, tmp_path, **{
        'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1,
        'train_dataloader.dataset.split': 'val',   # 500 of the 1,000 trainval images: faster
        'val_evaluator': [dict(type='CorLocMetric')],
        'custom_hooks': [dict(type='HeatmapVisHook', interval=1, num_images=2)]})
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val()
    assert 0.0 <= metrics['loc/corloc'] <= 1.0 and 0.0 <= metrics['loc/mAP'] <= 1.0
    pngs = sorted(p.name for p in (tmp_path / 'heatmaps' / 'epoch_1').glob('*.png'))
    # Per split: the input image plus one overlay per ground-truth class of each image.
    for split in ('train', 'val'):
        inputs = [p for p in pngs if p.startswith(split) and p.count('_') == 1]
        assert len(inputs) == 2 and len([p for p in pngs if p.startswith(split)]) > 2
    assert any((tmp_path / 'tensorboard').rglob('events.*'))


def heatmap_peak_hits(model, dataset, num_images):
    """Fraction of (image, ground-truth class) pairs whose heatmap peak lies in a box of that class."""
    hits = total = 0
    model.eval()
    stride, offset = model.heatmap_geometry['stride'], model.heatmap_geometry['offset']
    for index in range(num_images):
        sample = dataset[index]
        with torch.no_grad():
            maps = model(sample['image'][None])[0]
        objects = sample['objects']
        for cls in torch.nonzero(sample['labels'] > 0).flatten().tolist():
            y, x = np.unravel_index(int(maps[cls].argmax()), maps.shape[-2:])
            px, py = offset + x * stride, offset + y * stride   # cell centre, input pixels
            boxes = objects['boxes'][objects['labels'] == cls]
            inside = (boxes[:, 0] <= px) & (px <= boxes[:, 2]) & (boxes[:, 1] <= py) & (py <= boxes[:, 3])
            hits += bool(inside.any())
            total += 1
    return hits / total


@pytest.mark.slow
def test_robust_demo_run_localises_the_objects(tmp_path):
    cfg = demo_cfg('localizer_alexnet_robust_demo.py', tmp_path / 'demo' / 'VOCdevkit',
                   tmp_path / 'run', custom_hooks=[])
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val()
    # Measured on the 2-core machine (docs/benchmarks.md, "Localizer"): CorLoc 0.896 with the
    # config's box rule, peaks 0.915 on 200 test images; chance is CorLoc ~0.01 and peaks ~0.1.
    # 0.8 is the demo goal of the localiser issue.
    assert metrics['loc/corloc'] >= 0.8
    assert heatmap_peak_hits(runner.model, runner.val_dataloader.dataset, 200) >= 0.8
