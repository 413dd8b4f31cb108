"""Every shell command in README.md and docs/ runs as written, shortened only by --cfg-options.

The commands of one page run in page order in one fresh working directory (holding symlinks to
``configs`` and ``tools``), so a page's ``train`` writes the ``work_dirs/...`` checkpoint its
``test``, ``infer`` and ``analyze`` commands read. A command runs with exit status 0 or the test
fails with its output. What a tool that takes ``--cfg-options`` gets appended is the ``SHORTER``
entry of its config: tiny data (the generated demo data, the real VOC sample photos in
tests/data), no ImageNet file, a few iterations. A command that cannot run here is in ``SKIPPED``
with the reason; a command in neither fails ``test_every_doc_command_runs_or_is_skipped``.
"""
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from helpers import REPO
from helpers.doc_commands import run_tool_in_process, shell_commands

VOC_SAMPLES = REPO / 'tests' / 'data' / 'voc-samples' / 'VOCdevkit'
PAGES = [REPO / 'README.md', *sorted((REPO / 'docs').glob('*.md'))]
COMMANDS = {str(p.relative_to(REPO)): shell_commands(p.read_text(), str(p.relative_to(REPO)))
            for p in PAGES}

INSTALLS = 'installs packages into the environment; the tests run from this checkout'
VOC_DOWNLOAD = 'downloads the full VOC2007 (network); the VOC commands run on tests/data/voc-samples'
BENCHMARK = ('a benchmark: a fixed measurement of minutes that takes no --cfg-options; '
             'its numbers are the page')
DIST = ('torchrun with several processes (minutes here): tests/tools/test_dist_scripts.py runs the '
        'script with two one-process nodes, tests/engine/test_engine_resume_ddp.py trains under torchrun')
TWO_MACHINES = 'two machines at 10.0.0.1 with 8 GPUs each: ' + DIST
IMAGENET_FILE = 'needs the ImageNet weights file the wget above downloads (network)'
MINI_IMAGENET = 'needs mini-ImageNet on disk (not here); the same sweeps on digits run on docs/ablations.md'
C = 'configs/convnet/cs6910/'   # the CS6910 grid of docs/ablations.md
SKIPPED = {
    ('README.md', 'pip install -e .'): INSTALLS,
    ('README.md', 'pip install -e .[dev]'): INSTALLS,
    ('README.md', 'python -m pytest'): 'the whole test suite, this test among it',
    ('docs/get_started.md', 'pip install -e .[dev]'): INSTALLS,
    ('docs/get_started.md', 'tensorboard --logdir work_dirs/simple_cnn_digits/tensorboard'):
        'starts a web server that runs until stopped',
    ('docs/get_started.md', 'pip install .'): INSTALLS,
    ('docs/get_started.md', 'cd ~/experiments'):
        'the rest of its line runs in a fresh folder outside the clone (test_doc_page_commands_run)',
    ('docs/get_started.md', 'tools/dist_train.sh configs/simple_cnn/simple_cnn_digits.py 2'): DIST,
    ('docs/get_started.md', 'tools/dist_test.sh configs/simple_cnn/simple_cnn_digits.py '
                            'work_dirs/simple_cnn_digits/epoch_5.pth 2'): DIST,
    ('docs/get_started.md', 'NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 PORT=29500 tools/dist_train.sh '
                            'configs/fcos/fcos_r18_fpn_demo.py 8'): TWO_MACHINES,
    ('docs/get_started.md', 'NNODES=2 NODE_RANK=1 MASTER_ADDR=10.0.0.1 PORT=29500 tools/dist_train.sh '
                            'configs/fcos/fcos_r18_fpn_demo.py 8'): TWO_MACHINES,
    ('docs/get_started.md', 'pip install -e .[proposals]'): INSTALLS,
    ('docs/get_started.md', 'python -c import cv2; cv2.ximgproc.segmentation'):
        'checks the OpenCV contrib install; test_proposals_selective_search.py runs it for real',
    ('docs/proposals.md', 'pip install .[proposals]'): INSTALLS,
    ('docs/datasets.md', 'mkdir -p data'): VOC_DOWNLOAD,
    ('docs/datasets.md', 'cd data'): VOC_DOWNLOAD,
    ('docs/datasets.md', 'wget http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtrainval_06-Nov-2007.tar'):
        VOC_DOWNLOAD,
    ('docs/datasets.md', 'wget http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtest_06-Nov-2007.tar'):
        VOC_DOWNLOAD,
    ('docs/datasets.md', 'tar xf VOCtrainval_06-Nov-2007.tar'): VOC_DOWNLOAD,
    ('docs/datasets.md', 'tar xf VOCtest_06-Nov-2007.tar'): VOC_DOWNLOAD,
    ('docs/voc_classification.md', 'wget https://download.pytorch.org/models/resnet18-f37072fd.pth'):
        IMAGENET_FILE,
    ('docs/voc_classification.md', 'mkdir -p ~/.cache/torch/hub/checkpoints'): IMAGENET_FILE,
    ('docs/voc_classification.md', 'cp resnet18-f37072fd.pth ~/.cache/torch/hub/checkpoints/'):
        IMAGENET_FILE,
    ('docs/voc_classification.md', 'python tools/train.py configs/resnet/resnet18_imagenet_voc_2024_50e.py'):
        IMAGENET_FILE,
    ('docs/voc_classification.md', 'python tools/train.py configs/resnet/resnet18_imagenet_voc_2024_50e.py '
                                   '--cfg-options model.backbone.pretrained='
                                   '/data/weights/resnet18-f37072fd.pth'):
        'needs the ImageNet weights file at /data/weights (network)',
    ('docs/analysis.md', 'python tools/analyze.py configs/analysis/resnet18_voc_analysis.py '
                         'work_dirs/resnet18_imagenet_voc_2020_10e/epoch_10.pth --cfg-options '
                         'analysis.2.checkpoints.scratch=work_dirs/resnet18_voc/epoch_50.pth'):
        'needs an ImageNet-initialised and a scratch ResNet-18 VOC training, not on this page',
    ('docs/localizer.md', 'python tools/benchmark.py localizer_demo'): BENCHMARK,
    ('docs/wsddn.md', 'python tools/train.py configs/wsddn/wsddn_alexnet_voc.py'):
        'needs the full VOC2007 with its selective search .mat files and the ImageNet AlexNet file '
        '(network); tests/configs/test_wsddn_configs.py builds its datasets from written .mat files',
    ('docs/benchmarks.md', 'rm -rf work_dirs/simple_cnn_digits'):
        'prepares the timed run below (skipped); get_started.md runs this training',
    ('docs/benchmarks.md', '/usr/bin/time -f wall %e s python tools/train.py '
                           'configs/simple_cnn/simple_cnn_digits.py'):
        'the measurement itself: the full training, timed; get_started.md runs this training',
    ('docs/benchmarks.md', 'python tools/benchmark.py runner_overhead'): BENCHMARK,
    ('docs/benchmarks.md', 'OMP_NUM_THREADS=1 python tools/benchmark.py runner_overhead'): BENCHMARK,
    ('docs/benchmarks.md', 'python tools/benchmark.py voc_map_speed'): BENCHMARK,
    ('docs/benchmarks.md', 'python tools/benchmark.py proposal_recall'): BENCHMARK,
    ('docs/benchmarks.md', 'python tools/benchmark.py fcos_demo --minutes 10 --evals 4'): BENCHMARK,
    **{('docs/benchmarks.md', 'python tools/benchmark.py fcos_demo --config configs/fcos/fcos_r18_fpn_demo_hard.py '
                              f'--iters 1100 --evals 4 --seed {seed} '
                              f'--out work_dirs/benchmarks/fcos_demo_hard_seed{seed}.json'): BENCHMARK
       for seed in (0, 1)},
    ('docs/benchmarks.md', 'python tools/make_demo_data.py --out /tmp/demo_v2'):
        'the data of the benchmarks beside it (skipped); datasets.md runs this command',
    ('docs/benchmarks.md', 'python tools/benchmark.py localizer_demo --data-root /tmp/demo_v2/VOCdevkit '
                           '--work-dir /tmp/bench_loc --figure docs/images/localizer_before_after.png'):
        BENCHMARK,
    ('docs/benchmarks.md', 'python -m pytest -m slow tests/test_loc_demo.py'):
        'a slow test of this suite (minutes)',
    ('docs/benchmarks.md', 'python tools/test.py configs/localizer/localizer_alexnet_demo.py '
                           '/tmp/bench_loc/plain/epoch_24.pth --cfg-options test_evaluator.2.rel_threshold=T'):
        'a template (T: a threshold of the table) on the checkpoint of the localizer_demo benchmark',
    ('docs/benchmarks.md', 'python tools/test.py configs/localizer/localizer_alexnet_robust_demo.py '
                           'work_dirs/r_0.5/epoch_24.pth --cfg-options model.head.lse_r=0.5 '
                           'model.flip_test=False test_evaluator.2.background_quantile=0.5 '
                           'test_evaluator.2.rel_threshold=0.65'):
        'the checkpoint of the r=0.5 run of the sweep template below',
    ('docs/benchmarks.md', 'python tools/train.py configs/localizer/localizer_alexnet_robust_demo.py '
                           '--work-dir work_dirs/r_R --cfg-options model.head.lse_r=R'):
        'a template: R is each value of the sweep table',
    ('docs/benchmarks.md', 'python tools/test.py configs/localizer/localizer_alexnet_robust_demo.py '
                           'work_dirs/r_R/epoch_24.pth --cfg-options model.head.lse_r=R '
                           'test_evaluator.2.rel_threshold=T'):
        'a template: R and T are the values of the sweep table',
    ('docs/benchmarks.md', 'python tools/benchmark.py demo_classification --models simple_cnn convnet '
                           'resnet18 --data-root /tmp/demo_v2/VOCdevkit'): BENCHMARK,
    ('docs/benchmarks.md', 'python tools/benchmark.py demo_classification --models caffenet '
                           '--data-root /tmp/demo_v2/VOCdevkit'): BENCHMARK,
    **{('docs/ablations.md', f'python tools/sweep.py {args} --work-dir work_dirs/cs6910_grid'): MINI_IMAGENET
       for args in (f'{C}convs1.py {C}convs2.py {C}baseline.py {C}convs4.py {C}convs5.py',
                    f'{C}fcs2.py {C}baseline.py {C}fcs4.py {C}fcs5.py',
                    f'{C}filters_net1.py {C}filters_net2.py {C}filters_net3.py',
                    f'{C}baseline.py --grid model.backbone.kernel=3,5,7',
                    f'{C}baseline.py {C}pool_every2.py',
                    f'{C}strided.py --grid model.backbone.stride=2,3',
                    f'{C}baseline.py {C}final.py')},
    ('docs/benchmarks.md', 'python tools/benchmark.py wsddn_demo --models wsddn --work-dir /tmp/bench_wsddn'):
        BENCHMARK,
    ('docs/benchmarks.md', 'python tools/benchmark.py wsddn_demo --models oicr --work-dir /tmp/bench_wsddn'):
        BENCHMARK,
    ('docs/benchmarks.md', 'python tools/benchmark.py wsddn_throughput'): BENCHMARK,
    ('docs/benchmarks.md', 'python tools/benchmark.py wsddn_throughput --rounds 10'): BENCHMARK,
    ('docs/benchmarks.md', 'python tools/benchmark.py wsddn_throughput --threads 2'): BENCHMARK,
    ('docs/benchmarks.md', 'python tools/benchmark.py wsddn_throughput --profile'): BENCHMARK,
    ('docs/benchmarks.md', 'python tools/benchmark.py wsddn_demo --max-epochs 6'): BENCHMARK,
    ('docs/benchmarks.md', 'python -m pytest -m slow tests/e2e/test_wsddn_demo.py'):
        'a slow test of this suite (minutes)',
    ('docs/benchmarks.md', 'python tools/benchmark.py gpu_suite'): 'the GPU run (minutes on a GPU)',
    ('docs/benchmarks.md', 'python tools/benchmark.py gpu_suite --quick'):
        'runs in tests/tools/test_gpu_suite.py, in process',
}


def loaders(key, value):
    return [f'{split}_dataloader.{key}={value}' for split in ('train', 'val', 'test')]


# What each config gets appended: {demo} is a demo VOCdevkit of 8 + 4 images, {voc} the real VOC
# sample photos. Epoch-based schedules keep their epochs on tiny data, so the checkpoint names the
# docs give (epoch_5.pth) exist; iteration-based ones stop after 2.
DIGITS = ['train_dataloader.dataset.test_size=0.95', 'val_dataloader.dataset.test_size=0.05',
          'test_dataloader.dataset.test_size=0.05']
DEMO_DATA = [*loaders('dataset.data_root', '{demo}'), *loaders('num_workers', 0)]
VOC_DATA = [*loaders('dataset.data_root', '{voc}'), *loaders('num_workers', 0),
            'model.backbone.pretrained=None']
TWO_ITERS = ['train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
             'train_dataloader.batch_size=2']
FINAL_EVAL_ONLY = ['train_cfg.val_interval=24', 'default_hooks.checkpoint.interval=24']
ONE_EPOCH = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1', 'default_hooks.checkpoint.interval=1']
# The CS6910 grid (docs/ablations.md) on scikit-learn's digits instead of mini-ImageNet, as the
# page's own digits command does it: 18 training and 36 test images, one epoch.
CS6910_SMALL = [*loaders('num_workers', 0), 'train_dataloader.dataset.test_size=0.99',
                'val_dataloader.dataset.test_size=0.02', 'test_dataloader.dataset.test_size=0.02'] + ONE_EPOCH
# Digits data alone (the model keeps 3 input channels, as summary.py's --input-size 3 84 84 wants;
# the page's digits commands bring in_channels=1 themselves), and data plus model.
CS6910_DIGITS_DATA = [
    f'{split}_dataloader.dataset=dict(_delete_=True,type=Digits,split={part},image_size=84)'
    for split, part in (('train', 'train'), ('val', 'test'), ('test', 'test'))] + CS6910_SMALL
CS6910_ON_DIGITS = ['model.backbone.in_channels=1', 'model.head.num_classes=10', *CS6910_DIGITS_DATA]
SHORTER = {
    'configs/simple_cnn/simple_cnn_digits.py': DIGITS,
    'configs/analysis/simple_cnn_digits_analysis.py': DIGITS,
    'configs/fcos/fcos_r18_fpn_demo.py': DEMO_DATA + TWO_ITERS,
    'configs/fcos_voc.py': VOC_DATA + TWO_ITERS,
    'configs/localizer/localizer_alexnet_demo.py': DEMO_DATA + FINAL_EVAL_ONLY,
    'configs/localizer/localizer_alexnet_robust_demo.py': DEMO_DATA + FINAL_EVAL_ONLY,
    'configs/localizer/localizer_alexnet_voc.py': VOC_DATA + ONE_EPOCH,
    'configs/simple_cnn/simple_cnn_voc_demo.py': DEMO_DATA,
    'configs/resnet/resnet18_voc.py': VOC_DATA + ONE_EPOCH,
    'configs/convnet/cs6910/baseline.py': CS6910_DIGITS_DATA,  # summary.py's command has no digits override
    **{f'{C}{name}.py': CS6910_DIGITS_DATA                # their digits sweeps bring in_channels=1
       for name in ('convs1', 'fcs2', 'filters_net1', 'strided')},
    'configs/convnet/cs6910/convs2.py': CS6910_ON_DIGITS,
    'configs/convnet/cs6910/final.py': CS6910_ON_DIGITS,
    'configs/wsddn/wsddn_alexnet_demo.py': DEMO_DATA,
    'configs/wsddn/oicr_alexnet_demo.py': DEMO_DATA,
}

# Files a page's commands take as the user's own input.
JPEGS = VOC_SAMPLES / 'VOC2007' / 'JPEGImages'
USER_FILES = {'docs/inference.md': {'my_photos': JPEGS, 'street.jpg': JPEGS / '000001.jpg'}}

# Pages whose commands take more than ~10 s together (trainings, the full demo data).
# Measured on a quiet 2-core machine: localizer 73 s, voc_classification 14 s, datasets 13 s (the
# full demo data), README and fcos 8 s each (their FCOS demo training is get_started's too).
SLOW_PAGES = {'README.md', 'docs/fcos.md', 'docs/localizer.md', 'docs/voc_classification.md',
              'docs/datasets.md', 'docs/sweeps.md',   # sweeps: 4 digits trainings, 21 s (120 s loaded)
              'docs/ablations.md', 'docs/wsddn.md'}   # ablations: 3 trainings, 7 digits sweeps; 45 s (136 s loaded)


def tool_source(tool):
    """The code of a tool: a tools/*.py shim's package module (vlrkit/tools/*.py) where it is one."""
    text = (REPO / tool).read_text()
    shim = re.search(r'^from (vlrkit\.tools\.\w+) import main', text, flags=re.M)
    return (REPO / (shim.group(1).replace('.', '/') + '.py')).read_text() if shim else text


def takes_cfg_options(tool):
    return 'add_config_arguments' in tool_source(tool)


def config_file(name):
    """The shipped file a command's config names: ``vlrkit::NAME`` is ``configs/NAME``."""
    return 'configs/' + name[len('vlrkit::'):] if name.startswith('vlrkit::') else name


def shortening(command, roots):
    if not takes_cfg_options(command.tool):
        return []
    config = config_file(command.tool_args[0])
    assert config in SHORTER, (f'{command.page}:{command.line} runs {config}: say in SHORTER how '
                               f'the docs tests shorten it')
    return ['--cfg-options', *(option.format(**roots) for option in SHORTER[config])]


@pytest.fixture(scope='module')
def tiny_demo_root(tmp_path_factory):
    from vlrkit.datasets.demo_data import make_demo_voc
    return make_demo_voc(tmp_path_factory.mktemp('docs_demo') / 'VOCdevkit', num_trainval=8,
                         num_test=4, image_size=128, seed=0)


def page_param(page):
    marks = [pytest.mark.slow] if page in SLOW_PAGES else []
    return pytest.param(page, marks=marks, id=page)


@pytest.mark.parametrize('page', [page_param(p) for p, commands in COMMANDS.items()
                                  if any(c.tool and (p, c.text) not in SKIPPED for c in commands)])
def test_doc_page_commands_run(page, tmp_path, monkeypatch, capsys, tiny_demo_root):
    for name in ('configs', 'tools'):
        (tmp_path / name).symlink_to(REPO / name)
    for name, source in USER_FILES.get(page, {}).items():
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    roots = dict(demo=tiny_demo_root, voc=VOC_SAMPLES)
    moved = {}    # line -> the folder a `cd DIR && ...` chain moved to
    for command in COMMANDS[page]:
        if command.words[0] == 'cd':
            moved[command.line] = tmp_path / 'cd' / Path(command.words[1]).name
            moved[command.line].mkdir(parents=True, exist_ok=True)
        if command.tool is None or (page, command.text) in SKIPPED:
            continue    # test_every_doc_command_runs_or_is_skipped holds these to SKIPPED
        cwd = moved.get(command.line, tmp_path)
        args = command.expanded_args(cwd) + shortening(command, roots)
        # a console script (vlrkit-train) is installed, not a file of the working folder
        tool = str(REPO / command.tool) if command.words[0].startswith('vlrkit-') else command.tool
        status = run_tool_in_process(tool, args, command.env, cwd, monkeypatch)
        output = capsys.readouterr()
        assert status == 0, (f'{page}:{command.line} `{command.text}` exited with {status}:\n'
                             f'{output.out[-3000:]}\n{output.err[-3000:]}')


def doc_cfg_options(args):
    """The values the command itself gives ``--cfg-options`` (up to the next ``--flag``)."""
    options, taking = [], False
    for arg in args:
        if arg.startswith('--'):
            taking = arg == '--cfg-options'
        elif taking:
            options.append(arg)
    return options


RUN_WITH_CFG_OPTIONS = [pytest.param(c, id=f'{page}:{c.line}') for page, commands in COMMANDS.items()
                        for c in commands if c.tool and (page, c.text) not in SKIPPED
                        and takes_cfg_options(c.tool)]


@pytest.mark.parametrize('command', RUN_WITH_CFG_OPTIONS)
def test_doc_command_config_loads(command):
    """Fast, in the default suite for the slow pages too: each run command's config loads with the
    command's own --cfg-options and the SHORTER ones."""
    from vlrkit.config import load_config, parse_cfg_options
    roots = dict(demo='data/demo/VOCdevkit', voc=VOC_SAMPLES)
    options = doc_cfg_options(command.tool_args) + shortening(command, roots)[1:]
    cfg = load_config(REPO / config_file(command.tool_args[0]), cfg_options=parse_cfg_options(options))
    assert cfg.get('model'), f'{command.tool_args[0]} has no model'


def test_every_doc_command_runs_or_is_skipped():
    """A command added to the docs is either a tool command the page test runs or in SKIPPED."""
    documented = {(page, c.text) for page, commands in COMMANDS.items() for c in commands}
    for page, commands in COMMANDS.items():
        for command in commands:
            assert command.tool or (page, command.text) in SKIPPED, (
                f'{page}:{command.line} `{command.text}` is not a tools/*.py command: run it '
                f'through a tool, or add it to SKIPPED in {__file__} with the reason')
            if command.tool and (page, command.text) not in SKIPPED and takes_cfg_options(command.tool):
                assert config_file(command.tool_args[0]) in SHORTER, \
                    f'{page}:{command.line}: add its config to SHORTER'
    stale = [key for key in SKIPPED if key not in documented]
    assert not stale, f'SKIPPED names commands no page has (any more): {stale}'


def test_shell_lines_split_as_a_shell_splits_them():
    page = '\n'.join([
        'Some text.', '```bash',
        'OMP_NUM_THREADS=1 PYTHONPATH=. python tools/train.py a.py \\',
        '    --cfg-options "k=[dict(type=\'X\', a=(1, 2))]"   # a comment',
        'pip install -e . && python tools/test.py a.py w.pth ; vlrkit-infer a.py b.pth',
        '```', '```python', 'print("not a shell line")', '```', ''])
    commands = shell_commands(page, 'page.md')
    assert [c.line for c in commands] == [3, 5, 5, 5]
    train, pip, test, infer = commands
    assert train.env == {'OMP_NUM_THREADS': '1', 'PYTHONPATH': '.'}
    assert train.tool == 'tools/train.py'
    assert train.tool_args == ['a.py', '--cfg-options', "k=[dict(type='X', a=(1, 2))]"]
    assert pip.tool is None and pip.text == 'pip install -e .'
    assert test.tool == 'tools/test.py' and test.tool_args == ['a.py', 'w.pth']
    assert infer.tool == 'tools/infer.py' and infer.tool_args == ['a.py', 'b.pth']


def test_unquoted_file_patterns_expand_as_in_bash(tmp_path):
    (tmp_path / 'w').mkdir()
    (tmp_path / 'w' / 'best_3.pth').touch()
    command, = shell_commands('```bash\npython tools/test.py a.py w/best_*.pth "w/*.pth" w/no_*.pth\n```\n')
    assert command.expanded_args(tmp_path) == ['a.py', 'w/best_3.pth', 'w/*.pth', 'w/no_*.pth']


def test_shell_syntax_the_tests_cannot_run_is_refused():
    with pytest.raises(ValueError, match=r"'\|'"):
        shell_commands('```bash\npython tools/train.py a.py | tee train.log\n```\n', 'page.md')


def test_a_tool_runs_in_process_with_the_command_environment(tmp_path, monkeypatch, capsys):
    (tmp_path / 'tools').mkdir()
    (tmp_path / 'doc_probe_module.py').write_text('VALUE = 7\n')
    (tmp_path / 'tools' / 'probe.py').write_text(
        'import os, sys\nimport doc_probe_module\n'
        'print(os.environ["GREETING"], doc_probe_module.VALUE, sys.argv[1:], os.getcwd())\n'
        'sys.exit(3)\n')
    command, = shell_commands('```bash\nGREETING=hi PYTHONPATH=. python tools/probe.py a "b c"\n```\n')
    path_before = list(sys.path)
    status = run_tool_in_process(command.tool, command.expanded_args(tmp_path), command.env,
                                 tmp_path, monkeypatch)
    assert status == 3
    assert capsys.readouterr().out == f"hi 7 ['a', 'b c'] {tmp_path}\n"
    assert 'GREETING' not in os.environ and sys.path == path_before
