"""Evaluate a checkpoint: ``vlrkit-test CONFIG CHECKPOINT [--out preds.pkl]
[--show-dir DIR [--show-num N]] [--tta]``.

A test run writes into its own folder, ``<work_dir>/test_<timestamp>/`` (run.log, log.jsonl,
metrics.json, TensorBoard, the evaluators' files), so the training run's logs stay as they were.
"""
import json
import time
from pathlib import Path

from vlrkit.cli import add_config_arguments, friendly_errors, load_cli_config, parser
from vlrkit.config import config_name, require_keys
from vlrkit.engine.runner import LAUNCHERS, Runner
from vlrkit.models.base import with_flip_test
from vlrkit.models.pretrained import without_pretrained


def test_outputs(args, class_names):
    """The evaluators that write ``--out`` and ``--show-dir`` (vlrkit/evaluation/metrics/test_outputs.py)."""
    outputs = []
    if args.out:
        outputs.append(dict(type='DumpPredictions', out_file=args.out))
    if args.show_dir:
        outputs.append(dict(type='ShowPredictions', out_dir=args.show_dir, num=args.show_num,
                            class_names=class_names))
    return outputs


def main(argv=None):
    p = add_config_arguments(parser(__doc__))
    p.add_argument('checkpoint', help='a .pth written by tools/train.py')
    p.add_argument('--out', help='write the raw predictions to this .pkl or .json file')
    p.add_argument('--show-dir', help='draw ground truth | prediction for each test image into DIR')
    p.add_argument('--show-num', type=int, help='with --show-dir: only the first N images')
    p.add_argument('--tta', action='store_true',
                   help='flip test-time augmentation: merge the predictions of each image and its mirror')
    p.add_argument('--launcher', choices=LAUNCHERS, default='none')
    args = p.parse_args(argv)
    with friendly_errors():
        cfg = load_cli_config(args)
        require_keys(cfg, ['model', 'test_dataloader', 'test_evaluator'], 'tools/test.py')
        cfg.model = without_pretrained(cfg.model)   # the checkpoint holds every weight
        if args.tta:
            cfg.model = with_flip_test(cfg.model)
        cfg.launcher = args.launcher
        training_dir = Path(cfg.get('work_dir') or Path('work_dirs') / config_name(cfg))
        cfg.work_dir = str(training_dir / f'test_{time.strftime("%Y%m%d_%H%M%S")}')
        runner = Runner.from_cfg(cfg)
        runner.load_checkpoint(args.checkpoint)
        # The Runner builds the test evaluators in test(): add the output writers, which
        # need the class names the checkpoint brought.
        evaluators = cfg.test_evaluator
        evaluators = list(evaluators) if isinstance(evaluators, (list, tuple)) else [evaluators]
        runner.cfg.test_evaluator = evaluators + test_outputs(args, runner.class_names)
        metrics = runner.test()
        if runner.rank == 0:
            (runner.work_dir / 'metrics.json').write_text(json.dumps(metrics, indent=2))
            print(json.dumps(metrics, indent=2))


if __name__ == '__main__':
    main()
