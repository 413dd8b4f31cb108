"""Localizer demo benchmark: train LocalizerAlexNet and its robust variant on the demo data (CPU,
no pretrained weights), then report CorLoc, VOC mAP of the heatmap boxes and classification mAP.

    python tools/benchmark.py localizer_demo [--models plain robust] [--work-dir DIR] [--figure PNG]

The two models train with the same recipe in the same run, so their ratio (robust / plain) is
meaningful on a shared machine where absolute times are not. The goal is CorLoc >= 0.8.
``--figure`` draws docs/images/localizer_before_after.png: test images, then each model's heatmap
of one ground-truth class with its ground-truth boxes (white) and the best heatmap box (green).
"""
import argparse
import copy
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from vlrkit.config import load_config  # noqa: E402
from vlrkit.engine.hooks.heatmap_vis_hook import input_rgb, normalisation  # noqa: E402
from vlrkit.engine.runner import Runner  # noqa: E402
from vlrkit.evaluation.functional.heatmap_boxes import boxes_from_heatmap, heatmap_to_original  # noqa: E402
from vlrkit.structures import collate  # noqa: E402
from vlrkit.visualization.boxes import draw_boxes  # noqa: E402
from vlrkit.visualization.figures import close_figure, labelled_grid, save_figure  # noqa: E402
from vlrkit.visualization.heatmap import overlay_heatmap  # noqa: E402

CONFIGS = {
    'plain': REPO / 'configs' / 'localizer' / 'localizer_alexnet_demo.py',
    'robust': REPO / 'configs' / 'localizer' / 'localizer_alexnet_robust_demo.py',
}
REPORTED = ('loc/corloc', 'loc/mAP', 'multilabel/mAP', 'multilabel/recall@0.5')
# CorLoc is also measured with boxes thresholded at other fractions of the way to the map's peak
# (from the background level the config's CorLocMetric uses).
EXTRA_THRESHOLDS = (0.5, 0.6, 0.7, 0.8)


def corloc_settings(cfg):
    """The config's CorLocMetric entry: its box rule is the one the sweep and figure use."""
    return next(e for e in cfg.val_evaluator if e['type'] == 'CorLocMetric')


def run_one(name, work_dir, data_root, max_epochs=None, threads=None):
    if threads:
        torch.set_num_threads(threads)
    cfg = load_config(CONFIGS[name])
    settings = corloc_settings(cfg)
    extra = [dict(settings, rel_threshold=t, with_map=False, prefix=f'corloc@{t:g}')
             for t in EXTRA_THRESHOLDS]
    options = {'work_dir': str(work_dir / name), 'custom_hooks': [],
               'val_evaluator': list(cfg.val_evaluator) + extra}
    if data_root:
        for split in ('train', 'val', 'test'):
            options[f'{split}_dataloader.dataset.data_root'] = str(data_root)
    if max_epochs:
        options['train_cfg.max_epochs'] = max_epochs
    cfg = load_config(CONFIGS[name], cfg_options=options)
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    runner.train()
    train_s = time.perf_counter() - start
    metrics = runner.val()
    wanted = set(REPORTED) | {f'corloc@{t:g}/corloc' for t in EXTRA_THRESHOLDS}
    row = dict(model=name, config=str(CONFIGS[name].relative_to(REPO)), train_s=round(train_s, 1),
               **{k: round(float(v), 4) for k, v in metrics.items() if k in wanted})
    # The same sweep on the `val` split (training images): where a box threshold may be chosen
    # without looking at the test images.
    val_split = copy.deepcopy(cfg.val_dataloader)
    val_split.dataset.split = 'val'
    swept = runner.evaluate(runner.build_dataloader(val_split), runner.build_evaluators(extra))
    row.update({f'val_split/{k}': round(float(v), 4) for k, v in swept.items()
                if k.endswith('/corloc')})
    return row, runner


def before_after_figure(runners, path, num_images=6):
    """Rows of test images: the image, then per model the heatmap of its first ground-truth class,
    ground-truth boxes of that class in white and the model's best heatmap box in green."""
    dataset = runners[0].val_dataloader.dataset
    mean, std = normalisation(dataset)
    models = [runner.model.eval() for runner in runners]
    box_rules = [{key: corloc_settings(runner.cfg)[key] for key in ('rel_threshold',
                                                                   'background_quantile')}
                 for runner in runners]
    rows, titles = [], []
    for index in range(num_images):
        sample = dataset[index]
        batch = collate([sample])
        objects = sample['objects']
        keep = ~objects['difficult'].bool()
        cls = int(objects['labels'][keep][0])
        gt = objects['boxes'][keep][objects['labels'][keep] == cls].numpy()
        image = input_rgb(sample, mean, std)
        row, names = [draw_boxes(image, gt, colour=(255, 255, 255))], ['image']
        for model, box_rule in zip(models, box_rules):
            pred = model.predict(batch)[0]
            heatmap, logits = heatmap_to_original(
                torch.stack([pred['heatmaps'][cls], pred['heatmap_logits'][cls]]),
                image.shape[:2], **model.heatmap_geometry)
            boxes, _ = boxes_from_heatmap(logits, **box_rule)
            picture = draw_boxes(overlay_heatmap(image, heatmap, vmin=0.0, vmax=1.0), gt,
                                 colour=(255, 255, 255))
            row.append(draw_boxes(picture, boxes[:1], colour=(0, 255, 0), thickness=2))
            names.append(type(model).__name__)
        rows.append(row)
        titles.append([f'{n} ({dataset.class_names[cls]})' if j else n for j, n in enumerate(names)])
    fig = labelled_grid(rows, cell_titles=titles, cell_size=2.2)
    save_figure(fig, path)
    close_figure(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--models', nargs='+', choices=sorted(CONFIGS), default=['plain', 'robust'])
    parser.add_argument('--work-dir', default='work_dirs/benchmark_localizer_demo')
    parser.add_argument('--data-root', default=None,
                        help="demo VOCdevkit (default: the configs' data/demo/VOCdevkit)")
    parser.add_argument('--max-epochs', type=int, default=None, help="override the configs' epochs")
    parser.add_argument('--threads', type=int, default=None, help='torch intra-op threads')
    parser.add_argument('--figure', default=None,
                        help='PNG path of the before/after heatmap figure (needs both models)')
    args = parser.parse_args(argv)
    work_dir = Path(args.work_dir)
    stamp = time.strftime('%Y%m%d_%H%M%S')
    results = [run_one(name, work_dir / stamp, args.data_root, args.max_epochs, args.threads)
               for name in args.models]
    rows = [row for row, _ in results]
    if args.figure:
        before_after_figure([runner for _, runner in results], args.figure)
    nan = float('nan')
    print('\nmodel   train_s  CorLoc  det mAP  cls mAP  recall@0.5  CorLoc at box threshold '
          + ' '.join(f'{t:g}' for t in EXTRA_THRESHOLDS))
    for row in rows:
        sweep = ' '.join(f"{row.get(f'corloc@{t:g}/corloc', nan):.3f}" for t in EXTRA_THRESHOLDS)
        val_sweep = ' '.join(f"{row.get(f'val_split/corloc@{t:g}/corloc', nan):.3f}"
                             for t in EXTRA_THRESHOLDS)
        print(f"{row['model']:<7} {row['train_s']:>7.1f}  {row.get('loc/corloc', nan):.3f}"
              f"   {row.get('loc/mAP', nan):.3f}    {row.get('multilabel/mAP', nan):.3f}"
              f"    {row.get('multilabel/recall@0.5', nan):.3f}       {sweep}   (val split: {val_sweep})")
    if len(rows) == 2:
        plain, robust = rows
        print(f"robust / plain: CorLoc x{robust['loc/corloc'] / max(plain['loc/corloc'], 1e-9):.2f}, "
              f"train time x{robust['train_s'] / plain['train_s']:.2f}")
    print(json.dumps(rows))
    return rows


if __name__ == '__main__':
    main()
