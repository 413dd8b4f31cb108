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



def test_resnet_recipes_2020_freezes_layer1_2024_trains_every_layer_and_logs_its_gradients(caplog):
    """The 2024 recipe's gradient histograms of layer1.1.conv1.weight and layer4.0.bn2.bias: both
    layers train there, so both get gradient hooks; the 2020 fine-tune freezes layer1, and the
    same hook there logs that weight instead (with one warning) rather than crash."""
    import logging
    from types import SimpleNamespace
    from vlrkit.registry import HOOKS
    new = load_config('configs/resnet/resnet18_imagenet_voc_2024_50e.py',
                      cfg_options={'model.backbone.pretrained': None})
    old = load_config('configs/resnet/resnet18_imagenet_voc_2020_10e.py',
                      cfg_options={'model.backbone.pretrained': None})
    assert (new.train_cfg.max_epochs, old.train_cfg.max_epochs) == (50, 10)
    caught = {}
    for year, cfg in (('2024', new), ('2020', old)):
        model = MODELS.build(cfg.model)
        frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
        assert bool(frozen) == (year == '2020')
        hook = HOOKS.build(dict(new.custom_hooks[0]))
        runner = SimpleNamespace(unwrapped_model=model, logger=logging.getLogger('vlrkit.recipes'))
        with caplog.at_level(logging.WARNING, logger='vlrkit.recipes'):
            hook.before_train(runner)
        caught[year] = len(hook._handles)
        hook.after_train(runner)
    assert caught == {'2024': 2, '2020': 1}
    assert caplog.text.count('is frozen') == 1 and 'layer1.1.conv1.weight is frozen' in caplog.text


def test_fashion_mnist_recipe_is_the_reports_adam_batch_64_steplr():
    cfg = load_config('configs/simple_cnn/simple_cnn_fashion_mnist.py')
    assert (cfg.optim_wrapper.optimizer.type, cfg.optim_wrapper.optimizer.lr) == ('Adam', 0.001)
    assert cfg.train_dataloader.batch_size == 64
    assert [s['type'] for s in cfg.param_scheduler] == ['StepLR']


@pytest.mark.parametrize('family, root', [('simple_cnn_voc', 'voc_samples_root'),
                                          ('simple_cnn_voc_demo', 'demo_voc_root')])
def test_augmentation_twins_differ_only_in_the_training_pipeline(family, root, request):
    """The with/without-augmentation pair: the same image twice is the same tensor without
    augmentation and (with crops and flips) different tensors with it; test data is untouched."""
    data_root = str(request.getfixturevalue(root))
    aug, noaug = (load_config(f'configs/simple_cnn/{family}_{kind}.py') for kind in ('aug', 'noaug'))
    base = load_config(f'configs/simple_cnn/{family}.py')
    assert aug.model == noaug.model == base.model
    assert aug.test_dataloader == noaug.test_dataloader == base.test_dataloader
    torch.manual_seed(0)
    samples = {}
    for name, cfg in (('aug', aug), ('noaug', noaug)):
        dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=data_root))
        samples[name] = [dataset[0]['image'] for _ in range(4)]
        assert samples[name][0].shape == (3, 64, 64)
    assert all(torch.equal(samples['noaug'][0], s) for s in samples['noaug'][1:])
    assert not all(torch.equal(samples['aug'][0], s) for s in samples['aug'][1:])
