"""Draw the ground-truth boxes of a config's dataset into PNGs, to check data and transforms.

    python tools/browse_dataset.py configs/fcos/fcos_r18_fpn_demo.py --out vis_data --num 8
    python tools/browse_dataset.py CONFIG --index 2018 --proposals 10   # one image, top proposals
    python tools/browse_dataset.py WSDDN_CONFIG --split test --index 3 --streams CHECKPOINT

Each image's file name and classes are printed.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from vlrkit.cli import add_config_arguments, friendly_errors, load_cli_config, parser  # noqa: E402
from vlrkit.visualization.browse import browse_dataset  # noqa: E402


def main(argv=None):
    p = add_config_arguments(parser(__doc__))
    p.add_argument('--out', default='vis_data', help='folder for the PNGs (created)')
    p.add_argument('--num', type=int, default=8, help='number of images')
    p.add_argument('--index', type=int, default=None,
                   help='draw only the image at this dataset index (instead of the first --num)')
    p.add_argument('--proposals', type=int, default=0, metavar='N',
                   help="also draw each image's top N region proposals (needs LoadProposals)")
    p.add_argument('--streams', metavar='CHECKPOINT',
                   help="instead, draw a trained WSDDN's two streams on each image (docs/wsddn.md)")
    p.add_argument('--split', choices=['train', 'val', 'test'], default='train',
                   help='which dataloader of the config (train applies its augmentation)')
    args = p.parse_args(argv)
    with friendly_errors():
        cfg = load_cli_config(args)
        written = browse_dataset(cfg, args.out, args.num, args.split, args.index, args.proposals,
                                 args.streams)
    for image in written:
        print(f"{image['file_name']}: {', '.join(image['classes']) or '(no objects)'} "
              f"-> {image['path']}")
    print(f'wrote {len(written)} images to {args.out}')


if __name__ == '__main__':
    main()
