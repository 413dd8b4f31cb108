"""One finished variant's row of the results table, read from what its run wrote.

The numbers come from the files, not from the sweep's memory, so a row says what the run logged:
the best validation value and its epoch from ``log.jsonl`` (the LoggerHook's records), the test
value from the ``metrics.json`` of tools/test.py's run on the best checkpoint, the training-set
value and the epoch time from the run's per-epoch ``"mode": "train"`` records where it logs them
(``train_cfg.train_eval_interval``; TensorBoard calls them ``train/accuracy/top1``, ``train/epoch_time``).
"""
import json
from pathlib import Path

from ..errors import UserError
from ..models.pretrained import without_pretrained
from ..models.summary import count_parameters
from ..registry import MODELS
from ..run_log import read_log


class SweepResultError(UserError):
    """A variant trained but left no number the table needs; the message names the file."""


def values_by_step(records, key, by_epoch):
    """``{epoch (or iteration): value}`` of ``key``; the last record of a step wins, since a run
    resumed from an earlier checkpoint logs the epochs after it again."""
    step = 'epoch' if by_epoch else 'iter'
    return {record[step]: record[key] for record in records if key in record and step in record}


def best_step(values, rule):
    """(step, value) of the best value; on a tie the earliest, as the CheckpointHook keeps the first
    checkpoint that reached a value."""
    pick = max if rule == 'greater' else min
    value = pick(values.values())
    return min(step for step, v in values.items() if v == value), value


def latest_test_metrics(work_dir):
    """The metrics.json of the newest ``test_<timestamp>/`` folder tools/test.py wrote."""
    runs = sorted(Path(work_dir).glob('test_*/metrics.json'))
    if not runs:
        raise SweepResultError(f'{work_dir} has no test_*/metrics.json: tools/test.py did not finish')
    return json.loads(runs[-1].read_text()), runs[-1]


def variant_result(cfg, work_dir, metric, measured_epoch_seconds=None):
    """The table's numbers for the variant trained into ``work_dir`` from ``cfg``; the epoch time is
    the run's ``train/epoch_time`` where it logs one, else ``measured_epoch_seconds``."""
    hook = dict(cfg.get('default_hooks', {}).get('checkpoint') or {})
    by_epoch = dict(cfg.get('train_cfg', {})).get('by_epoch', True)
    log = Path(work_dir) / 'log.jsonl'
    if not log.is_file():
        raise SweepResultError(f'{log} does not exist: the run logged nothing (is the LoggerHook '
                               f'in default_hooks?)')
    records = read_log(log)
    val = values_by_step([r for r in records if r.get('mode') == 'val'], metric, by_epoch)
    if not val:
        logged = sorted({k for r in records if r.get('mode') == 'val' for k in r} - {'mode', 'epoch', 'iter'})
        raise SweepResultError(f'{log} has no val record with {metric!r}; the val keys are '
                               f'{logged or "none (did the run validate?)"}: pass one as --metric')
    step, best = best_step(val, hook.get('rule', 'greater'))
    test_metrics, test_file = latest_test_metrics(work_dir)
    # The training-set value of the best epoch, or of the closest earlier epoch the run evaluated.
    trained = [r for r in records if r.get('mode') == 'train']
    train = {s: v for s, v in values_by_step(trained, metric, by_epoch).items() if s <= step}
    epoch_times = list(values_by_step(trained, 'epoch_time', True).values())
    trainable, total = count_parameters(MODELS.build(without_pretrained(cfg.model)))
    return dict(
        params=total, trainable=trainable, best=best, best_step=step,
        test=test_metrics.get(metric), test_metrics=str(test_file),
        train=train[max(train)] if train else None,
        epoch_seconds=sum(epoch_times) / len(epoch_times) if epoch_times else measured_epoch_seconds)
