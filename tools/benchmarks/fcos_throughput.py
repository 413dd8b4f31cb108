"""Train-step throughput: vlrkit FCOS vs torchvision FCOS, same trunk, FPN width, size and batch.

    python tools/benchmark.py fcos_throughput [--image-size 128 --batch 8 --width 64 --rounds 8]

Both models train on the same synthetic batch (images and random boxes); single steps alternate
between the two, round after round, so that a noisy, shared machine slows both alike. Reports
the median and the fastest seconds per step, images per second and the ratio of medians
(> 1: vlrkit is faster).
"""
import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared _fcos_peer helper
from _fcos_peer import (build_torchvision_fcos, build_vlrkit_fcos, interleaved_times,  # noqa: E402
                        synthetic_batch, torchvision_loss, vlrkit_loss)

from vlrkit.structures import move_to  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--image-size', type=int, default=128)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--width', type=int, default=64)
    parser.add_argument('--steps', type=int, default=1, help='timed steps per model per round')
    parser.add_argument('--rounds', type=int, default=8)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads for both models (1 avoids OpenMP oversubscription '
                             'on a shared machine, where 2 threads ran 3-10x slower)')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    batch = move_to(synthetic_batch(args.batch, args.image_size, 20), device)
    models = {
        'vlrkit': (build_vlrkit_fcos(width=args.width).to(device).train(), vlrkit_loss),
        'torchvision': (build_torchvision_fcos(width=args.width, image_size=args.image_size).to(device).train(),
                        torchvision_loss),
    }
    peers = {name: (model, loss_fn, torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9))
             for name, (model, loss_fn) in models.items()}
    # one warm-up step each: allocator, oneDNN kernels
    times = interleaved_times(peers, batch, args.rounds, args.steps)
    median = {name: statistics.median(t) for name, t in times.items()}
    print(f'FCOS train step, ResNet-18 FPN-{args.width} P3-P5, {args.image_size} px, batch {args.batch}, '
          f'{args.device}, {args.rounds} rounds x {args.steps} steps each')
    for name, value in median.items():
        print(f'  {name:12s} median {value:.3f} s/step ({args.batch / value:.1f} img/s), '
              f'fastest {min(times[name]):.3f} s/step')
    ratio = median['torchvision'] / median['vlrkit']
    print(f'  speed ratio vlrkit / torchvision (medians): {ratio:.2f}x; fastest steps: '
          f'{min(times["torchvision"]) / min(times["vlrkit"]):.2f}x')
    return dict(median_s=median, ratio=ratio)
