"""A config mistake stops the run when the config loads, in one line naming the file and the key.

The sections and top-level scalars the Runner reads are checked against the ``Setting`` schemas
their readers declare (loops.TRAIN_CFG_KEYS, runner.ENV_CFG_KEYS, runner.TOP_LEVEL_SETTINGS,
optim.OPTIM_WRAPPER_KEYS) or against the signatures of the functions that take them (DataLoader,
clip_grad_norm_, a component's class); YAML configs are data and cannot run code.
"""
import ast
import inspect
import json

import pytest

from helpers import REPO, run_tool, write_config
from vlrkit.config import ConfigError, load_config
from vlrkit.engine import loops, optim, runner
from vlrkit.engine.optim_step import OptimStep
from vlrkit.engine.runner import Runner
from vlrkit.registry import HOOKS, MODELS

DIGITS = 'configs/simple_cnn/simple_cnn_digits.py'


def child(tmp_path, body, name='child.py'):
    return write_config(tmp_path / name, "_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']\n" + body)


def test_a_typo_nested_in_train_cfg_names_the_file_the_key_and_the_nearest_key(tmp_path):
    # The base sets max_epochs=5: the child's max_epoch was merged beside it and trained 5 epochs.
    path = child(tmp_path, 'train_cfg = dict(max_epoch=1)\n')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == (f"{path}: train_cfg has no setting 'max_epoch' (did you mean "
                                f"'max_epochs'?); it takes by_epoch, max_epochs, max_iters, val_interval, "
                                f"train_eval_interval")


def test_an_unknown_key_from_cfg_options_names_the_option(tmp_path):
    with pytest.raises(ConfigError, match=r"^--cfg-options train_cfg.foo=1 \(on configs/simple_cnn/"
                                          r"simple_cnn_digits.py\): train_cfg has no setting 'foo'"):
        load_config(DIGITS, cfg_options={'train_cfg.foo': 1})


@pytest.mark.parametrize('body, message', [
    ("train_cfg = dict(max_epochs='2')\n",
     "train_cfg.max_epochs='2' is a str; train_cfg.max_epochs takes None or an integer >= 1"),
    ('train_cfg = dict(max_epochs=0)\n', 'train_cfg.max_epochs=0; train_cfg.max_epochs takes None or an integer >= 1'),
    ('train_cfg = dict(by_epoch=1)\n', 'train_cfg.by_epoch=1 is an int; train_cfg.by_epoch takes True or False'),
    ("env_cfg = dict(seed='0')\n", "env_cfg.seed='0' is a str; env_cfg.seed takes an integer"),
    ('env_cfg = dict(sed=1)\n', "env_cfg has no setting 'sed' (did you mean 'seed'?)"),
    ('optim_wrapper = dict(accumulative_counts=0)\n', 'optim_wrapper.accumulative_counts=0; '),
    ('optim_wrapper = dict(clip_grad=dict(max_nrom=10))\n',
     "optim_wrapper.clip_grad has no setting 'max_nrom' (did you mean 'max_norm'?); it takes max_norm, norm_type"),
    ('optim_wrapper = dict(clip_grad=dict(norm_type=2))\n', "optim_wrapper.clip_grad needs 'max_norm'"),
    ('train_dataloader = dict(batch_sise=8)\n', "train_dataloader has no setting 'batch_sise' (did you mean 'batch_size'?)"),
    ("train_dataloader = dict(batch_size='8')\n", "train_dataloader.batch_size='8' is a str"),
    ('train_dataloader = dict(sampler=None)\n', "train_dataloader has no setting 'sampler'"),
    ('default_hooks = dict(checkpiont=dict(interval=2))\n',
     "default_hooks.checkpiont has no 'type', so it is no default_hooks entry of its own (did you mean 'checkpoint'?)"),
    ('custom_hooks = [dict(interval=2)]\n', "custom_hooks.0 has no 'type'"),
    ('param_scheduler = [dict(milestones=[2])]\n', "param_scheduler.0 has no 'type'"),
    ('default_hooks = dict(logger=dict(intervall=5))\n',
     "default_hooks.logger: type='LoggerHook' ('hook' registry) takes no argument 'intervall' (did you mean 'interval'?)"),
    ('optim_wrapper = dict(optimizer=dict(momentun=0.9))\n',
     "optim_wrapper.optimizer: type='SGD' ('optimizer' registry) takes no argument 'momentun' (did you mean 'momentum'?)"),
    ("param_scheduler = [dict(type='MultiStepLR', milestone=[2], by_epoch=True)]\n",
     "param_scheduler.0: type='MultiStepLR' ('param_scheduler' registry) takes no argument 'milestone' (did you mean 'milestones'?)"),
    ("custom_hooks = [dict(type='DetVisualizationHook', score_thresh=0.5, priority='LOW')]\n",
     "custom_hooks.0: type='DetVisualizationHook' ('hook' registry) takes no argument 'score_thresh' (did you mean 'score_thr'?)"),
    ("train_dataloader = dict(dataset=dict(split='train', image_sise=28))\n",
     "train_dataloader.dataset: type='Digits' ('dataset' registry) takes no argument 'image_sise' (did you mean 'image_size'?)"),
    ("val_evaluator = dict(topk=(1,), averge='macro')\n", "val_evaluator: type='Accuracy' ('evaluator' registry) takes no argument 'averge'"),
])
def test_a_wrong_key_type_or_range_in_a_section_names_the_file_and_what_it_takes(tmp_path, body, message):
    path = child(tmp_path, body)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f'{path}: ') and message in str(error.value)


@pytest.mark.parametrize('body, message', [
    ("amp = 'bf61'\n", "amp='bf61'; amp takes None or one of False, True, 'bf16', 'fp16' (did you mean 'bf16'?)"),
    ('amp = 1\n', "amp=1 is an int; amp takes None or one of False, True, 'bf16', 'fp16'"),
    ("launcher = 'pytroch'\n", "launcher='pytroch'; launcher takes one of 'none', 'pytorch' (did you mean 'pytorch'?)"),
    ("work_dir_exists = 'overwirte'\n", "work_dir_exists='overwirte'; work_dir_exists takes None or one of "
                                        "'error', 'timestamp', 'overwrite' (did you mean 'overwrite'?)"),
    ('work_dir = 3\n', 'work_dir=3 is an int; work_dir takes None or a string or a path'),
    ("load_from = ['a.pth']\n", "load_from=['a.pth'] is a list; load_from takes None or a string or a path"),
    ('resume = 1\n', 'resume=1 is an int; resume takes None or True or False or a string or a path'),
])
def test_a_wrong_top_level_scalar_names_the_file_and_what_it_takes(tmp_path, body, message):
    # These were checked only when the Runner was built, in a message without the file.
    path = child(tmp_path, body)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == f'{path}: {message}'


def test_a_wrong_top_level_scalar_from_cfg_options_names_the_option():
    with pytest.raises(ConfigError, match=r"^--cfg-options amp='fp61' \(on configs/simple_cnn/simple_cnn_digits.py\): "
                                          r"amp='fp61'; .*\(did you mean 'fp16'\?\)$"):
        load_config(DIGITS, cfg_options={'amp': 'fp61'})


def test_the_accepted_top_level_scalars_load():
    for options in (dict(amp='bf16', launcher='pytorch', work_dir_exists='timestamp', resume=True),
                    dict(amp=None, work_dir='work_dirs/x', load_from='a.pth', resume='b.pth')):
        assert load_config(DIGITS, cfg_options=options).amp == options['amp']


def test_every_key_the_runner_reads_has_a_schema():
    from vlrkit.config import section_settings
    assert set(section_settings()) == set(runner.CONFIG_KEYS)


def test_a_config_without_a_model_names_the_file(tmp_path):
    path = write_config(tmp_path / 'no_model.py', 'train_cfg = dict(max_epochs=2)\n'
                                                  f"work_dir = '{tmp_path / 'work'}'\n")
    with pytest.raises(ConfigError, match=f"^{path}: no 'model'; the Runner needs it"):
        Runner(load_config(path))


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_the_tools_name_the_file_of_a_config_without_a_model(tool, tmp_path, capsys):
    from vlrkit.tools import test as test_tool, train as train_tool
    path = write_config(tmp_path / 'no_model.py', 'train_cfg = dict(max_epochs=2)\n')
    argv = [str(path), '--work-dir', str(tmp_path / 'work')]
    with pytest.raises(SystemExit) as exit_:
        train_tool.main(argv) if tool == 'train' else test_tool.main([*argv, str(tmp_path / 'no.pth')])
    assert exit_.value.code == 2
    assert f"vlrkit: error: ConfigError: {path}: no 'model'" in capsys.readouterr().err


def test_a_typo_in_a_component_argument_names_the_class_and_the_nearest_argument():
    with pytest.raises(ConfigError, match=r"type='CheckpointHook' \('hook' registry\) takes no argument "
                                          r"'max_keep_ckpt' \(did you mean 'max_keep_ckpts'\?\); its arguments are interval, "):
        HOOKS.build(dict(type='CheckpointHook', max_keep_ckpt=1))
    with pytest.raises(ConfigError, match="takes no argument 'nonlinearty' \\(did you mean 'nonlinearity'"):
        MODELS.build(dict(type='ImageClassifier', backbone=dict(type='SimpleCNN', nonlinearty='tanh'),
                          head=dict(type='LinearClsHead', in_channels=128, num_classes=10)))


def test_train_py_prints_a_hook_argument_typo_on_one_line_naming_the_file(tmp_path, capsys):
    from vlrkit.tools import train as train_tool
    path = child(tmp_path, 'default_hooks = dict(checkpoint=dict(max_keep_ckpt=1))\n')
    with pytest.raises(SystemExit) as exit_:
        train_tool.main([str(path), '--work-dir', str(tmp_path / 'work')])
    assert exit_.value.code == 2
    assert (f"vlrkit: error: ConfigError: {path}: default_hooks.checkpoint: type='CheckpointHook' "
            "('hook' registry) takes no argument 'max_keep_ckpt' (did you mean 'max_keep_ckpts'?)"
            ) in capsys.readouterr().err


def test_the_keys_a_reader_takes_out_of_a_component_dict_are_the_declared_extras():
    from vlrkit.config import section_settings
    sections = section_settings()
    assert keys_popped_from(runner, 'hook_cfg') == set(sections['custom_hooks'].items.extras)
    assert keys_popped_from(optim, 'cfg') == set(sections['param_scheduler'].items.extras)


# --- the schemas are the code's: each declared list is checked against what the code reads

def keys_read_from(module, variable):
    """Keys read as ``variable.get('k', ...)`` or ``variable['k']`` in ``module``'s source."""
    keys = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == 'get' \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == variable \
                and isinstance(node.args[0], ast.Constant):
            keys.add(node.args[0].value)
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and \
                node.value.id == variable and isinstance(node.slice, ast.Constant):
            keys.add(node.slice.value)
    return keys


def keys_popped_from(module, variable):
    """Keys taken out as ``variable.pop('k', ...)`` in ``module``'s source."""
    return {node.args[0].value for node in ast.walk(ast.parse(inspect.getsource(module)))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and
            node.func.attr == 'pop' and isinstance(node.func.value, ast.Name) and
            node.func.value.id == variable and isinstance(node.args[0], ast.Constant)}


def test_each_schema_names_exactly_the_keys_its_reader_reads():
    assert keys_read_from(loops, 'train_cfg') == set(loops.TRAIN_CFG_KEYS)
    assert keys_read_from(runner, 'env_cfg') == set(runner.ENV_CFG_KEYS)
    assert keys_read_from(runner, 'optim_cfg') | keys_read_from(optim, 'optim_wrapper_cfg') == \
        set(optim.OPTIM_WRAPPER_KEYS)
    step_args = set(inspect.signature(OptimStep).parameters) - {'optimizer', 'fp16'}
    assert step_args == set(optim.OPTIM_WRAPPER_KEYS) - {'optimizer'}


# --- YAML and JSON configs are data

def test_a_yaml_config_cannot_run_code_and_the_error_names_the_file(tmp_path):
    marker = tmp_path / 'ran'
    path = tmp_path / 'evil.yaml'
    path.write_text(f'work_dir: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(ConfigError, match=rf"^{path}, line 1: .*python/object/apply:os.system.* refused"):
        load_config(path)
    assert not marker.exists()
    # Nor through a .py config that inherits the YAML file.
    parent = write_config(tmp_path / 'parent.py', f"_base_ = ['{path}']\n")
    with pytest.raises(ConfigError, match='refused'):
        load_config(parent)
    assert not marker.exists()


def test_plain_yaml_and_json_configs_load_and_are_checked(tmp_path):
    (tmp_path / 'ok.yaml').write_text(f"_base_: ['{REPO}/configs/simple_cnn/simple_cnn_digits.py']\n"
                                      "train_cfg: {max_epochs: 2}\n")
    assert load_config(tmp_path / 'ok.yaml').train_cfg == dict(by_epoch=True, max_epochs=2, val_interval=1)
    (tmp_path / 'typo.json').write_text(json.dumps({'train_cfg': {'max_epoch': 2}}))
    with pytest.raises(ConfigError, match="typo.json: train_cfg has no setting 'max_epoch'"):
        load_config(tmp_path / 'typo.json')


def test_train_py_refuses_a_yaml_config_that_would_run_a_command(tmp_path):
    marker = tmp_path / 'ran'
    path = tmp_path / 'evil.yaml'
    path.write_text(f'model: !!python/object/apply:os.system ["touch {marker}"]\n')
    result = run_tool('tools/train.py', path, '--work-dir', tmp_path / 'work')
    errors = [line for line in result.stderr.splitlines() if line.startswith('vlrkit: error:')]
    assert result.returncode == 2 and 'Traceback' not in result.stderr, result.stderr[-2000:]
    assert len(errors) == 1 and str(path) in errors[0] and 'refused' in errors[0]
    assert not marker.exists()
