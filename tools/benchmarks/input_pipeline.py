"""Input pipeline images/s: vlrkit's VOC loader, with and without the decoded-image cache, against
a naive PIL + torchvision-transforms loader over the same image files, in one run.

    python tools/benchmark.py input_pipeline [--size 224] [--num-images 300] [--rounds 3]

Images: the real PASCAL VOC photos of tests/data/voc-samples (281-500 px, 10 files) listed
``--num-images`` times under distinct ids, so every read decodes a full VOC-sized JPEG; without
them, synthetic demo images of ``--demo-size`` px. The machine may be shared, so the three
loaders run interleaved for ``--rounds`` rounds and the median rate of each is reported with the
ratios. Loading runs in the main process (images/s per core), which is what DataLoader workers
multiply.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torchvision import transforms as T  # noqa: E402

from vlrkit.datasets.demo_data import make_demo_voc  # noqa: E402
from vlrkit.datasets.voc import VOCDataset  # noqa: E402

VOC_SAMPLES = ROOT / 'tests' / 'data' / 'voc-samples' / 'VOCdevkit'


def replicated_devkit(out_dir, num_images):
    """A VOCdevkit whose trainval lists the real sample photos ``num_images`` times (symlinks)."""
    sources = sorted((VOC_SAMPLES / 'VOC2007' / 'JPEGImages').glob('*.jpg')) + \
        sorted((VOC_SAMPLES / 'VOC2012' / 'JPEGImages').glob('*.jpg'))
    voc = Path(out_dir) / 'VOCdevkit' / 'VOC2007'
    for sub in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
        (voc / sub).mkdir(parents=True, exist_ok=True)
    ids = []
    for i in range(num_images):
        src = sources[i % len(sources)]
        img_id = f'{i:06d}'
        os.symlink(src, voc / 'JPEGImages' / f'{img_id}.jpg')
        os.symlink(src.parent.parent / 'Annotations' / f'{src.stem}.xml',
                   voc / 'Annotations' / f'{img_id}.xml')
        ids.append(img_id)
    (voc / 'ImageSets' / 'Main' / 'trainval.txt').write_text('\n'.join(ids) + '\n')
    return voc.parent


class NaiveLoader(torch.utils.data.Dataset):
    """The usual hand-written loader: PIL open + torchvision transforms, labels from a lookup."""

    def __init__(self, img_paths, labels, size):
        self.img_paths, self.labels = img_paths, labels
        self.transform = T.Compose([
            T.Resize((size, size)), T.RandomHorizontalFlip(), T.ToTensor(),
            T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])

    def __len__(self):
        return len(self.img_paths)

    def __getitem__(self, index):
        img = Image.open(self.img_paths[index]).convert('RGB')
        return self.transform(img), self.labels[index]


def images_per_second(dataset):
    start = time.perf_counter()
    for i in range(len(dataset)):
        dataset[i]
    return len(dataset) / (time.perf_counter() - start)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--size', type=int, default=224, help='square network input size')
    parser.add_argument('--num-images', type=int, default=300)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--cache', default='memory', choices=['memory', 'mmap'])
    parser.add_argument('--demo', action='store_true', help='use demo images, not VOC samples')
    parser.add_argument('--demo-size', type=int, default=500)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    torch.set_num_threads(1)  # one core per loader, as in a DataLoader worker
    with tempfile.TemporaryDirectory() as tmp:
        if VOC_SAMPLES.is_dir() and not args.demo:
            devkit, source = replicated_devkit(tmp, args.num_images), 'real VOC sample photos'
        else:
            devkit = make_demo_voc(tmp, num_trainval=args.num_images, num_test=0,
                                   image_size=args.demo_size)
            source = f'demo images {args.demo_size} px'
        size = args.size
        pipeline = [dict(type='LoadImage'),
                    dict(type='Resize', scale=(size, size), keep_ratio=False),
                    dict(type='RandomFlip', prob=0.5), dict(type='Normalize'),
                    dict(type='PackSample')]
        plain = VOCDataset(devkit, pipeline=pipeline)
        start = time.perf_counter()
        cached = VOCDataset(devkit, pipeline=pipeline,
                            cache=dict(type=args.cache, size=(size, size), dir=tmp))
        build_s = time.perf_counter() - start
        naive = NaiveLoader([info['img_path'] for info in plain.data_infos],
                            [info['img_labels'] for info in plain.data_infos], size)
        loaders = {'naive PIL + torchvision': naive, 'vlrkit, no cache': plain,
                   f'vlrkit, {args.cache} cache': cached}
        rates = {name: [] for name in loaders}
        for _ in range(args.rounds):
            for name, dataset in loaders.items():
                rates[name].append(images_per_second(dataset))
    median = {name: statistics.median(r) for name, r in rates.items()}
    base = median['naive PIL + torchvision']
    print(f'\n{len(plain)} {source}, {size}x{size} input, {args.rounds} interleaved rounds, '
          f'1 thread, main process; cache built once in {build_s:.1f} s\n')
    print('| loader | images/s (median) | per round | vs naive |')
    print('| --- | ---: | --- | ---: |')
    for name, rate in median.items():
        rounds = ', '.join(f'{r:.0f}' for r in rates[name])
        print(f'| {name} | {rate:.0f} | {rounds} | {rate / base:.2f}x |')
    return dict(median=median, cache_build_s=build_s)


if __name__ == '__main__':
    main()
