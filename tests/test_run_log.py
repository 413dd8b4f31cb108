"""vlrkit/run_log.py, the one log.jsonl reader: what a killed (and resumed) run leaves is skipped
with a warning naming the line, anything else that is not a record stops with the file and line."""
import json

import pytest

from vlrkit.run_log import RunLogError, read_log
from vlrkit.tools.plot_curves import main as plot_curves

RECORDS = [dict(mode='train', epoch=1, iter=i, loss=1.0 / i) for i in (1, 2)] + \
    [dict(mode='val', epoch=1, iter=2, **{'accuracy/top1': 0.5})]


def lines(records):
    return [json.dumps(r) for r in records]


def test_a_log_reads_back_record_for_record(tmp_path):
    path = tmp_path / 'log.jsonl'
    path.write_text('\n'.join(lines(RECORDS)) + '\n\n')            # a blank line is no record
    assert read_log(path) == RECORDS


def test_the_last_line_cut_off_by_a_killed_run_is_skipped_with_a_warning(tmp_path):
    path = tmp_path / 'log.jsonl'
    path.write_text('\n'.join(lines(RECORDS) + ['{"mode": "train", "epoch": 2, "it']))
    with pytest.warns(UserWarning, match=rf'^{path}, line 4: skipped a record cut off by a killed run'):
        assert read_log(path) == RECORDS


def test_the_record_a_resumed_run_appended_to_the_cut_off_line_is_kept(tmp_path):
    # --resume appends to the file, so its first record continues the killed run's cut-off line.
    path = tmp_path / 'log.jsonl'
    first, second, val = lines(RECORDS)
    path.write_text('\n'.join([first, '{"mode": "train", "epoch": 1, "iter": 2, "lo' + second, val]) + '\n')
    with pytest.warns(UserWarning, match=rf'^{path}, line 2: skipped a record cut off'):
        assert read_log(path) == RECORDS


@pytest.mark.parametrize('bad', ['not json', '[1, 2]', '{"mode": "train", "loss": nan-ish}'])
def test_any_other_line_that_is_no_record_names_the_file_and_line(tmp_path, bad):
    path = tmp_path / 'log.jsonl'
    first, *rest = lines(RECORDS)
    path.write_text('\n'.join([first, bad, *rest]) + '\n')
    with pytest.raises(RunLogError, match=rf'^{path}, line 2: not a JSON record .*remove or repair that line'):
        read_log(path)


def test_plot_curves_prints_a_damaged_log_as_one_line(tmp_path, capsys):
    run = tmp_path / 'run'
    run.mkdir()
    (run / 'log.jsonl').write_text('\n'.join(lines(RECORDS[:1]) + ['garbage'] + lines(RECORDS[1:])) + '\n')
    with pytest.raises(SystemExit) as stop:
        plot_curves([str(run), '--table'])
    assert stop.value.code == 2
    assert f'vlrkit: error: RunLogError: {run / "log.jsonl"}, line 2: not a JSON record' in capsys.readouterr().err
