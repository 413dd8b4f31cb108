"""Demo mAP@0.5 after N minutes of CPU training: vlrkit FCOS vs torchvision FCOS, same everything.

    python tools/benchmark.py fcos_demo [--minutes 10 --evals 2 --out work_dirs/benchmarks/fcos_demo.json]
    python tools/benchmark.py fcos_demo --config configs/fcos/fcos_r18_fpn_demo_hard.py ...  # hard data
    python tools/benchmark.py fcos_demo --iters 1100 --models vlrkit ...  # a fixed-iteration probe

Both start from scratch (no pretrained weights) with the demo config's trunk (ResNet-18), FPN
width, levels and regress ranges, image size, batch, optimizer and data (the generated demo VOC
set, trained on trainval, scored on test with vlrkit's VOCDetectionMetric). Training steps of
the two models alternate, each with its own clock, so a load spike on a shared machine hits both;
each model stops when its own training time reaches the budget. The schedule is by time: linear
warm-up over the config's warm-up iterations, then lr x0.1 at 75% and 90% of the budget.
Evaluation time is not counted. Prints and saves the mAP curves (JSON at --out, a plot of them
beside it with the suffix .png).

``--iters N`` replaces the time budget by an iteration budget (schedule and evaluation points at
fractions of N), so the result does not depend on how loaded the machine is: what calibrating
the demo data needs.

``--seed S`` (default 0) fixes everything random: both models' initialisation, the data order and
the random flips. Each model draws its batches with its own seeded sampler and its own Python
``random`` state (RandomFlip uses Python's ``random``), so a model's batches are the same whether
it trains alone (``--models vlrkit``) or beside its peer. Before ``--seed`` the flips came from an
unseeded ``random`` shared by the two models: no two runs saw the same data. A different seed
measures the run-to-run spread.
"""
import argparse
import copy
import json
import random
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared _fcos_peer helper
from _fcos_peer import (build_torchvision_fcos, torchvision_loss, torchvision_predict,  # noqa: E402
                        vlrkit_loss)
from vlrkit.config import load_config  # noqa: E402
from vlrkit.evaluation.metric import EvalContext  # noqa: E402
from vlrkit.registry import DATASETS, EVALUATORS, MODELS  # noqa: E402
from vlrkit.structures import collate  # noqa: E402


def plot_curves(result, path):
    """mAP@0.5 against training minutes, one line per model, iterations at each point."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for name in ('vlrkit', 'torchvision'):
        if name not in result:
            continue
        curve = result[name]
        ax.plot([p['minutes'] for p in curve], [p['mAP'] for p in curve], marker='o', label=name)
        for p in curve:
            ax.annotate(f"{p['iters']} it", (p['minutes'], p['mAP']), textcoords='offset points',
                        xytext=(0, 6 if name == 'vlrkit' else -12), ha='center', fontsize=7)
    ax.set(xlabel='training minutes (CPU, 1 thread)', ylabel='mAP@0.5 (VOC, test)', ylim=(0, 1),
           title=Path(result['settings']['config']).stem)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


class Trainee:
    """One model with its optimizer, data stream, clock and time-based schedule."""

    def __init__(self, name, model, loss_fn, predict_fn, cfg, loader, budget_s, budget_iters=0, seed=0):
        self.name, self.model, self.loss_fn, self.predict_fn = name, model, loss_fn, predict_fn
        opt_cfg = copy.deepcopy(dict(cfg.optim_wrapper.optimizer))
        opt_type = getattr(torch.optim, opt_cfg.pop('type'))
        self.optimizer = opt_type(model.parameters(), **opt_cfg)
        self.base_lr = opt_cfg['lr']
        self.clip = cfg.optim_wrapper.get('clip_grad')
        warmup = cfg.param_scheduler[0]
        self.warmup_iters, self.warmup_start = warmup['total_iters'], warmup['start_factor']
        self.loader, self.stream = loader, iter(loader)
        # RandomFlip draws from Python's global ``random``; each trainee keeps its own state of it,
        # so the peer's batches do not change this model's flips.
        self.random_state = random.Random(seed).getstate()
        self.budget_s, self.budget_iters, self.elapsed, self.iters = budget_s, budget_iters, 0.0, 0
        self.curve = []

    def lr_factor(self):
        factor = 1.0
        if self.iters < self.warmup_iters:
            factor = self.warmup_start + (1 - self.warmup_start) * self.iters / self.warmup_iters
        fraction = self.progress()
        return factor * (0.01 if fraction >= 0.9 else 0.1 if fraction >= 0.75 else 1.0)

    def progress(self):
        """The spent fraction of the budget: iterations when one is set, else training time."""
        if self.budget_iters:
            return self.iters / self.budget_iters
        return self.elapsed / self.budget_s

    def next_batch(self):
        random.setstate(self.random_state)
        try:
            batch = next(self.stream)
        except StopIteration:
            self.stream = iter(self.loader)
            batch = next(self.stream)
        self.random_state = random.getstate()
        return batch

    def step(self):
        start = time.perf_counter()
        batch = self.next_batch()
        for group in self.optimizer.param_groups:
            group['lr'] = self.base_lr * self.lr_factor()
        self.model.train()
        loss = self.loss_fn(self.model, batch)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), **self.clip)
        self.optimizer.step()
        self.elapsed += time.perf_counter() - start
        self.iters += 1
        return float(loss.detach())


def evaluate(trainee, loader, class_names):
    metric = EVALUATORS.build(dict(type='VOCDetectionMetric', table=False))
    metric.set_context(EvalContext(class_names=class_names))
    trainee.model.eval()
    with torch.no_grad():
        for batch in loader:
            preds = trainee.predict_fn(trainee.model, batch)
            metric.process(batch, [{k: v.cpu() for k, v in p.items()} for p in preds])
    return metric.compute()['voc/mAP']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', default='configs/fcos/fcos_r18_fpn_demo.py')
    parser.add_argument('--minutes', type=float, default=10.0, help='training budget per model')
    parser.add_argument('--iters', type=int, default=0,
                        help='budget per model in iterations instead of --minutes (0: by time)')
    parser.add_argument('--models', nargs='+', choices=('vlrkit', 'torchvision'),
                        default=['vlrkit', 'torchvision'], help='which models to train')
    parser.add_argument('--evals', type=int, default=2, help='evaluation points along the budget')
    parser.add_argument('--seed', type=int, default=0,
                        help='seeds model initialisation, data order and flips (the same for both models)')
    parser.add_argument('--data-root', help='override the config data_root (generated if missing)')
    parser.add_argument('--test-images', type=int, default=0, help='score on the first N test images (0: all)')
    parser.add_argument('--out', default='work_dirs/benchmarks/fcos_demo.json')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads for both models (1 avoids OpenMP oversubscription '
                             'on a shared machine, where 2 threads ran 3-10x slower)')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    options = {}
    if args.data_root:
        options = {f'{split}_dataloader.dataset.data_root': args.data_root for split in ('train', 'val')}
    cfg = load_config(args.config, cfg_options=options)
    torch.manual_seed(args.seed)
    random.seed(args.seed)   # the warm-up batches' flips
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    test_set = DATASETS.build(cfg.val_dataloader.dataset)
    if args.test_images:
        test_set = torch.utils.data.Subset(test_set, range(min(args.test_images, len(test_set))))
    batch_size = cfg.train_dataloader.batch_size
    image_size = cfg.get('image_size', 128)
    head = cfg.model.head
    budget_s = args.minutes * 60

    def loader(seed):
        return torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True, collate_fn=collate,
                                           num_workers=0, generator=torch.Generator().manual_seed(seed),
                                           drop_last=True)
    test_loader = torch.utils.data.DataLoader(test_set, batch_size=32, collate_fn=collate, num_workers=0)
    # torchvision's regress ranges are (4, 8) x anchor size: anchor sizes = upper bound of P3 / 8, x2, x4
    first_upper = head.regress_ranges[0][1]
    anchor_sizes = tuple(int(first_upper / 8 * 2 ** i) for i in range(len(head.strides)))
    builders = {
        'vlrkit': lambda: (MODELS.build(cfg.model), vlrkit_loss, lambda m, b: m.predict(b)),
        'torchvision': lambda: (build_torchvision_fcos(head.num_classes, head.feat_channels, image_size,
                                                       anchor_sizes), torchvision_loss, torchvision_predict),
    }
    trainees = [Trainee(name, *builders[name](), cfg, loader(args.seed), budget_s, args.iters, args.seed)
                for name in ('vlrkit', 'torchvision') if name in args.models]
    budget = f'{args.iters} iterations' if args.iters else f'{args.minutes} min'
    print(f'training {", ".join(args.models)} for {budget} each on {len(train_set)} demo images, batch '
          f'{batch_size}, {image_size} px, {args.threads} thread(s); scoring on {len(test_set)} test images at '
          f'{args.evals} points')
    # untimed forward/backward: oneDNN picks its kernels once; on the first images, drawn outside
    # the trainees' samplers so that their data order does not depend on it
    warmup_batch = collate([train_set[i] for i in range(batch_size)])
    for trainee in trainees:
        trainee.model.train()
        trainee.loss_fn(trainee.model, warmup_batch).backward()
        trainee.optimizer.zero_grad(set_to_none=True)
    # evaluation points at equal fractions of the budget; the float error of i / evals is absorbed
    marks = [(i + 1) / args.evals - 1e-9 for i in range(args.evals)]
    next_mark = {t.name: 0 for t in trainees}
    losses = {t.name: [] for t in trainees}
    while any(next_mark[t.name] < len(marks) for t in trainees):
        for trainee in trainees:
            if next_mark[trainee.name] >= len(marks):
                continue
            losses[trainee.name].append(trainee.step())
            if trainee.progress() >= marks[next_mark[trainee.name]]:
                score = evaluate(trainee, test_loader, train_set.class_names)
                recent = losses[trainee.name][-20:]
                trainee.curve.append(dict(minutes=round(trainee.elapsed / 60, 2), iters=trainee.iters,
                                          mAP=round(score, 4), loss=round(sum(recent) / len(recent), 4)))
                print(f'  {trainee.name:12s} {trainee.elapsed / 60:6.2f} min  {trainee.iters:5d} iters  '
                      f'loss {trainee.curve[-1]["loss"]:.3f}  mAP@0.5 {score:.4f}', flush=True)
                next_mark[trainee.name] += 1
    result = {t.name: t.curve for t in trainees}
    result['settings'] = dict(config=args.config, minutes=args.minutes, iters=args.iters, seed=args.seed,
                              batch=batch_size, image_size=image_size, train_images=len(train_set),
                              test_images=len(test_set))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    plot_curves(result, Path(args.out).with_suffix('.png'))
    final = ', '.join(f'{t.name} {t.curve[-1]["mAP"]:.4f} ({t.iters} iters)' for t in trainees)
    print(f'final mAP@0.5: {final} ({budget} each); curves in {args.out} and its .png')
    return result
