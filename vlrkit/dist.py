"""torch.distributed set-up for runs started by torchrun, and the few collectives vlrkit needs.

torchrun exports RANK, LOCAL_RANK and WORLD_SIZE; reading them is all the "launcher" there is.
Every helper is a no-op in a single process, so models and evaluators call them unconditionally;
the module sits at the package root because the engine, models and evaluation all use it.
"""
import os
from contextlib import contextmanager

import torch
import torch.distributed as dist

from .errors import ConfigError


def init_distributed(device_type):
    """Join the process group torchrun prepared: NCCL on GPUs, gloo on CPUs. Returns (rank, world)."""
    if 'RANK' not in os.environ or 'WORLD_SIZE' not in os.environ:
        raise ConfigError('launcher=pytorch needs the RANK/WORLD_SIZE variables torchrun sets; start '
                           'the run with tools/dist_train.sh CONFIG NGPUS (or torchrun).')
    if not dist.is_initialized():
        backend = 'nccl' if device_type == 'cuda' else 'gloo'
        if device_type == 'cuda':
            torch.cuda.set_device(int(os.environ.get('LOCAL_RANK', 0)))
        dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size()


def is_distributed():
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def get_rank():
    return dist.get_rank() if is_distributed() else 0


def get_world_size():
    return dist.get_world_size() if is_distributed() else 1


def is_main_process():
    """True outside DDP and on rank 0: the one process that writes files."""
    return get_rank() == 0


def mean_over_ranks(tensor):
    """Mean of a tensor over DDP ranks (a copy; identity in a single process)."""
    if not is_distributed():
        return tensor
    tensor = tensor.clone()
    dist.all_reduce(tensor.div_(dist.get_world_size()))
    return tensor


def barrier():
    if is_distributed():
        dist.barrier()


def all_reduce_mean(values, device):
    """Average a dict of python floats over ranks (for logging: every rank logs the same losses)."""
    if not is_distributed() or not values:
        return values
    keys = sorted(values)
    stacked = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(stacked)
    stacked /= dist.get_world_size()
    return dict(zip(keys, stacked.tolist()))


def broadcast_from_main(value):
    """Rank 0's ``value`` (any picklable object) on every rank, so all ranks take one decision."""
    if not is_distributed():
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def on_every_rank(error):
    """Mark ``error`` as raised by every rank at once, on a decision rank 0 broadcast; returns it.

    Its report then waits for all ranks and is printed once, by rank 0 (``vlrkit.cli.friendly_errors``).
    """
    error.raised_on_every_rank = True
    return error


def raised_on_every_rank(error):
    return getattr(error, 'raised_on_every_rank', False)


def leave_process_group(together):
    """Destroy the process group; ``together``: first wait at a barrier for every rank.

    gloo's I/O threads abort the process (SIGABRT, "terminate called ...") when Python exits with
    the group alive, and also when a peer closes its sockets while this rank still talks to it: a
    rank that finished first (rank 1 skips the metrics file) used to tear down under rank 0. So a
    clean exit leaves together. After an error only this rank raised there is no barrier, since
    the other ranks may never reach it; torchrun stops them.
    """
    if together:
        barrier()
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


@contextmanager
def leave_process_group_at_exit():
    """Wrap work so every rank leaves the process group together (see ``leave_process_group``)."""
    try:
        yield
    except BaseException as err:
        leave_process_group(together=raised_on_every_rank(err))
        raise
    else:
        leave_process_group(together=True)
