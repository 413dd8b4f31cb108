"""Box drawing, the detection visualisation hook and tools/browse_dataset.py."""
import logging
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import torch

from vlrkit.engine.loops import Progress
from vlrkit.registry import HOOKS, MODELS
from vlrkit.visualization.boxes import draw_boxes, to_uint8_image
from helpers import REPO

REPO = REPO


def test_draw_boxes_paints_the_outline_only():
    image = np.zeros((40, 40, 3), np.uint8)
    out = draw_boxes(image, [[10, 10, 30, 30]], colour=(255, 0, 0))
    assert out[10, 20].tolist() == [255, 0, 0] and out[30, 15].tolist() == [255, 0, 0]
    assert out[20, 20].tolist() == [0, 0, 0]           # inside stays untouched
    assert image.sum() == 0                              # the input is not modified
    skipped = draw_boxes(image, [[10, 10, 30, 30]], labels=[0], scores=[0.1], score_thr=0.5)
    assert skipped.sum() == 0


def test_to_uint8_image_inverts_normalize():
    rgb = np.random.default_rng(0).integers(0, 256, (8, 8, 3)).astype(np.float32)
    normalised = (rgb - np.array([123.675, 116.28, 103.53])) / np.array([58.395, 57.12, 57.375])
    back = to_uint8_image(torch.from_numpy(normalised.transpose(2, 0, 1)).float())
    assert np.abs(back.astype(int) - rgb.astype(int)).max() <= 1


def test_det_vis_hook_writes_pngs_and_tensorboard(tmp_path):
    model = MODELS.build(dict(
        type='FCOS', backbone=dict(type='ResNet', depth=18, out_indices=(1, 2, 3)),
        neck=dict(type='FPN', in_channels=[128, 256, 512], out_channels=16),
        head=dict(type='FCOSHead', num_classes=3, in_channels=16, feat_channels=16, stacked_convs=1,
                  strides=(8, 16, 32), norm=None, test_cfg=dict(score_thr=0.0))))
    batch = dict(images=torch.randn(2, 3, 64, 64), boxes=[torch.tensor([[4., 4., 30., 30.]])] * 2,
                 labels=[torch.tensor([1])] * 2, scale_factor=[(0.5, 0.5)] * 2)
    written = []
    writer = SimpleNamespace(add_image=lambda tag, img, step, dataformats: written.append((tag, img.shape)))
    runner = SimpleNamespace(rank=0, progress=Progress(iter=10), max_iters=100, unwrapped_model=model, device=torch.device('cpu'),
                             class_names=['a', 'b', 'c'], work_dir=tmp_path, writer=writer,
                             val_dataloader=None, train_dataloader=None, logger=logging.getLogger('t'))
    hook = HOOKS.build(dict(type='DetVisualizationHook', interval=10, num_images=2, score_thr=0.0))
    hook.after_train_iter(runner, 0, batch, {})
    assert sorted(p.name for p in (tmp_path / 'vis').iterdir()) == ['iter_10_0.png', 'iter_10_1.png']
    assert written[0] == ('det_vis/0', (64, 132, 3))   # ground truth | 4 px gap | predictions
    runner.progress = Progress(iter=11)
    hook.after_train_iter(runner, 0, batch, {})          # not an interval step: nothing new
    assert len(written) == 2


def test_browse_dataset_tool(tmp_path, demo_voc_root):
    out = tmp_path / 'pngs'
    result = subprocess.run(
        [sys.executable, 'tools/browse_dataset.py', 'configs/fcos/fcos_r18_fpn_demo.py', '--out', str(out),
         '--num', '3', '--split', 'val', '--cfg-options', f'val_dataloader.dataset.data_root={demo_voc_root}'],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(list(out.glob('*.png'))) == 3
