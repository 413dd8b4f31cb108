"""Stops a run whose loss became NaN/Inf, after saving the last good weights.

The OptimStep skips the optimizer step of a non-finite loss on the device and counts it
(``optim_step.nonfinite_count``); reading that count waits for the device, so this hook reads it
every ``interval`` iterations and at the last one, not each iteration. Until then a skipped step
counts as an iteration like any other (``runner.progress`` moves on) while the weights and the
optimizer state stay those of the last finite step; so what this hook saves is still good, and a
resume from it continues after the window, with the batches of the skipped steps left out.
"""
from ...errors import UserError
from ...registry import HOOKS
from .hook import Hook


class NonFiniteLossError(UserError, FloatingPointError):
    """The loss diverged; the message names the saved last good weights and how to go on."""


@HOOKS.register_module()
class NaNGuardHook(Hook):
    """Args:
        interval: iterations between two looks at the count of non-finite losses (each look
            waits for the device once); the run stops at most this many iterations after the
            first non-finite loss.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, interval=10):
        self.interval = interval
        self._seen, self._checked_iter = 0, 0   # count and iteration at the last look

    def before_train(self, runner):
        self._checked_iter = runner.progress.iter

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        if not (self.every_n_train_iters(runner, self.interval) or self.is_last_train_iter(runner)):
            return
        count = int(runner.optim_step.nonfinite_count)
        first, done = self._checked_iter + 1, runner.progress.iter
        new, self._seen, self._checked_iter = count - self._seen, count, done
        if not new:
            return
        bad = ', '.join(f'{k}={v:.4g}' for k, v in runner.log_vars.items() if v != v or abs(v) == float('inf'))
        path = runner.save_checkpoint(f'last_good_iter_{done}.pth')
        raise NonFiniteLossError(
            f'non-finite loss in {new} of the iterations {first}-{done}'
            f'{f" (the last: {bad})" if bad else ""}; their optimizer steps were skipped. The '
            f'weights of the last finite step are saved in {path}; resume with --resume {path} '
            f'and a lower learning rate (--cfg-options optim_wrapper.optimizer.lr=..., which the '
            f'resume applies) or optim_wrapper.clip_grad=dict(max_norm=...)')
