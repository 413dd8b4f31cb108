"""The VOC classification configs' data sections work on real VOC files (the shared samples) and
the demo configs feed their models the input size they name."""
import pytest
import torch

from vlrkit.config import load_config
from vlrkit.evaluation.metric import EvalContext
from vlrkit.registry import DATASETS, EVALUATORS, MODELS
from vlrkit.structures import collate


@pytest.mark.parametrize('config, size', [('configs/resnet/resnet18_voc.py', 224),
                                          ('configs/simple_cnn/simple_cnn_voc.py', 64),
                                          ('configs/caffenet/caffenet_voc.py', 227)])
def test_voc07_pipelines_on_real_samples(voc_samples_root, config, size):
    cfg = load_config(config)
    for loader in ('train_dataloader', 'test_dataloader'):
        dataset_cfg = dict(cfg[loader]['dataset'], data_root=str(voc_samples_root))
        dataset = DATASETS.build(dataset_cfg)
        sample = dataset[4]                     # 000005: chairs, two of them difficult
        assert sample['image'].shape == (3, size, size)
        assert sample['labels'].shape == (20,) and sample['difficult'].shape == (20,)
        assert sample['labels'][dataset.class_names.index('chair')] == 1


def test_real_samples_through_model_and_metrics(voc_samples_root):
    cfg = load_config('configs/simple_cnn/simple_cnn_voc.py')
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=str(voc_samples_root)))
    batch = collate([dataset[i] for i in range(len(dataset))])
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        preds = model.predict(batch)
    evaluators = [EVALUATORS.build(c) for c in cfg.test_evaluator]
    metrics = {}
    for evaluator in evaluators:
        evaluator.process(batch, preds)
        evaluator.set_context(EvalContext(class_names=dataset.class_names))
        metrics.update(evaluator.compute(size=len(dataset)))
    assert 0 <= metrics['multilabel/mAP'] <= 1
    assert {'multilabel/recall@0.5', 'multilabel/f1@0.5', 'multilabel/AP/chair'} <= set(metrics)


@pytest.mark.parametrize('config, size', [('configs/simple_cnn/simple_cnn_voc_demo.py', 64),
                                          ('configs/convnet/convnet_voc_demo.py', 64),
                                          ('configs/resnet/resnet18_voc_demo.py', 96),
                                          ('configs/caffenet/caffenet_voc_demo.py', 227),
                                          ('configs/localizer/localizer_alexnet_demo.py', 256)])
def test_demo_pipelines_take_the_configs_input_size(demo_voc_root, config, size):
    """A demo config changes the preset's input size only; every loader's images come out at it."""
    cfg = load_config(config)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = DATASETS.build(dict(cfg[loader]['dataset'], data_root=str(demo_voc_root)))
        assert dataset[0]['image'].shape == (3, size, size)
