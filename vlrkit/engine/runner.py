"""The generic Runner: builds everything a config names, then trains, validates and tests.

Everything optional (logging, TensorBoard, checkpoints, LR schedules, the NaN guard, pictures) is a
hook. The loop over the data is ``loops.TrainLoop``, the optimizer step ``optim_step.OptimStep``;
what stays here is building from config, device and DDP set-up, the forward of a training step,
evaluation and the checkpoint contents. Every attribute a hook may read is set in ``__init__``
(the list is in hooks/hook.py).
"""
import contextlib
import copy
import logging
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from .. import __version__
from ..config import Setting, config_name, config_text, dump_config, require_keys
from ..errors import ConfigError
from ..models.pretrained import load_state_dict_mapped
from ..registry import EVALUATORS, HOOKS, MODELS
from ..structures import move_to
from .. import dist
from .banner import closing_line, log_lines, testing_banner, training_banner
from .checkpoint import (WorkDirInUseError, atomic_write, check_fits, load_checkpoint_file,
                         rng_state, save_checkpoint, set_rng_state)
from .dataloader import build_dataloader
from .hooks.hook import priority_value
from .log_vars import LogVars
from .loops import EvalLoss, Progress, TrainLoop, eval_cfg
from .optim import build_optimizer, build_param_schedulers
from .optim_step import OptimStep
from .resume_overrides import apply_config_settings
from .work_dir import (WorkDirLock, WorkDirWriteError, locked_error, one_line_write_errors,
                       remove_stale_temporaries, run_in_work_dir)

# Every top-level config key the Runner (and its loop and optimizer step) reads; config.py takes
# a near-miss of one for a typo. tests/test_engine_registry_config.py checks the list against the
# code, so a new key read without being listed here fails the tests.
CONFIG_KEYS = (
    'model', 'env_cfg', 'launcher', 'work_dir', 'amp', 'default_hooks', 'custom_hooks',
    'train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler', 'val_dataloader',
    'val_evaluator', 'test_dataloader', 'test_evaluator', 'load_from', 'resume', 'work_dir_exists',
    'val_cfg', 'test_cfg',
)

# What a fresh run does with a work_dir that holds an earlier run's checkpoints (``work_dir_exists``,
# tools/train.py --work-dir-exists): stop, write to a new time-named sub-folder, or delete them.
WORK_DIR_EXISTS = ('error', 'timestamp', 'overwrite')
# How the processes were started: one plain process, or torchrun (tools/dist_train.sh).
LAUNCHERS = ('none', 'pytorch')

# What the top-level scalars take, as the Runner reads them (__init__, train, _claim_work_dir);
# config.py checks a config against it when it loads, naming the file. The Runner's own checks of
# amp, launcher and work_dir_exists stay for a config changed after loading.
TOP_LEVEL_SETTINGS = dict(
    launcher=Setting(str, choices=LAUNCHERS),
    amp=Setting((bool, str), optional=True, choices=(False, True, 'bf16', 'fp16')),
    work_dir=Setting((str, os.PathLike), optional=True),
    load_from=Setting((str, os.PathLike), optional=True),
    resume=Setting((bool, str, os.PathLike), optional=True),
    work_dir_exists=Setting(str, optional=True, choices=WORK_DIR_EXISTS),
)

# What env_cfg takes, as __init__ reads it (tests/configs/test_config_validation.py checks the names
# against the code); config.py checks a config against it when it loads.
ENV_CFG_KEYS = dict(device=Setting(str), seed=Setting(int), deterministic=Setting(bool),
                    cudnn_benchmark=Setting(bool), channels_last=Setting(bool), compile=Setting(bool))


def check_class_count(model, dataset, loader_key):
    """A head predicting K classes on a dataset of N != K classes trains without error to mAP 0
    (labels beyond K never match, or half the outputs never see a positive): refuse it at build
    time. Models without ``head.num_classes`` and datasets without ``class_names`` are not checked."""
    num_classes = getattr(getattr(model, 'head', None), 'num_classes', None)
    class_names = getattr(dataset, 'class_names', None)
    if num_classes is None or class_names is None or num_classes == len(class_names):
        return
    shown = ', '.join(map(str, class_names[:5])) + (', ...' if len(class_names) > 5 else '')
    raise ConfigError(
        f'model.head.num_classes={num_classes} but {loader_key}.dataset ({type(dataset).__name__}) '
        f'has {len(class_names)} classes ({shown}); set model.head.num_classes={len(class_names)}, '
        f'or give the dataset the {num_classes} classes the model predicts '
        f'({loader_key}.dataset.classes=...)')


class _LossForward(torch.nn.Module):
    """DDP synchronises gradients only for work done inside its ``forward``; route ``loss`` there."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, batch):
        return self.model.loss(batch)


def predictions_to_host(preds):
    """Predictions (a list of dicts of tensors) on the CPU, floats as float32; and the CUDA event
    after which they are there, or None when they already are.

    From a GPU the copies go into pinned buffers without blocking, so the GPU predicts the next
    batch while the host's evaluators work on this one (``Runner.evaluate`` processes a batch
    one batch late, after ``event.synchronize()``); a blocking ``.cpu()`` per tensor would wait
    for the device each time. Tensors already on the CPU pass as they are.
    """
    def host(value):
        value = value.detach()
        dtype = torch.float32 if torch.is_floating_point(value) else value.dtype
        if value.device.type != 'cuda':
            return value.to(dtype)
        pinned = torch.empty(value.shape, dtype=dtype, pin_memory=True)
        return pinned.copy_(value.to(dtype), non_blocking=True)

    on_host = [{k: host(v) for k, v in p.items()} for p in preds]
    if not any(v.device.type == 'cuda' for p in preds for v in p.values()):
        return on_host, None
    event = torch.cuda.Event()
    event.record()
    return on_host, event


def _process_when_copied(evaluators, batch, preds, copied):
    """Each evaluator's ``process`` of a batch, once its predictions' copies (``copied``, a CUDA
    event or None) are done."""
    if copied is not None:
        copied.synchronize()
    for evaluator in evaluators:
        evaluator.process(batch, preds)


class Runner:

    def __init__(self, cfg):
        self.cfg = cfg
        require_keys(cfg, ['model'], 'the Runner')
        env_cfg = self.cfg.get('env_cfg', {})
        self.device, self.rank, self.world_size = self._setup_device(
            env_cfg, self.cfg.get('launcher', 'none'))
        self.seed = env_cfg.get('seed', 0)
        deterministic = env_cfg.get('deterministic', False)
        self._set_seed(self.seed, deterministic)
        self._set_cudnn_benchmark(env_cfg.get('cudnn_benchmark', False), deterministic)
        self.work_dir = Path(self.cfg.get('work_dir') or Path('work_dirs') / config_name(self.cfg))
        self.work_dir_lock = WorkDirLock(self.work_dir)
        stale = self._lock_work_dir()
        self.logger = self._build_logger()
        if stale:
            self.logger.info(f'removed {len(stale)} temporary files of interrupted saves in '
                             f'{self.work_dir}: {", ".join(stale)}')
        self.amp_dtype = self._amp_dtype(self.cfg.get('amp'))
        self.channels_last = env_cfg.get('channels_last', False)

        model = MODELS.build(copy.deepcopy(self.cfg.model)).to(self.device)
        if self.channels_last:
            model = model.to(memory_format=torch.channels_last)
        self.compile = env_cfg.get('compile', False)   # applied to the loss forward by train()
        self.model = model
        self.train_dataloader = self.val_dataloader = self.test_dataloader = None
        self.val_evaluators, self.test_evaluators = [], []
        self.val_cfg = eval_cfg(self.cfg.get('val_cfg'), 'val_cfg')      # compute_loss
        self.test_cfg = eval_cfg(self.cfg.get('test_cfg'), 'test_cfg')
        self.class_names = None
        # Set by train(): the loop's decisions, the optimizer and the DDP-wrapped loss forward.
        self.by_epoch, self.max_epochs, self.max_iters = True, 0, 0
        self.optimizer, self.param_schedulers, self.optim_step = None, [], None
        self.train_model = None
        # Written by the loop and train_step only, read by hooks and checkpoints.
        self.progress = Progress()
        self.log_vars = LogVars()
        self._loss_finite = torch.ones((), dtype=torch.int32)   # the last step's device flag
        self.data_time = self.iter_time = 0.0
        self.epoch_time, self.train_metrics = 0.0, {}   # of the epoch just ended
        self.train_eval_dataloader, self.train_evaluators = None, []
        self._writer = None
        self.hooks = self._build_hooks(self.cfg.get('default_hooks', {}), self.cfg.get('custom_hooks', []))
        if not self.cfg.get('default_hooks'):
            # The one list of default hooks is the config's (configs/_base_/default_runtime.py).
            self.logger.warning('this config names no default_hooks, so the run writes no checkpoint '
                                'and no log; inherit configs/_base_/default_runtime.py to get them')

    @classmethod
    def from_cfg(cls, cfg):
        return cls(cfg)

    # ------------------------------------------------------------------ set-up
    @staticmethod
    def _setup_device(env_cfg, launcher):
        requested = env_cfg.get('device', 'auto')
        device_type = ('cuda' if torch.cuda.is_available() else 'cpu') if requested == 'auto' \
            else torch.device(requested).type
        if launcher == 'pytorch':
            rank, world_size = dist.init_distributed(device_type)
            local_rank = int(os.environ.get('LOCAL_RANK', 0))
            device = torch.device(device_type, local_rank) if device_type == 'cuda' else torch.device('cpu')
            return device, rank, world_size
        if launcher != 'none':
            raise ConfigError(f"launcher={launcher!r}; use 'none' or 'pytorch' (torchrun)")
        return torch.device(requested if requested != 'auto' else device_type), 0, 1

    @staticmethod
    def _set_seed(seed, deterministic):
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
            os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')

    @staticmethod
    def _set_cudnn_benchmark(benchmark, deterministic):
        """cuDNN tries the convolution algorithms of each new input shape and keeps the fastest:
        a gain when every batch has the same size (fixed-size inputs), a cost when sizes vary (each
        new shape is tried again). Off under ``deterministic``: the choice may differ run to run."""
        torch.backends.cudnn.benchmark = bool(benchmark) and not deterministic

    def _lock_work_dir(self):
        """Create and lock the work_dir before anything is written there, so that a second run into
        it is refused with the first run untouched (vlrkit/engine/work_dir.py); then clear what
        killed saves left. Rank 0 locks and sends its answer, so every rank refuses together.
        Returns the names removed."""
        refusal = None
        if self.rank == 0:
            try:
                with one_line_write_errors(self.work_dir):
                    self.work_dir.mkdir(parents=True, exist_ok=True)
                    holder = self.work_dir_lock.acquire()
                refusal = holder and locked_error(self.work_dir, holder)
            except WorkDirWriteError as err:
                refusal = err
        refusal = dist.broadcast_from_main(refusal)
        if refusal:
            raise dist.on_every_rank(refusal)
        return remove_stale_temporaries(self.work_dir) if self.rank == 0 else []

    def _amp_dtype(self, amp):
        if amp in (None, False):
            return None
        if amp in (True, 'bf16'):
            return torch.bfloat16
        if amp == 'fp16':
            if self.device.type != 'cuda':
                raise ConfigError("amp='fp16' needs a CUDA device (it uses a GradScaler); use amp='bf16' on CPU")
            return torch.float16
        raise ConfigError(f"amp={amp!r}; use None, 'bf16' or 'fp16'")

    def _build_logger(self):
        logger = logging.getLogger('vlrkit')
        logger.handlers.clear()
        logger.setLevel(logging.INFO if self.rank == 0 else logging.WARNING)
        fmt = logging.Formatter('%(asctime)s %(levelname)s %(message)s', '%m/%d %H:%M:%S')
        from .hooks.logger_hook import TqdmAwareHandler
        console = TqdmAwareHandler()
        console.setFormatter(fmt)
        logger.addHandler(console)
        if self.rank == 0:
            file_handler = logging.FileHandler(self.work_dir / 'run.log')
            file_handler.setFormatter(fmt)
            logger.addHandler(file_handler)
        return logger

    @staticmethod
    def _build_hooks(default_cfg, custom_cfgs):
        """``default_hooks`` (configs/_base_/default_runtime.py names them; ``name=None`` drops one)
        then ``custom_hooks``, sorted by priority."""
        hooks = []
        named = [dict(c) for c in dict(default_cfg).values() if c is not None]
        for hook_cfg in named + [dict(c) for c in custom_cfgs]:
            hook_cfg = copy.deepcopy(hook_cfg)
            priority = hook_cfg.pop('priority', None)
            hook = HOOKS.build(hook_cfg)
            hook.priority = priority if priority is not None else hook.priority
            hooks.append(hook)
        return sorted(hooks, key=lambda h: priority_value(h.priority))

    def build_dataloader(self, loader_cfg, shuffle=False):
        return build_dataloader(loader_cfg, self.rank, self.world_size, self.seed, self.device, shuffle)

    def build_evaluators(self, evaluator_cfg):
        """Evaluators from a config (one dict or a list), analyses bound to the model they probe."""
        cfgs = evaluator_cfg if isinstance(evaluator_cfg, (list, tuple)) else [evaluator_cfg]
        evaluators = [EVALUATORS.build(copy.deepcopy(c)) for c in cfgs if c]
        for evaluator in evaluators:
            if getattr(evaluator, 'requires_model', False):   # analyses probe the model itself
                evaluator.bind(self.unwrapped_model)
        return evaluators

    @property
    def unwrapped_model(self):
        return self.model

    @property
    def writer(self):
        """TensorBoard writer on rank 0 (``work_dir/tensorboard``), None on other ranks."""
        if self._writer is None and self.rank == 0:
            from torch.utils.tensorboard import SummaryWriter
            self._writer = SummaryWriter(str(self.work_dir / 'tensorboard'))
        return self._writer

    def call_hook(self, stage, **kwargs):
        for hook in self.hooks:
            getattr(hook, stage)(self, **kwargs)

    # ------------------------------------------------------------------ training
    @run_in_work_dir
    def train(self):
        started = time.perf_counter()
        require_keys(self.cfg, ['train_dataloader'], 'training')
        self.train_dataloader = self.build_dataloader(self.cfg.train_dataloader, shuffle=True)
        check_class_count(self.model, self.train_dataloader.dataset, 'train_dataloader')
        self.class_names = getattr(self.train_dataloader.dataset, 'class_names', None)
        loop = TrainLoop(self, self.train_dataloader, dict(self.cfg.get('train_cfg', {})))
        self.by_epoch, self.max_epochs, self.max_iters = loop.by_epoch, loop.max_epochs, loop.max_iters
        if self.cfg.get('val_dataloader') and self.cfg.get('val_evaluator') and loop.val_interval > 0:
            self.val_dataloader = self.build_dataloader(self.cfg.val_dataloader)
            check_class_count(self.model, self.val_dataloader.dataset, 'val_dataloader')
            self.val_evaluators = self.build_evaluators(self.cfg.val_evaluator)
        optim_cfg = self.cfg.get('optim_wrapper', {})
        self.optimizer = build_optimizer(self.model, optim_cfg)
        self.param_schedulers = build_param_schedulers(self.optimizer, self.cfg.get('param_scheduler'))
        self.optim_step = OptimStep(self.optimizer, optim_cfg.get('clip_grad'),
                                    optim_cfg.get('accumulative_counts', 1),
                                    fp16=self.amp_dtype == torch.float16)
        self.train_model = _LossForward(self.model)
        if dist.is_distributed():
            device_ids = [self.device.index] if self.device.type == 'cuda' else None
            self.train_model = DistributedDataParallel(self.train_model, device_ids=device_ids)
        if self.compile:
            # The loss forward is what training runs; compiled in place, so the model's own
            # state_dict (checkpoints) keeps its keys, without ``_orig_mod.`` prefixes.
            self.train_model.compile()

        resumed = bool(self.cfg.get('resume')) and \
            self.resume(None if self.cfg.resume is True else self.cfg.resume)
        if not resumed and self.cfg.get('load_from'):
            self.load_checkpoint(self.cfg.load_from)
        elif not resumed:
            self._claim_work_dir()
        self._dump_config(resumed)
        log_lines(self, training_banner(self))
        self.call_hook('before_run')
        try:
            loop.run()
        finally:
            self.call_hook('after_run')
            self._close_writer()
        log_lines(self, [closing_line(self, time.perf_counter() - started)])
        return self.model

    def _autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def _to_device(self, batch):
        batch = move_to(batch, self.device)
        if self.channels_last:
            batch['images'] = batch['images'].contiguous(memory_format=torch.channels_last)
        return batch

    def train_step(self, batch):
        """Forward under autocast, then the OptimStep's backward and (when the accumulation group
        is complete) its step, which a non-finite loss makes a no-op on the device. Sets
        ``log_vars`` (device tensors, read when a hook asks) and the flag behind
        ``loss_is_finite``; reads nothing back from the device. Returns ``model.loss``'s dict."""
        batch = self._to_device(batch)
        stepping = self.optim_step.steps_at(self.progress.iter + 1, self.max_iters)
        with self.optim_step.sync_context(self.train_model, stepping):
            with self._autocast():
                losses = self.train_model(batch)
            loss = sum(v for k, v in losses.items() if k.startswith('loss'))
            self._loss_finite = self.optim_step.backward(loss)
        logged = {k: v.detach().float().mean() for k, v in losses.items()}
        logged['loss'] = loss.detach().float()
        if stepping:
            logged.update(self.optim_step.step())
        self.log_vars = LogVars(logged)
        return losses

    @property
    def loss_is_finite(self):
        """Whether this iteration's loss was finite on every rank (its step was then taken).
        Reading it waits for the device; NaNGuardHook reads ``optim_step.nonfinite_count`` at
        its interval instead."""
        return bool(self._loss_finite)

    # ------------------------------------------------------------------ evaluation
    def val(self):
        if self.val_dataloader is None:
            return {}
        self.call_hook('before_val')
        metrics = self.evaluate(self.val_dataloader, self.val_evaluators, **self.val_cfg)
        self.call_hook('after_val', metrics=metrics)
        return metrics

    @run_in_work_dir
    def test(self):
        if self.test_dataloader is None:
            require_keys(self.cfg, ['test_dataloader', 'test_evaluator'], 'testing')
            self.test_dataloader = self.build_dataloader(self.cfg.test_dataloader)
            check_class_count(self.model, self.test_dataloader.dataset, 'test_dataloader')
            self.test_evaluators = self.build_evaluators(self.cfg.test_evaluator)
        self.class_names = self.class_names or getattr(self.test_dataloader.dataset, 'class_names', None)
        log_lines(self, testing_banner(self))
        self.call_hook('before_test')
        metrics = self.evaluate(self.test_dataloader, self.test_evaluators, **self.test_cfg)
        self.call_hook('after_test', metrics=metrics)
        self._close_writer()
        return metrics

    def _close_writer(self):
        """Flush and close TensorBoard's writer: its background thread would otherwise outlive the
        run (and write into a work_dir that a relative path no longer names). The next use opens a
        new one."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def build_train_eval(self):
        """The loader and evaluators of ``train_eval``; the TrainLoop builds them before the first
        epoch when ``train_cfg.train_eval_interval`` asks for them, so a config that cannot have
        them fails before training.

        The loader reads ``train_dataloader``'s dataset through the val pipeline (no augmentation:
        the numbers compare with the val ones), in order, batched like ``val_dataloader``; a
        ``LoadProposals`` step stays the training split's (proposal files are per split).
        """
        loader_cfg, evaluator_cfg = self.cfg.get('val_dataloader'), self.cfg.get('val_evaluator')
        if not loader_cfg or not evaluator_cfg:
            raise ConfigError('train_cfg.train_eval_interval evaluates the training set with the '
                              'val pipeline and evaluators: the config needs val_dataloader and '
                              'val_evaluator (or set train_eval_interval=0)')
        self.train_eval_dataloader = self.build_dataloader(
            self._train_eval_loader_cfg(self.cfg.train_dataloader, loader_cfg))
        self.train_evaluators = self.build_evaluators(evaluator_cfg)

    def train_eval(self):
        """The val evaluators' metrics on the training set; their files go to ``work_dir/train_eval``."""
        if self.train_eval_dataloader is None:
            self.build_train_eval()
        return self.evaluate(self.train_eval_dataloader, self.train_evaluators,
                             out_dir=self.work_dir / 'train_eval')

    @staticmethod
    def _train_eval_loader_cfg(train_loader, val_loader):
        """``val_loader`` with ``train_loader``'s dataset, which gets the val pipeline (also each
        part of a ConcatDataset); not shuffled."""
        val_pipeline = val_loader['dataset'].get('pipeline')

        def with_val_pipeline(dataset):
            dataset = dict(dataset)
            if 'datasets' in dataset:
                dataset['datasets'] = [with_val_pipeline(d) for d in dataset['datasets']]
            if val_pipeline is not None and 'pipeline' in dataset:
                proposals = [t for t in dataset['pipeline'] if t.get('type') == 'LoadProposals']
                dataset['pipeline'] = [proposals[0] if proposals and t.get('type') == 'LoadProposals'
                                       else t for t in copy.deepcopy(val_pipeline)]
            return dataset

        return {**copy.deepcopy(dict(val_loader)), 'shuffle': False,
                'dataset': with_val_pipeline(copy.deepcopy(train_loader['dataset']))}

    @torch.no_grad()
    def evaluate(self, loader, evaluators, compute_loss=False, out_dir=None):
        """Predict over ``loader`` and return the evaluators' merged metric dicts, then, with
        ``compute_loss``, the model's mean loss on the same batches (``loss``, ``loss_cls``, ...:
        see ``loops.EvalLoss``). The losses come after the metrics, so that
        ``CheckpointHook(save_best='auto')`` still picks the first metric.

        The loss is the training step's ``model.loss`` in eval mode (no dropout, BatchNorm's
        running statistics), one more forward per batch. Each evaluator gets the run's context in
        one ``set_context`` call, then computes on rank 0; every rank returns the same dict.
        ``out_dir``: where the evaluators write files instead of the work_dir, without TensorBoard
        figures (the training set's pass: its figures would replace the validation's).
        """
        from ..evaluation.metric import EvalContext  # vlrkit.evaluation loads every evaluator: only here
        was_training = self.model.training
        self.model.eval()
        eval_loss = EvalLoss(len(loader.dataset), self.rank, self.world_size) if compute_loss else None
        pending = None     # the previous batch, its predictions on their way to the host
        for batch in loader:
            on_device = self._to_device(batch)
            with self._autocast():
                preds = self.model.predict(on_device)
                real = eval_loss.real_part(on_device) if eval_loss is not None else None
                if real is not None:
                    eval_loss.add(self.model.loss(real), real)
            if pending is not None:
                _process_when_copied(evaluators, *pending)
            pending = (batch, *predictions_to_host(preds))
        if pending is not None:
            _process_when_copied(evaluators, *pending)
        context = EvalContext(
            work_dir=out_dir or self.work_dir, writer=None if out_dir else self.writer,
            step=self.progress.iter,
            class_names=self.class_names or getattr(loader.dataset, 'class_names', None),
            rank=self.rank, world_size=self.world_size)
        metrics = {}
        for evaluator in evaluators:
            metrics.update(evaluator.set_context(context).compute(size=len(loader.dataset)))
        if eval_loss is not None:
            metrics.update(eval_loss.compute(self.device))
        self.model.train(was_training)
        return metrics

    # ------------------------------------------------------------------ checkpoints
    def checkpoint_dict(self):
        hook_states = {type(h).__name__: h.state_dict() for h in self.hooks if h.state_dict()}
        scaler = self.optim_step.scaler if self.optim_step else None
        return {
            'meta': dict(vlrkit_version=__version__, config=config_text(self.cfg), seed=self.seed,
                         class_names=list(self.class_names or []), **self.progress.to_meta()),
            'state_dict': self.unwrapped_model.state_dict(),
            'optimizer': self.optimizer.state_dict() if self.optimizer else None,
            'param_schedulers': [s.state_dict() for s, _ in self.param_schedulers],
            'scaler': scaler.state_dict() if scaler else None,
            'rng': rng_state(),
            'hooks': hook_states,
        }

    def save_checkpoint(self, filename):
        """Write ``work_dir/filename`` on rank 0 and record it as the latest for ``--resume``."""
        if self.rank == 0:
            checkpoint = self.checkpoint_dict()
            self.call_hook('before_save_checkpoint', checkpoint=checkpoint)
            save_checkpoint(checkpoint, self.work_dir / filename)
            atomic_write(self.work_dir / 'last_checkpoint', lambda f: f.write(filename.encode()))
        dist.barrier()
        return self.work_dir / filename

    def load_checkpoint(self, path):
        """Load model weights only (``load_from``, tools/test.py); the class names come along.

        Strictly: a vlrkit checkpoint must fit this config's model key for key and shape for shape
        (the policy is in docs/runner.md, "Loading weights")."""
        checkpoint = load_checkpoint_file(path, map_location=self.device)
        check_fits(checkpoint['state_dict'], self.unwrapped_model.state_dict(), path)
        load_state_dict_mapped(self.unwrapped_model, checkpoint['state_dict'], strict=True,
                               source=str(path), logger=self.logger)
        self.class_names = checkpoint['meta'].get('class_names') or self.class_names
        return checkpoint

    def resume(self, path=None):
        """Restore everything: weights, optimizer, schedulers, scaler, progress, RNG, hook states;
        the optimizer settings this run's config changed (a lower ``lr``) win, logged
        (resume_overrides.py).

        With no ``path``, resume the work_dir's latest checkpoint; where there is none, warn and
        return False so that ``train`` starts a fresh run (as mmdetection does: ``--resume`` can
        stay in a launch script from the first run on). True once resumed.
        """
        if path is None:
            latest = self.work_dir / 'last_checkpoint'
            if not latest.is_file():
                self.logger.warning(f'--resume: no checkpoint to resume in {self.work_dir} (no '
                                    f'last_checkpoint file); starting a fresh run')
                return False
            path = self.work_dir / latest.read_text().strip()
        checkpoint = self.load_checkpoint(path)
        fresh_groups = [dict(group) for group in self.optimizer.param_groups]
        self.optimizer.load_state_dict(checkpoint['optimizer'])
        for (scheduler, _), state in zip(self.param_schedulers, checkpoint['param_schedulers']):
            scheduler.load_state_dict(state)
        for key, old, new in apply_config_settings(self.optimizer, self.param_schedulers, fresh_groups,
                                                   self.cfg.get('optim_wrapper', {}).get('optimizer', {})):
            self.logger.info(f'optim_wrapper.optimizer.{key}: {old} (checkpoint) -> {new} (this '
                             f"run's config, --cfg-options included)")
        if self.optim_step.scaler and checkpoint.get('scaler'):
            self.optim_step.scaler.load_state_dict(checkpoint['scaler'])
        self.progress = Progress.from_meta(checkpoint['meta'])
        set_rng_state(checkpoint['rng'])
        for hook in self.hooks:
            hook.load_state_dict(checkpoint['hooks'].get(type(hook).__name__, {}))
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        self.logger.info(f'resumed from {path} at epoch {self.progress.epoch}, '
                         f'iteration {self.progress.iter}')
        return True

    def _claim_work_dir(self):
        """A fresh run never mixes its checkpoints with an earlier run's in the same work_dir.

        ``work_dir_exists`` (one of ``WORK_DIR_EXISTS``) says what happens when the work_dir holds
        ``*.pth`` files. Rank 0 looks at the folder and decides for every rank, so all ranks take
        the same road: on a refusal every rank raises the same error, marked ``dist.on_every_rank``
        so that the tools print it once, from rank 0, and every rank exits after that with status 2,
        instead of training on into a dead process group.
        """
        policy = self.cfg.get('work_dir_exists') or 'error'
        if policy not in WORK_DIR_EXISTS:
            raise ConfigError(f"work_dir_exists={policy!r}; use one of {', '.join(WORK_DIR_EXISTS)}")
        seen = (sorted(p.name for p in self.work_dir.glob('*.pth')), time.strftime('%Y%m%d_%H%M%S')) \
            if self.rank == 0 else None
        old, stamp = dist.broadcast_from_main(seen)
        if not old:
            return
        if policy == 'error':
            raise dist.on_every_rank(WorkDirInUseError(
                f'{self.work_dir} already holds checkpoints of an earlier run (nothing was '
                f'overwritten); pass --resume to continue it, --work-dir-exists timestamp to write '
                f'this run to a new sub-folder, --work-dir-exists overwrite to delete them, or '
                f'choose another --work-dir'))
        if policy == 'timestamp':
            earlier, self.work_dir = self.work_dir, self.work_dir / stamp
            self.work_dir.mkdir(parents=True, exist_ok=True)
            self.logger = self._build_logger()
            self.logger.info(f'{earlier} holds checkpoints of an earlier run; this run writes to '
                             f'{self.work_dir}')
            return
        if self.rank == 0:
            self.logger.warning(f'--work-dir-exists overwrite: deleting the {len(old)} checkpoints of '
                                f'an earlier run in {self.work_dir}: {", ".join(old)}')
            for name in [*old, 'last_checkpoint']:
                (self.work_dir / name).unlink(missing_ok=True)
        dist.barrier()

    def _dump_config(self, resumed):
        if self.rank == 0:
            stamp = time.strftime('%Y%m%d_%H%M%S')
            name = f'resumed_{stamp}.py' if resumed else f'{config_name(self.cfg)}.py'
            dump_config(self.cfg, self.work_dir / name)
