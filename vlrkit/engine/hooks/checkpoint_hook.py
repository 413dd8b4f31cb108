"""Periodic checkpoints (keep the last N), the best checkpoint by a metric, and the final one."""
import re

from ...errors import ConfigError
from ...registry import HOOKS
from .hook import Hook


def periodic_checkpoints(work_dir, unit, before):
    """``work_dir``'s ``{unit}_N.pth`` files (unit 'epoch' or 'iter') with N < ``before``, oldest
    first.

    The keep-last-N rotation reads the folder, not a list the hook kept: that list lost the
    checkpoints written before a resume (the one resumed from was saved before it was listed), and
    such a run ended with 10 checkpoints against ``max_keep_ckpts=3``. Files of a higher N are
    those of a run resumed from an earlier checkpoint than its last; the run overwrites them as it
    gets there, so they are left alone."""
    pattern = re.compile(rf'{unit}_(\d+)\.pth')
    found = [(int(m.group(1)), p) for p in work_dir.glob(f'{unit}_*.pth') if (m := pattern.fullmatch(p.name))]
    return [p for n, p in sorted(found) if n < before]


@HOOKS.register_module()
class CheckpointHook(Hook):
    """Save every ``interval`` epochs (epoch-based runs) or iterations (iteration-based runs).

    ``save_best='accuracy/top1'`` (or ``'auto'``: the first metric) keeps one ``best_*.pth``,
    replaced when the metric improves by ``rule`` ('greater' or 'less').
    """

    priority = 'VERY_LOW'

    def __init__(self, interval=1, max_keep_ckpts=-1, save_best=None, rule='greater', save_last=True):
        if rule not in ('greater', 'less'):
            raise ConfigError(f"CheckpointHook rule={rule!r}; use 'greater' or 'less'")
        self.interval, self.max_keep_ckpts, self.save_last = interval, max_keep_ckpts, save_last
        self.save_best, self.rule = save_best, rule
        self.best_score, self.best_file = None, None
        # What the run's closing line names: the metric (``save_best='auto'`` resolved) and the
        # epoch or iteration (as the run counts) of the best checkpoint.
        self.best_key = self.best_step = None

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        if not runner.by_epoch and (self.every_n_train_iters(runner, self.interval) or
                                    (self.save_last and self.is_last_train_iter(runner))):
            self._save_periodic(runner, 'iter', runner.progress.iter)

    def after_train_epoch(self, runner):
        if runner.by_epoch and (self.every_n_epochs(runner, self.interval) or
                                (self.save_last and self.is_last_train_epoch(runner))):
            self._save_periodic(runner, 'epoch', runner.progress.epoch)

    def _save_periodic(self, runner, unit, step):
        runner.save_checkpoint(f'{unit}_{step}.pth')
        if runner.rank == 0 and self.max_keep_ckpts > 0:
            older = periodic_checkpoints(runner.work_dir, unit, before=step)
            for old in older[:max(0, len(older) - (self.max_keep_ckpts - 1))]:   # this one is the Nth
                old.unlink()

    def after_val(self, runner, metrics):
        if not self.save_best or not metrics:
            return
        key = next(iter(metrics)) if self.save_best == 'auto' else self.save_best
        if key not in metrics:
            raise ConfigError(f'CheckpointHook save_best={key!r} is not among the evaluators\' metrics: '
                           f'{sorted(metrics)}')
        score = metrics[key]
        better = self.best_score is None or (score > self.best_score if self.rule == 'greater'
                                             else score < self.best_score)
        if not better:
            return
        previous, self.best_score, self.best_key = self.best_file, score, key
        progress = runner.progress
        self.best_step = progress.epoch if runner.by_epoch else progress.iter
        unit = 'epoch' if runner.by_epoch else 'iter'
        self.best_file = f"best_{key.replace('/', '_')}_{unit}_{self.best_step}.pth"
        runner.save_checkpoint(self.best_file)
        if runner.rank == 0 and previous and previous != self.best_file:
            (runner.work_dir / previous).unlink(missing_ok=True)
        runner.logger.info(f'best {key} = {score:.4f}: saved {self.best_file}')

    def state_dict(self):
        return dict(best_score=self.best_score, best_file=self.best_file,
                    best_key=self.best_key, best_step=self.best_step)

    def load_state_dict(self, state):
        self.best_score, self.best_file = state.get('best_score'), state.get('best_file')
        self.best_key, self.best_step = state.get('best_key', self.save_best), state.get('best_step')
