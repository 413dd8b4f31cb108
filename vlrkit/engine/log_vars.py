"""``runner.log_vars``: an iteration's logged scalars, read from the device only when a hook asks.

Turning a CUDA tensor into a Python float waits for every kernel queued before it: done each
iteration, the host stops queueing work while the GPU drains, and the GPU then idles while the host
catches up. ``LogVars`` holds the detached device tensors instead; the first read of a value turns
all of them into floats with one ``stack().tolist()`` (one sync, whatever the number of keys), and
later reads use those floats. Hooks that log every ``interval`` iterations therefore cost one sync
per interval; a hook that needs values every iteration adds up ``tensors()`` on the device.
"""
from collections.abc import Mapping

import torch


class LogVars(Mapping):
    """A read-only mapping of names to floats over 0-d device tensors, converted on first read.

    Args:
        tensors: name -> 0-d tensor (or a Python number); detached, any floating dtype.
    """

    def __init__(self, tensors=None):
        self._tensors = dict(tensors or {})
        self._floats = None

    def tensors(self):
        """The values as 0-d float32 tensors on their device (no host sync), e.g. to sum a window."""
        return {k: torch.as_tensor(v).float() for k, v in self._tensors.items()}

    def _read(self):
        if self._floats is None:
            values = self.tensors().values()
            floats = torch.stack([v.to(self._device()) for v in values]).tolist() if values else []
            self._floats = dict(zip(self._tensors, floats))
        return self._floats

    def _device(self):
        return next((v.device for v in self._tensors.values() if isinstance(v, torch.Tensor)),
                    torch.device('cpu'))

    def __getitem__(self, key):
        if key not in self._tensors:
            raise KeyError(key)
        return self._read()[key]

    def __contains__(self, key):   # Mapping's default reads the value, which would sync
        return key in self._tensors

    def __iter__(self):
        return iter(self._tensors)

    def __len__(self):
        return len(self._tensors)

    def __repr__(self):
        state = 'read' if self._floats is not None else 'on device, unread'
        return f'LogVars({list(self._tensors)}, {state})'
