"""What a run says about itself at its start and at its end, so a log file answers on its own.

A log pasted into an issue, or found weeks later next to a checkpoint, should tell which code and
hardware made it, what was trained on how much data, and where the result went, without the
config or the shell history. The Runner logs ``training_banner`` when training starts,
``testing_banner`` when a test run starts, and ``closing_line`` when training ends; all on rank 0.
"""
import torch

from .. import __version__
from ..models.summary import count_parameters
from .hooks.checkpoint_hook import CheckpointHook


def describe_device(device):
    """``cpu (4 threads)`` or ``cuda:0 (NVIDIA H200)``: the device type alone does not tell
    whether a slow run had a GPU or which one."""
    if device.type == 'cuda':
        return f'{device} ({torch.cuda.get_device_name(device)})'
    if device.type == 'cpu':
        return f'cpu ({torch.get_num_threads()} threads)'
    return str(device)


def describe_amp(amp_dtype):
    if amp_dtype is None:
        return 'off'
    return {torch.bfloat16: 'bf16', torch.float16: 'fp16 with a GradScaler'}.get(amp_dtype, str(amp_dtype))


def describe_data(runner, splits):
    """``train 1437 / val 360 samples, 10 classes``: the sizes of those of ``splits`` ('train',
    'val', 'test') whose loaders the run has built."""
    loaders = [(split, getattr(runner, f'{split}_dataloader')) for split in splits]
    sizes = ' / '.join(f'{split} {len(loader.dataset)}' for split, loader in loaders if loader is not None)
    classes = f', {len(runner.class_names)} classes' if runner.class_names else ''
    return f'{sizes} samples{classes}'


def _environment(runner):
    return (f'vlrkit {__version__}, torch {torch.__version__} | device {describe_device(runner.device)}'
            f' | AMP {describe_amp(runner.amp_dtype)} | world size {runner.world_size}')


def _model(runner):
    trainable, total = count_parameters(runner.unwrapped_model)
    return (f'model: {type(runner.unwrapped_model).__name__}, {trainable:,} trainable / '
            f'{total:,} parameters')


def training_banner(runner):
    """The lines logged once when training starts."""
    return [f'{_environment(runner)} | seed {runner.seed}',
            f'work_dir: {runner.work_dir}',
            f"data: {describe_data(runner, ('train', 'val'))}",
            _model(runner)]


def testing_banner(runner):
    """The shorter lines of a test run: no seed or optimisation, only what produced the numbers."""
    return [_environment(runner),
            f"work_dir: {runner.work_dir} | data: {describe_data(runner, ('test',))}",
            _model(runner)]


def log_lines(runner, lines):
    """Log ``lines`` once, from rank 0: the other ranks' copies would only repeat them."""
    if runner.rank == 0:
        for line in lines:
            runner.logger.info(line)


def format_duration(seconds):
    """``45s``, ``3m12s``, ``2h05m``: as precise as a reader of a run's length needs."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f'{hours}h{minutes:02d}m'
    return f'{minutes}m{seconds:02d}s' if minutes else f'{seconds}s'


def closing_line(runner, seconds):
    """``Done in 3m12s: best voc/mAP 0.4120 at epoch 9 -> work_dirs/x/best_voc_mAP_epoch_9.pth``.

    The best checkpoint is the CheckpointHook's ``save_best`` choice; a run without one names its
    last checkpoint (``work_dir/last_checkpoint``, what ``--resume`` would continue).
    """
    done = f'Done in {format_duration(seconds)}'
    best = next((h for h in runner.hooks if isinstance(h, CheckpointHook) and h.best_file), None)
    if best is not None:
        at = f" at {'epoch' if runner.by_epoch else 'iter'} {best.best_step}" \
            if best.best_step is not None else ''   # a checkpoint of an older vlrkit lacks it
        return (f'{done}: best {best.best_key} {best.best_score:.4f}{at} -> '
                f'{runner.work_dir / best.best_file}')
    latest = runner.work_dir / 'last_checkpoint'
    if latest.is_file():
        return f'{done}: last checkpoint -> {runner.work_dir / latest.read_text().strip()}'
    return f'{done}: no checkpoint was written (no CheckpointHook); logs in {runner.work_dir}'
