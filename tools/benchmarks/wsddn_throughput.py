"""WSDDN training throughput: batched images against the course code's one image a step.

    python tools/benchmark.py wsddn_throughput [--config CFG] [--batch 16 --rounds 6 --threads 1]
                                               [--profile]

The homework trains WSDDN one image at a time (each image brings its own number of proposals).
vlrkit keeps a batch's regions flat with the image each belongs to, so a batch of N images goes
through the network in one pass. Both ways train the same model (two copies of one
initialisation) on the same demo images and selective search proposals from ``--config``'s
training pipeline: a batched step on ``--batch`` images against ``--batch`` single-image steps
on the same images. Rounds alternate between the two in one process, so a loaded machine slows
both alike; the ratio of the median images/s is reported (goal: >= 1.5x). ``--profile`` adds
the torch profiler's table of one batched step, the operators that cost most first: what
batching cannot shorten (per-region RoI pooling) shows there.
"""
import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from vlrkit.config import load_config  # noqa: E402
from vlrkit.registry import DATASETS, MODELS  # noqa: E402
from vlrkit.structures import collate, move_to  # noqa: E402

DEFAULT_CONFIG = REPO / 'configs' / 'wsddn' / 'wsddn_alexnet_demo.py'


def synchronize(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def train_images(model, optimizer, batches, device=torch.device('cpu')):
    """One optimiser step per batch; returns images per second (the device's queue drained)."""
    count = sum(len(b['images']) for b in batches)
    synchronize(device)
    start = time.perf_counter()
    for batch in batches:
        loss = sum(model.loss(batch).values())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    synchronize(device)
    return count / (time.perf_counter() - start)


def measure(cfg, batch=16, rounds=6, device='cpu', profile=False):
    """Median images/s of both ways on the first ``batch`` training samples of ``cfg``, their
    ratio, and (``profile``) the profiler's table of one batched step."""
    device = torch.device(device)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    samples = [dataset[i] for i in range(batch)]
    inputs = {'batched': [move_to(collate(samples), device)],
              'per-image': [move_to(collate([s]), device) for s in samples]}
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(device).train()
    peers = {'batched': model, 'per-image': copy.deepcopy(model)}
    optimizers = {name: torch.optim.SGD([p for p in m.parameters() if p.requires_grad], lr=1e-4,
                                        momentum=0.9) for name, m in peers.items()}
    for name in peers:                                     # warm-up: allocator, oneDNN kernels
        train_images(peers[name], optimizers[name], inputs[name], device)
    rates = {name: [] for name in peers}
    for _ in range(rounds):
        for name in peers:
            rates[name].append(train_images(peers[name], optimizers[name], inputs[name], device))
    median = {name: statistics.median(r) for name, r in rates.items()}
    result = dict(size=tuple(inputs['batched'][0]['images'].shape[-2:]), batch=batch, rounds=rounds,
                  proposals=sum(len(s['proposals']) for s in samples) / batch,
                  median_img_s=median, best_img_s={name: max(r) for name, r in rates.items()},
                  ratio=median['batched'] / median['per-image'])
    if profile:
        result['profile'] = profile_table(peers['batched'], optimizers['batched'],
                                          inputs['batched'], device)
    return result


def profile_table(model, optimizer, batches, device, rows=12):
    """The profiler's operators of one training step on ``batches``, by their own CPU time."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        train_images(model, optimizer, batches, device)
    return prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', default=str(DEFAULT_CONFIG))
    parser.add_argument('--data-root', help="the demo VOCdevkit (default: the config's)")
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--rounds', type=int, default=6)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads (1 avoids OpenMP oversubscription on a shared '
                             'machine)')
    parser.add_argument('--profile', action='store_true',
                        help="print the profiler's table of one batched step")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    options = {'train_dataloader.dataset.data_root': args.data_root} if args.data_root else None
    result = measure(load_config(args.config, cfg_options=options), args.batch, args.rounds,
                     profile=args.profile)
    print(f"WSDDN train step, {Path(args.config).name}: {result['size']} px, "
          f"{result['proposals']:.0f} proposals / image, {args.batch} images, {args.rounds} rounds, "
          f'{args.threads} thread(s)')
    for name, value in result['median_img_s'].items():
        print(f"  {name:10s} median {value:.1f} img/s, best {result['best_img_s'][name]:.1f} img/s")
    print(f"  batched / per-image (medians): {result['ratio']:.2f}x")
    if args.profile:
        print(result['profile'])
    return result


if __name__ == '__main__':
    main()
