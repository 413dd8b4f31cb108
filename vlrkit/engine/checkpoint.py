"""Checkpoint files: written atomically, read safely, by one writer and one reader.

``read_checkpoint`` is the only place vlrkit reads a checkpoint file -- its own checkpoints
(``load_from``, ``--resume``, tools/test.py) and foreign weights (a backbone's ``pretrained=``)
alike. A checkpoint is a plain dict of tensors and python primitives so that it loads with
``torch.load(weights_only=True)``, which refuses arbitrary pickled objects (a checkpoint from the
internet cannot run code). A killed save never leaves a half-written ``.pth``: the bytes go to a
temporary file in the same folder, which is renamed over the target only once complete. Weights
that are NaN or inf, and files that are no checkpoint at all, are refused with what they are.
"""
import os
import pickle
import random
from pathlib import Path

import numpy as np
import torch

from ..errors import UserError
from .work_dir import write_error, write_failure_in


class CheckpointError(UserError, RuntimeError):
    """A file is not a readable vlrkit checkpoint; the message names it and says what to do."""


class MissingCheckpointError(UserError, FileNotFoundError):
    """A checkpoint path names no file."""


class WorkDirInUseError(UserError, FileExistsError):
    """A fresh run was pointed at a work_dir that holds an earlier run's checkpoints."""


def save_checkpoint(checkpoint, path):
    atomic_write(Path(path), lambda f: torch.save(checkpoint, f))


def atomic_write(path, write):
    """``write(f)`` into ``.NAME.tmp-PID`` beside ``path``, then rename it over ``path``: a kill
    leaves the old file or the new one, never half of one (a killed save's temporary file is
    removed by the next run, work_dir.remove_stale_temporaries). A disk that is full or read-only
    is one ``WorkDirWriteError`` naming ``path``; the previous ``path`` is then untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f'.{path.name}.tmp-{os.getpid()}')
    try:
        with open(tmp, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except Exception as err:
        # torch.save turns a full disk into "RuntimeError: [enforce fail at inline_container.cc]
        # unexpected pos", the OSError only in its context: look down the chain.
        cause = write_failure_in(err, path.parent)
        if cause is not None:   # named as the file meant, not its temporary name
            raise write_error(cause, path) from err
        raise
    finally:
        if tmp.exists():
            tmp.unlink()


# What the first bytes of a file that is no PyTorch checkpoint say it is (the commonest mix-ups).
FILE_SIGNATURES = (
    (b'version https://git-lfs', 'a Git LFS pointer, not the file itself (run `git lfs pull`)'),
    (b'<', 'an HTML or XML page (a download that returned an error or log-in page?)'),
    (b'\x89HDF', 'an HDF5 file (Keras/TensorFlow .h5 weights?)'),
    (b'\x1f\x8b', 'gzip-compressed (unpack it first)'),
    (b'\x93NUMPY', 'a NumPy .npy array'),
    (b'{', 'JSON text'),
)


def describe_foreign_bytes(head):
    """None where ``head`` (a file's first bytes) can start a torch.save file -- a zip archive
    (``PK``) or a pickle (``0x80`` protocol byte) -- else what those bytes are."""
    if head[:2] == b'PK' or head[:1] == b'\x80':
        return None
    if not head:
        return 'the file is empty (an interrupted download or copy?)'
    if len(head) >= 9 and head[8:9] == b'{' and int.from_bytes(head[:8], 'little') < 100_000_000:
        return ('a safetensors file (read it with safetensors.torch.load_file and pass the dict '
                'to torch.save)')
    for signature, meaning in FILE_SIGNATURES:
        if head.lstrip()[:len(signature)] == signature:
            return meaning
    return 'no known format (random or corrupted bytes?)'


def read_checkpoint(path, map_location='cpu'):
    """Whatever ``path`` holds, loaded with ``torch.load(weights_only=True)``; refuse pickled code.

    A file whose first bytes cannot start a torch.save file is refused as what those bytes are
    (torch would call random bytes "pickled objects that could execute code", the wrong cause)."""
    path = Path(path)
    if not path.is_file():
        raise MissingCheckpointError(f'checkpoint {path} does not exist; check the path in your config')
    with open(path, 'rb') as f:
        head = f.read(64)
    foreign = describe_foreign_bytes(head)
    if foreign:
        raise CheckpointError(f'{path} is not a PyTorch checkpoint: its first bytes {head[:16]!r} '
                              f'are {foreign}; point to the .pth file written by torch.save')
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
    """A vlrkit checkpoint (``meta.vlrkit_version`` and ``state_dict``), read by ``read_checkpoint``,
    whose weights are all finite (``check_finite``)."""
    checkpoint = read_checkpoint(path, map_location)
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint or \
            'vlrkit_version' not in checkpoint.get('meta', {}):
        raise CheckpointError(
            f'{path} is not a vlrkit checkpoint (no meta.vlrkit_version / state_dict). To start from '
            f'foreign weights, use the backbone\'s pretrained= option or load_from a vlrkit checkpoint.')
    check_finite(checkpoint['state_dict'], path)
    return checkpoint


def check_finite(state_dict, path, shown=3):
    """Refuse weights holding NaN or inf: they load silently, then every prediction is NaN and
    every metric 0, or a resumed run diverges at once. (vlrkit never saves such a checkpoint
    itself: the NaN guard saves the weights before the bad step.)"""
    bad = {k: int((~torch.isfinite(v)).sum()) for k, v in state_dict.items()
           if torch.is_tensor(v) and v.is_floating_point() and not torch.isfinite(v).all()}
    if bad:
        named = '; '.join(f'{k} ({n} of {state_dict[k].numel()} values)' for k, n in list(bad.items())[:shown])
        raise CheckpointError(
            f'{path} holds NaN/inf weights in {len(bad)} tensors: {named}'
            f'{", ..." if len(bad) > shown else ""}. It was saved from a diverged run; use an '
            f'earlier checkpoint (a NaN-guarded run saves last_good_iter_*.pth)')


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
