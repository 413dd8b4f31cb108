"""The training loop, and the one counter of how far it got.

``TrainLoop`` decides once, from ``train_cfg``, whether the run is counted in epochs or iterations
(``by_epoch``) and how long it is; it walks the dataloader, calls the hooks around each iteration
and epoch, and validates when due. ``Progress`` is the only record of how far training got: the
loop alone advances it, hooks and checkpoints read it. An iteration whose optimizer step was
skipped (a non-finite loss) is not done: progress does not move, so a checkpoint saved then
resumes by retrying that batch, and an unguarded run does one more iteration to reach
``max_iters`` steps.
"""
import dataclasses
import time

from ..config import Setting, setting_problems
from ..errors import ConfigError

# What train_cfg takes; config.py checks a config against it when it loads.
TRAIN_CFG_KEYS = dict(by_epoch=Setting(bool), max_epochs=Setting(int, minimum=1, optional=True),
                      max_iters=Setting(int, minimum=1, optional=True), val_interval=Setting(int, minimum=0))


@dataclasses.dataclass(frozen=True)
class Progress:
    """Completed work: ``iter`` optimizer iterations, ``epoch`` epochs, ``batch`` batches of the
    current epoch. Frozen: a hook that tries to change it fails loudly.

    During ``after_train_iter`` ``iter`` counts the iteration just done (1-based), during
    ``before_train_iter`` only those before it; likewise ``epoch`` around an epoch.
    """

    iter: int = 0
    epoch: int = 0
    batch: int = 0

    def to_meta(self):
        """The checkpoint ``meta`` entries (names kept from earlier checkpoints, which still resume)."""
        return dict(iters_done=self.iter, epochs_done=self.epoch, batches_done=self.batch)

    @classmethod
    def from_meta(cls, meta):
        return cls(iter=meta['iters_done'], epoch=meta['epochs_done'], batch=meta['batches_done'])


class TrainLoop:
    """Epoch-based (``by_epoch=True, max_epochs``) or iteration-based (``by_epoch=False,
    max_iters``) training over ``dataloader``, as ``train_cfg`` says; ``val_interval`` counts in
    the same unit (0: never).
    """

    def __init__(self, runner, dataloader, train_cfg):
        for _, problem in setting_problems(train_cfg, Setting(dict, keys=TRAIN_CFG_KEYS), 'train_cfg'):
            raise ConfigError(problem)     # a Config not read by load_config, which checks it
        by_epoch = train_cfg.get('by_epoch', True)
        length = 'max_epochs' if by_epoch else 'max_iters'
        if train_cfg.get(length) is None:
            raise ConfigError(f'train_cfg with by_epoch={by_epoch} needs {length}, e.g. '
                              f'train_cfg = dict(by_epoch={by_epoch}, {length}=10)')
        max_epochs, max_iters = train_cfg.get('max_epochs'), train_cfg.get('max_iters')
        self.runner, self.dataloader = runner, dataloader
        self.by_epoch, self.val_interval = by_epoch, train_cfg.get('val_interval', 1)
        steps_per_epoch = len(dataloader)
        if by_epoch:
            self.max_epochs = max_epochs
            self.max_iters = max_epochs * steps_per_epoch
        else:
            self.max_iters = max_iters
            self.max_epochs = -(-max_iters // steps_per_epoch)

    def run(self):
        runner = self.runner
        runner.call_hook('before_train')
        runner.model.train()
        while runner.progress.iter < self.max_iters:
            self.run_epoch()
        runner.call_hook('after_train')

    def run_epoch(self):
        runner, loader = self.runner, self.dataloader
        runner.call_hook('before_train_epoch')
        first_batch = runner.progress.batch
        loader.sampler.skip = first_batch * loader.batch_size   # a resumed epoch continues mid-way
        data_start = time.perf_counter()
        for batch_idx, batch in enumerate(loader, start=first_batch):
            runner.data_time = time.perf_counter() - data_start
            runner.call_hook('before_train_iter', batch_idx=batch_idx, batch=batch)
            outputs = runner.train_step(batch)
            done = runner.loss_is_finite
            if done:
                runner.progress = dataclasses.replace(
                    runner.progress, iter=runner.progress.iter + 1, batch=batch_idx + 1)
            runner.iter_time = time.perf_counter() - data_start
            runner.call_hook('after_train_iter', batch_idx=batch_idx, batch=batch, outputs=outputs)
            if done and not self.by_epoch and self._val_due(runner.progress.iter, self.max_iters):
                runner.val()
            if runner.progress.iter >= self.max_iters:
                break
            data_start = time.perf_counter()
        runner.progress = dataclasses.replace(runner.progress, epoch=runner.progress.epoch + 1, batch=0)
        runner.call_hook('after_train_epoch')
        if self.by_epoch and self._val_due(runner.progress.epoch, self.max_epochs):
            runner.val()

    def _val_due(self, done, total):
        return self.runner.val_dataloader is not None and (done % self.val_interval == 0 or done == total)
