"""One optimizer step from a micro-batch's losses: the part of training that touches gradients.

It owns the GradScaler (fp16 only), gradient accumulation, clipping and the non-finite skip, so the
loop only says *which* iteration it is. The order inside a step is the one that keeps fp16 and
accumulation correct: backward of the scaled loss divided by ``accumulative_counts``; on the last
micro-batch of a group, unscale *before* clipping (the norm must be of the true gradients), then
step and clear the gradients.

A non-finite loss -- agreed on by every DDP rank (an all-reduce of the flag on the device), so
all ranks skip together -- makes its group's step a no-op, decided on the device: reading the flag
on the host would stall the GPU every iteration. On the CPU that read waits for nothing, so there
the step is simply not taken (no copies of the weights). On an accelerator, without a GradScaler,
the step snapshots the parameters it updates and their optimizer state, steps, and puts the
snapshot back where the flag says so (``torch.where``): weights and state are then bit for bit
those of the last good step. State that a skipped first step creates is put back to zeros, which
is what SGD (without dampening), Adam, AdamW and RMSprop start from. Optimizer state that is no
tensor on the parameters' device (a Python number, or Adam's step counter on the CPU for CUDA
weights unless ``capturable=True`` or ``fused=True``) can only be restored by reading the flag: one
sync in that step. With a GradScaler (fp16) torch's own ``scaler.step`` skips the step of
non-finite gradients, and it reads its inf flag on the host (a sync per step, torch's) and lowers
the scale after a skip. ``nonfinite_count`` counts the non-finite losses on the device;
NaNGuardHook reads it at its interval.
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
        self.nonfinite_count = None    # int64 device tensor once the first loss went backward
        self._group_finite = None      # 1 while every micro-batch of this group had a finite loss

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
        """Backward of ``loss`` (a non-finite one too: every rank runs the same collectives);
        returns the device flag, 1 where ``loss`` was finite on every rank."""
        finite = torch.isfinite(loss.detach()).to(torch.int32)
        if dist.is_distributed():
            torch.distributed.all_reduce(finite, op=torch.distributed.ReduceOp.MIN)
        if self.nonfinite_count is None:
            self.nonfinite_count = torch.zeros((), dtype=torch.int64, device=finite.device)
        self.nonfinite_count += 1 - finite
        self._group_finite = finite if self._group_finite is None else self._group_finite * finite
        loss = loss / self.accumulative_counts
        (self.scaler.scale(loss) if self.scaler else loss).backward()
        return finite

    def step(self):
        """Unscale, clip, step unless the group had a non-finite loss, zero; returns
        ``{'grad_norm': norm before clipping}`` when clipping."""
        logged = {}
        if self.clip_grad:
            if self.scaler:
                self.scaler.unscale_(self.optimizer)
            params = [p for group in self.optimizer.param_groups for p in group['params']]
            logged['grad_norm'] = torch.nn.utils.clip_grad_norm_(params, **self.clip_grad)
        if self.scaler:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        elif self.reads_flag_on_host(self._group_finite.device):
            if bool(self._group_finite):
                self.optimizer.step()
        else:
            self._step_where(self._group_finite.bool())
        self.optimizer.zero_grad(set_to_none=True)
        self._group_finite = None
        return logged

    @staticmethod
    def reads_flag_on_host(device):
        """Whether reading the finite flag on ``device`` is free: it is on the CPU, where there is no
        queue of device work to wait for."""
        return device.type == 'cpu'

    @torch.no_grad()
    def _step_where(self, finite):
        """``optimizer.step()``, kept only where the 0-d device flag ``finite`` is true."""
        params = [p for group in self.optimizer.param_groups for p in group['params'] if p.grad is not None]
        saved_params = [p.detach().clone() for p in params]
        saved_state = [{k: v.clone() if torch.is_tensor(v) else v
                        for k, v in self.optimizer.state.get(p, {}).items()} for p in params]
        self.optimizer.step()
        for param, saved in zip(params, saved_params):
            param.copy_(torch.where(finite, param, saved))
        on_host = []   # (state, key, value before the step or None): restored by reading the flag
        for param, saved in zip(params, saved_state):
            state = self.optimizer.state.get(param, {})
            for key, value in state.items():
                before = saved.get(key)
                if torch.is_tensor(value) and value.device == finite.device:
                    fresh = torch.zeros_like(value) if before is None else before
                    value.copy_(torch.where(finite, value, fresh))
                else:
                    on_host.append((state, key, before))
        if on_host and not bool(finite):   # one sync, where the state needs it (module docstring)
            for state, key, before in on_host:
                if before is not None:
                    state[key] = before
                elif torch.is_tensor(state[key]):
                    state[key] = torch.zeros_like(state[key])
                else:
                    del state[key]

    def loss_scale(self):
        """The factor gradients carry between backward and ``step`` (1 without a GradScaler)."""
        return self.scaler.get_scale() if self.scaler else 1.0
