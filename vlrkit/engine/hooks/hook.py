"""The Hook base class: no-op stage methods a hook overrides where it has work to do.

Stages follow mmengine so its users feel at home; ``outputs`` of a training iteration is the loss
dict returned by ``model.loss`` (its detached values for logging are ``runner.log_vars``).

What a hook may read from the runner -- every one is set in ``Runner.__init__``, so it exists (with
a neutral value) at every stage; a hook writes none of them:

- ``cfg``, ``work_dir``, ``logger``, ``device``, ``rank``, ``world_size``, ``seed``, ``amp_dtype``
- ``model`` / ``unwrapped_model`` (the model itself), ``train_model`` (what the loss forward runs
  through: the model under DDP; None before ``train()``)
- ``train_dataloader``, ``val_dataloader``, ``test_dataloader`` (None until built),
  ``class_names``, ``writer`` (TensorBoard on rank 0, None elsewhere)
- ``by_epoch``, ``max_epochs``, ``max_iters``: the TrainLoop's decisions from ``train_cfg``
- ``progress``: a frozen ``loops.Progress`` of completed work (``iter``, ``epoch``, ``batch`` of
  the current epoch). In ``after_train_iter`` ``progress.iter`` is the iteration just done,
  1-based; in ``before_train_iter`` the count before it. A skipped step (below) counts too.
- ``optimizer``, ``param_schedulers`` (a list of ``(scheduler, by_epoch)``), ``optim_step`` (the
  ``OptimStep``: GradScaler, clipping, accumulation; None before ``train()``)
- ``log_vars`` (this iteration's losses, ``loss`` and each of ``model.loss``'s values, plus
  ``grad_norm`` when clipping: a ``LogVars`` mapping of floats over device tensors; the first
  read waits for the device, so read it at an interval, or sum ``log_vars.tensors``),
  ``loss_is_finite`` (False when this iteration's step was skipped for a NaN/Inf loss; reading
  it waits for the device too), ``data_time`` and ``iter_time`` (seconds waiting for the batch,
  and for the whole iteration as the host saw it: on a GPU the device may still be working)
- ``epoch_time`` (seconds of the epoch just ended) and ``train_metrics`` (the training set's
  metrics that epoch, ``{}`` when ``train_cfg.train_eval_interval`` did not ask for them): set
  before ``after_train_epoch``

A hook acts through the runner's methods (``save_checkpoint``, ``val``) and its own state, which
``state_dict`` / ``load_state_dict`` carry through checkpoints.
"""
from ...errors import ConfigError

# Named priorities: lower runs first. The Runner sorts hooks by these, stable by insertion order.
PRIORITIES = {
    'HIGHEST': 0, 'VERY_HIGH': 10, 'HIGH': 30, 'ABOVE_NORMAL': 40, 'NORMAL': 50,
    'BELOW_NORMAL': 60, 'LOW': 70, 'VERY_LOW': 90, 'LOWEST': 100,
}


def priority_value(priority):
    """Accept a priority name ('HIGH') or number (30); reject anything else with the valid names."""
    if isinstance(priority, int):
        return priority
    if priority in PRIORITIES:
        return PRIORITIES[priority]
    raise ConfigError(f'hook priority {priority!r} is not a number or one of {list(PRIORITIES)}')


class Hook:
    """Base hook. Override only the stages you use; keep resumable state in ``state_dict``."""

    priority = 'NORMAL'

    def before_run(self, runner): ...
    def after_run(self, runner): ...
    def before_train(self, runner): ...
    def after_train(self, runner): ...
    def before_train_epoch(self, runner): ...
    def after_train_epoch(self, runner): ...
    def before_train_iter(self, runner, batch_idx, batch): ...
    def after_train_iter(self, runner, batch_idx, batch, outputs): ...
    def before_val(self, runner): ...
    def after_val(self, runner, metrics): ...
    def before_test(self, runner): ...
    def after_test(self, runner, metrics): ...
    def before_save_checkpoint(self, runner, checkpoint): ...
    def after_load_checkpoint(self, runner, checkpoint): ...

    def state_dict(self):
        """Hook state saved in checkpoints so a resumed run continues where it stopped."""
        return {}

    def load_state_dict(self, state):
        pass

    # -- interval helpers, counted in completed iterations / epochs --
    @staticmethod
    def every_n(count, n):
        """``count`` (1-based) is a multiple of ``n``; ``n`` <= 0 means never."""
        return n > 0 and count % n == 0

    @classmethod
    def every_n_train_iters(cls, runner, n):
        """In ``after_train_iter``: the iteration just done is a multiple of ``n``."""
        return cls.every_n(runner.progress.iter, n)

    @classmethod
    def every_n_epochs(cls, runner, n):
        """In ``after_train_epoch``: the epoch just done is a multiple of ``n``."""
        return cls.every_n(runner.progress.epoch, n)

    @staticmethod
    def is_last_train_iter(runner):
        return runner.progress.iter == runner.max_iters

    @staticmethod
    def is_last_train_epoch(runner):
        return runner.progress.epoch == runner.max_epochs
