"""Print each layer's output shape and trainable parameters: ``python tools/summary.py CONFIG``."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from vlrkit.cli import add_config_arguments, friendly_errors, load_cli_config, parser  # noqa: E402
from vlrkit.models.summary import format_summary, summarize  # noqa: E402
from vlrkit.registry import DATASETS, MODELS  # noqa: E402


def main(argv=None):
    p = add_config_arguments(parser(__doc__))
    p.add_argument('--input-size', nargs=3, type=int, metavar=('C', 'H', 'W'),
                   help='input image size; default: the shape of the first test image')
    args = p.parse_args(argv)
    with friendly_errors():
        cfg = load_cli_config(args)
        model = MODELS.build(cfg.model)
        size = args.input_size or tuple(DATASETS.build(cfg.test_dataloader.dataset)[0]['image'].shape)
        print(f'input: {tuple(size)}')
        print(format_summary(*summarize(model, size)))


if __name__ == '__main__':
    main()
