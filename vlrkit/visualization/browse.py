"""Ground truth of any dataset config drawn into PNGs (the library side of browse_dataset.py)."""
from pathlib import Path

from ..errors import ConfigError
from ..registry import DATASETS
from .boxes import GT_COLOUR, draw_boxes, save_png, to_uint8_image


def browse_dataset(cfg, out_dir, num=8, split='train'):
    """Build ``cfg.<split>_dataloader.dataset``, draw the boxes of its first ``num`` samples.

    Detection samples carry ``boxes``/``labels``; classification samples may carry ``objects``;
    samples without boxes are written as plain images. Returns the written paths.
    """
    key = f'{split}_dataloader'
    if not cfg.get(key):
        raise ConfigError(f'the config has no {key}; choose --split among '
                          f"{[k[:-len('_dataloader')] for k in cfg if k.endswith('_dataloader') and cfg[k]]}")
    dataset = DATASETS.build(cfg[key]['dataset'])
    names = getattr(dataset, 'class_names', None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(min(num, len(dataset))):
        sample = dataset[index]
        image = to_uint8_image(sample['image'])
        objects = sample if 'boxes' in sample else sample.get('objects')
        if objects is not None:
            image = draw_boxes(image, objects['boxes'], objects['labels'], class_names=names,
                               colour=GT_COLOUR)
        path = out / f"{index:04d}_{sample.get('img_id', index)}.png"
        save_png(path, image)
        written.append(path)
    return written
