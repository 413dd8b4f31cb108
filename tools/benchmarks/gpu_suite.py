"""The device benchmark: everything issue 15 asks a GPU to answer, in one run of at most 8 minutes.

    python tools/benchmark.py gpu_suite [--out gpu_suite.json]      # the GPU run
    python tools/benchmark.py gpu_suite --quick                      # smoke size: CPU, < 60 s

Rows (docs/benchmarks.md, "GPU suite", says what each means and the goals):
- ``fcos_train b<N> <mode>``: train images/s of vlrkit's FCOS and torchvision's FCOS built alike
  (ResNet-18, FPN-64 P3-P5, GN towers; ``_fcos_peer``) at 224 px, batch 16 and 64, in fp32, bf16,
  fp16, channels_last and compiled; the two take turns step by step; peak memory of each.
- ``fcos_recipe_train b16 <mode>``: the 2024 course recipe's own model (configs/fcos_voc.py:
  RegNetX-400MF trunk), vlrkit only, fp32 and bf16; the projection reads it.
- ``cls_e2e b<N>``: ResNet-18 classification at 224 px trained through the Runner with the real
  loader (workers 'auto', mmap decode cache) against the same ``Runner.train_step`` on one batch
  already on the device (the bound); the ratio is the loader's efficiency. GPU utilisation is
  sampled during the measured iterations (pynvml, else ``nvidia-smi`` polling, else n/a).
- ``fcos_eval``: images/s of ``Runner.test`` (tools/test.py's path) on the recipe's model.
- ``wsddn_train b<N>``: the WSDDN demo model trained on N demo images with their selective search
  proposals in one batched step against N one-image steps, the course code's shape
  (``wsddn_throughput``); goal >= 1.5x, which a CPU does not reach (docs/benchmarks.md).
- ``projection``: minutes for the recipe's 9,000 iterations x 16 images from the measured rate,
  next to the course's ~30 minute budget and the issue's 2 minute goal.

A mode the device lacks (fp16 off CUDA, bf16 where CUDA has none) is a row with status 'skipped'
and the reason; a mode that fails (e.g. torch.compile without a compiler) is 'error' with the
message; rows that would start after ``--budget-s`` are 'skipped' too. Nothing is estimated.
"""
import argparse
import contextlib
import json
import logging
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared _fcos_peer helper
from _fcos_peer import (build_torchvision_fcos, build_vlrkit_fcos, interleaved_times,  # noqa: E402
                        synthetic_batch, timed_steps, torchvision_loss, vlrkit_loss)
import wsddn_throughput  # noqa: E402

from vlrkit.config import load_config  # noqa: E402
from vlrkit.datasets.demo_data import make_demo_voc  # noqa: E402
from vlrkit.engine.hooks.hook import Hook  # noqa: E402
from vlrkit.engine.runner import Runner  # noqa: E402
from vlrkit.registry import HOOKS, MODELS  # noqa: E402
from vlrkit.structures import move_to  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / 'configs' / 'fcos_voc.py'
CLASSIFIER = ROOT / 'configs' / 'resnet' / 'resnet18_voc_demo.py'
WSDDN_DEMO = ROOT / 'configs' / 'wsddn' / 'wsddn_alexnet_demo.py'
RECIPE_IMAGES = 9000 * 16            # configs/fcos_voc.py: 9,000 iterations of batch 16
COURSE_BUDGET_MIN, GOAL_MIN = 30, 2
MODES = ('fp32', 'bf16', 'fp16', 'channels_last', 'compiled')
AMP = {'bf16': torch.bfloat16, 'fp16': torch.float16}
MiB = 2 ** 20
# Time a compiled row is given at least (compiling two detectors, then a recompile for the
# second batch size): a guess until a GPU run measures it; the row is skipped, not cut, without it.
COMPILE_S = 120

FULL = dict(image_size=224, batches=(16, 64), width=64, warmup=3, rounds=5, steps=3,
            cls_images=1536, cls_warmup=10, cls_iters=100, bound_iters=50,
            eval_images=256, source_size=256, wsddn_images=16, budget_s=420)
QUICK = dict(image_size=64, batches=(2, 4), width=32, warmup=1, rounds=1, steps=1,
             cls_images=16, cls_warmup=1, cls_iters=3, bound_iters=3,
             eval_images=8, source_size=80, wsddn_images=2, budget_s=50)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true', help='tiny sizes for a CPU smoke run')
    parser.add_argument('--out', default='gpu_suite.json')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--compile', action='store_true',
                        help='run the compiled rows under --quick too (they take minutes)')
    parser.add_argument('--budget-s', type=float, default=None,
                        help='start no row that would end after this many seconds (default 420; --quick: 50)')
    return parser.parse_args(argv)


class Suite:
    """The rows measured so far, and the clock that decides whether another one may start."""

    def __init__(self, args, sizes):
        self.args, self.sizes, self.device = args, sizes, torch.device(args.device)
        self.started = time.perf_counter()
        self.budget_s = args.budget_s if args.budget_s is not None else sizes['budget_s']
        self.rows = []

    def elapsed(self):
        return time.perf_counter() - self.started

    def add(self, name, measure, skip_reason=None, needs_s=0):
        """Append row ``name``: ``measure()``'s dict, or 'skipped' / 'error' with why. A row that
        would end past the budget (``needs_s``: what it takes at least) is skipped."""
        row = dict(name=name)
        if skip_reason is None and self.elapsed() + needs_s > self.budget_s:
            skip_reason = f'time budget: {self.elapsed():.0f} s used of {self.budget_s:.0f} s'
        if skip_reason is not None:
            row.update(status='skipped', reason=skip_reason)
        else:
            try:
                row.update(status='ok', **measure())
            except Exception as err:  # noqa: BLE001 - a failing mode is a result, reported as one
                row.update(status='error', reason=f'{type(err).__name__}: {err}'.splitlines()[0])
        self.rows.append(row)
        print(f'[{self.elapsed():6.1f} s] {name}: {row.get("reason") or "ok"}', flush=True)
        return row


def mode_skip_reason(mode, device, args):
    if mode == 'fp16' and device.type != 'cuda':
        return "fp16 needs CUDA (the Runner refuses amp='fp16' elsewhere: it uses a GradScaler)"
    if mode == 'bf16' and device.type == 'cuda' and not torch.cuda.is_bf16_supported():
        return 'this CUDA device has no bf16'
    if mode == 'compiled' and args.quick and not args.compile:
        return '--quick skips torch.compile (minutes of compiling); pass --compile to run it'
    return None


def prepared(model, mode, device):
    """``model`` on ``device`` in train mode, in channels_last memory format for that mode."""
    model = model.to(device).train()
    if mode == 'channels_last':
        model = model.to(memory_format=torch.channels_last)
    return model


def step_options(mode, device):
    amp_dtype = AMP.get(mode)
    scaler = torch.amp.GradScaler(device.type) if mode == 'fp16' else None
    return dict(amp_dtype=amp_dtype, scaler=scaler)


def peak_mib(device, run):
    """Peak memory ``run()`` allocates above what was resident before it (the models' weights
    and optimizer state), in MiB: activations, gradients, workspaces. CUDA only."""
    if device.type != 'cuda':
        return None
    torch.cuda.synchronize(device)
    resident = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    run()
    return round((torch.cuda.max_memory_allocated(device) - resident) / MiB)


def measure_peers(peers, batch, sizes, device, options):
    """Warm-up (with each peer's peak memory), then the interleaved rounds: img/s per peer."""
    peaks = {name: peak_mib(device, lambda m=model, f=loss_fn, o=optimizer: timed_steps(
        m, f, o, batch, sizes['warmup'], **options)) for name, (model, loss_fn, optimizer) in peers.items()}
    times = interleaved_times(peers, batch, sizes['rounds'], sizes['steps'], warmup=0, **options)
    count = batch['images'].shape[0]
    return {name: dict(img_s=round(count / statistics.median(t), 2), peak_mib=peaks[name],
                       steps=len(t)) for name, t in times.items()}


def fcos_batch(batch_size, sizes, mode, device):
    batch = move_to(synthetic_batch(batch_size, sizes['image_size'], 20), device)
    if mode == 'channels_last':
        batch['images'] = batch['images'].contiguous(memory_format=torch.channels_last)
    return batch


def fcos_train_rows(suite, modes):
    """vlrkit vs torchvision FCOS for each mode in ``modes`` at every batch size."""
    sizes, device = suite.sizes, suite.device
    for mode in modes:
        skip = mode_skip_reason(mode, device, suite.args)
        torch.manual_seed(0)
        peers = {}
        if skip is None:
            built = {'vlrkit': (build_vlrkit_fcos(width=sizes['width']), vlrkit_loss),
                     'torchvision': (build_torchvision_fcos(width=sizes['width'],
                                                            image_size=sizes['image_size']),
                                     torchvision_loss)}
            for name, (model, loss_fn) in built.items():
                model = prepared(model, mode, device)
                if mode == 'compiled':
                    # the whole loss computation: vlrkit's model.loss does not go through
                    # forward, so model.compile() alone would leave its training step eager
                    loss_fn = torch.compile(loss_fn)
                peers[name] = (model, loss_fn,
                               torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9))

        for batch_size in sizes['batches']:
            def measure(batch_size=batch_size):
                result = measure_peers(peers, fcos_batch(batch_size, sizes, mode, device), sizes,
                                       device, step_options(mode, device))
                ours, peer = result['vlrkit'], result['torchvision']
                return dict(batch=batch_size, mode=mode, vlrkit_img_s=ours['img_s'],
                            torchvision_img_s=peer['img_s'],
                            ratio=round(ours['img_s'] / peer['img_s'], 3),
                            vlrkit_peak_mib=ours['peak_mib'], torchvision_peak_mib=peer['peak_mib'],
                            steps=ours['steps'])
            suite.add(f'fcos_train b{batch_size} {mode}', measure, skip,
                      needs_s=COMPILE_S if mode == 'compiled' and not suite.args.quick else 0)


def recipe_options(width):
    """configs/fcos_voc.py's model at FPN ``width``, without its ImageNet download (the rate does
    not depend on the starting weights)."""
    return {'model.backbone.pretrained': None, 'model.neck.out_channels': width,
            'model.head.in_channels': width, 'model.head.feat_channels': width}


def fcos_recipe_rows(suite):
    """The recipe's model at batch 16 in fp32, then bf16: what the projection reads."""
    sizes, device = suite.sizes, suite.device
    modes = [m for m in ('fp32', 'bf16') if mode_skip_reason(m, device, suite.args) is None]
    batch_size = sizes['batches'][0]

    def measure():
        torch.manual_seed(0)
        model_cfg = load_config(RECIPE, cfg_options=recipe_options(sizes['width'])).model
        result = {}
        batch = fcos_batch(batch_size, sizes, 'fp32', device)
        for mode in modes:
            model = prepared(MODELS.build(model_cfg), mode, device)
            peers = {mode: (model, vlrkit_loss, torch.optim.SGD(model.parameters(), lr=1e-3,
                                                                momentum=0.9))}
            result.update(measure_peers(peers, batch, sizes, device, step_options(mode, device)))
        best = max(result, key=lambda m: result[m]['img_s'])
        return dict(batch=batch_size, **{f'{m}_img_s': r['img_s'] for m, r in result.items()},
                    **{f'{m}_peak_mib': r['peak_mib'] for m, r in result.items()},
                    best_mode=best, vlrkit_img_s=result[best]['img_s'])
    return suite.add(f'fcos_recipe_train b{batch_size}', measure)


class GpuUtilisation:
    """Samples the GPU's utilisation (%) in the background: pynvml if importable, else
    ``nvidia-smi`` polling every 100 ms; ``source`` says which, or why there is none."""

    def __init__(self, device):
        self.samples, self.source, self._stop = [], None, threading.Event()
        self._thread = self._process = None
        if device.type != 'cuda':
            self.source = 'n/a: no CUDA device'
            return
        index = device.index if device.index is not None else torch.cuda.current_device()
        try:
            import pynvml
            pynvml.nvmlInit()
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            self.source = 'pynvml'
            self._thread = threading.Thread(target=self._poll_nvml, args=(pynvml, handle), daemon=True)
        except Exception:  # noqa: BLE001 - no pynvml or no NVML: try the command-line tool
            if shutil.which('nvidia-smi') is None:
                self.source = 'n/a: neither pynvml nor nvidia-smi available'
                return
            self.source, self._index = 'nvidia-smi', index
            self._thread = threading.Thread(target=self._read_smi, daemon=True)

    def _poll_nvml(self, pynvml, handle):
        while not self._stop.wait(0.05):
            self.samples.append(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu)

    def _read_smi(self):
        for line in self._process.stdout:
            if self._stop.is_set():
                break
            if line.strip().isdigit():
                self.samples.append(int(line))

    def start(self):
        if self.source == 'nvidia-smi':
            self._process = subprocess.Popen(
                ['nvidia-smi', '--query-gpu=utilization.gpu', '--format=csv,noheader,nounits',
                 '-i', str(self._index), '-lms', '100'], stdout=subprocess.PIPE, text=True)
        if self._thread is not None:
            self._thread.start()

    def stop(self):
        self._stop.set()
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=5)
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=2)
        return round(statistics.mean(self.samples), 1) if self.samples else None


@HOOKS.register_module(force=True)
class SteadyStateProbe(Hook):
    """Times the training iterations after ``warmup`` (worker start-up, cache pages, cuDNN
    autotuning), with a device synchronize only at its two marks, and samples the GPU between."""

    priority = 'LOWEST'

    def __init__(self, warmup):
        self.warmup, self.start = warmup, None
        self.elapsed_s = self.data_wait_s = 0.0
        self.gpu = self.gpu_util = None

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        done = runner.progress.iter
        if done > self.warmup:
            self.data_wait_s += runner.data_time
        if done == self.warmup or done == runner.max_iters:
            if runner.device.type == 'cuda':
                torch.cuda.synchronize(runner.device)
            now = time.perf_counter()
            if done == self.warmup:
                self.start, self.gpu = now, GpuUtilisation(runner.device)
                self.gpu.start()
            else:
                self.elapsed_s = now - self.start
                self.gpu_util = self.gpu.stop()


def classification_cfg(devkit, work_dir, batch_size, sizes):
    size = sizes['image_size']
    pipeline = [dict(type='LoadImage'), dict(type='Resize', scale=(size, size), keep_ratio=False),
                dict(type='RandomFlip', prob=0.5), dict(type='Normalize'), dict(type='PackSample')]
    dataset = dict(type='VOCDataset', data_root=str(devkit), year='2007',
                   split='trainval', mode='classification', pipeline=pipeline,
                   cache=dict(type='mmap', size=(size, size), dir=str(Path(work_dir).parent)))
    iters = sizes['cls_warmup'] + sizes['cls_iters']
    return load_config(CLASSIFIER, cfg_options={
        'work_dir': str(work_dir), 'env_cfg.device': sizes['device'],
        'train_dataloader': dict(_delete_=True, batch_size=batch_size, shuffle=True,
                                 num_workers='auto', drop_last=True, dataset=dataset),
        'val_dataloader': None, 'val_evaluator': None, 'param_scheduler': [],
        'train_cfg': dict(_delete_=True, by_epoch=False, max_iters=iters, val_interval=0),
        'default_hooks.logger.interval': 10 ** 6, 'default_hooks.tensorboard': None,
        'default_hooks.checkpoint': dict(type='CheckpointHook', interval=10 ** 6, save_last=False),
        'custom_hooks': [dict(type='SteadyStateProbe', warmup=sizes['cls_warmup'])]})


def bound_img_s(runner, iters):
    """The same ``train_step`` on one batch already on the device: no loader, no hooks."""
    batch = move_to(next(iter(runner.train_dataloader)), runner.device)
    runner.max_iters = runner.progress.iter + 10 ** 6       # keep stepping, never the "last" iter
    sync = torch.cuda.synchronize if runner.device.type == 'cuda' else (lambda *a: None)
    for _ in range(2):
        runner.train_step(batch)
    sync(runner.device)
    start = time.perf_counter()
    for _ in range(iters):
        runner.train_step(batch)
    sync(runner.device)
    return batch['images'].shape[0] * iters / (time.perf_counter() - start)


def cls_e2e_rows(suite, tmp):
    sizes = suite.sizes
    devkit = make_demo_voc(tmp / 'cls', num_trainval=sizes['cls_images'], num_test=0,
                           image_size=sizes['source_size'])
    for batch_size in sizes['batches']:
        def measure(batch_size=batch_size):
            runner = Runner.from_cfg(classification_cfg(devkit, tmp / f'cls_b{batch_size}',
                                                        batch_size, sizes))
            logging.getLogger('vlrkit').setLevel(logging.WARNING)
            runner.train()
            probe = next(h for h in runner.hooks if isinstance(h, SteadyStateProbe))
            e2e = batch_size * sizes['cls_iters'] / probe.elapsed_s
            bound = bound_img_s(runner, sizes['bound_iters'])
            return dict(batch=batch_size, num_workers=runner.train_dataloader.num_workers,
                        e2e_img_s=round(e2e, 2), bound_img_s=round(bound, 2),
                        efficiency=round(e2e / bound, 3),
                        data_wait_share=round(probe.data_wait_s / probe.elapsed_s, 3),
                        gpu_util_pct=probe.gpu_util, gpu_util_source=probe.gpu.source)
        suite.add(f'cls_e2e b{batch_size}', measure)


def fcos_eval_row(suite, tmp):
    sizes = suite.sizes

    def measure():
        devkit = make_demo_voc(tmp / 'det', num_trainval=0, num_test=sizes['eval_images'],
                               image_size=sizes['source_size'])
        cfg = load_config(RECIPE, cfg_options={
            'work_dir': str(tmp / 'eval'), 'env_cfg.device': sizes['device'], 'custom_hooks': [],
            **recipe_options(sizes['width']),
            # untrained weights score below 0.05: keep every candidate, so NMS and the metric
            # see a trained model's load (nms_pre boxes in, max_per_img out) or more
            'model.head.test_cfg.score_thr': 0.0,
            'test_dataloader.dataset.data_root': str(devkit)})
        size = sizes['image_size']
        for transform in cfg.test_dataloader.dataset.pipeline:
            if transform.type == 'Resize':
                transform.scale = (size, size)
        runner = Runner.from_cfg(cfg)
        logging.getLogger('vlrkit').setLevel(logging.WARNING)
        runner.test()                                     # loader, workers, evaluators, kernels
        start = time.perf_counter()
        runner.test()
        seconds = time.perf_counter() - start
        return dict(batch=runner.test_dataloader.batch_size, images=sizes['eval_images'],
                    vlrkit_img_s=round(sizes['eval_images'] / seconds, 2))
    suite.add('fcos_eval', measure)


def wsddn_row(suite, tmp):
    """Batched WSDDN steps against one image a step on the same demo images and proposals."""
    count = suite.sizes['wsddn_images']

    def measure():
        devkit = make_demo_voc(tmp / 'wsddn', num_trainval=count, num_test=1, image_size=128)
        cfg = load_config(WSDDN_DEMO, cfg_options={
            'train_dataloader.dataset.data_root': str(devkit),
            'train_dataloader.dataset.num_trainval': count,
            'train_dataloader.dataset.num_test': 1})
        result = wsddn_throughput.measure(cfg, batch=count, rounds=suite.sizes['rounds'],
                                          device=suite.sizes['device'])
        return dict(batch=count, proposals=round(result['proposals'], 1),
                    batched_img_s=round(result['median_img_s']['batched'], 2),
                    per_image_img_s=round(result['median_img_s']['per-image'], 2),
                    ratio=round(result['ratio'], 3))
    suite.add(f'wsddn_train b{count}', measure)


def projection_row(suite, recipe):
    rate = recipe.get('vlrkit_img_s') if recipe.get('status') == 'ok' else None
    if suite.args.quick:
        skip = '--quick sizes say nothing about the recipe at 224 px'
    else:
        skip = None if rate else f'the recipe row did not run ({recipe.get("reason")})'

    def measure():
        minutes = RECIPE_IMAGES / rate / 60
        return dict(from_row=recipe['name'], mode=recipe['best_mode'], img_s=rate,
                    minutes=round(minutes, 2), course_budget_min=COURSE_BUDGET_MIN,
                    goal_min=GOAL_MIN, meets_goal=minutes <= GOAL_MIN)
    suite.add('projection 2024 recipe (9,000 x 16 images, train steps only)', measure, skip)


def fmt(value, digits=1):
    if value is None:
        return 'n/a'
    return f'{value:.{digits}f}' if isinstance(value, float) else str(value)


def markdown_table(rows):
    lines = ['| row | vlrkit / end-to-end | torchvision / bound | ratio '
             '| step peak MiB (vlrkit / tv) | note |',
             '| --- | ---: | ---: | ---: | ---: | --- |']
    for row in rows:
        if row['status'] != 'ok':
            lines.append(f"| {row['name']} | | | | | {row['status']}: {row['reason']} |")
            continue
        if row['name'].startswith('cls_e2e'):
            util = row['gpu_util_source'] if row['gpu_util_pct'] is None else \
                f"{row['gpu_util_pct']} % ({row['gpu_util_source']})"
            cells = (row['e2e_img_s'], row['bound_img_s'], row['efficiency'], None,
                     f"img/s, {row['num_workers']} workers, data wait "
                     f"{row['data_wait_share']:.0%}, GPU utilisation {util}")
        elif row['name'].startswith('projection'):
            cells = (row['minutes'], None, None, None,
                     f"minutes at {row['img_s']} img/s ({row['mode']}); course budget "
                     f"~{COURSE_BUDGET_MIN} min, goal <= {GOAL_MIN} min")
        elif row['name'].startswith('fcos_recipe'):
            cells = (row['vlrkit_img_s'], None, None, row.get(f"{row['best_mode']}_peak_mib"),
                     'img/s, best of ' + ', '.join(f"{k[:-6]} {v}" for k, v in row.items()
                                                   if k.endswith('_img_s') and k != 'vlrkit_img_s'))
        elif row['name'].startswith('wsddn_train'):
            cells = (row['batched_img_s'], row['per_image_img_s'], row['ratio'], None,
                     'train img/s: one batched step / one image a step (the course code), '
                     f"{row['proposals']} proposals an image; goal >= 1.5x")
        elif row['name'] == 'fcos_eval':
            cells = (row['vlrkit_img_s'], None, None, None, f"Runner.test img/s, batch {row['batch']}")
        else:
            cells = (row['vlrkit_img_s'], row['torchvision_img_s'], row['ratio'],
                     f"{fmt(row['vlrkit_peak_mib'])} / {fmt(row['torchvision_peak_mib'])}",
                     f"train img/s, median of {row['steps']} timed steps")
        ours, theirs, ratio, peak, note = cells
        lines.append(f"| {row['name']} | {fmt(ours)} | {fmt(theirs)} | {fmt(ratio, 2)} | "
                     f"{fmt(peak)} | {note} |")
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sizes = dict(QUICK if args.quick else FULL, device=args.device)
    device = torch.device(args.device)
    if device.type == 'cpu':
        torch.set_num_threads(1)     # as the other benchmarks: no OpenMP oversubscription
    else:
        torch.backends.cudnn.benchmark = True   # fixed input sizes throughout
    suite = Suite(args, sizes)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fcos_train_rows(suite, [m for m in MODES if m != 'compiled'])
        recipe = fcos_recipe_rows(suite)
        cls_e2e_rows(suite, tmp)
        fcos_eval_row(suite, tmp)
        wsddn_row(suite, tmp)
        fcos_train_rows(suite, ['compiled'])           # last: compiling may eat the budget
        projection_row(suite, recipe)
    meta = dict(device=torch.cuda.get_device_name(device) if device.type == 'cuda'
                else platform.processor() or platform.machine(),
                torch=torch.__version__, cuda=torch.version.cuda, quick=args.quick,
                sizes=sizes, elapsed_s=round(suite.elapsed(), 1),
                command='python tools/benchmark.py gpu_suite' + (' --quick' if args.quick else ''))
    Path(args.out).write_text(json.dumps(dict(meta=meta, rows=suite.rows), indent=1))
    print(f"\n{meta['device']}, torch {meta['torch']}, {sizes['image_size']} px; "
          f"elapsed {meta['elapsed_s']} s; written to {args.out}\n")
    print(markdown_table(suite.rows))
    return dict(meta=meta, rows=suite.rows)


if __name__ == '__main__':
    with contextlib.suppress(KeyboardInterrupt):
        main()
