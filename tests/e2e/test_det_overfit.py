"""FCOS learns: a few demo images are overfit to VOC mAP@0.5 > 0.5 (the whole pipeline, end to end).

The fast version swaps the ResNet trunk for a five-conv-stage toy backbone so that it runs in
seconds on a CPU; the detector parts under test (FPN, head, assignment, losses, inference, metric)
are the real ones. The slow version trains the shipped demo config through the Runner.
"""
import pytest
import torch
import torch.nn as nn

from vlrkit.evaluation.metric import EvalContext
from vlrkit.registry import BACKBONES, DATASETS, EVALUATORS, MODELS
from vlrkit.structures import collate


class ToyTrunk(nn.Module):
    """Five stride-2 stages of two 3x3 convs; returns the last three (strides 8, 16, 32)."""

    def __init__(self, width=32):
        super().__init__()
        widths = [width // 2, width, width, width, width]

        def stage(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.ReLU(),
                                 nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU())
        self.stages = nn.ModuleList(stage(cin, cout) for cin, cout in zip([3] + widths[:-1], widths))

    def forward(self, x):
        outs = []
        for index, stage in enumerate(self.stages):
            x = stage(x)
            if index >= 2:
                outs.append(x)
        return tuple(outs)


BACKBONES.register_module(name='ToyTrunk', module=ToyTrunk, force=True)


def voc_map_of(model, batch, class_names):
    model.eval()
    with torch.no_grad():
        preds = model.predict(batch)
    metric = EVALUATORS.build(dict(type='VOCDetectionMetric', table=False))
    metric.set_context(EvalContext(class_names=class_names))
    metric.process(batch, preds)
    return metric.compute()['voc/mAP']


def test_fcos_overfits_a_few_demo_images(tmp_path):
    from vlrkit.datasets.demo_data import make_demo_voc
    torch.manual_seed(0)
    root = make_demo_voc(tmp_path, num_trainval=4, num_test=1, image_size=128, seed=0)
    dataset = DATASETS.build(dict(type='VOCDataset', data_root=str(root), split='trainval',
                                  mode='detection', pipeline=[dict(type='LoadImage'), dict(type='Normalize'),
                                                              dict(type='PackSample')]))
    batch = collate([dataset[i] for i in range(len(dataset))])
    model = MODELS.build(dict(
        type='FCOS', backbone=dict(type='ToyTrunk'),
        neck=dict(type='FPN', in_channels=[32, 32, 32], out_channels=32),
        head=dict(type='FCOSHead', num_classes=20, in_channels=32, feat_channels=32, stacked_convs=1,
                  strides=(8, 16, 32), regress_ranges=((0, 32), (32, 64), (64, float('inf'))),
                  norm=dict(type='GN', num_groups=8))))
    before = voc_map_of(model, batch, dataset.class_names)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(25):
        model.train()
        losses = model.loss(batch)
        optimizer.zero_grad()
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        optimizer.step()
    after = voc_map_of(model, batch, dataset.class_names)
    assert before < 0.1 and after > 0.5, (before, after)


@pytest.mark.slow
def test_demo_config_trains_through_the_runner(tmp_path):
    """The README's config, shortened: ResNet-18 from scratch, Runner, evaluator, checkpoint."""
    from vlrkit.config import load_config
    from vlrkit.engine.runner import Runner
    from vlrkit.datasets.demo_data import make_demo_voc
    root = make_demo_voc(tmp_path / 'demo', num_trainval=64, num_test=16, image_size=128, seed=0)
    cfg = load_config('configs/fcos/fcos_r18_fpn_demo.py', cfg_options={
        'train_dataloader.dataset.data_root': str(root), 'val_dataloader.dataset.data_root': str(root),
        'test_dataloader.dataset.data_root': str(root), 'train_dataloader.num_workers': 0,
        'val_dataloader.num_workers': 0, 'test_dataloader.num_workers': 0,
        'train_cfg.max_iters': 40, 'train_cfg.val_interval': 40, 'work_dir': str(tmp_path / 'work')})
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert 0.0 <= metrics['voc/mAP'] <= 1.0
    assert (tmp_path / 'work' / 'voc_per_class_ap.md').is_file()
