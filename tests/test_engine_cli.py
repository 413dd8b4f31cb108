"""The command-line tools as a user types them, including their one-line errors."""
import torch

from helpers import run_tool, write_config

DIGITS = 'configs/simple_cnn/simple_cnn_digits.py'


def one_error_line(process):
    lines = [l for l in process.stderr.splitlines() if l.startswith('vlrkit: error:')]
    assert process.returncode == 2, process.stderr[-2000:]
    assert len(lines) == 1 and 'Traceback' not in process.stderr, process.stderr[-2000:]
    return lines[0]


def test_summary_prints_layers_and_the_recipe_parameter_count():
    result = run_tool('tools/summary.py', DIGITS)
    assert result.returncode == 0, result.stderr
    assert 'input: (1, 28, 28)' in result.stdout
    assert 'backbone.fc1' in result.stdout and '(1, 128)' in result.stdout
    assert 'total parameters: 454,922' in result.stdout


def test_unknown_type_in_config(tmp_path):
    path = write_config(tmp_path / 'typo.py', "_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']\n"
                                              "model = dict(backbone=dict(type='SimpelCNN'))\n")
    line = one_error_line(run_tool('tools/train.py', path, '--work-dir', tmp_path / 'w'))
    assert "type='SimpelCNN'" in line and "did you mean 'SimpleCNN'" in line


def test_typo_in_cfg_options_and_missing_config(tmp_path):
    line = one_error_line(run_tool('tools/train.py', DIGITS, '--cfg-options', 'train_cfg.max_epoch=1'))
    assert "did you mean 'max_epochs'" in line
    line = one_error_line(run_tool('tools/train.py', 'configs/nope.py'))
    assert 'configs/nope.py does not exist' in line


def test_missing_data_root_names_the_files_and_where_to_get_them(tmp_path):
    line = one_error_line(run_tool('tools/train.py', 'configs/simple_cnn/simple_cnn_fashion_mnist.py',
                                   '--work-dir', tmp_path / 'w',
                                   '--cfg-options', f'train_dataloader.dataset.data_root={tmp_path}'))
    assert f'{tmp_path}/train-images-idx3-ubyte.gz' in line
    assert 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz' in line


def test_wrong_input_size_for_the_model(tmp_path):
    line = one_error_line(run_tool('tools/train.py', DIGITS, '--work-dir', tmp_path / 'w',
                                   '--cfg-options', 'model.backbone.input_size=32'))
    assert 'SimpleCNN was built for 32x32 inputs but got (28, 28)' in line


def test_test_tool_refuses_a_foreign_checkpoint(tmp_path):
    torch.save({'fc.weight': torch.zeros(2)}, tmp_path / 'foreign.pth')
    line = one_error_line(run_tool('tools/test.py', DIGITS, tmp_path / 'foreign.pth', '--work-dir', tmp_path))
    assert 'foreign.pth is not a vlrkit checkpoint' in line
