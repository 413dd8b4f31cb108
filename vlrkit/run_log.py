"""Reading ``log.jsonl``, the LoggerHook's record of a run: one JSON object per line, appended.

Every reader (tools/plot_curves.py, the sweep's results table, the analysis report) reads it here,
so they agree on what a damaged file means. A run killed in the middle of a write leaves its last
line cut off; ``--resume`` then appends its first record to that cut-off line. Both are what a
killed run does, so both are skipped with a warning naming the file and the line, and the resumed
run's record is kept. Any other line that is not a JSON object is no write the LoggerHook made:
a ``RunLogError`` names the file and the line, instead of a plot or a table silently missing it.
"""
import json
import warnings
from pathlib import Path

from .errors import UserError


class RunLogError(UserError):
    """A log.jsonl line that no run wrote (an edit, another file); the message names the line."""


def read_log(path):
    """The records of the log.jsonl at ``path``, in the order they were written."""
    path = Path(path)
    lines = path.read_text(errors='replace').splitlines()
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = _record(line)
        if record is not None:
            records.append(record)
            continue
        resumed = _resumed_record(line)
        if resumed is None and number < len(lines):
            raise RunLogError(f'{path}, line {number}: not a JSON record ({_shown(line)}); a run '
                              f'writes one JSON object per line: remove or repair that line')
        warnings.warn(f'{path}, line {number}: skipped a record cut off by a killed run '
                      f'({_shown(line)})', stacklevel=2)
        if resumed is not None:
            records.append(resumed)
    return records


def _record(text):
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


def _resumed_record(line):
    """The whole record that ends ``line`` after a cut-off one (``{"mode": "tr{"mode": ...}``), or
    None. Records are flat, so the first ``{`` after the start that begins a record begins it."""
    start = line.find('{', 1)
    while start != -1:
        record = _record(line[start:])
        if record is not None:
            return record
        start = line.find('{', start + 1)
    return None


def _shown(line, width=60):
    return repr(line if len(line) <= width else f'{line[:width]}...')
