"""Print each layer's output shape and trainable parameters: ``python tools/summary.py CONFIG``."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from vlrkit.cli import add_config_arguments, friendly_errors, load_cli_config, parser  # noqa: E402
from vlrkit.errors import ConfigError, UserError  # noqa: E402
from vlrkit.models.pretrained import without_pretrained  # noqa: E402
from vlrkit.models.summary import format_summary, summarize  # noqa: E402
from vlrkit.registry import DATASETS, MODELS  # noqa: E402


def first_test_image_size(cfg):
    """(C, H, W) of the first test sample; without the dataset, a ConfigError naming --input-size."""
    try:
        return tuple(DATASETS.build(cfg.test_dataloader.dataset)[0]['image'].shape)
    except (UserError, FileNotFoundError) as err:
        side = cfg.get('input_size', 224)
        dataset = cfg.test_dataloader.dataset
        raise ConfigError(f'pass --input-size C H W, e.g. --input-size 3 {side} {side}: without it the '
                          f'size is read from the first test image, and the test dataset '
                          f"({dataset.get('type')} at {dataset.get('data_root')!r}) is not on this "
                          f'machine ({type(err).__name__})') from err


def main(argv=None):
    p = add_config_arguments(parser(__doc__))
    p.add_argument('--input-size', nargs=3, type=int, metavar=('C', 'H', 'W'),
                   help='input image size; default: the shape of the first test image')
    args = p.parse_args(argv)
    with friendly_errors():
        cfg = load_cli_config(args)
        model = MODELS.build(without_pretrained(cfg.model))   # shapes and counts need no weights
        size = args.input_size or first_test_image_size(cfg)
        print(f'input: {tuple(size)}')
        print(format_summary(*summarize(model, size)))


if __name__ == '__main__':
    main()
