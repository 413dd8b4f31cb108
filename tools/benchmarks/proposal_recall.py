"""Proposal recall of selective search (OpenCV, fast and quality mode) at 10/100/300/all
proposals, with the seconds per image, against random windows, in one run.

    python tools/benchmark.py proposal_recall [--demo-images 100] [--max-side 500] [--threads 1]

Data: the first ``--demo-images`` test images of the generated demo data of
``configs/_base_/datasets/voc_demo_det.py`` (128 px, written into ``--demo-root`` on first use),
and every image of the real PASCAL VOC sample photos in tests/data/voc-samples (VOC2007 and
VOC2012 test lists, 10 photos of 281-500 px, 28 objects, 26 not difficult). Recall is
ProposalRecallMetric's, difficult objects left out, on samples that went through LoadImage ->
LoadProposals -> PackSample: ``recall@k`` at IoU 0.5, ``AR@k`` averaged over IoU 0.5:0.05:0.95,
among the k first proposals (OpenCV's ranking; "all": every proposal the search found).

Seconds per image: ``SelectiveSearch.prepare`` on an empty cache (read, shrink to ``--max-side``,
search, write the cache entry) over the images, divided by their number; OpenCV limited to
``--threads`` threads. The peer is the floor of a method without objectness: every window of 3
aspect ratios and 8 sizes on a half-overlapping grid, in a random order (seed 0).
"""
import argparse
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from vlrkit.datasets.demo_data import DemoVOCDataset  # noqa: E402
from vlrkit.datasets.proposals import SelectiveSearch  # noqa: E402
from vlrkit.datasets.transforms import Compose  # noqa: E402
from vlrkit.datasets.transforms.load_proposals import LoadProposals  # noqa: E402
from vlrkit.datasets.voc import VOCDataset  # noqa: E402
from vlrkit.evaluation.metric import EvalContext  # noqa: E402
from vlrkit.registry import EVALUATORS  # noqa: E402
from vlrkit.structures import collate  # noqa: E402

VOC_SAMPLES = ROOT / 'tests' / 'data' / 'voc-samples' / 'VOCdevkit'
COUNTS = (10, 100, 300)
ALL = 10**6  # more than any image has: recall@ALL is the recall of every proposal


class RandomWindows:
    """Every window of aspect ratios 1:2, 1:1, 2:1 and 8 sizes from 1/8 to all of the shorter
    side, stepped by half a window, in a random order: what any proposal method must beat."""

    def __init__(self, seed=0):
        self.seed = seed

    def prepare(self, data_infos):
        pass

    def get(self, img_id, img_path, ori_shape):
        height, width = ori_shape
        boxes = []
        for side in np.geomspace(min(height, width) / 8, min(height, width), 8):
            for aspect in (0.5, 1.0, 2.0):
                w, h = min(side * np.sqrt(aspect), width), min(side / np.sqrt(aspect), height)
                xs = np.arange(0, width - w + 1e-3, w / 2)
                ys = np.arange(0, height - h + 1e-3, h / 2)
                x, y = (a.ravel() for a in np.meshgrid(xs, ys))
                boxes.append(np.stack([x, y, x + w, y + h], axis=1))
        boxes = np.concatenate(boxes).astype(np.float32)
        rng = np.random.default_rng([self.seed, zlib.crc32(img_id.encode())])
        boxes = boxes[rng.permutation(len(boxes))]
        return boxes, np.linspace(1, 0, len(boxes), dtype=np.float32)

    def __repr__(self):
        return f'RandomWindows(seed={self.seed})'


def image_lists(args):
    """{name: [(dataset, number of its first images to use), ...]}; datasets without pipelines."""
    demo = DemoVOCDataset(str(args.demo_root), split='test', mode='detection')
    count = min(args.demo_images, len(demo))
    samples = [VOCDataset(str(VOC_SAMPLES), year=year, split='test', mode='detection')
               for year in ('2007', '2012')]
    return {f'demo test, first {count} of {len(demo)} (128 px)': [(demo, count)],
            f'VOC samples, {sum(len(d) for d in samples)} photos': [(d, len(d)) for d in samples]}


def measure(name, parts, mode, args, cache_root):
    """One table row: the source's seconds per image, proposals per image and recall."""
    metric = EVALUATORS.build(dict(type='ProposalRecallMetric', counts=(*COUNTS, ALL)))
    seconds, found, total = 0.0, [], 0
    for dataset, count in parts:
        infos = dataset.data_infos[:count]
        if mode == 'windows':
            source = RandomWindows()
            found += [len(source.get(i['img_id'], None, i['ori_shape'])[0]) for i in infos]
        else:
            source = SelectiveSearch(mode=mode, top_n=None, max_side=args.max_side,
                                     cache_dir=tempfile.mkdtemp(dir=cache_root))
            start = time.perf_counter()
            source.prepare(infos)  # the cache is empty: every image is computed
            seconds += time.perf_counter() - start
            found += [len(source.cache_for(i['img_path']).load(i['img_id'], i['img_path'])[0])
                      for i in infos]
        # The samples go through the real pipeline steps, as a dataset's would.
        pipeline = Compose([dict(type='LoadImage'), LoadProposals(source), dict(type='PackSample')])
        for start in range(0, count, 16):
            metric.process(collate([pipeline(dataset.get_data_info(i))
                                    for i in range(start, min(start + 16, count))]), preds=None)
        total += count
    out = metric.set_context(EvalContext()).compute(total)
    row = dict(data=name, source='random windows' if mode == 'windows' else
               f'selective search {mode}', seconds=None if mode == 'windows' else seconds / total,
               found=float(np.mean(found)),
               **{key.split('/', 1)[1]: value for key, value in out.items()})
    print(format_row(row), flush=True)
    return row


def format_row(row):
    seconds = '' if row['seconds'] is None else f"{row['seconds']:.3f}"
    recalls = ' | '.join(f"{row[f'{kind}@{k}']:.3f}" for kind in ('recall', 'AR')
                         for k in (*COUNTS, ALL))
    return f"| {row['data']} | {row['source']} | {seconds} | {row['found']:.0f} | {recalls} |"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--demo-root', default='data/demo/VOCdevkit',
                        help='the demo VOCdevkit of the demo configs (generated if missing)')
    parser.add_argument('--demo-images', type=int, default=100)
    parser.add_argument('--max-side', type=int, default=500, help="SelectiveSearch's max_side")
    parser.add_argument('--modes', nargs='+', default=['fast', 'quality'],
                        choices=['fast', 'quality'])
    parser.add_argument('--threads', type=int, default=1, help='cv2.setNumThreads')
    args = parser.parse_args(argv)
    cv2.setNumThreads(args.threads)
    print(f'OpenCV {cv2.__version__}, {args.threads} thread(s), max_side {args.max_side}, '
          f'load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs')
    header = ' | '.join(f'{kind}@{k}' for kind in ('recall', 'AR') for k in (*COUNTS, 'all'))
    print(f'| data | proposals | s / image | proposals / image | {header} |')
    print('|---|---|---:|---:|' + '---:|' * 2 * (len(COUNTS) + 1))
    rows = []
    with tempfile.TemporaryDirectory() as cache_root:
        for name, parts in image_lists(args).items():
            for mode in (*args.modes, 'windows'):
                rows.append(measure(name, parts, mode, args, cache_root))
    print(f'load average {os.getloadavg()[0]:.1f} at the end')
    return rows
