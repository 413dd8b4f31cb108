"""Checkpoint files: written atomically, read safely, by one writer and one reader.

``read_checkpoint`` is the only place vlrkit reads a checkpoint file -- its own checkpoints
(``load_from``, ``--resume``, tools/test.py) and foreign weights (a backbone's ``pretrained=``)
alike. A checkpoint is a plain dict of tensors and python primitives so that it loads with
``torch.load(weights_only=True)``, which refuses arbitrary pickled objects (a checkpoint from the
internet cannot run code). A killed save never leaves a half-written ``.pth``: the bytes go to a
temporary file in the same folder, which is renamed over the target only once complete.
"""
import os
import pickle
import random
from pathlib import Path

import numpy as np
import torch

from ..errors import UserError


class CheckpointError(UserError, RuntimeError):
    """A file is not a readable vlrkit checkpoint; the message names it and says what to do."""


class MissingCheckpointError(UserError, FileNotFoundError):
    """A checkpoint path names no file."""


class WorkDirInUseError(UserError, FileExistsError):
    """A fresh run was pointed at a work_dir that holds an earlier run's checkpoints."""


def save_checkpoint(checkpoint, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f'.{path.name}.tmp-{os.getpid()}')
    try:
        with open(tmp, 'wb') as f:
            torch.save(checkpoint, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def read_checkpoint(path, map_location='cpu'):
    """Whatever ``path`` holds, loaded with ``torch.load(weights_only=True)``; refuse pickled code."""
    path = Path(path)
    if not path.is_file():
        raise MissingCheckpointError(f'checkpoint {path} does not exist; check the path in your config')
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            f'refusing to load {path}: it contains pickled Python objects beyond tensors and plain '
            f'containers, which could execute code. Only load checkpoints you trust; re-save its '
            f'state_dict with torch.save(model.state_dict()) to use it. ({str(err).splitlines()[0]})'
        ) from err
    except (RuntimeError, EOFError, OSError) as err:
        raise CheckpointError(f'{path} is not a readable PyTorch checkpoint '
                              f'(truncated or another format? download it again): {err}') from err


def load_checkpoint_file(path, map_location='cpu'):
    """A vlrkit checkpoint (``meta.vlrkit_version`` and ``state_dict``), read by ``read_checkpoint``."""
    checkpoint = read_checkpoint(path, map_location)
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint or \
            'vlrkit_version' not in checkpoint.get('meta', {}):
        raise CheckpointError(
            f'{path} is not a vlrkit checkpoint (no meta.vlrkit_version / state_dict). To start from '
            f'foreign weights, use the backbone\'s pretrained= option or load_from a vlrkit checkpoint.')
    return checkpoint


def check_fits(state_dict, model_state, path, shown=3):
    """Refuse, in one line and before any tensor is copied, a checkpoint whose weights do not fit
    the model key for key and shape for shape (a checkpoint of another model or another
    ``num_classes``): the first keys at fault are named with both shapes, instead of torch's
    multi-line "size mismatch" report or a half-loaded model."""
    groups = (
        ('shape mismatch', [f'{k} {tuple(v.shape)} in the checkpoint vs {tuple(model_state[k].shape)} '
                            f'in the model' for k, v in state_dict.items()
                            if k in model_state and v.shape != model_state[k].shape]),
        ('missing in checkpoint', [k for k in model_state if k not in state_dict]),
        ('unexpected in checkpoint', [k for k in state_dict if k not in model_state]))
    problems = [f'{len(keys)} {what}: {"; ".join(keys[:shown])}' + (', ...' if len(keys) > shown else '')
                for what, keys in groups if keys]
    if problems:
        raise CheckpointError(f'{path} does not fit this config\'s model ({". ".join(problems)}); use '
                              f'the config it was trained with (e.g. the same model.head.num_classes)')


def rng_state():
    """Every random generator a training step touches, in weights_only-safe types."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = {'torch': torch.get_rng_state(), 'python': random.getstate(),
             'numpy': {'name': name, 'keys': torch.from_numpy(keys.astype(np.int64)), 'pos': pos,
                       'has_gauss': has_gauss, 'cached_gaussian': cached}}
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state):
    torch.set_rng_state(state['torch'])
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    np_state = state['numpy']
    np.random.set_state((np_state['name'], np_state['keys'].numpy().astype(np.uint32),
                         np_state['pos'], np_state['has_gauss'], np_state['cached_gaussian']))
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])
