"""Every FCOS config loads and builds its model and datasets; the 224 px model runs a forward pass."""
import pytest
import torch

from vlrkit.config import load_config
from vlrkit.registry import DATASETS, MODELS

CONFIGS = ['configs/fcos_voc.py', 'configs/fcos/fcos_r18_fpn_demo.py',
           'configs/fcos/fcos_r50_fpn_gn-head_1x_voc0712.py']


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds(path):
    cfg = load_config(path, cfg_options={'model.backbone.pretrained': None})
    model = MODELS.build(cfg.model)
    head = model.head
    assert len(head.strides) == len(head.regress_ranges) == model.neck.num_outs
    assert cfg.model.neck.in_channels == model.backbone.out_channels


def test_course_recipe_numbers():
    cfg = load_config('configs/fcos_voc.py', cfg_options={'model.backbone.pretrained': None})
    assert cfg.train_cfg.max_iters == 9000 and cfg.train_dataloader.batch_size == 16
    assert cfg.optim_wrapper.optimizer.lr == 8e-3
    assert cfg.param_scheduler[1]['milestones'] == [5400, 8100]
    model = MODELS.build(cfg.model).eval()
    cls_scores, _, _ = model(torch.zeros(1, 3, 224, 224))
    assert [tuple(c.shape[-2:]) for c in cls_scores] == [(28, 28), (14, 14), (7, 7)]


def with_data_root(node, root):
    """A copy of a dataset config with every ``data_root`` set to ``root`` (ConcatDataset parts too)."""
    if isinstance(node, dict):
        return {k: str(root) if k == 'data_root' else with_data_root(v, root) for k, v in node.items()}
    if isinstance(node, list):
        return [with_data_root(v, root) for v in node]
    return node


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_its_datasets(path, voc_writer, tmp_path):
    """The datasets a config names build and load (07+12 included: the parts become one dataset)."""
    objects = {'000001': [('dog', (4, 4, 40, 30), 0)]}
    for year, split in [('2007', 'trainval'), ('2007', 'test'), ('2012', 'trainval')]:
        root = voc_writer(tmp_path, objects, year=year, split=split)
    cfg = load_config(path)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = DATASETS.build(with_data_root(cfg[loader].dataset.to_dict(), root))
        sample = dataset[0]
        assert sample['image'].ndim == 3 and sample['boxes'].shape == (1, 4)
