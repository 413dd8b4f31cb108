"""Analyse a trained model: ``vlrkit-analyze CONFIG CHECKPOINT [--analyses knn tsne]``.

Runs the analyses listed in the config's ``analysis`` list (or only the named ones) and its
``test_evaluator`` over the test split, and writes ``<work dir>/analysis/`` with every figure, a
``metrics.json`` and an ``index.html`` that shows everything, training curves included, on one
page. The work dir defaults to the checkpoint's folder, where the run's ``log.jsonl`` lives.
"""
import json
from pathlib import Path

from vlrkit.cli import add_config_arguments, friendly_errors, load_cli_config, parser
from vlrkit.engine.runner import Runner
from vlrkit.evaluation.analysis.analyze import analyze
from vlrkit.models.pretrained import without_pretrained


def main(argv=None):
    p = add_config_arguments(parser(__doc__))
    p.add_argument('checkpoint', help='a .pth written by tools/train.py')
    p.add_argument('--analyses', nargs='+', metavar='NAME',
                   help='run only these analyses (name, prefix or type, e.g. knn tsne occlusion)')
    p.add_argument('--no-test-metrics', action='store_true',
                   help="skip the config's test_evaluator, run the analyses alone")
    args = p.parse_args(argv)
    with friendly_errors():
        cfg = load_cli_config(args)
        cfg.model = without_pretrained(cfg.model)   # the checkpoint holds every weight
        if not args.work_dir:
            cfg.work_dir = str(Path(args.checkpoint).resolve().parent)
        runner = Runner.from_cfg(cfg)
        runner.load_checkpoint(args.checkpoint)
        metrics = analyze(runner, names=args.analyses, with_test_metrics=not args.no_test_metrics,
                          log_dirs=[Path(args.checkpoint).resolve().parent])
        if runner.rank == 0:
            print(json.dumps(metrics, indent=2))
            print(f'report: {Path(runner.work_dir) / "analysis" / "index.html"}')


if __name__ == '__main__':
    main()
