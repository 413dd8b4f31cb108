"""Train and test every variant of a sweep and tabulate them:
``vlrkit-sweep CONFIG --grid KEY=V1,V2 [KEY=V1,V2 ...] [--metric KEY] [--parallel N] [--work-dir DIR]``,
or over configs, ``vlrkit-sweep CONFIG_A CONFIG_B ...`` (with or without a grid).

--work-dir is the sweep's folder (default work_dirs/sweep_<config name>). Each variant trains into
DIR/<name> (``lr0.01_bs8``) with tools/train.py --resume, then tools/test.py tests its best
checkpoint; DIR/results.md and DIR/results.csv hold one row per variant. Run the same command
again to go on after an interruption: a finished variant (one with DIR/<name>/sweep_result.json)
is skipped, an interrupted one resumes from its last checkpoint. --cfg-options apply to every
variant; grid values are read like --cfg-options values.
"""
import contextlib
import json
import re
import shlex
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from vlrkit.cli import add_config_arguments, friendly_errors, parser
from vlrkit.config import load_config, parse_cfg_options, resolve_config_path
from vlrkit.engine.banner import format_duration
from vlrkit.engine.work_dir import WorkDirLock, locked_error
from vlrkit.errors import ConfigError
from vlrkit.tools.sweep_grid import check_grid_keys, expand, parse_grid, short_hash, value_option
from vlrkit.tools.sweep_results import variant_result
from vlrkit.tools.sweep_steps import Subprocesses, run_in_process, warn_parallel
from vlrkit.tools.sweep_table import replace_text, write_tables

# Written atomically once a variant is trained and tested: its presence is what "finished" means.
DONE_MARKER = 'sweep_result.json'
# Written when a variant starts: the config and options it runs with, so that a re-run with other
# options cannot mix its results with an earlier run's in one table.
SPEC_FILE = 'sweep_variant.json'
# The output of the variant's train and test runs (run.log has the training's own log).
VARIANT_LOG = 'sweep.log'
# The wall time and epochs of the variant's finished training steps, for the s/epoch column.
TIMING_FILE = 'sweep_timing.json'


@dataclass
class VariantRun:
    """A variant as this sweep runs it: where, with which options, its loaded config."""

    variant: object
    work_dir: Path
    cfg_options: list
    cfg: object

    def spec(self):
        return dict(config=str(resolve_config_path(self.variant.config).resolve()),
                    cfg_options=self.cfg_options)


@dataclass
class Sweep:
    folder: Path
    runs: list
    grid_keys: list
    metric: str
    unit: str             # 'epoch' or 'iter', what the best step counts
    several_configs: bool


def sweep_metric(args, cfgs):
    """--metric, else the configs' ``save_best`` key: the value that picks each variant's best checkpoint."""
    if args.metric:
        return args.metric
    keys = {(dict(cfg.get('default_hooks', {}).get('checkpoint') or {})).get('save_best') for cfg in cfgs}
    if len(keys) > 1:
        raise ConfigError(f'the configs pick their best checkpoints by different metrics '
                          f'({", ".join(sorted(map(str, keys)))}); pass --metric KEY for all of them')
    key = keys.pop()
    if key in (None, 'auto'):
        raise ConfigError(f"{args.config}: the checkpoint hook's save_best is {key!r}, so the sweep "
                          f"cannot tell which value picks the best checkpoint; pass --metric KEY, "
                          f"a key of the val evaluator's results, e.g. --metric accuracy/top1")
    return key


def default_folder(configs):
    name = 'sweep_' + '_'.join(Path(str(c)).stem for c in configs)
    return Path('work_dirs') / (name if len(name) <= 80 else f'{name[:72]}_{short_hash(name)}')


def plan_sweep(args):
    """Load every config, check the grid and the folder, name the variants: all errors a user can
    make in the command come out here, before anything trains."""
    configs = [args.config, *args.more_configs]
    grid = parse_grid(args.grid)
    if len(configs) == 1 and not grid:
        raise ConfigError('nothing to sweep: give --grid KEY=V1,V2 (e.g. --grid '
                          'optim_wrapper.optimizer.lr=0.01,0.1) or several configs')
    if args.parallel < 1:
        raise ConfigError(f'--parallel {args.parallel}: give the number of variants to run at once, 1 or more')
    base = parse_cfg_options(args.cfg_options)
    cfgs = {}
    for config in configs:
        cfgs[config] = load_config(config, cfg_options=base)
        check_grid_keys(cfgs[config], grid, config)
    metric = sweep_metric(args, cfgs.values())
    folder = Path(args.work_dir) if args.work_dir else default_folder(configs)
    runs = []
    for variant in expand(configs, grid):
        saved_best = dict(cfgs[variant.config].get('default_hooks', {}).get('checkpoint') or {}).get('save_best')
        options = [*args.cfg_options,
                   *([f'default_hooks.checkpoint.save_best={value_option(metric)}'] if metric != saved_best else []),
                   *variant.cfg_options()]
        cfg = load_config(variant.config, cfg_options=parse_cfg_options(options))
        run = VariantRun(variant, folder / variant.name, options, cfg)
        check_same_variant(run)
        runs.append(run)
    by_epoch = dict(runs[0].cfg.get('train_cfg', {})).get('by_epoch', True)
    return Sweep(folder, runs, list(grid), metric, 'epoch' if by_epoch else 'iter', len(configs) > 1)


def check_same_variant(run):
    spec_file = run.work_dir / SPEC_FILE
    if not spec_file.is_file():
        return
    earlier = json.loads(spec_file.read_text())
    if earlier != run.spec():
        raise ConfigError(
            f'{run.work_dir} holds variant {run.variant.name} run from {earlier["config"]} with '
            f'--cfg-options {shlex.join(earlier["cfg_options"])}, but this sweep runs it from '
            f'{run.spec()["config"]} with {shlex.join(run.cfg_options)}; its results would mix with '
            f'the earlier ones: pass another --work-dir, or delete {run.work_dir} to run it again')


# ---------------------------------------------------------------------- one variant
def start_epoch(work_dir):
    """The epoch of the checkpoint a resumed training continues from (0 for a fresh one)."""
    latest = work_dir / 'last_checkpoint'
    found = re.search(r'epoch_(\d+)\.pth$', latest.read_text().strip()) if latest.is_file() else None
    return int(found.group(1)) if found else 0


def run_variant(run, metric, run_step):
    """Train (resuming what is there), test the best checkpoint, write the done marker.
    Returns the variant's row fields: ``status`` 'done' with the numbers, or 'failed'."""
    work_dir, log = run.work_dir, run.work_dir / VARIANT_LOG
    work_dir.mkdir(parents=True, exist_ok=True)
    replace_text(work_dir / SPEC_FILE, json.dumps(run.spec(), indent=2))
    options = ['--cfg-options', *run.cfg_options] if run.cfg_options else []
    first_epoch, started = start_epoch(work_dir), time.perf_counter()
    resume = ['--resume'] if (work_dir / 'last_checkpoint').is_file() else []
    status = run_step('train', [run.variant.config, '--work-dir', str(work_dir), *resume, *options], log)
    train_seconds = time.perf_counter() - started
    if status:
        return failed(log, f'training exited with status {status}')
    best = sorted(work_dir.glob(f"best_{metric.replace('/', '_')}_*.pth"), key=lambda p: p.stat().st_mtime)
    if not best:
        return failed(log, f'training wrote no best_{metric.replace("/", "_")}_*.pth into {work_dir}: '
                           f'did the run validate (train_cfg.val_interval)?')
    status = run_step('test', [run.variant.config, str(best[-1]), '--work-dir', str(work_dir), *options], log)
    if status:
        return failed(log, f'testing {best[-1]} exited with status {status}')
    train_cfg = dict(run.cfg.get('train_cfg', {}))
    epochs = train_cfg.get('max_epochs', 0) - first_epoch if train_cfg.get('by_epoch', True) else 0
    try:
        result = variant_result(run.cfg, work_dir, metric, measured_epoch_seconds(work_dir, epochs, train_seconds))
    except Exception as err:   # a variant's broken files fail that variant, not the sweep
        with open(log, 'a') as out:
            traceback.print_exc(file=out)
        return failed(log, f'reading its results: {type(err).__name__}: {err}')
    result = dict(result, status='done', best_checkpoint=str(best[-1]))
    replace_text(work_dir / DONE_MARKER, json.dumps(result, indent=2))
    return result


def measured_epoch_seconds(work_dir, epochs, seconds):
    """Seconds per epoch of the variant's training steps that ended (``sweep_timing.json`` adds up
    every one, so a resumed variant counts the epochs of each); None for an iteration-based run."""
    timing = work_dir / TIMING_FILE
    total = json.loads(timing.read_text()) if timing.is_file() else dict(epochs=0, seconds=0.0)
    if epochs > 0:
        total = dict(epochs=total['epochs'] + epochs, seconds=total['seconds'] + seconds)
        replace_text(timing, json.dumps(total))
    return total['seconds'] / total['epochs'] if total['epochs'] else None


def failed(log, reason):
    with open(log, 'a') as out:
        out.write(f'sweep: variant failed: {reason}\n')
    return dict(status='failed', log=str(log), reason=reason)


def error_line(log):
    """The line of a failed variant's log worth showing: its ``vlrkit: error:``, else the last one."""
    lines = [line for line in Path(log).read_text(errors='replace').splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith('vlrkit: error:') or 'Error' in line]
    return (errors or lines or [''])[-1][:300]


# ---------------------------------------------------------------------- the sweep
@contextlib.contextmanager
def folder_lock(folder):
    """One sweep per folder at a time: a second would train the same variants into the same
    folders at once. The lock is a run's work_dir lock (engine/work_dir.py) on the sweep's folder:
    the kernel frees it when its holder dies, and a refusal names the holder's PID and host."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = WorkDirLock(folder)
    holder = lock.acquire()
    if holder:
        raise locked_error(folder, holder)
    try:
        yield
    finally:
        lock.release()


class Progress:
    """``variant 3/8 lr0.1_bs8: done in 1m02s, ...; ETA 4m10s``: the ETA is the mean time of the
    variants this run trained, times those left, over the number run at once."""

    def __init__(self, total, parallel):
        self.total, self.parallel, self.finished, self.durations = total, parallel, 0, []

    def line(self, index, name, text, seconds=None):
        self.finished += 1
        if seconds is not None:
            self.durations.append(seconds)
        left = self.total - self.finished
        eta = ''
        if left and self.durations:
            eta = f'; ETA {format_duration(sum(self.durations) / len(self.durations) * left / self.parallel)}'
        print(f'variant {index + 1}/{self.total} {name}: {text}{eta}', flush=True)


def row_of(run, fields):
    return dict(name=run.variant.name, config=run.variant.config, **dict(run.variant.overrides), **fields)


def run_sweep(sweep, parallel):
    """Run every unfinished variant; returns the names of those that failed."""
    with folder_lock(sweep.folder):
        return run_variants(sweep, parallel)


def run_variants(sweep, parallel):
    fields = {}
    for run in sweep.runs:
        marker = run.work_dir / DONE_MARKER
        fields[run.variant.name] = json.loads(marker.read_text()) if marker.is_file() else dict(status='pending')
    progress = Progress(len(sweep.runs), parallel)

    def write():
        return write_tables(sweep.folder, [row_of(r, fields[r.variant.name]) for r in sweep.runs],
                            sweep.grid_keys, sweep.metric, sweep.unit, sweep.several_configs)

    def report(index, run, result, seconds):
        fields[run.variant.name] = result
        write()
        if result['status'] == 'done':
            progress.line(index, run.variant.name, f"done in {format_duration(seconds)}, best val "
                          f"{sweep.metric} {result['best']:.4f} ({sweep.unit} {result['best_step']}), "
                          f"test {result['test'] if result['test'] is None else format(result['test'], '.4f')}",
                          seconds)
        else:
            progress.line(index, run.variant.name, f"FAILED ({result['reason']}): {error_line(result['log'])}"
                          f" -- log: {result['log']}", seconds)

    todo = []
    for index, run in enumerate(sweep.runs):
        if fields[run.variant.name]['status'] == 'done':
            progress.line(index, run.variant.name, f'skipped, finished earlier ({run.work_dir / DONE_MARKER})')
        else:
            todo.append((index, run))
    write()
    if parallel == 1:
        for index, run in todo:
            print(f'variant {index + 1}/{len(sweep.runs)} {run.variant.name}: training -> {run.work_dir}'
                  f'{" (resuming)" if (run.work_dir / "last_checkpoint").is_file() else ""}', flush=True)
            started = time.perf_counter()
            report(index, run, run_variant(run, sweep.metric, run_in_process), time.perf_counter() - started)
    elif todo:
        warn_parallel(parallel)
        run_parallel(sweep, todo, parallel, report)
    failures = [name for name, f in fields.items() if f['status'] == 'failed']
    md, csv_path = write()
    done = sum(f['status'] == 'done' for f in fields.values())
    print(f'sweep: {done} done, {len(failures)} failed; table: {md}, {csv_path}', flush=True)
    return failures


def run_parallel(sweep, todo, parallel, report):
    subprocesses = Subprocesses(parallel)

    def timed(run):
        started = time.perf_counter()
        return run_variant(run, sweep.metric, subprocesses), time.perf_counter() - started

    pool = ThreadPoolExecutor(parallel)
    try:
        futures = {pool.submit(timed, run): (index, run) for index, run in todo}
        for future in as_completed(futures):
            index, run = futures[future]
            report(index, run, *future.result())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        subprocesses.stop()   # an interrupted sweep leaves no training behind
        raise
    pool.shutdown()


def main(argv=None):
    p = add_config_arguments(parser(__doc__))
    p.add_argument('more_configs', nargs='*', metavar='CONFIG',
                   help='more configs: the sweep runs each (times the grid); give them before --grid')
    p.add_argument('--grid', nargs='+', action='extend', default=[], metavar='KEY=V1,V2',
                   help='a config key and its values; several --grid keys make the cross product, e.g. '
                        '--grid optim_wrapper.optimizer.lr=0.01,0.1 train_dataloader.batch_size=8,16')
    p.add_argument('--metric', help="the val metric that picks each variant's best checkpoint and "
                                    "fills the table (default: the checkpoint hook's save_best)")
    p.add_argument('--parallel', type=int, default=1, metavar='N',
                   help='run N variants at once, each as its own process (default 1: one after '
                        'another, in this process)')
    args = p.parse_args(argv)
    with friendly_errors():
        failures = run_sweep(plan_sweep(args), args.parallel)
    if failures:
        print(f'vlrkit: error: {len(failures)} variant(s) failed: {", ".join(failures)}; the table '
              f'names their logs. Run the same command again to retry them', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
