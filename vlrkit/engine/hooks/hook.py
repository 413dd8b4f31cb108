"""The Hook base class: no-op stage methods a hook overrides where it has work to do.

Stages follow mmengine so its users feel at home; ``outputs`` of a training iteration is the loss
dict returned by ``model.loss`` (detached floats for logging live in ``runner.log_vars``).
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

    # -- helpers for interval logic (iterations and epochs counted from 1 here) --
    @staticmethod
    def every_n_train_iters(runner, n):
        return n > 0 and (runner.iter + 1) % n == 0

    @staticmethod
    def every_n_epochs(runner, n):
        return n > 0 and (runner.epoch + 1) % n == 0

    @staticmethod
    def is_last_train_iter(runner):
        return runner.iter + 1 == runner.max_iters

    @staticmethod
    def is_last_train_epoch(runner):
        return runner.epoch + 1 == runner.max_epochs
