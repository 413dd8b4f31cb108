"""The command-line tools as a user types them, including their one-line errors."""
import pytest
import torch

from helpers import run_tool, write_config
from vlrkit.cli import friendly_errors
from vlrkit.dist import on_every_rank
from vlrkit.engine.checkpoint import CheckpointError
from vlrkit.errors import ConfigError
from vlrkit.registry import UnknownTypeError

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


def test_cfg_options_with_lists_of_dicts_and_a_key_without_a_value(tmp_path):
    # mmengine's DictAction died here with a RecursionError (dict inside a list) or passed a string.
    result = run_tool('tools/summary.py', DIGITS, '--cfg-options',
                      "test_evaluator=[dict(type='Accuracy'), dict(type='Accuracy', topk=(1,))]",
                      "custom_hooks=[dict(type='EMAHook')]")
    assert result.returncode == 0, result.stderr[-2000:]
    line = one_error_line(run_tool('tools/summary.py', DIGITS, '--cfg-options', 'train_cfg.max_epochs'))
    assert 'vlrkit: error: ConfigError: --cfg-options train_cfg.max_epochs: expected KEY=VALUE' in line
    line = one_error_line(run_tool('tools/summary.py', DIGITS, '--cfg-options', "test_evaluator=[open('x')]"))
    assert "open('x')\" is not a literal" in line


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


BUGGY_COMPONENT = '''
import torch
from vlrkit.errors import ConfigError
from vlrkit.registry import BACKBONES


@BACKBONES.register_module()
class BuggyNet(torch.nn.Module):
    """A user's backbone: a ConfigError for a bad setting, a genuine bug in forward."""

    def __init__(self, width=8):
        super().__init__()
        if width < 1:
            raise ConfigError(f'BuggyNet width={width}; use a positive width')
        self.fc = torch.nn.Linear(28 * 28, width)
        self.out_channels = width

    def forward(self, images):
        return self.fc(images.flatten(1), 'an extra argument')   # TypeError: a bug, not a user error
'''


def buggy_config(tmp_path, width):
    (tmp_path / 'buggy_net.py').write_text(BUGGY_COMPONENT)
    return write_config(tmp_path / f'buggy_{width}.py', (
        "_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']\n"
        "custom_imports = dict(imports=['buggy_net'])\n"
        f"model = dict(backbone=dict(_delete_=True, type='BuggyNet', width={width}), head=dict(in_channels=8))\n"))


def test_a_bug_in_a_component_shows_its_traceback(tmp_path):
    path = buggy_config(tmp_path, width=8)
    result = run_tool('tools/train.py', path, '--work-dir', tmp_path / 'w', env={'PYTHONPATH': str(tmp_path)})
    assert result.returncode not in (0, 2), result.stderr[-2000:]
    assert 'Traceback' in result.stderr and 'TypeError' in result.stderr
    assert 'vlrkit: error:' not in result.stderr


def test_a_config_error_raised_in_a_components_init_is_one_line(tmp_path):
    path = buggy_config(tmp_path, width=0)
    line = one_error_line(run_tool('tools/train.py', path, '--work-dir', tmp_path / 'w',
                                   env={'PYTHONPATH': str(tmp_path)}))
    assert 'ConfigError' in line and 'BuggyNet width=0; use a positive width' in line


@pytest.mark.parametrize('bug', [KeyError('state'), TypeError('forward() takes 2 arguments'),
                                 ValueError('shapes do not broadcast'), ImportError('no module x')])
def test_friendly_errors_lets_bugs_through(bug):
    with pytest.raises(type(bug)):
        with friendly_errors():
            raise bug


@pytest.mark.parametrize('error', [ConfigError('bad key'), CheckpointError('bad file'),
                                   UnknownTypeError('no such type'), FileNotFoundError('no data'),
                                   on_every_rank(ConfigError('decided by rank 0'))])
def test_friendly_errors_prints_user_errors_on_one_line(error, capsys):
    with pytest.raises(SystemExit) as exit_info:
        with friendly_errors():
            raise error
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f'vlrkit: error: {type(error).__name__}: {error.args[0]}\n'
