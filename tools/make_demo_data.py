"""Write the synthetic demo dataset in PASCAL VOC layout: DIR/VOCdevkit/VOC2007/...

    python tools/make_demo_data.py --out data/demo
    python tools/make_demo_data.py --out data/demo_hard --variant hard
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from vlrkit.datasets.demo_data import make_demo_voc  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', required=True, help='folder that will contain VOCdevkit/')
    parser.add_argument('--num-trainval', type=int, default=1000)
    parser.add_argument('--num-test', type=int, default=500)
    parser.add_argument('--image-size', type=int, default=128)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--variant', choices=('easy', 'hard'), default='easy',
                        help="'hard': real-photo backgrounds, occlusion, distractors, 8-120 px "
                             'objects, lighting jitter (same classes and layout)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    devkit = make_demo_voc(args.out, num_trainval=args.num_trainval, num_test=args.num_test,
                           image_size=args.image_size, seed=args.seed, variant=args.variant)
    print(f'demo VOC data in {devkit} ({time.perf_counter() - start:.1f} s); use '
          f"data_root='{devkit}' with type='VOCDataset' or 'DemoVOCDataset'.")


if __name__ == '__main__':
    main()
