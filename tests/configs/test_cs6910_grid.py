"""The CS6910 mini-ImageNet ablation grid (configs/convnet/cs6910): every row's parameter count and
map sizes, measured by the machinery of tools/summary.py, against the numbers the course grid lists.

The counts are the course's; a config that drifts from its row fails here, not in a report.
"""
import pytest
import torch

from vlrkit.config import load_config
from vlrkit.errors import ConfigError
from vlrkit.models.summary import summarize
from vlrkit.registry import MODELS

GRID = 'configs/convnet/cs6910'

# row config: (parameters with the 33-class head, spatial side after every conv and pool)
ROWS = {
    'baseline': (1_132_193, [80, 40, 36, 18, 14, 7]),
    'convs1': (58_657, [80, 40]),
    'convs2': (279_969, [80, 40, 36, 18]),
    'convs4': (1_722_273, [80, 40, 36, 18, 14, 7, 5]),
    'convs5': (2_967_969, [80, 40, 36, 18, 14, 7, 5, 3]),
    'fcs2': (1_066_401, [80, 40, 36, 18, 14, 7]),
    'fcs4': (1_197_985, [80, 40, 36, 18, 14, 7]),
    'fcs5': (1_395_105, [80, 40, 36, 18, 14, 7]),
    'filters_net1': (75_347, [80, 40, 36, 18, 14, 7, 3, 1]),
    'filters_net2': (682_913, [80, 40, 36, 18, 14, 7, 3, 1]),
    'filters_net3': (4_967_329, [80, 40, 36, 18, 14, 7, 3, 1]),
    'pool_every2': (4_475_041, [80, 76, 38, 34, 30, 15]),
    'strided': (1_132_193, [40, 18, 7]),
    'strided_s3': (1_132_193, [27, 8, 2]),
    'final': (1_285_473, [82, 80, 39, 37, 35, 17, 15, 13, 6]),
}


def conv_params(cin, cout, k):
    return cin * cout * k * k + cout


def fc_params(fin, fout):
    return fin * fout + fout


def grid_summary(row, cfg_options=None):
    """(total parameters, map sides after each Conv2d / MaxPool2d, logits shape) at 3 x 84 x 84."""
    model = MODELS.build(load_config(f'{GRID}/{row}.py', cfg_options).model)
    rows, total, trainable = summarize(model, (3, 84, 84))
    assert trainable == total
    sides = []
    for name, kind, shape, params in rows:
        if kind in ('Conv2d', 'MaxPool2d'):
            assert shape[-1] == shape[-2], f'{row} {name}: {shape} is not square'
            sides.append(shape[-1])
    return total, sides, rows[-1][2]


@pytest.mark.parametrize('row', list(ROWS))
def test_grid_row_has_the_courses_parameters_and_map_sizes(row):
    params, sides = ROWS[row]
    total, measured, logits = grid_summary(row)
    assert (total, measured) == (params, sides)
    assert logits == (1, 33)


def test_every_grid_config_is_in_the_table():
    from helpers import REPO
    assert sorted(p.stem for p in (REPO / GRID).glob('*.py')) == sorted(ROWS)


@pytest.mark.parametrize('kernel, sides', [(3, [82, 41, 39, 19, 17, 8]),
                                           (5, [80, 40, 36, 18, 14, 7]),
                                           (7, [78, 39, 33, 16, 10, 5])])
def test_kernel_size_is_one_key_of_the_baseline(kernel, sides):
    """The sweep `--grid model.backbone.kernel=3,5,7` changes every 'conv-N' layer of the baseline."""
    total, measured, _ = grid_summary('baseline', {'model.backbone.kernel': kernel})
    expected = (conv_params(3, 64, kernel) + conv_params(64, 128, kernel) + conv_params(128, 256, kernel)
                + fc_params(256, 256) + fc_params(256, 128) + fc_params(128, 33))
    assert (total, measured) == (expected, sides)


def test_stride_is_one_key_of_the_strided_row():
    total, measured, _ = grid_summary('strided', {'model.backbone.stride': 3})
    assert (total, measured) == ROWS['strided_s3']


def test_stride_3_with_the_baselines_pools_vanishes_with_a_config_error():
    """What strided_s3.py's header explains: 84 -> 27 -> 13 -> 3 -> 1 leaves conv3 no 5x5 window."""
    with pytest.raises(ConfigError, match='shrink a \\(84, 84\\) input to nothing'):
        MODELS.build(load_config(f'{GRID}/baseline.py', {'model.backbone.stride': 3}).model)


def test_a_conv_without_a_kernel_needs_the_backbones_kernel():
    cfg = load_config(f'{GRID}/baseline.py', {'model.backbone.kernel': None})
    with pytest.raises(ConfigError, match="names no kernel size"):
        MODELS.build(cfg.model)


def test_recipe_and_final_models_evaluator():
    cfg = load_config(f'{GRID}/final.py')
    assert cfg.train_dataloader.batch_size == 4
    assert (cfg.optim_wrapper.optimizer.type, cfg.optim_wrapper.optimizer.lr) == ('SGD', 0.001)
    assert [e['type'] for e in cfg.test_evaluator] == ['Accuracy', 'ConfusionMatrix']
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        assert model(torch.zeros(2, 3, 84, 84)).shape == (2, 33)


def test_the_digits_override_of_docs_ablations_trains_a_row_without_mini_imagenet():
    """docs/ablations.md's --cfg-options: Digits replaces the image folders, 1 channel, 10 classes."""
    from vlrkit.config import parse_cfg_options
    from vlrkit.registry import DATASETS
    from vlrkit.structures import collate
    options = parse_cfg_options([
        'model.backbone.in_channels=1', 'model.head.num_classes=10',
        'train_dataloader.dataset=dict(_delete_=True,type=Digits,split=train,image_size=84)',
        'val_dataloader.dataset=dict(_delete_=True,type=Digits,split=test,image_size=84)'])
    cfg = load_config(f'{GRID}/convs1.py', options)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert dataset[0]['image'].shape == (1, 84, 84) and len(DATASETS.build(cfg.val_dataloader.dataset))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    batch = collate([dataset[i] for i in range(8)])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(5):
        loss = model.loss(batch)['loss_cls']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]      # it learns the eight images it is shown
