"""Demo-trained checkpoints for the inference tests: a few iterations on the tiny demo data, each
saved with a config file that the tools read too (numbers don't matter, shapes and keys do)."""
import pytest

from vlrkit.config import load_config
from vlrkit.engine.runner import Runner
from helpers import write_config

CONFIG = """_base_ = ['{{CONFIGS}}/{base}']
data_root = '{data_root}'
train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(data_root=data_root, split='val'))
val_dataloader = dict(num_workers=0, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
{extra}
"""


def train_briefly(folder, base, data_root, iters, extra=''):
    """Train ``base`` for ``iters`` iterations; returns (config path, checkpoint path)."""
    config = write_config(folder / 'config.py', CONFIG.format(base=base, data_root=data_root,
                                                              extra=extra))
    cfg = load_config(config, cfg_options={
        'work_dir': str(folder / 'work'), 'train_cfg': dict(by_epoch=False, max_iters=iters,
                                                            val_interval=10_000),
        'custom_hooks': [], 'param_scheduler': []})
    runner = Runner.from_cfg(cfg)
    runner.train()
    return config, runner.save_checkpoint('trained.pth')


@pytest.fixture(scope='session')
def fcos_run(demo_voc_root, tmp_path_factory):
    return train_briefly(tmp_path_factory.mktemp('fcos'), 'fcos/fcos_r18_fpn_demo.py',
                         demo_voc_root, iters=2)


@pytest.fixture(scope='session')
def localizer_run(demo_voc_root, tmp_path_factory):
    return train_briefly(tmp_path_factory.mktemp('localizer'), 'localizer/localizer_alexnet_demo.py',
                         demo_voc_root, iters=2)
