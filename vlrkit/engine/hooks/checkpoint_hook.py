"""Periodic checkpoints (keep the last N), the best checkpoint by a metric, and the final one."""
from ...errors import ConfigError
from ...registry import HOOKS
from .hook import Hook


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
        self.saved, self.best_score, self.best_file = [], None, None
        # What the run's closing line names: the metric (``save_best='auto'`` resolved) and the
        # epoch or iteration (as the run counts) of the best checkpoint.
        self.best_key = self.best_step = None

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        if not runner.by_epoch and (self.every_n_train_iters(runner, self.interval) or
                                    (self.save_last and self.is_last_train_iter(runner))):
            self._save_periodic(runner, f'iter_{runner.progress.iter}.pth')

    def after_train_epoch(self, runner):
        if runner.by_epoch and (self.every_n_epochs(runner, self.interval) or
                                (self.save_last and self.is_last_train_epoch(runner))):
            self._save_periodic(runner, f'epoch_{runner.progress.epoch}.pth')

    def _save_periodic(self, runner, filename):
        runner.save_checkpoint(filename)
        if filename not in self.saved:
            self.saved.append(filename)
        while 0 < self.max_keep_ckpts < len(self.saved):
            old = runner.work_dir / self.saved.pop(0)
            if runner.rank == 0 and old.exists():
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
        return dict(saved=list(self.saved), best_score=self.best_score, best_file=self.best_file,
                    best_key=self.best_key, best_step=self.best_step)

    def load_state_dict(self, state):
        self.saved = list(state.get('saved', []))
        self.best_score, self.best_file = state.get('best_score'), state.get('best_file')
        self.best_key, self.best_step = state.get('best_key', self.save_best), state.get('best_step')
