"""One optimizer step from a micro-batch's losses: the part of training that touches gradients.

It owns the GradScaler (fp16 only), gradient accumulation, clipping and the non-finite skip, so the
loop only says *which* iteration it is. The order inside a step is the one that keeps fp16 and
accumulation correct: backward of the scaled loss divided by ``accumulative_counts``; on the last
micro-batch of a group, unscale *before* clipping (the norm must be of the true gradients), then
step and clear the gradients. A non-finite loss -- agreed on by every DDP rank, so all ranks skip
together -- has no backward and drops the group's gradients, leaving the weights at the last good
step.
"""
import contextlib

import torch

from .. import dist


class OptimStep:
    """Args:
        optimizer: the ``torch.optim`` optimizer of the model's trainable parameters.
        clip_grad: keyword arguments of ``torch.nn.utils.clip_grad_norm_`` (e.g. ``max_norm=10``),
            or None for no clipping.
        accumulative_counts: micro-batches whose gradients are summed before one step.
        fp16: scale losses with a GradScaler (fp16 autocast on CUDA underflows without one).
    """

    def __init__(self, optimizer, clip_grad=None, accumulative_counts=1, fp16=False):
        self.optimizer = optimizer
        self.clip_grad = clip_grad
        self.accumulative_counts = accumulative_counts
        self.scaler = torch.amp.GradScaler('cuda') if fp16 else None

    def steps_at(self, iteration, max_iters):
        """Whether the (1-based) ``iteration`` ends an accumulation group; the last one always does."""
        return iteration % self.accumulative_counts == 0 or iteration == max_iters

    @staticmethod
    def sync_context(train_model, stepping):
        """DDP averages gradients in backward; micro-batches that only accumulate must not."""
        if stepping or not dist.is_distributed():
            return contextlib.nullcontext()
        return train_model.no_sync()

    def backward(self, loss):
        """Backward of ``loss`` unless it is non-finite on any rank; returns whether it was finite."""
        finite = torch.isfinite(loss.detach()).to(torch.int32)
        if dist.is_distributed():
            torch.distributed.all_reduce(finite, op=torch.distributed.ReduceOp.MIN)
        if not bool(finite):
            self.optimizer.zero_grad(set_to_none=True)
            return False
        loss = loss / self.accumulative_counts
        (self.scaler.scale(loss) if self.scaler else loss).backward()
        return True

    def step(self):
        """Unscale, clip, step, zero; returns ``{'grad_norm': norm before clipping}`` when clipping."""
        logged = {}
        if self.clip_grad:
            if self.scaler:
                self.scaler.unscale_(self.optimizer)
            params = [p for group in self.optimizer.param_groups for p in group['params']]
            logged['grad_norm'] = torch.nn.utils.clip_grad_norm_(params, **self.clip_grad)
        if self.scaler:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return logged

    def loss_scale(self):
        """The factor gradients carry between backward and ``step`` (1 without a GradScaler)."""
        return self.scaler.get_scale() if self.scaler else 1.0
