"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--out metrics.json]``."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from vlrkit.cli import add_config_arguments, friendly_errors, load_cli_config, parser  # noqa: E402
from vlrkit.dist import leave_process_group_at_exit  # noqa: E402
from vlrkit.engine.runner import Runner  # noqa: E402
from vlrkit.models.pretrained import without_pretrained  # noqa: E402


def main(argv=None):
    p = add_config_arguments(parser(__doc__))
    p.add_argument('checkpoint', help='a .pth written by tools/train.py')
    p.add_argument('--out', help='write the metrics as JSON to this file')
    p.add_argument('--launcher', choices=['none', 'pytorch'], default='none')
    args = p.parse_args(argv)
    with friendly_errors():
        cfg = load_cli_config(args)
        cfg.model = without_pretrained(cfg.model)   # the checkpoint holds every weight
        cfg.launcher = args.launcher
        with leave_process_group_at_exit():
            runner = Runner.from_cfg(cfg)
            runner.load_checkpoint(args.checkpoint)
            metrics = runner.test()
            if args.out and runner.rank == 0:
                Path(args.out).write_text(json.dumps(metrics, indent=2))
            if runner.rank == 0:
                print(json.dumps(metrics, indent=2))


if __name__ == '__main__':
    main()
