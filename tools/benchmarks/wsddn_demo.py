"""WSDDN / OICR demo benchmark: train the demo configs on the demo data (CPU, no pretrained
weights), then report det mAP@0.5 (VOCDetectionMetric) and CorLoc (CorLocMetric) on the 500
`test` images, with the training wall time and iterations.

    python tools/benchmark.py wsddn_demo [--models wsddn oicr] [--data-root DIR] [--work-dir DIR]

The goals: WSDDN >= 0.6 mAP, OICR above WSDDN and at or above the robust localiser's heatmap
boxes (0.812 mAP, docs/benchmarks.md "Localizer"). ``--threads 1`` (the default) because on a
shared 2-core machine two OpenMP threads ran several times slower than one.
"""
import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from vlrkit.config import load_config  # noqa: E402
from vlrkit.engine.runner import Runner  # noqa: E402

CONFIGS = {
    'wsddn': REPO / 'configs' / 'wsddn' / 'wsddn_alexnet_demo.py',
    'oicr': REPO / 'configs' / 'wsddn' / 'oicr_alexnet_demo.py',
}
REPORTED = ('voc/mAP', 'loc/corloc')


def run_one(name, work_dir, data_root=None, max_epochs=None):
    options = {'work_dir': str(Path(work_dir) / name)}
    if data_root:
        for split in ('train', 'val', 'test'):
            options[f'{split}_dataloader.dataset.data_root'] = str(data_root)
    if max_epochs:
        options.update({'train_cfg.max_epochs': max_epochs, 'train_cfg.val_interval': max_epochs})
    cfg = load_config(CONFIGS[name], cfg_options=options)
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    runner.train()
    train_s = time.perf_counter() - start
    metrics = runner.test()
    return dict(model=name, config=str(CONFIGS[name].relative_to(REPO)), train_s=round(train_s, 1),
                iters=runner.progress.iter,
                **{k: round(float(v), 4) for k, v in metrics.items() if k in REPORTED})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--models', nargs='+', choices=sorted(CONFIGS), default=['wsddn', 'oicr'])
    parser.add_argument('--data-root', help="demo VOCdevkit (default: the configs' data/demo)")
    parser.add_argument('--work-dir', default='work_dirs/bench_wsddn_demo')
    parser.add_argument('--max-epochs', type=int, help='shorter runs (smoke tests)')
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = [run_one(name, args.work_dir, args.data_root, args.max_epochs) for name in args.models]
    print('| model | config | train s | iterations | det mAP@0.5 | CorLoc |')
    print('| --- | --- | --- | --- | --- | --- |')
    for row in rows:
        print(f"| {row['model']} | `{row['config']}` | {row['train_s']} | {row['iters']} | "
              f"{row.get('voc/mAP')} | {row.get('loc/corloc')} |")
    print(json.dumps(rows))
    return rows


if __name__ == '__main__':
    main()
