"""A re-run into a work_dir that holds checkpoints, and ``--resume`` with nothing to resume."""
import pytest

from helpers import run_tool, write_config
from vlrkit.config import load_config
from vlrkit.engine.checkpoint import WorkDirInUseError
from vlrkit.engine.runner import Runner
from vlrkit.errors import ConfigError

TINY = '''
_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']
train_dataloader = dict(batch_size=64, dataset=dict(image_size=16))
val_dataloader = dict(dataset=dict(image_size=16))
test_dataloader = dict(dataset=dict(image_size=16))
model = dict(backbone=dict(input_size=16))
train_cfg = dict(_delete_=True, by_epoch=False, max_iters=2, val_interval=0)
param_scheduler = []
default_hooks = dict(checkpoint=dict(interval=2, save_best=None), logger=dict(interval=1))
'''


def earlier_run(work_dir):
    work_dir.mkdir()
    (work_dir / 'epoch_1.pth').write_bytes(b'precious')
    (work_dir / 'last_checkpoint').write_text('epoch_1.pth')


def tiny_runner(tmp_path, work_dir, **options):
    config = write_config(tmp_path / 'tiny.py', TINY)
    return Runner.from_cfg(load_config(config, cfg_options={'work_dir': str(work_dir), **options}))


def test_by_default_a_rerun_stops_and_names_the_choices(tmp_path):
    earlier_run(tmp_path / 'w')
    with pytest.raises(WorkDirInUseError, match='--resume .* --work-dir-exists timestamp .* '
                                                '--work-dir-exists overwrite'):
        tiny_runner(tmp_path, tmp_path / 'w').train()
    assert (tmp_path / 'w' / 'epoch_1.pth').read_bytes() == b'precious'


def test_timestamp_writes_the_rerun_to_a_new_sub_folder(tmp_path):
    earlier_run(tmp_path / 'w')
    runner = tiny_runner(tmp_path, tmp_path / 'w', work_dir_exists='timestamp')
    runner.train()
    assert runner.work_dir.parent == tmp_path / 'w' and runner.work_dir.name[:2] == '20'
    assert (runner.work_dir / 'iter_2.pth').is_file() and (runner.work_dir / 'tiny.py').is_file()
    assert 'this run writes to' in (runner.work_dir / 'run.log').read_text()
    assert (tmp_path / 'w' / 'epoch_1.pth').read_bytes() == b'precious'
    assert not (tmp_path / 'w' / 'iter_2.pth').exists()


def test_overwrite_deletes_the_earlier_checkpoints_after_saying_so(tmp_path):
    earlier_run(tmp_path / 'w')
    tiny_runner(tmp_path, tmp_path / 'w', work_dir_exists='overwrite').train()
    assert not (tmp_path / 'w' / 'epoch_1.pth').exists()
    assert (tmp_path / 'w' / 'last_checkpoint').read_text().strip() == 'iter_2.pth'
    assert 'deleting the 1 checkpoints of an earlier run' in (tmp_path / 'w' / 'run.log').read_text()


def test_an_unknown_work_dir_exists_value_is_a_config_error(tmp_path):
    earlier_run(tmp_path / 'w')
    with pytest.raises(ConfigError, match="work_dir_exists='keep'; work_dir_exists takes None or one of "
                                          "'error', 'timestamp', 'overwrite'"):
        tiny_runner(tmp_path, tmp_path / 'w', work_dir_exists='keep')   # when the config loads
    runner = tiny_runner(tmp_path, tmp_path / 'w')
    runner.cfg.work_dir_exists = 'keep'                                 # set after loading
    with pytest.raises(ConfigError, match="work_dir_exists='keep'; use one of error, timestamp, overwrite"):
        runner.train()


def test_resume_with_nothing_to_resume_starts_fresh_with_a_warning(tmp_path):
    config = write_config(tmp_path / 'tiny.py', TINY)
    result = run_tool('tools/train.py', config, '--work-dir', tmp_path / 'w', '--resume')
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'WARNING --resume: no checkpoint to resume' in result.stdout
    assert 'starting a fresh run' in result.stdout
    assert (tmp_path / 'w' / 'iter_2.pth').is_file() and (tmp_path / 'w' / 'tiny.py').is_file()

    again = run_tool('tools/train.py', config, '--work-dir', tmp_path / 'w', '--work-dir-exists', 'timestamp')
    assert again.returncode == 0, again.stderr[-2000:]
    assert len(list((tmp_path / 'w').glob('20*/iter_2.pth'))) == 1
