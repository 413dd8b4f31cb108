"""The results table of a sweep, as ``results.md`` (to read, paste into a report) and ``results.csv``
(to load into pandas or a spreadsheet): one row per variant, rewritten after each variant so a
running or interrupted sweep shows where it is."""
import csv
import io
import os
from pathlib import Path


def columns(grid_keys, metric, unit, several_configs):
    """(header, row key) pairs; a row key is a field of the row dict the sweep keeps per variant."""
    return [('variant', 'name'), *([('config', 'config')] if several_configs else []),
            *[(key, key) for key in grid_keys], ('status', 'status'),
            ('params', 'params'), ('trainable', 'trainable'),
            (f'best val {metric}', 'best'), (f'best {unit}', 'best_step'),
            (f'test {metric}', 'test'), (f'train {metric}', 'train'),
            ('s/epoch', 'epoch_seconds'), ('log', 'log')]


def markdown_cell(key, value, grid_keys):
    """A grid value as the command gave it (``0.01``), counts with thousands separators, seconds
    to 0.1 s, metrics to 4 decimals."""
    if value is None:
        return ''
    if key in grid_keys or isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value).replace('|', '\\|')
    if isinstance(value, int):
        return f'{value:,}'
    return f'{value:.1f}' if key == 'epoch_seconds' else f'{value:.4f}'


def write_tables(sweep_dir, rows, grid_keys, metric, unit, several_configs):
    """Write ``sweep_dir/results.md`` and ``results.csv`` from ``rows`` (dicts, in variant order)."""
    header = columns(grid_keys, metric, unit, several_configs)
    lines = ['| ' + ' | '.join(name for name, _ in header) + ' |',
             '|' + '|'.join(' --- ' for _ in header) + '|']
    lines += ['| ' + ' | '.join(markdown_cell(key, row.get(key), grid_keys) for _, key in header) + ' |'
              for row in rows]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator='\n')
    writer.writerow([name for name, _ in header])
    writer.writerows([['' if row.get(key) is None else row.get(key) for _, key in header] for row in rows])
    md, csv_path = Path(sweep_dir) / 'results.md', Path(sweep_dir) / 'results.csv'
    replace_text(md, '\n'.join(lines) + '\n')
    replace_text(csv_path, text.getvalue())
    return md, csv_path


def replace_text(path, text):
    """Write through a temp file and a rename: a reader never sees half a table."""
    tmp = path.with_name(path.name + '.tmp')
    tmp.write_text(text, encoding='utf-8')
    os.replace(tmp, path)
