"""Steps each LR scheduler once per iteration or once per epoch, as its ``by_epoch`` says."""
from ...registry import HOOKS
from .hook import Hook


@HOOKS.register_module()
class ParamSchedulerHook(Hook):

    priority = 'LOW'

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        for scheduler, by_epoch in runner.param_schedulers:
            if not by_epoch:
                scheduler.step()

    def after_train_epoch(self, runner):
        for scheduler, by_epoch in runner.param_schedulers:
            if by_epoch:
                scheduler.step()
