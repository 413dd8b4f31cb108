"""A head whose num_classes differs from the dataset's class count trains to mAP 0 without any
error; the Runner refuses it when it builds the dataloader."""
import pytest

from vlrkit.config import load_config
from vlrkit.engine.runner import Runner
from vlrkit.errors import ConfigError

from helpers import REPO


def digits_cfg(tmp_path, **options):
    return load_config(REPO / 'configs/simple_cnn/simple_cnn_digits.py', cfg_options={
        'work_dir': str(tmp_path), 'train_cfg': dict(by_epoch=False, max_iters=1, val_interval=100),
        'default_hooks.checkpoint': None, **options})


@pytest.mark.parametrize('stage', ['train', 'test'])
def test_num_classes_against_the_dataset_is_a_config_error_naming_both(tmp_path, stage):
    runner = Runner.from_cfg(digits_cfg(tmp_path, **{'model.head.num_classes': 7}))
    with pytest.raises(ConfigError) as info:
        getattr(runner, stage)()
    message = str(info.value)
    assert 'model.head.num_classes=7' in message and 'has 10 classes' in message
    assert 'set model.head.num_classes=10' in message and f'{stage}_dataloader' in message


def test_a_matching_class_count_trains(tmp_path):
    Runner.from_cfg(digits_cfg(tmp_path)).train()
