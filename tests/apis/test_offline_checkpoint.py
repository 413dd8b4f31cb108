"""A trained checkpoint is tested, analysed and summarised on a machine without the ImageNet file
its config started from (the checkpoint holds every weight), and summary.py without the dataset
asks for --input-size instead of printing the dataset's download instructions."""
import json

import pytest

from helpers import run_tool, write_config
from vlrkit.config import load_config
from vlrkit.registry import MODELS


@pytest.fixture(scope='module')
def imagenet_config(fcos_run, tmp_path_factory):
    """The demo FCOS config as a user fine-tuning from ImageNet writes it."""
    folder = tmp_path_factory.mktemp('imagenet_cfg')
    return write_config(folder / 'fcos_imagenet.py', f"_base_ = ['{fcos_run[0]}']\n"
                        "model = dict(backbone=dict(pretrained='imagenet'))\n")


@pytest.fixture
def empty_hub(tmp_path):
    """An empty torch hub cache: the ImageNet weights file is not on this machine."""
    return {'TORCH_HOME': str(tmp_path / 'torch_home')}


def test_the_config_really_needs_the_imagenet_file(imagenet_config, empty_hub, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', empty_hub['TORCH_HOME'])
    with pytest.raises(FileNotFoundError, match='resnet18'):
        MODELS.build(load_config(imagenet_config).model)


def test_test_py_on_the_checkpoint_needs_no_pretrained_file(imagenet_config, fcos_run, empty_hub,
                                                            tmp_path):
    result = run_tool('tools/test.py', imagenet_config, fcos_run[1], '--work-dir', tmp_path,
                      env=empty_hub)
    assert result.returncode == 0, result.stderr[-2000:]
    (metrics_file,) = tmp_path.glob('test_*/metrics.json')   # a test run's own folder
    assert 'voc/mAP' in json.loads(metrics_file.read_text())


def test_analyze_py_on_the_checkpoint_needs_no_pretrained_file(imagenet_config, fcos_run,
                                                               empty_hub, tmp_path):
    result = run_tool('tools/analyze.py', imagenet_config, fcos_run[1], '--work-dir', tmp_path,
                      env=empty_hub)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / 'analysis' / 'index.html').is_file()


def test_summary_needs_neither_pretrained_file_nor_dataset_with_input_size(
        imagenet_config, empty_hub, tmp_path):
    absent = tmp_path / 'absent' / 'VOCdevkit'
    config = write_config(tmp_path / 'absent_data.py', f"_base_ = ['{imagenet_config}']\n"
                          "test_dataloader = dict(dataset=dict(type='VOCDataset', "
                          f"data_root='{absent}'))\n")
    result = run_tool('tools/summary.py', config, env=empty_hub)
    assert result.returncode == 2
    assert result.stderr.count('\n') == 1 and '--input-size 3 ' in result.stderr
    assert 'Download' not in result.stderr and 'make_demo_data' not in result.stderr
    result = run_tool('tools/summary.py', config, '--input-size', 3, 64, 64, env=empty_hub)
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'total parameters' in result.stdout
