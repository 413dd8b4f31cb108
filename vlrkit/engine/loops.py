"""The training loop, and the one counter of how far it got.

``TrainLoop`` decides once, from ``train_cfg``, whether the run is counted in epochs or iterations
(``by_epoch``) and how long it is; it walks the dataloader, calls the hooks around each iteration
and epoch, and validates when due. ``Progress`` is the only record of how far training got: the
loop alone advances it, hooks and checkpoints read it. An iteration whose optimizer step was
skipped (a non-finite loss) counts like any other: the skip is decided on the device
(optim_step.py), and the loop does not wait for the device to learn of it; NaNGuardHook stops
the run at its next check.

Each epoch ends with its wall time (``runner.epoch_time``, the epoch's iterations and hooks, not
the evaluations after it) and, every ``train_eval_interval`` epochs, the training set's metrics
(``runner.train_metrics``), which the ``after_train_epoch`` hooks log. ``EvalLoss`` is what an
evaluation adds when ``val_cfg`` / ``test_cfg`` ask for ``compute_loss``.
"""
import dataclasses
import time

import torch

from .. import dist
from ..config import Setting, setting_problems
from ..errors import ConfigError

# What train_cfg and val_cfg / test_cfg take; config.py checks a config against them when it loads.
TRAIN_CFG_KEYS = dict(by_epoch=Setting(bool), max_epochs=Setting(int, minimum=1, optional=True),
                      max_iters=Setting(int, minimum=1, optional=True), val_interval=Setting(int, minimum=0),
                      train_eval_interval=Setting(int, minimum=0))
EVAL_CFG_KEYS = dict(compute_loss=Setting(bool))


def eval_cfg(value, key):
    """The config's ``val_cfg`` / ``test_cfg`` (``value``, named ``key``) as a dict, keys checked."""
    value = dict(value or {})
    for _, problem in setting_problems(value, Setting(dict, keys=EVAL_CFG_KEYS), key):
        raise ConfigError(f'{problem}; e.g. {key} = dict(compute_loss=True)')
    return value


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
    the same unit (0: never). ``train_eval_interval`` counts epochs in either kind of run (0, the
    default: never): every that many epochs, and after the last, the Runner evaluates the training
    set (``Runner.train_eval``) before the epoch's hooks run.
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
        self.train_eval_interval = train_cfg.get('train_eval_interval', 0)
        if self.train_eval_interval > 0:
            runner.build_train_eval()
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
        epoch_start = time.perf_counter()
        first_batch = runner.progress.batch
        loader.sampler.skip = first_batch * loader.batch_size   # a resumed epoch continues mid-way
        data_start = time.perf_counter()
        for batch_idx, batch in enumerate(loader, start=first_batch):
            runner.data_time = time.perf_counter() - data_start
            runner.call_hook('before_train_iter', batch_idx=batch_idx, batch=batch)
            outputs = runner.train_step(batch)
            runner.progress = dataclasses.replace(
                runner.progress, iter=runner.progress.iter + 1, batch=batch_idx + 1)
            runner.iter_time = time.perf_counter() - data_start
            runner.call_hook('after_train_iter', batch_idx=batch_idx, batch=batch, outputs=outputs)
            if not self.by_epoch and self._val_due(runner.progress.iter, self.max_iters):
                runner.val()
            if runner.progress.iter >= self.max_iters:
                break
            data_start = time.perf_counter()
        runner.progress = dataclasses.replace(runner.progress, epoch=runner.progress.epoch + 1, batch=0)
        runner.epoch_time = time.perf_counter() - epoch_start
        runner.train_metrics = runner.train_eval() if self._train_eval_due() else {}
        runner.call_hook('after_train_epoch')
        if self.by_epoch and self._val_due(runner.progress.epoch, self.max_epochs):
            runner.val()

    def _val_due(self, done, total):
        return self.runner.val_dataloader is not None and (done % self.val_interval == 0 or done == total)

    def _train_eval_due(self):
        progress = self.runner.progress
        last = progress.epoch == self.max_epochs or progress.iter >= self.max_iters
        return self.train_eval_interval > 0 and (progress.epoch % self.train_eval_interval == 0 or last)


class EvalLoss:
    """The model's loss over an evaluation: the mean over images of ``model.loss``'s values.

    ``model.loss`` returns batch means, so each batch counts with its number of images. Under DDP
    every rank adds its share and ``compute`` sums over ranks; the images a DistributedSampler
    repeats to give every rank as many (fewer than the number of ranks, at the end of a rank's
    list) are cut off the last batch first, so the mean is over the dataset's images exactly once,
    as the evaluators' gather keeps them. Only the ``loss*`` keys count (a head's diagnostics,
    FCOS's ``num_pos``, are no metric); ``loss`` is their sum, as in training.
    """

    def __init__(self, dataset_size, rank=0, world_size=1):
        # DistributedSampler(shuffle=False) gives rank r the indices r, r + W, ... then padding.
        self.remaining = len(range(rank, dataset_size, world_size))
        self.sums, self.count = {}, 0

    def real_part(self, batch):
        """``batch`` without the sampler's repeated images (None when it holds nothing else)."""
        size = batch['images'].shape[0]
        keep = min(size, self.remaining)
        self.remaining -= keep
        if keep == size:
            return batch
        if keep == 0:
            return None
        return {k: v[:keep] if isinstance(v, (torch.Tensor, list, tuple)) else v for k, v in batch.items()}

    def add(self, losses, batch):
        size = batch['images'].shape[0]
        values = {k: v.detach().float().mean() for k, v in losses.items() if k.startswith('loss')}
        values['loss'] = sum(values.values())
        for key, value in values.items():
            self.sums[key] = self.sums.get(key, 0.0) + value * size
        self.count += size

    def compute(self, device):
        """``{'loss': ..., 'loss_cls': ...}``, the same on every rank."""
        keys = sorted(self.sums)
        totals = torch.stack([torch.as_tensor(self.sums[k], dtype=torch.float64, device=device)
                              for k in keys] + [torch.tensor(float(self.count), dtype=torch.float64,
                                                             device=device)])
        if dist.is_distributed():
            torch.distributed.all_reduce(totals)
        *sums, count = totals.tolist()
        return {k: s / count for k, s in zip(keys, sums)} if count else {}
