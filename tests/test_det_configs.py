"""Every FCOS config loads and builds its model; the 224 px homework model runs a forward pass."""
import pytest
import torch

from vlrkit.config import load_config
from vlrkit.registry import MODELS

CONFIGS = ['configs/fcos_voc.py', 'configs/fcos/fcos_r18_fpn_demo.py',
           'configs/fcos/fcos_r50_fpn_gn-head_1x_voc0712.py']


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds(path):
    cfg = load_config(path, cfg_options={'model.backbone.pretrained': None})
    model = MODELS.build(cfg.model)
    head = model.head
    assert len(head.strides) == len(head.regress_ranges) == model.neck.num_outs
    assert cfg.model.neck.in_channels == model.backbone.out_channels


def test_homework_recipe_numbers():
    cfg = load_config('configs/fcos_voc.py', cfg_options={'model.backbone.pretrained': None})
    assert cfg.train_cfg.max_iters == 9000 and cfg.train_dataloader.batch_size == 16
    assert cfg.optim_wrapper.optimizer.lr == 8e-3
    assert cfg.param_scheduler[1]['milestones'] == [5400, 8100]
    model = MODELS.build(cfg.model).eval()
    cls_scores, _, _ = model(torch.zeros(1, 3, 224, 224))
    assert [tuple(c.shape[-2:]) for c in cls_scores] == [(28, 28), (14, 14), (7, 7)]
