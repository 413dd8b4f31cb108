"""Stops a run whose loss became NaN/Inf, after saving the last good weights.

The OptimStep skips the optimizer step of a non-finite loss and the loop does not count the
iteration as done, so the model and ``runner.progress`` still describe the previous (finite) step
when this hook saves them, and a resume retries the failed batch.
"""
from ...errors import UserError
from ...registry import HOOKS
from .hook import Hook


class NonFiniteLossError(UserError, FloatingPointError):
    """The loss diverged; the message names the saved last good weights and how to go on."""


@HOOKS.register_module()
class NaNGuardHook(Hook):

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        if runner.loss_is_finite:
            return
        bad = ', '.join(f'{k}={v:.4g}' for k, v in runner.log_vars.items() if v != v or abs(v) == float('inf'))
        done = runner.progress.iter
        path = runner.save_checkpoint(f'last_good_iter_{done}.pth')
        raise NonFiniteLossError(
            f'non-finite loss at iteration {done + 1} ({bad}). The weights before this step '
            f'are saved in {path}; resume with --resume {path} and a lower learning rate '
            f'(--cfg-options optim_wrapper.optimizer.lr=..., which the resume applies) or '
            f'optim_wrapper.clip_grad=dict(max_norm=...)')
