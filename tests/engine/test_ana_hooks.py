"""Analysis hooks in a real (tiny) training run, and the gradient catch against autograd."""
from types import SimpleNamespace

import pytest
import torch
from PIL import Image

from vlrkit.config import load_config
from vlrkit.errors import ConfigError
from vlrkit.engine.hooks.grad_histogram_hook import GradHistogramHook
from vlrkit.engine.loops import Progress
from vlrkit.engine.optim_step import OptimStep
from vlrkit.engine.runner import Runner

from helpers.toys import ToyClassifier, colour_batch
from helpers import REPO

ROOT = REPO


class FakeWriter:
    def __init__(self):
        self.histograms = {}

    def add_histogram(self, tag, values, step):
        self.histograms[(tag, step)] = values


def test_grad_histograms_are_the_true_gradients():
    model = ToyClassifier()
    optim_step = OptimStep(torch.optim.SGD(model.parameters(), lr=0.1))
    runner = SimpleNamespace(unwrapped_model=model, writer=FakeWriter(), progress=Progress(iter=1),
                             optim_step=optim_step)
    hook = GradHistogramHook(params=['head.fc.weight', 'conv2.bias'], interval=2)
    hook.before_train(runner)
    batch = colour_batch([0, 1, 2])
    hook.before_train_iter(runner, 0, batch)
    model.loss(batch)['loss_cls'].backward()
    expected = model.head.fc.weight.grad.clone()
    model.zero_grad(set_to_none=True)  # what the Runner does before after_train_iter
    runner.progress = Progress(iter=2)  # the loop counts the iteration done
    hook.after_train_iter(runner, 0, batch, {})
    assert torch.equal(runner.writer.histograms[('grad/head.fc.weight', 2)], expected)
    assert ('grad/backbone.conv2.bias', 2) in runner.writer.histograms
    # the third iteration is not a logging one: nothing is caught
    hook.before_train_iter(runner, 1, batch)
    model.loss(batch)['loss_cls'].backward()
    hook.after_train_iter(runner, 1, batch, {})
    assert len(runner.writer.histograms) == 2
    hook.after_train(runner)
    with pytest.raises(ConfigError, match='nothing'):
        GradHistogramHook(params=['layer9.weight']).before_train(runner)


def test_hooks_draw_during_a_digits_run(tmp_path):
    cfg = load_config(ROOT / 'configs/simple_cnn/simple_cnn_digits.py', cfg_options={
        'train_cfg': dict(by_epoch=False, max_iters=4, val_interval=100),
        'train_dataloader.batch_size': 8, 'work_dir': str(tmp_path),
        'default_hooks.checkpoint': None, 'default_hooks.logger.interval': 2,
        'custom_hooks': [
            dict(type='FilterVisHook', interval=2),
            dict(type='GradHistogramHook', params=['conv1.weight', 'head.fc.bias'], interval=2),
            dict(type='TrainImageVisHook', interval=2, num_images=4, mean=[0.5], std=[0.5])]})
    Runner.from_cfg(cfg).train()
    vis = tmp_path / 'vis'
    for name in ['filters_iter_0.png', 'filters_iter_4.png', 'train_images_iter_1.png',
                 'train_images_iter_4.png']:
        with Image.open(vis / name) as png:
            assert png.format == 'PNG'
    with Image.open(vis / 'filters_iter_0.png') as png:
        assert png.size[0] > 8 * 5 * 4  # 8 columns of 5x5 filters enlarged 4x
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    events = EventAccumulator(str(tmp_path / 'tensorboard'), size_guidance={'histograms': 0}).Reload()
    assert set(events.Tags()['histograms']) == {'grad/backbone.conv1.weight', 'grad/head.fc.bias'}
    assert [e.step for e in events.Histograms('grad/head.fc.bias')] == [2, 4]
    assert events.Histograms('grad/backbone.conv1.weight')[0].histogram_value.num == 32 * 25
    # filters are logged at the iterations done, like every other training picture
    assert [e.step for e in events.Images('filters/backbone.conv1')] == [0, 2, 4]


def test_a_frozen_parameter_gets_weight_histograms_and_one_warning(caplog):
    """configs/analysis/resnet18_voc_analysis.py asks for a layer frozen_stages freezes: torch
    refuses a grad hook on it, which used to crash before_train."""
    import logging
    model = ToyClassifier()
    model.backbone.conv2.bias.requires_grad_(False)
    runner = SimpleNamespace(unwrapped_model=model, writer=FakeWriter(), progress=Progress(iter=1),
                             optim_step=OptimStep(torch.optim.SGD(model.parameters(), lr=0.1)),
                             logger=logging.getLogger('vlrkit.test_frozen'))
    hook = GradHistogramHook(params=['head.fc.weight', 'conv2.bias'], interval=2)
    with caplog.at_level(logging.WARNING, logger='vlrkit.test_frozen'):
        hook.before_train(runner)
    assert [r.getMessage() for r in caplog.records if 'backbone.conv2.bias' in r.getMessage()] \
        and len(caplog.records) == 1
    batch = colour_batch([0, 1, 2])
    hook.before_train_iter(runner, 0, batch)
    model.loss(batch)['loss_cls'].backward()
    runner.progress = Progress(iter=2)
    hook.after_train_iter(runner, 0, batch, {})
    assert set(runner.writer.histograms) == {('grad/head.fc.weight', 2),
                                             ('weight/backbone.conv2.bias', 2)}
    assert torch.equal(runner.writer.histograms[('weight/backbone.conv2.bias', 2)],
                       model.backbone.conv2.bias.detach())
    hook.after_train(runner)


def test_the_analysis_config_asks_for_a_frozen_layer_and_its_hook_sets_up(caplog):
    """The config of issue 11 item 5: frozen_stages=1 freezes layer1, whose conv the hook asks for."""
    import logging
    from vlrkit.registry import HOOKS, MODELS
    cfg = load_config(ROOT / 'configs/analysis/resnet18_voc_analysis.py',
                      cfg_options={'model.backbone.pretrained': None})
    model = MODELS.build(cfg.model)
    hook_cfg, = [dict(c) for c in cfg.custom_hooks if c['type'] == 'GradHistogramHook']
    hook = HOOKS.build(hook_cfg)
    runner = SimpleNamespace(unwrapped_model=model, logger=logging.getLogger('vlrkit.test_frozen'))
    with caplog.at_level(logging.WARNING, logger='vlrkit.test_frozen'):
        hook.before_train(runner)
    assert 'backbone.layer1.1.conv1.weight is frozen' in caplog.text
    assert len(hook._handles) == 1   # layer4.0.bn2.bias trains: its gradients are caught
    hook.after_train(runner)
