"""Demo classification: mAP and wall time of each VOC classifier family on the synthetic demo.

    python tools/benchmark.py demo_classification [--models simple_cnn convnet resnet18 caffenet]
        [--threads 1] [--data-root data/demo/VOCdevkit] [--work-dir work_dirs/benchmarks/demo_cls]

Each model trains with its ``configs/*/..._demo.py`` (the config's epochs, optimizer and input size)
through the Runner, then is tested on the demo test split. Peers measured in the same run, on the
same data: chance (random scores on the same test split, the mAP floor) and, for SimpleCNN, a
plain PyTorch loop (same model, data, optimizer, epochs), whose time shows the Runner's overhead.
Checkpoint and TensorBoard hooks are off: the numbers are training and testing, not disk writes.
On a shared machine wall time follows the other users' load; the process CPU time (also reported)
is steadier, and the plain loop runs right after the Runner's SimpleCNN so that pair is comparable.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from vlrkit.config import load_config  # noqa: E402
from vlrkit.engine.runner import Runner  # noqa: E402
from vlrkit.evaluation.functional.multilabel import multilabel_map  # noqa: E402
from vlrkit.registry import DATASETS, MODELS  # noqa: E402
from vlrkit.structures import collate  # noqa: E402

CONFIGS = {
    'simple_cnn': 'configs/simple_cnn/simple_cnn_voc_demo.py',
    'convnet': 'configs/convnet/convnet_voc_demo.py',
    'resnet18': 'configs/resnet/resnet18_voc_demo.py',
    'caffenet': 'configs/caffenet/caffenet_voc_demo.py',
}


def parse_args(argv):
    p = argparse.ArgumentParser(prog='tools/benchmark.py demo_classification', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--models', nargs='+', default=list(CONFIGS), choices=list(CONFIGS))
    p.add_argument('--threads', type=int, default=1,
                   help='torch intra-op threads (1 is fastest for small convs on a busy 2-core machine)')
    p.add_argument('--data-root', default=None, help='demo VOCdevkit (default: the configs\' data_root)')
    p.add_argument('--work-dir', default='work_dirs/benchmarks/demo_cls')
    p.add_argument('--max-epochs', type=int, default=None, help='override every config (smoke runs)')
    p.add_argument('--no-plain-peer', action='store_true', help='skip the plain PyTorch SimpleCNN loop')
    return p.parse_args(argv)


def prepare_cfg(config, args, work_dir):
    cfg = load_config(str(REPO / config))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if args.data_root:
            cfg[loader]['dataset']['data_root'] = args.data_root
    if args.max_epochs:
        cfg.train_cfg.max_epochs = args.max_epochs
    cfg.val_dataloader = None                         # evaluate once, timed separately, by test()
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.tensorboard = None
    cfg.work_dir = str(work_dir)
    return cfg


def run_model(name, args, root):
    cfg = prepare_cfg(CONFIGS[name], args, root / name)
    start, cpu_start = time.perf_counter(), time.process_time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_s, train_cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    start = time.perf_counter()
    metrics = runner.test()
    test_s = time.perf_counter() - start
    n_train = len(runner.train_dataloader.dataset)
    return dict(model=name, config=CONFIGS[name], epochs=cfg.train_cfg.max_epochs,
                params=sum(p.numel() for p in runner.model.parameters()),
                mAP=metrics['multilabel/mAP'], f1=metrics.get('multilabel/f1@0.5'),
                train_s=train_s, train_cpu_s=train_cpu_s, test_s=test_s,
                train_img_per_s=n_train * cfg.train_cfg.max_epochs / train_s)


def warm_up(args, root):
    """Two Runner iterations of SimpleCNN, untimed: the first Runner in a process pays one-off
    costs (lazy imports, allocator warm-up) that are no model's training time."""
    cfg = prepare_cfg(CONFIGS['simple_cnn'], args, root / 'warm_up')
    cfg.train_cfg = dict(by_epoch=False, max_iters=2, val_interval=2)
    Runner.from_cfg(cfg).train()


def chance_map(cfg, seeds=5):
    """mAP of uniformly random scores on the test split (about the positive rate per class)."""
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    targets = np.stack([info['img_labels'] for info in dataset.data_infos])
    difficult = np.stack([info['img_difficult'] for info in dataset.data_infos])
    rng = np.random.default_rng(0)
    return float(np.mean([multilabel_map(rng.random(targets.shape), targets, difficult)[0]
                          for _ in range(seeds)]))


def plain_simple_cnn(args, root):
    """The SimpleCNN demo trained by a hand-written loop: same model, data, optimizer, epochs."""
    cfg = prepare_cfg(CONFIGS['simple_cnn'], args, root / 'plain')
    torch.manual_seed(0)
    start, cpu_start = time.perf_counter(), time.process_time()
    model = MODELS.build(cfg.model)
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    loader = torch.utils.data.DataLoader(train_set, batch_size=cfg.train_dataloader.batch_size,
                                         shuffle=True, collate_fn=collate, num_workers=0)
    optim_cfg = dict(cfg.optim_wrapper.optimizer)
    optimizer = getattr(torch.optim, optim_cfg.pop('type'))(model.parameters(), **optim_cfg)
    sched_cfg = dict(cfg.param_scheduler[0])
    sched_cfg.pop('by_epoch')
    scheduler = getattr(torch.optim.lr_scheduler, sched_cfg.pop('type'))(optimizer, **sched_cfg)
    model.train()
    for _ in range(cfg.train_cfg.max_epochs):
        for batch in loader:
            loss = model.loss(batch)['loss_cls']
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
    train_s, train_cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    start = time.perf_counter()
    test_set = DATASETS.build(cfg.test_dataloader.dataset)
    model.eval()
    scores, targets, difficult = [], [], []
    with torch.no_grad():
        for batch in torch.utils.data.DataLoader(test_set, batch_size=100, collate_fn=collate):
            scores += [p['scores'].numpy() for p in model.predict(batch)]
            targets.append(batch['labels'].numpy())
            difficult.append(batch['difficult'].numpy())
    mean_ap, _ = multilabel_map(np.stack(scores), np.concatenate(targets), np.concatenate(difficult))
    return dict(model='simple_cnn (plain PyTorch loop)', config=CONFIGS['simple_cnn'],
                epochs=cfg.train_cfg.max_epochs, params=sum(p.numel() for p in model.parameters()),
                mAP=mean_ap, f1=None, train_s=train_s, train_cpu_s=train_cpu_s,
                test_s=time.perf_counter() - start,
                train_img_per_s=len(train_set) * cfg.train_cfg.max_epochs / train_s)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    torch.set_num_threads(args.threads)
    root = Path(args.work_dir) / time.strftime('%Y%m%d_%H%M%S')
    # First: builds (or generates) the demo data and warms imports, so no model pays for that.
    chance = chance_map(prepare_cfg(CONFIGS[args.models[0]], args, root / 'chance'))
    warm_up(args, root)
    rows = []
    for name in args.models:
        rows.append(run_model(name, args, root))
        print(f'# {name}: mAP {rows[-1]["mAP"]:.4f}, train {rows[-1]["train_s"]:.1f} s', flush=True)
        if name == 'simple_cnn' and not args.no_plain_peer:
            # right after the Runner run, so both see about the same machine load
            rows.append(plain_simple_cnn(args, root))
    reference = rows[0]['train_cpu_s']
    print(f'\ntorch threads: {args.threads}; chance mAP (random scores, same test split): {chance:.4f}\n')
    print('| model | epochs | params | test mAP | mAP / chance | F1@0.5 | train s (wall) | train s (CPU) | '
          f'train img/s | test s | train CPU time / {rows[0]["model"]} |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for r in rows:
        f1 = '' if r['f1'] is None else f'{r["f1"]:.3f}'
        print(f'| {r["model"]} | {r["epochs"]} | {r["params"]:,} | {r["mAP"]:.4f} | '
              f'{r["mAP"] / chance:.1f}x | '
              f'{f1} | {r["train_s"]:.1f} | {r["train_cpu_s"]:.1f} | {r["train_img_per_s"]:.0f} | '
              f'{r["test_s"]:.1f} | {r["train_cpu_s"] / reference:.2f} |')
    root.mkdir(parents=True, exist_ok=True)
    (root / 'results.json').write_text(json.dumps(dict(chance_mAP=chance, threads=args.threads, rows=rows),
                                                  indent=2))
    return rows


if __name__ == '__main__':
    main()
