"""Reseeds the sampler each epoch so shuffles differ between epochs but agree across ranks."""
from ...registry import HOOKS
from .hook import Hook


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):

    def before_train_epoch(self, runner):
        sampler = runner.train_dataloader.sampler
        if hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(runner.progress.epoch)
