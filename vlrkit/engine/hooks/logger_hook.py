"""Console, file and JSON-lines logging of training and evaluation.

``work_dir/log.jsonl`` gets one JSON object per logged step ({"mode": "train"|"val"|"test",
"epoch", "iter", "lr", losses..., metrics...}) and one "train" object per epoch ({"mode": "train",
"epoch", "iter", "epoch_time", training-set metrics...}); the analysis report and
tools/plot_curves.py draw curves from it.
"""
import datetime
import json
import logging
import sys

from tqdm import tqdm

from ...registry import HOOKS
from ... import dist
from ..log_vars import LogVars
from .hook import Hook


class TqdmAwareHandler(logging.StreamHandler):
    """Console handler that prints above an active progress bar instead of through it."""

    def __init__(self):
        super().__init__(sys.stdout)

    def emit(self, record):
        try:
            tqdm.write(self.format(record), file=sys.stdout)
        except Exception:  # logging must never kill a run
            self.handleError(record)


def headline_metrics(metrics):
    """The numbers worth a console line: ``<prefix>/<name>``, not the per-class
    ``<prefix>/<quantity>/<class>`` values (20 VOC classes would bury the mAP), nor non-numbers."""
    return {k: v for k, v in metrics.items() if k.count('/') < 2 and isinstance(v, (int, float))}


@HOOKS.register_module()
class LoggerHook(Hook):
    """Logs window-averaged losses, lr, time per iteration and ETA every ``interval`` iterations.

    On an interactive terminal a tqdm bar shows progress continuously (its loss, the window's
    mean, changes at the interval); in logs (CI, nohup) the interval lines carry the same
    information. The window's losses are summed on the device and read once per interval (see
    vlrkit/engine/log_vars.py).
    """

    priority = 'BELOW_NORMAL'

    def __init__(self, interval=10, progress_bar=None):
        self.interval = interval
        self.progress_bar = sys.stdout.isatty() if progress_bar is None else progress_bar
        self._sums, self._count, self._bar = {}, 0, None

    def before_train(self, runner):
        self._time_sum, self._timed_iters = 0.0, 0
        if self.progress_bar and runner.rank == 0:
            self._bar = tqdm(total=runner.max_iters, initial=runner.progress.iter, dynamic_ncols=True,
                             desc='train', file=sys.stdout)

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        for key, value in runner.log_vars.tensors().items():
            self._sums[key] = self._sums[key] + value if key in self._sums else value
        self._count += 1
        self._time_sum += runner.iter_time
        self._timed_iters += 1
        lr = runner.optimizer.param_groups[0]['lr']
        if self._bar is not None:
            self._bar.update(1)
        if not (self.every_n_train_iters(runner, self.interval) or self.is_last_train_iter(runner)):
            return
        window = LogVars({k: v / self._count for k, v in self._sums.items()})
        means = dist.all_reduce_mean(dict(window), runner.device)
        self._sums, self._count = {}, 0
        if self._bar is not None:
            self._bar.set_postfix(loss=f"{means.get('loss', float('nan')):.4f}", lr=f'{lr:.2e}')
        seconds_per_iter = self._time_sum / max(self._timed_iters, 1)
        eta = datetime.timedelta(seconds=int(seconds_per_iter * (runner.max_iters - runner.progress.iter)))
        steps = len(runner.train_dataloader)
        progress = runner.progress
        where = (f'Epoch(train) [{progress.epoch + 1}][{batch_idx + 1}/{steps}]' if runner.by_epoch
                 else f'Iter(train) [{progress.iter}/{runner.max_iters}]')
        losses = '  '.join(f'{k}: {v:.4f}' for k, v in means.items())
        runner.logger.info(f'{where}  lr: {lr:.4e}  eta: {eta}  time: {runner.iter_time:.3f}  '
                           f'data_time: {runner.data_time:.3f}  {losses}')
        self._write_json(runner, dict(mode='train', epoch=progress.epoch + 1, iter=progress.iter,
                                      lr=lr, time=runner.iter_time, data_time=runner.data_time, **means))

    def after_train_epoch(self, runner):
        """The epoch's wall time and, when the loop evaluated the training set, its metrics
        (``train/accuracy/top1`` on the console, mode "train" in log.jsonl)."""
        progress = runner.progress
        where = f'Epoch(train) [{progress.epoch}]' if runner.by_epoch else f'Iter(train) [{progress.iter}]'
        text = '  '.join(f'train/{k}: {v:.4f}' for k, v in headline_metrics(runner.train_metrics).items())
        runner.logger.info(f'{where}  epoch_time: {runner.epoch_time:.1f} s  {text}'.rstrip())
        self._write_json(runner, dict(mode='train', epoch=progress.epoch, iter=progress.iter,
                                      epoch_time=runner.epoch_time, **runner.train_metrics))

    def after_train(self, runner):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def after_val(self, runner, metrics):
        progress = runner.progress
        where = f'Epoch(val) [{progress.epoch}]' if runner.by_epoch else f'Iter(val) [{progress.iter}]'
        self._log_metrics(runner, 'val', where, metrics)

    def after_test(self, runner, metrics):
        self._log_metrics(runner, 'test', 'Test', metrics)

    def _log_metrics(self, runner, mode, where, metrics):
        """The console line shows the headline metrics only; log.jsonl gets every value (the
        per-class ones are also in the evaluators' tables and in TensorBoard)."""
        text = '  '.join(f'{k}: {v:.4f}' for k, v in headline_metrics(metrics).items())
        runner.logger.info(f'{where}  {text}')
        progress = runner.progress
        self._write_json(runner, dict(mode=mode, epoch=progress.epoch, iter=progress.iter, **metrics))

    @staticmethod
    def _write_json(runner, record):
        if runner.rank == 0:
            with open(runner.work_dir / 'log.jsonl', 'a') as f:
                f.write(json.dumps(record) + '\n')
