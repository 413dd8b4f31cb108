"""``--cfg-options`` values: literals, dicts and lists of dicts, bare words and paths, one-line errors."""
import re
import shlex

import pytest

from helpers import REPO
from vlrkit.config import load_config, parse_cfg_options
from vlrkit.errors import ConfigError

TWO_EVALUATORS = ("test_evaluator=[dict(type='VOCDetectionMetric', export_dir='export'), "
                  "dict(type='COCODetectionMetric')]")


@pytest.mark.parametrize('option, value', [
    ('k=1', 1), ('k=-2', -2), ('k=1e-3', 1e-3), ('k=None', None), ('k=True', True), ('k=false', False),
    ('k=avg', 'avg'), ("k='a b'", 'a b'), ('k=1,2', [1, 2]), ('k=a,b', ['a', 'b']), ('k=[1,2]', [1, 2]),
    ('k=(1,2)', (1, 2)), ('k=[(1,2),(3,4)]', [(1, 2), (3, 4)]), ('k=[]', []),
    ('k=/data/weights/resnet18-f37072fd.pth', '/data/weights/resnet18-f37072fd.pth'),
    ('k=work_dirs/resnet18_voc/epoch_50.pth', 'work_dirs/resnet18_voc/epoch_50.pth'),
    ("k=[dict(type='Accuracy')]", [{'type': 'Accuracy'}]),
    ('k=dict(type=Accuracy, topk=(1,))', {'type': 'Accuracy', 'topk': (1,)}),
    ("k={'a': [1, None]}", {'a': [1, None]}),
])
def test_values_read_like_python_literals_with_bare_words(option, value):
    assert parse_cfg_options([option]) == {'k': value}


def test_dotted_keys_split_on_the_first_equals_sign():
    assert parse_cfg_options(['a.b.c=x=y', 'test_evaluator.2.rel_threshold=0.6']) == {
        'a.b.c': 'x=y', 'test_evaluator.2.rel_threshold': 0.6}


@pytest.mark.parametrize('option, message', [
    ('train_cfg.max_epochs', 'expected KEY=VALUE'),
    ('=3', 'expected KEY=VALUE'),
    ('k=[dict(type=os.system)]', "'os.system' is not a literal"),
    ("k=[__import__('os')]", 'is not a literal'),
    ('k=[1,', 'cannot read the value'),
])
def test_unreadable_options_are_config_errors_naming_the_option(option, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as error:
        parse_cfg_options([option])
    assert str(error.value).startswith(f'--cfg-options {option}:')


def test_a_list_of_evaluators_replaces_the_configs_evaluators():
    cfg = load_config('configs/fcos/fcos_r18_fpn_demo.py', parse_cfg_options([TWO_EVALUATORS]))
    assert [e.type for e in cfg.test_evaluator] == ['VOCDetectionMetric', 'COCODetectionMetric']
    assert cfg.test_evaluator[0].export_dir == 'export'
    cfg = load_config('configs/simple_cnn/simple_cnn_digits.py', parse_cfg_options([
        "test_evaluator=[dict(type='Accuracy')]", "custom_hooks=[dict(type='EMAHook')]"]))
    assert cfg.test_evaluator[0].type == 'Accuracy' and cfg.custom_hooks[0].type == 'EMAHook'


def documented_cfg_options():
    """Every ``--cfg-options`` argument in the docs' and configs' shell commands."""
    for path in [*REPO.glob('docs/*.md'), *REPO.glob('configs/**/*.py'), REPO / 'README.md']:
        text = re.sub(r'\\\n', ' ', path.read_text())
        for line in text.splitlines():
            line = line.lstrip('# ')
            if '--cfg-options' not in line or '`' in line:
                continue
            words = shlex.split(line, comments=True)
            if '--cfg-options' not in words:   # prose that names the option
                continue
            for word in words[words.index('--cfg-options') + 1:]:
                if word.startswith('--'):
                    break
                yield path.name, word


def test_every_documented_cfg_option_parses():
    documented = list(documented_cfg_options())
    assert ('fcos.md', TWO_EVALUATORS) in documented and len(documented) > 8
    for name, option in documented:
        assert '=' in option and parse_cfg_options([option]), (name, option)


@pytest.mark.parametrize('option, message', [
    ('param_scheduler.5.gamma', 'param_scheduler in configs/simple_cnn/simple_cnn_digits.py is a list of 1, '
                                'so index 5 is out of range; use an index from 0 to 0'),
    ('custom_hooks.0.type', 'custom_hooks in configs/simple_cnn/simple_cnn_digits.py is an empty list'),
])
def test_a_list_index_past_the_end_names_the_option_and_the_indices_there_are(option, message):
    # It was an IndexError traceback from check_override_keys.
    with pytest.raises(ConfigError, match=re.escape(f'--cfg-options {option}: {message}')):
        load_config('configs/simple_cnn/simple_cnn_digits.py', cfg_options={option: 0.5})
