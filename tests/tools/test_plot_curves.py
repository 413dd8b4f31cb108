"""tools/plot_curves.py over the log.jsonl of two real toy runs (tests/helpers/toys.py): the PNG,
the CSV's rows, the markdown table, and the errors for a run without a log and an unknown key."""
import contextlib
import csv
import io
import json

import numpy as np
import pytest
from PIL import Image

from helpers.toys import toy_config
from vlrkit.engine.runner import Runner
from vlrkit.tools.plot_curves import main, series


@pytest.fixture(scope='module')
def two_runs(tmp_path_factory):
    """Two 2-epoch toy runs that differ in their learning rate, with val loss and train metrics."""
    runs = []
    for name, lr in (('lr_0.1', 0.1), ('lr_0.5', 0.5)):
        folder = tmp_path_factory.mktemp(name)
        cfg = toy_config(folder, **{'env_cfg.device': 'cpu', 'optim_wrapper.optimizer.lr': lr,
                                    'work_dir': str(folder / name), 'val_cfg': dict(compute_loss=True),
                                    'train_cfg.train_eval_interval': 1})
        with contextlib.redirect_stdout(io.StringIO()):
            Runner.from_cfg(cfg).train()
        runs.append(folder / name)
    return runs


def records(run):
    return [json.loads(line) for line in (run / 'log.jsonl').read_text().splitlines()]


def test_two_runs_in_one_png_and_csv(two_runs, tmp_path, capsys):
    out, table = tmp_path / 'fig.png', tmp_path / 'curves.csv'
    main([*map(str, two_runs), '--keys', 'loss', 'multilabel/mAP', '--out', str(out), '--csv', str(table)])
    assert f'curves: {out}' in capsys.readouterr().out
    image = np.asarray(Image.open(out).convert('L'))
    assert image.shape[1] > 2 * image.shape[0] > 400          # two panels side by side
    assert image.std() > 10 and (image < 128).mean() > 0.01   # lines and text, not a blank page
    with open(table) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ['run', 'key', 'iter', 'value']
    for run in two_runs:
        logged = records(run)
        expected = sorted(
            [('train/loss', r['iter'], r['loss']) for r in logged if r['mode'] == 'train' and 'loss' in r]
            + [('val/loss', r['iter'], r['loss']) for r in logged if r['mode'] == 'val']
            + [(f"{r['mode']}/multilabel/mAP", r['iter'], r['multilabel/mAP']) for r in logged
               if 'multilabel/mAP' in r])
        got = sorted((r['key'], int(r['iter']), float(r['value'])) for r in rows if r['run'] == run.name)
        assert got == [(k, i, pytest.approx(v)) for k, i, v in expected]
    keys = {r['key'] for r in rows}
    assert keys == {'train/loss', 'val/loss', 'train/multilabel/mAP', 'val/multilabel/mAP'}


def test_x_epoch_and_labels_give_one_point_per_epoch_the_epochs_mean(two_runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    table = tmp_path / 'epochs.csv'
    main([*map(str, two_runs), '--keys', 'train/loss', 'train/epoch_time', '--x', 'epoch',
          '--labels', 'slow', 'fast', '--csv', str(table)])
    assert not (tmp_path / 'curves.png').exists()      # only a CSV was asked for
    with open(table) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ['run', 'key', 'epoch', 'value']
    assert {r['run'] for r in rows} == {'slow', 'fast'}
    slow = {(r['key'], int(r['epoch'])): float(r['value']) for r in rows if r['run'] == 'slow'}
    losses = [r for r in records(two_runs[0]) if r['mode'] == 'train' and 'loss' in r]
    assert sorted(slow) == [('train/epoch_time', 1), ('train/epoch_time', 2),
                            ('train/loss', 1), ('train/loss', 2)]
    first = [r['loss'] for r in losses if r['epoch'] == 1]
    assert len(first) == 3 and slow[('train/loss', 1)] == pytest.approx(sum(first) / 3)


def test_table_has_each_runs_final_and_best_values(two_runs, capsys):
    main([*map(str, two_runs), '--keys', 'val/multilabel/mAP', 'val/loss', '--table', '--x', 'epoch'])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == ('| run | val/multilabel/mAP final | val/multilabel/mAP best | '
                        'val/loss final | val/loss best |')
    assert len(lines) == 4
    val = [r for r in records(two_runs[1]) if r['mode'] == 'val']
    best_map = max(val, key=lambda r: r['multilabel/mAP'])
    best_loss = min(val, key=lambda r: r['loss'])     # a loss: lower is better
    assert lines[3] == (f"| lr_0.5 | {val[-1]['multilabel/mAP']:.4f} | "
                        f"{best_map['multilabel/mAP']:.4f} (ep {best_map['epoch']}) | "
                        f"{val[-1]['loss']:.4f} | {best_loss['loss']:.4f} (ep {best_loss['epoch']}) |")


def test_a_resumed_runs_repeated_steps_keep_their_last_value():
    logged = [dict(mode='train', epoch=1, iter=1, loss=3.0), dict(mode='train', epoch=1, iter=2, loss=2.0),
              dict(mode='train', epoch=1, iter=2, loss=1.5), dict(mode='val', epoch=1, iter=2, loss=9.0)]
    assert series(logged, 'train', 'loss') == [(1, 3.0), (2, 1.5)]
    assert series(logged, 'train', 'loss', x='epoch') == [(1, 2.25)]


def errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def test_a_run_without_log_jsonl_is_named(two_runs, tmp_path, capsys):
    err = errors([str(two_runs[0]), str(tmp_path)], capsys)
    assert f'{tmp_path}: no log.jsonl there' in err and 'Traceback' not in err


def test_a_key_no_run_has_lists_the_keys_there_are(two_runs, capsys):
    err = errors([*map(str, two_runs), '--keys', 'val/accuracy/top1'], capsys)
    assert "no run logged 'val/accuracy/top1'" in err
    for key in ('train/loss', 'train/lr', 'train/epoch_time', 'val/loss', 'val/multilabel/mAP',
                'train/multilabel/mAP'):
        assert key in err
    assert 'per-class keys, e.g. ' in err and 'val/multilabel/AP/red, ' not in err


def test_labels_must_match_the_runs(two_runs, capsys):
    err = errors([*map(str, two_runs), '--labels', 'only_one'], capsys)
    assert '--labels names 1 runs, but 2 RUN_DIRs' in err
