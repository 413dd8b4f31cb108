"""Ground truth of any dataset config drawn into PNGs (the library side of browse_dataset.py)."""
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..registry import DATASETS
from ..structures import to_numpy
from .boxes import GT_COLOUR, draw_boxes, save_png, to_uint8_image
from .figures import save_figure
from .wsddn_streams import stream_scores, two_streams_figure

PROPOSAL_COLOUR = (255, 150, 0)  # orange, apart from the green ground truth


def class_list(sample, names):
    """The class names of a sample's objects (or image labels), for the console."""
    objects = sample if 'boxes' in sample else sample.get('objects')
    if objects is not None:
        labels = to_numpy(objects['labels']).reshape(-1).tolist()
    elif 'labels' in sample and to_numpy(sample['labels']).ndim == 1:  # multi-hot
        labels = np.flatnonzero(to_numpy(sample['labels']) > 0).tolist()
    elif 'labels' in sample:
        labels = [int(to_numpy(sample['labels']))]
    else:
        labels = []
    return [names[int(label)] if names else str(label) for label in labels]


def top_proposals(sample, count):
    """The ``count`` highest-scoring proposals (P, 4) of a sample."""
    if 'proposals' not in sample:
        raise ConfigError("--proposals: the dataset's samples have no proposals; add "
                          "dict(type='LoadProposals', source=...) after LoadImage in its pipeline.")
    order = np.argsort(-to_numpy(sample['proposal_scores']), kind='stable')[:count]
    return to_numpy(sample['proposals'])[order]


def browse_dataset(cfg, out_dir, num=8, split='train', index=None, num_proposals=0,
                   streams=None):
    """Build ``cfg.<split>_dataloader.dataset``, draw the boxes of its first ``num`` samples, or
    of sample ``index`` alone; with ``num_proposals``, also its top proposals (under the boxes).
    With ``streams`` (a WSDDN checkpoint of ``cfg``), each PNG is instead the picture of that
    model's two streams on the sample (``wsddn_streams.two_streams_figure``), ``*_streams.png``.

    Detection samples carry ``boxes``/``labels``; classification samples may carry ``objects``;
    samples without boxes are written as plain images. Returns one dict per written image:
    ``path`` (the PNG), ``file_name`` (the image's), ``classes`` (its objects' class names).
    """
    key = f'{split}_dataloader'
    if not cfg.get(key):
        raise ConfigError(f'the config has no {key}; choose --split among '
                          f"{[k[:-len('_dataloader')] for k in cfg if k.endswith('_dataloader') and cfg[k]]}")
    dataset = DATASETS.build(cfg[key]['dataset'])
    if index is not None and not 0 <= index < len(dataset):
        raise ConfigError(f'--index {index}: the {split} dataset has {len(dataset)} images '
                          f'(0 to {len(dataset) - 1}).')
    names = getattr(dataset, 'class_names', None)
    model = streams_model(cfg, streams) if streams else None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for idx in [index] if index is not None else range(min(num, len(dataset))):
        sample = dataset[idx]
        file_name = Path(sample['img_path']).name if 'img_path' in sample else str(idx)
        path = out / f"{idx:04d}_{sample.get('img_id', idx)}.png"
        if model is not None:
            path = save_figure(two_streams_figure(stream_scores(model, sample), names),
                               path.with_name(f'{path.stem}_streams.png'))
            written.append(dict(path=path, file_name=file_name, classes=class_list(sample, names)))
            continue
        image = to_uint8_image(sample['image'])
        if num_proposals:
            image = draw_boxes(image, top_proposals(sample, num_proposals), colour=PROPOSAL_COLOUR)
        objects = sample if 'boxes' in sample else sample.get('objects')
        if objects is not None:
            image = draw_boxes(image, objects['boxes'], objects['labels'], class_names=names,
                               colour=GT_COLOUR)
        save_png(path, image)
        written.append(dict(path=path, file_name=file_name, classes=class_list(sample, names)))
    return written


def streams_model(cfg, checkpoint):
    """The WSDDN of ``cfg`` with the weights of ``checkpoint``, on the CPU, or a ConfigError."""
    from ..apis import init_model
    model = init_model(cfg, checkpoint, device='cpu')
    if not hasattr(model, 'head') or not hasattr(model.head, 'cls_stream'):
        raise ConfigError(f'--streams {checkpoint}: the config builds a {type(model).__name__}; '
                          'the two-stream picture needs a WSDDN (configs/wsddn/)')
    return model
