"""The WSDDN / OICR configs: the homework recipe's numbers, its datasets with the homework's
proposal files (and the instruction when they are missing), and the demo configs built on
generated demo data, one training step each."""
import pytest
import torch

from vlrkit.config import load_config
from vlrkit.datasets.bad_input import DatasetNotFoundError
from vlrkit.datasets.demo_data import make_demo_voc
from vlrkit.datasets.proposals import write_selective_search_mat
from vlrkit.registry import DATASETS, MODELS
from vlrkit.structures import collate

VOC_RECIPE = 'configs/wsddn/wsddn_alexnet_voc.py'
DEMOS = ['configs/wsddn/wsddn_alexnet_demo.py', 'configs/wsddn/oicr_alexnet_demo.py']


def under(node, root):
    """A copy of a config node with 'data/VOCdevkit' (data_root and the proposal files) under root."""
    if isinstance(node, dict):
        return {k: under(v, root) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(under(v, root) for v in node)
    if isinstance(node, str) and node.startswith('data/VOCdevkit'):
        return str(root) + node[len('data/VOCdevkit'):]
    return node


def test_homework_recipe_numbers():
    cfg = load_config(VOC_RECIPE)
    assert cfg.optim_wrapper.optimizer == dict(type='SGD', lr=1e-4, momentum=0.9, weight_decay=5e-4)
    assert cfg.train_cfg == dict(by_epoch=False, max_iters=5 * 5011, val_interval=5000)
    assert cfg.train_dataloader.batch_size == 1
    for loader in (cfg.train_dataloader, cfg.test_dataloader):
        step = next(t for t in loader.dataset.pipeline if t['type'] == 'LoadProposals')
        assert step['source']['type'] == 'SelectiveSearchMat' and step['source']['top_n'] == 300
    assert cfg.model.backbone.pretrained == 'imagenet' and cfg.model.head.pretrained == 'imagenet'
    hooks = {h['type']: h for h in cfg.custom_hooks}
    assert hooks['GradHistogramHook']['params'] == ['conv1.weight', 'conv2.weight', 'fc7.weight']
    assert hooks['DetVisualizationHook']['interval'] == cfg.train_cfg.val_interval
    assert any(e.get('classwise') for e in cfg.val_evaluator)            # voc/AP/<cls> curves
    model = MODELS.build(dict(cfg.model.to_dict(), backbone=dict(cfg.model.backbone, pretrained=None),
                              head=dict(cfg.model.head, pretrained=None)))
    assert not model.backbone.conv1.weight.requires_grad                 # conv1 frozen
    assert model.backbone.conv2.weight.requires_grad and model.head.fc7.weight.requires_grad


def test_homework_datasets_read_each_splits_mat_file(voc_writer, tmp_path):
    objects = {'000001': [('dog', (4, 4, 40, 30), 0)], '000002': [('cat', (10, 8, 60, 44), 0)]}
    for split in ('trainval', 'test'):
        root = voc_writer(tmp_path, objects, split=split)
    boxes = torch.tensor([[0., 0., 64., 48.], [4., 4., 40., 30.], [10., 8., 60., 44.]]).numpy()
    scores = torch.tensor([0.9, 0.5, 0.1]).numpy()
    folder = root / 'VOC2007/selective_search_data'
    for split in ('trainval', 'test'):
        write_selective_search_mat(folder / f'voc_2007_{split}.mat',
                                   {i: (boxes, scores) for i in objects})
    cfg = load_config(VOC_RECIPE)
    train = DATASETS.build(under(cfg.train_dataloader.dataset.to_dict(), root))
    test = DATASETS.build(under(cfg.test_dataloader.dataset.to_dict(), root))
    sample = train[0]
    assert sample['labels'].shape == (20,) and sample['image'].shape == (3, 512, 512)
    assert sample['proposals'].shape == (3, 4) and sample['proposals'].max() <= 512
    assert test[0]['boxes'].shape == (1, 4) and test[0]['proposals'].shape == (3, 4)


def test_homework_dataset_without_proposal_files_says_where_to_put_them(voc_writer, tmp_path):
    root = voc_writer(tmp_path, {'000001': [('dog', (4, 4, 40, 30), 0)]})
    cfg = load_config(VOC_RECIPE)
    with pytest.raises(DatasetNotFoundError) as err:
        DATASETS.build(under(cfg.train_dataloader.dataset.to_dict(), root))
    message = str(err.value)
    assert 'voc_2007_trainval.mat' in message and 'selective_search_data' in message
    assert 'fetch_selective_search_data.sh' in message


@pytest.fixture(scope='module')
def demo_root(tmp_path_factory):
    return make_demo_voc(tmp_path_factory.mktemp('demo'), num_trainval=4, num_test=2, seed=0)


@pytest.mark.parametrize('path', DEMOS)
def test_demo_config_trains_a_step_and_predicts(path, demo_root):
    cfg = load_config(path)
    assert cfg.model.backbone.pretrained is None and cfg.model.head.pretrained is None
    datasets = {}
    for loader in ('train_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset.to_dict()
        dataset.update(data_root=str(demo_root), num_trainval=4, num_test=2)
        datasets[loader] = DATASETS.build(dataset)
    train, test = datasets['train_dataloader'], datasets['test_dataloader']
    assert train.task == 'classification' and test.task == 'detection'
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    batch = collate([train[i] for i in range(2)])
    assert batch['images'].shape[-2:] == (cfg.input_size, cfg.input_size)
    losses = model.loss(batch)
    expected = {'loss_cls'} | {f'loss_refine{t + 1}' for t in range(cfg.model.head.refine_times)}
    assert set(losses) == expected and all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    model.eval()
    with torch.no_grad():
        preds = model.predict(collate([test[i] for i in range(2)]))
    assert [p['img_scores'].shape for p in preds] == [(20,), (20,)]
