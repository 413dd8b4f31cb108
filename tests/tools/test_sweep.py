"""tools/sweep.py: a grid of real digits trainings, skipped when finished, resumed when interrupted,
and the table that says what each variant reached."""
import csv
import json
import re
import shutil
import socket

import pytest

from helpers import hold_lock, run_tool, write_config
from vlrkit.config import load_config
from vlrkit.engine.hooks.checkpoint_hook import CheckpointHook
from vlrkit.models.summary import count_parameters
from vlrkit.registry import MODELS
from vlrkit.run_log import read_log
from vlrkit.engine.work_dir import LOCK_NAME
from vlrkit.tools.sweep import DONE_MARKER, main
from vlrkit.tools.sweep_grid import expand, parse_grid

# The digits recipe, made small: 89 training and 90 validation images of 16 px, 2 epochs.
TINY = '''
_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']
train_dataloader = dict(batch_size=32, dataset=dict(image_size=16, test_size=0.95))
val_dataloader = dict(dataset=dict(image_size=16, test_size=0.05))
test_dataloader = val_dataloader
model = dict(backbone=dict(input_size=16, feat_dim=FEAT), head=dict(in_channels=FEAT))
train_cfg = dict(max_epochs=2)
param_scheduler = []
default_hooks = dict(logger=dict(interval=1), tensorboard=None)
'''
GRID = ['--grid', 'optim_wrapper.optimizer.lr=0.01,0.1', 'model.backbone.nonlinearity=relu,tanh']
NAMES = ['lr0.01_nonlinearity-relu', 'lr0.01_nonlinearity-tanh', 'lr0.1_nonlinearity-relu',
         'lr0.1_nonlinearity-tanh']


def tiny_config(path, feat_dim=32):
    return write_config(path, TINY.replace('FEAT', str(feat_dim)))


def read_table(sweep_dir):
    with open(sweep_dir / 'results.csv') as f:
        return list(csv.DictReader(f))


def files_and_mtimes(folder):
    return {p: p.stat().st_mtime_ns for p in folder.rglob('*') if p.is_file()}


def interrupt_during_second_epoch(monkeypatch):
    """A Ctrl-C in the middle of epoch 2 of the first variant that gets there (epoch_1.pth is
    written), as a KeyboardInterrupt raised from a training iteration."""
    original = CheckpointHook.after_train_iter

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        original(self, runner, batch_idx, batch, outputs)
        if runner.progress.epoch == 1:
            monkeypatch.setattr(CheckpointHook, 'after_train_iter', original)
            raise KeyboardInterrupt
    monkeypatch.setattr(CheckpointHook, 'after_train_iter', after_train_iter)


def test_grid_sweep_resumes_an_interrupted_variant_and_skips_finished_ones(tmp_path, monkeypatch, capsys):
    config, sweep_dir = tiny_config(tmp_path / 'tiny.py'), tmp_path / 'sweep'
    command = [str(config), *GRID, '--work-dir', str(sweep_dir)]
    interrupt_during_second_epoch(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        main(command)
    first = sweep_dir / NAMES[0]
    assert (first / 'epoch_1.pth').is_file() and not (first / DONE_MARKER).exists()
    assert not (sweep_dir / NAMES[1]).exists()
    checkpoint_time = (first / 'epoch_1.pth').stat().st_mtime_ns
    capsys.readouterr()

    main(command)     # the same command again: goes on where it stopped
    out = capsys.readouterr().out
    assert f'variant 1/4 {NAMES[0]}: training -> {first} (resuming)' in out
    assert 'variant 4/4' in out and 'sweep: 4 done, 0 failed' in out
    # The last checkpoint written, epoch_1.pth or the best one of the same epoch, is resumed.
    assert re.search(rf'resumed from {first}/\S*epoch_1.pth at epoch 1,', (first / 'run.log').read_text())
    assert (first / 'epoch_1.pth').stat().st_mtime_ns == checkpoint_time
    val_epochs = [r['epoch'] for r in read_log(first / 'log.jsonl') if r['mode'] == 'val']
    assert val_epochs == [1, 2]           # epoch 1 was not trained or validated again

    rows = read_table(sweep_dir)
    assert [r['variant'] for r in rows] == NAMES
    assert [(r['optim_wrapper.optimizer.lr'], r['model.backbone.nonlinearity']) for r in rows] == \
        [('0.01', 'relu'), ('0.01', 'tanh'), ('0.1', 'relu'), ('0.1', 'tanh')]
    for row in rows:
        work_dir = sweep_dir / row['variant']
        cfg = load_config(config, cfg_options={'optim_wrapper.optimizer.lr': float(row['optim_wrapper.optimizer.lr']),
                                               'model.backbone.nonlinearity': row['model.backbone.nonlinearity']})
        trainable, total = count_parameters(MODELS.build(cfg.model))
        assert row['status'] == 'done' and (int(row['trainable']), int(row['params'])) == (trainable, total)
        val = {r['epoch']: r['accuracy/top1'] for r in read_log(work_dir / 'log.jsonl') if r['mode'] == 'val'}
        best_epoch = max(val, key=lambda epoch: (val[epoch], -epoch))
        assert float(row['best val accuracy/top1']) == val[best_epoch]
        assert int(row['best epoch']) == best_epoch
        assert (work_dir / f'best_accuracy_top1_epoch_{best_epoch}.pth').is_file()
        test_metrics, = work_dir.glob('test_*/metrics.json')
        assert float(row['test accuracy/top1']) == json.loads(test_metrics.read_text())['accuracy/top1']
        assert float(row['s/epoch']) > 0 and row['log'] == ''
    markdown = (sweep_dir / 'results.md').read_text()
    assert '| lr0.1_nonlinearity-tanh | 0.1 | tanh | done |' in markdown

    before = files_and_mtimes(sweep_dir)
    main(command)     # everything finished: nothing trains
    out = capsys.readouterr().out
    assert out.count('skipped, finished earlier') == 4
    after = files_and_mtimes(sweep_dir)
    assert {p: t for p, t in after.items() if p.parent != sweep_dir} == \
        {p: t for p, t in before.items() if p.parent != sweep_dir}

    # Killed while testing: trained to the end, no done marker. It is tested again, not trained.
    last = sweep_dir / NAMES[3]
    (last / DONE_MARKER).unlink()
    shutil.rmtree(next(last.glob('test_*')))
    trained = [r for r in read_log(last / 'log.jsonl') if r['mode'] == 'train']
    main(command)
    assert [r for r in read_log(last / 'log.jsonl') if r['mode'] == 'train'] == trained
    assert read_table(sweep_dir) == rows and len(list(last.glob('test_*/metrics.json'))) == 1
    capsys.readouterr()

    with pytest.raises(SystemExit) as stop:   # other options would mix two sweeps in one table
        main([*command, '--cfg-options', 'train_cfg.max_epochs=3'])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f'{first} holds variant {NAMES[0]}' in err and 'pass another --work-dir' in err


def test_a_sweep_over_configs_counts_each_models_parameters(tmp_path, capsys):
    small, large = tiny_config(tmp_path / 'small.py', 16), tiny_config(tmp_path / 'large.py', 64)
    main([str(small), str(large), '--work-dir', str(tmp_path / 'sweep'), '--metric', 'accuracy/mean_class',
          '--cfg-options', 'train_cfg.max_epochs=1', 'train_cfg.train_eval_interval=1'])
    rows = read_table(tmp_path / 'sweep')
    # --metric picks the best checkpoint too, not only the column.
    assert (tmp_path / 'sweep' / 'small' / 'best_accuracy_mean_class_epoch_1.pth').is_file()
    val, = [r for r in read_log(tmp_path / 'sweep' / 'small' / 'log.jsonl') if r['mode'] == 'val']
    assert float(rows[0]['best val accuracy/mean_class']) == val['accuracy/mean_class']
    # The training-set metrics and the epoch time come from the epoch's "mode": "train" record.
    epoch, = [r for r in read_log(tmp_path / 'sweep' / 'small' / 'log.jsonl') if 'epoch_time' in r]
    assert epoch['mode'] == 'train'
    assert float(rows[0]['train accuracy/mean_class']) == epoch['accuracy/mean_class']
    assert float(rows[0]['s/epoch']) == epoch['epoch_time']
    assert [(r['variant'], r['config']) for r in rows] == [('small', str(small)), ('large', str(large))]
    for row, config in zip(rows, (small, large)):
        trainable, total = count_parameters(MODELS.build(load_config(config).model))
        assert (int(row['trainable']), int(row['params'])) == (trainable, total)
    assert int(rows[0]['params']) < int(rows[1]['params'])


def test_a_failing_variant_is_marked_and_the_others_go_on(tmp_path, capsys):
    sweep_dir = tmp_path / 'sweep'
    command = [str(tiny_config(tmp_path / 'tiny.py')), '--grid', 'model.backbone.nonlinearity=swish,relu',
               '--work-dir', str(sweep_dir), '--cfg-options', 'train_cfg.max_epochs=1']
    sweep_dir.mkdir()
    holder = hold_lock(sweep_dir)                # another sweep runs in the folder
    try:
        with pytest.raises(SystemExit) as stop:
            main(command)
    finally:
        holder.kill()                            # kill -9: the kernel frees its lock
        holder.wait()
    refusal = capsys.readouterr().err
    assert stop.value.code == 2 and f'PID {holder.pid} on host {socket.gethostname()}' in refusal
    assert sorted(p.name for p in sweep_dir.iterdir()) == [LOCK_NAME]   # nothing of it was touched
    with pytest.raises(SystemExit) as stop:      # the lock of a sweep that died is free
        main(command)
    assert stop.value.code == 1
    out, err = capsys.readouterr()
    assert "nonlinearity='swish'; choose one of" in out and 'log: ' in out
    assert '1 variant(s) failed: nonlinearity-swish' in err
    failed, done = read_table(sweep_dir)
    assert failed['status'] == 'failed' and failed['log'] == str(sweep_dir / 'nonlinearity-swish' / 'sweep.log')
    assert "nonlinearity='swish'" in (sweep_dir / 'nonlinearity-swish' / 'sweep.log').read_text()
    assert done['status'] == 'done' and float(done['best val accuracy/top1']) > 0


@pytest.mark.parametrize('args, message', [
    (['--grid', 'optim_wrapper.optimizer.lrr=0.1,0.2'], "no key 'lrr' in optim_wrapper.optimizer; did you mean 'lr'?"),
    (['--grid', 'optim_wrapper.optimizer.lr='], 'optim_wrapper.optimizer.lr=: the value list is empty'),
    (['--grid', 'model.backbone.nonlinearity=relu,,tanh'], 'nonlinearity=relu,,tanh'),
    ([], 'nothing to sweep'),
    (['--grid', 'optim_wrapper.optimizer.lr=0.1', '--cfg-options', 'default_hooks.checkpoint.save_best=None'],
     'pass --metric KEY'),
    (['--grid', 'optim_wrapper.optimizer.lr=0.1', '--parallel', '0'], '--parallel 0'),
])
def test_command_errors_name_the_key_or_value(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        main([str(tiny_config(tmp_path / 'tiny.py')), *args, '--work-dir', str(tmp_path / 'sweep')])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and message in err and err.startswith('vlrkit: error: ConfigError')
    assert not (tmp_path / 'sweep').exists()


def test_variant_names_are_short_deterministic_and_safe():
    grid = parse_grid(['optim_wrapper.optimizer.lr=0.01,0.1', 'train_dataloader.batch_size=8'])
    assert [v.name for v in expand(['c.py'], grid)] == ['lr0.01_bs8', 'lr0.1_bs8']
    odd = parse_grid(['model.backbone.stages=[1,2],(1,2)', 'load_from=/data/a b.pth'])
    names = [v.name for v in expand(['c.py'], odd)]
    assert names == [v.name for v in expand(['c.py'], odd)] and len(set(names)) == 2
    assert all(name.replace('_', '').replace('-', '').replace('.', '').isalnum() for name in names)
    # A list is one value; the values come back through --cfg-options unchanged.
    assert parse_grid(['k=[1,2]']) == {'k': [[1, 2]]}
    variant = expand(['c.py'], parse_grid(["k=relu,'1',None,[1,2]"]))
    from vlrkit.config import parse_cfg_options
    assert [parse_cfg_options(v.cfg_options())['k'] for v in variant] == ['relu', '1', None, [1, 2]]
    assert [v.name for v in expand(['a/x.py', 'b/x.py'], {})][0].startswith('x_')


@pytest.mark.slow
def test_parallel_variants_run_as_processes(tmp_path):
    result = run_tool('tools/sweep.py', tiny_config(tmp_path / 'tiny.py'), '--grid',
                      'optim_wrapper.optimizer.lr=0.01,0.1', '--parallel', '2',
                      '--work-dir', tmp_path / 'sweep', '--cfg-options', 'train_cfg.max_epochs=1')
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert '--parallel 2 on a CPU' in result.stderr
    assert [r['status'] for r in read_table(tmp_path / 'sweep')] == ['done', 'done']
    log = (tmp_path / 'sweep' / 'lr0.1' / 'sweep.log').read_text()
    assert log.startswith('$ ') and ' -m vlrkit.tools.train ' in log and ' -m vlrkit.tools.test ' in log
