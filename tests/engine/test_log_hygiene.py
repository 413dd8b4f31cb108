"""What a run logs: the start-up banner, the closing line, headline-only evaluation lines on the
console, and the iteration timings in TensorBoard. Runs the toy config of tests/helpers/toys.py."""
import contextlib
import io
import json
import re
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from helpers.toys import toy_config
from vlrkit import __version__
from vlrkit.engine.banner import format_duration
from vlrkit.engine.hooks.checkpoint_hook import CheckpointHook
from vlrkit.engine.runner import Runner


def run_toy(folder, test=False, **options):
    """Train the toy (and test it); returns the runner and what the console showed."""
    runner = Runner.from_cfg(toy_config(folder, **{'env_cfg.device': 'cpu', 'env_cfg.seed': 7,
                                                   **options}))
    runner.model.backbone.conv1.requires_grad_(False)   # trainable and total counts differ
    console = io.StringIO()
    with contextlib.redirect_stdout(console):
        runner.train()
        if test:
            runner.test()
    return runner, console.getvalue()


@pytest.fixture(scope='module')
def epoch_run(tmp_path_factory):
    return run_toy(tmp_path_factory.mktemp('epoch_run'), test=True)


@pytest.fixture(scope='module')
def iter_run(tmp_path_factory):
    return run_toy(tmp_path_factory.mktemp('iter_run'),
                   train_cfg=dict(by_epoch=False, max_iters=4, val_interval=2))


def lines_with(text, marker):
    return [line for line in text.splitlines() if marker in line]


def test_banner_fields_are_in_run_log_once(epoch_run):
    runner, _ = epoch_run
    log = (runner.work_dir / 'run.log').read_text()
    params = list(runner.model.parameters())
    trainable = sum(p.numel() for p in params if p.requires_grad)
    total = sum(p.numel() for p in params)
    assert trainable < total
    environment = lines_with(log, f'vlrkit {__version__}, torch {torch.__version__}')
    assert len(environment) == 2      # the training banner and the test run's
    training = environment[0]
    for field in ('device cpu (', 'AMP off', 'world size 1', 'seed 7'):
        assert field in training, (field, training)
    assert f'work_dir: {runner.work_dir}' in log
    assert 'data: train 12 / val 9 samples, 3 classes' in log
    assert f'model: ToyClassifier, {trainable:,} trainable / {total:,} parameters' in log
    # the test run's short banner names the test data only, and no seed
    assert 'seed' not in environment[1]
    assert 'data: test 9 samples, 3 classes' in log


def test_closing_line_names_the_best_checkpoint(epoch_run):
    runner, console = epoch_run
    hook = next(h for h in runner.hooks if isinstance(h, CheckpointHook))
    [closing] = lines_with(console, 'Done in ')
    match = re.search(r'Done in \d+s: best multilabel/mAP (\S+) at epoch (\d+) -> (\S+)$', closing)
    assert match, closing
    score, epoch, path = float(match[1]), int(match[2]), Path(match[3])
    assert path.is_file() and path.name == f'best_multilabel_mAP_epoch_{epoch}.pth'
    assert path.parent == runner.work_dir and 1 <= epoch <= 2
    assert score == pytest.approx(hook.best_score, abs=1e-4)
    assert closing in (runner.work_dir / 'run.log').read_text()


def test_closing_line_without_save_best_names_the_last_checkpoint(tmp_path):
    runner, console = run_toy(tmp_path, **{'default_hooks.checkpoint.save_best': None})
    [closing] = lines_with(console, 'Done in ')
    assert closing.endswith(f'last checkpoint -> {runner.work_dir / "epoch_2.pth"}')
    assert (runner.work_dir / 'epoch_2.pth').is_file()


def test_resumed_best_checkpoint_keeps_what_the_closing_line_names(epoch_run):
    runner, _ = epoch_run
    trained = next(h for h in runner.hooks if isinstance(h, CheckpointHook))
    resumed = CheckpointHook(save_best='auto')
    resumed.load_state_dict(trained.state_dict())
    assert (resumed.best_key, resumed.best_step) == ('multilabel/mAP', trained.best_step)
    assert resumed.best_step in (1, 2)


def test_console_val_line_shows_headline_metrics_and_log_jsonl_every_value(epoch_run):
    runner, console = epoch_run
    val_lines = lines_with(console, 'Epoch(val)')
    assert [line.split('Epoch(val) ')[1].split()[0] for line in val_lines] == ['[1]', '[2]']
    for line in val_lines:
        assert 'multilabel/mAP: ' in line and 'multilabel/AP/' not in line, line
    records = [json.loads(line) for line in (runner.work_dir / 'log.jsonl').read_text().splitlines()]
    val_records = [r for r in records if r['mode'] == 'val']
    assert len(val_records) == 2
    assert {'multilabel/AP/red', 'multilabel/AP/green', 'multilabel/AP/blue'} <= set(val_records[0])


def test_test_run_line_says_test(epoch_run):
    runner, console = epoch_run
    [test_line] = lines_with(console, 'Test  ')
    assert 'multilabel/mAP: ' in test_line and 'multilabel/AP/' not in test_line
    assert 'Epoch(test)' not in console


def test_iteration_based_run_says_iter_val(iter_run):
    runner, console = iter_run
    val_lines = lines_with(console, '(val)')
    assert [line.split('Iter(val) ')[1].split()[0] for line in val_lines] == ['[2]', '[4]']
    assert 'Epoch(val)' not in console
    [closing] = lines_with(console, 'Done in ')
    assert re.search(r'best multilabel/mAP \S+ at iter [24] -> \S+best_multilabel_mAP_iter_[24]\.pth$',
                     closing), closing


def test_tensorboard_has_time_and_data_time(epoch_run):
    runner, _ = epoch_run
    events = EventAccumulator(str(runner.work_dir / 'tensorboard'))
    events.Reload()
    tags = events.Tags()['scalars']
    assert {'train/time', 'train/data_time', 'val/multilabel/AP/red'} <= set(tags)
    times = events.Scalars('train/time')
    data_times = events.Scalars('train/data_time')
    assert [e.step for e in times] == [e.step for e in data_times] == list(range(1, 7))
    assert all(t.value >= d.value >= 0 for t, d in zip(times, data_times))
    assert all(t.value > 0 for t in times)


def test_format_duration():
    assert [format_duration(s) for s in (4.6, 192, 7500)] == ['5s', '3m12s', '2h05m']


def test_test_run_metrics_reach_tensorboard(epoch_run):
    """A test run's metrics are TensorBoard scalars too, on disk when Runner.test() returns."""
    runner, _ = epoch_run
    events = EventAccumulator(str(runner.work_dir / 'tensorboard'))
    events.Reload()
    assert {'test/multilabel/mAP', 'test/multilabel/AP/red'} <= set(events.Tags()['scalars'])
