"""Overlay the curves of training runs: ``vlrkit-plot-curves RUN_DIR [RUN_DIR ...] --keys loss
multilabel/mAP [--out curves.png] [--labels A B] [--x iter|epoch] [--csv curves.csv] [--table]``.

Each RUN_DIR is a run's work_dir (or its ``log.jsonl``). A key is named as TensorBoard names it,
``<mode>/<key>`` with mode train, val or test: ``train/loss``, ``val/loss``,
``val/multilabel/mAP``, ``train/accuracy/top1`` (the training-set metrics of
``train_cfg.train_eval_interval``), ``train/epoch_time``. A key without a mode takes every mode
that has it, so ``--keys loss`` draws the training and the validation loss of each run in one
panel. One panel per key, one colour per run (legend: the work_dir's name or ``--labels``), a
solid line for train, dashed for val, a star for test.

``--x epoch`` puts one point per epoch: the mean of the epoch's logged values (the training loss
is logged every LoggerHook interval; a val metric once). A step logged twice (a resumed run
appends to its log.jsonl) keeps its last value. ``--csv`` writes every plotted point (run, key,
x, value); ``--table`` prints a markdown table of each run's final and best value per key (best:
the lowest for losses and times, the highest otherwise). The figure goes to ``--out``, or to
``curves.png`` when neither ``--csv`` nor ``--table`` is asked for.
"""
import argparse
from pathlib import Path

from vlrkit.cli import friendly_errors
from vlrkit.errors import UserError
from vlrkit.run_log import read_log

MODES = ('train', 'val', 'test')
STEP_KEYS = ('mode', 'epoch', 'iter')
LINE_STYLES = {'train': '-', 'val': '--', 'test': ''}


def load_run(path):
    """``(name, records)`` of a work_dir or a log.jsonl file; the name is the work_dir's."""
    path = Path(path)
    log = path if path.suffix == '.jsonl' else path / 'log.jsonl'
    if not log.is_file():
        raise FileNotFoundError(f'{path}: no log.jsonl there; pass the work_dir of a tools/train.py '
                                f'run (it writes <work_dir>/log.jsonl) or the log.jsonl file itself')
    return log.parent.name, read_log(log)


def split_key(key):
    """``'val/loss'`` -> (('val',), 'loss'); ``'loss'`` -> (MODES, 'loss')."""
    mode, _, rest = key.partition('/')
    return ((mode,), rest) if mode in MODES and rest else (MODES, key)


def series(records, mode, key, x='iter'):
    """Sorted ``[(x, value)]`` of ``key`` in the ``mode`` records; with ``x='epoch'`` the mean per epoch."""
    by_iter = {}
    for record in records:
        value = record.get(key)
        if record.get('mode') == mode and isinstance(value, (int, float)) and not isinstance(value, bool):
            by_iter[record.get('iter', len(by_iter))] = (record.get('epoch', 0), float(value))
    if x == 'iter':
        return sorted((step, value) for step, (_, value) in by_iter.items())
    by_epoch = {}
    for epoch, value in by_iter.values():
        by_epoch.setdefault(epoch, []).append(value)
    return sorted((epoch, sum(values) / len(values)) for epoch, values in by_epoch.items())


def available_keys(runs):
    keys = {f'{r["mode"]}/{k}' for _, records in runs for r in records
            for k, v in r.items() if k not in STEP_KEYS and r.get('mode') in MODES
            and isinstance(v, (int, float))}
    return sorted(keys)


def collect(runs, keys, x='iter'):
    """``{key: {(run name, 'mode/key'): [(x, value)]}}`` for every asked key, in the order asked.

    A key that no run has is a UserError listing the keys there are.
    """
    curves = {}
    for key in keys:
        modes, name = split_key(key)
        found = {(run, f'{mode}/{name}'): points for run, records in runs for mode in modes
                 if (points := series(records, mode, name, x))}
        if not found:
            known = available_keys(runs)
            headline = [k for k in known if k.count('/') <= 2]
            more = len(known) - len(headline)
            raise UserError(f'no run logged {key!r}; the runs have {", ".join(headline)}'
                            + (f' (and {more} per-class keys, e.g. {known[-1]})' if more else '')
                            + '; name a key as <mode>/<key> (train/loss, val/multilabel/mAP) or '
                              'without its mode for every mode that has it')
        curves[key] = found
    return curves


def plot(curves, run_names, x, out):
    """One panel per key; returns the PNG path."""
    from vlrkit.visualization.figures import plt, save_figure
    colours = {name: f'C{i % 10}' for i, name in enumerate(run_names)}
    fig, axes = plt.subplots(1, len(curves), figsize=(5.2 * len(curves), 3.8), squeeze=False)
    for ax, (key, found) in zip(axes[0], curves.items()):
        for (run, full_key), points in found.items():
            mode = full_key.split('/', 1)[0]
            xs, ys = zip(*points)
            ax.plot(xs, ys, LINE_STYLES[mode], color=colours[run], label=f'{run} {mode}',
                    marker='*' if mode == 'test' else ('.' if len(xs) < 30 else None),
                    markersize=12 if mode == 'test' else 6)
        ax.set_title(key)
        ax.set_xlabel('iteration' if x == 'iter' else 'epoch')
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, out)


def csv_rows(curves, x):
    header = ['run', 'key', x, 'value']
    rows = [[run, full_key, step, value] for found in curves.values()
            for (run, full_key), points in found.items() for step, value in points]
    return header, rows


def lower_is_better(key):
    return 'loss' in key or key.endswith('time')


def markdown_table(curves, run_names, x):
    """Each run's final and best value of every plotted series, as a markdown table."""
    columns = list(dict.fromkeys(full_key for found in curves.values() for _, full_key in found))
    unit = 'it' if x == 'iter' else 'ep'
    lines = ['| run | ' + ' | '.join(f'{c} final | {c} best' for c in columns) + ' |',
             '| --- |' + ' ---: | ---: |' * len(columns)]
    points = {pair: p for found in curves.values() for pair, p in found.items()}
    for run in run_names:
        cells = []
        for column in columns:
            run_points = points.get((run, column))
            if not run_points:
                cells += ['', '']
                continue
            pick = min if lower_is_better(column) else max
            best_step, best = pick(run_points, key=lambda p: p[1])
            cells += [f'{run_points[-1][1]:.4f}', f'{best:.4f} ({unit} {best_step})']
        lines.append(f'| {run} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('runs', nargs='+', metavar='RUN_DIR', help="runs' work_dirs (or log.jsonl files)")
    p.add_argument('--keys', nargs='+', default=['loss'],
                   help='what to draw, e.g. loss val/multilabel/mAP train/epoch_time (default: loss)')
    p.add_argument('--labels', nargs='+', help='legend names of the runs (default: work_dir names)')
    p.add_argument('--x', choices=('iter', 'epoch'), default='iter', help='x axis (default: iter)')
    p.add_argument('--out', help='the PNG (default: curves.png, unless only --csv / --table are asked)')
    p.add_argument('--csv', help='also write every plotted point to this CSV file')
    p.add_argument('--table', action='store_true', help="print each run's final and best values")
    args = p.parse_args(argv)
    with friendly_errors():
        runs = [load_run(path) for path in args.runs]
        if args.labels:
            if len(args.labels) != len(runs):
                raise UserError(f'--labels names {len(args.labels)} runs, but {len(runs)} RUN_DIRs '
                                f'are given; give one label per RUN_DIR, in the same order')
            runs = [(label, records) for label, (_, records) in zip(args.labels, runs)]
        names = [name for name, _ in runs]
        if len(set(names)) < len(names):
            raise UserError(f'two runs have the same name ({", ".join(names)}); tell them apart '
                            f'with --labels')
        curves = collect(runs, args.keys, args.x)
        out = args.out or (None if args.csv or args.table else 'curves.png')
        if out:
            print(f'curves: {plot(curves, names, args.x, out)}')
        if args.csv:
            from vlrkit.evaluation.metric import write_csv
            print(f'csv: {write_csv(args.csv, *csv_rows(curves, args.x))}')
        if args.table:
            print(markdown_table(curves, names, args.x))


if __name__ == '__main__':
    main()
