"""Demo data: VOC layout, determinism, difficult objects, tight boxes, race-safe generation."""
import filecmp
import multiprocessing as mp

import numpy as np
from PIL import Image

from vlrkit.datasets.demo_data import make_demo_voc
from vlrkit.datasets.voc import VOC_CLASSES, VOCDataset
from vlrkit.registry import DATASETS


def test_layout_and_content(demo_voc_root):
    voc = demo_voc_root / 'VOC2007'
    ids = {s: (voc / 'ImageSets/Main' / f'{s}.txt').read_text().split()
           for s in ('trainval', 'test', 'train', 'val')}
    assert len(ids['trainval']) == 40 and len(ids['test']) == 20
    assert not set(ids['trainval']) & set(ids['test'])
    assert sorted(ids['train'] + ids['val']) == sorted(ids['trainval'])
    for img_id in ids['trainval'] + ids['test']:
        assert (voc / 'JPEGImages' / f'{img_id}.jpg').is_file()
        assert (voc / 'Annotations' / f'{img_id}.xml').is_file()

    infos = (VOCDataset(demo_voc_root, split='trainval', mode='detection').data_infos
             + VOCDataset(demo_voc_root, split='test', mode='detection').data_infos)
    counts = [len(info['gt_labels']) for info in infos]
    assert min(counts) >= 1 and max(counts) <= 4
    difficult = np.concatenate([info['gt_difficult'] for info in infos])
    assert 0 < difficult.sum() < 0.3 * len(difficult)
    assert len({int(label) for info in infos for label in info['gt_labels']}) >= 15


def test_boxes_are_tight_on_saturated_objects(demo_voc_root):
    ds = VOCDataset(demo_voc_root, split='test', mode='detection')
    for info in ds.data_infos:
        img = np.asarray(Image.open(info['img_path'])).astype(int)
        saturation = img.max(-1) - img.min(-1)
        for box, hard in zip(info['gt_boxes'].astype(int), info['gt_difficult']):
            if hard:
                continue
            x1, y1, x2, y2 = box
            inside = saturation[y1:y2, x1:x2] > 60
            assert inside.mean() > 0.3  # object colour fills the box
            # the object reaches every side of its box (within a pixel of JPEG blur)
            assert inside[:, :2].any() and inside[:, -2:].any()
            assert inside[:2].any() and inside[-2:].any()


def test_same_seed_same_bytes(tmp_path):
    a = make_demo_voc(tmp_path / 'a', num_trainval=6, num_test=3, seed=3)
    b = make_demo_voc(tmp_path / 'b', num_trainval=6, num_test=3, seed=3)
    c = make_demo_voc(tmp_path / 'c', num_trainval=6, num_test=3, seed=4)
    for sub in ('Annotations', 'JPEGImages', 'ImageSets/Main'):
        cmp = filecmp.dircmp(a / 'VOC2007' / sub, b / 'VOC2007' / sub)
        assert not cmp.left_only and not cmp.right_only
        _, mismatch, errors = filecmp.cmpfiles(a / 'VOC2007' / sub, b / 'VOC2007' / sub,
                                               cmp.common_files, shallow=False)
        assert not mismatch and not errors
    assert (a / 'VOC2007/Annotations/000001.xml').read_bytes() != \
        (c / 'VOC2007/Annotations/000001.xml').read_bytes()


def _generate(out_dir):
    make_demo_voc(out_dir, num_trainval=30, num_test=0)


def test_racing_processes_leave_one_complete_tree(tmp_path):
    ctx = mp.get_context('fork')  # spawn would re-import torch: seconds per process
    procs = [ctx.Process(target=_generate, args=(tmp_path,)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    devkit = tmp_path / 'VOCdevkit'
    assert [p.name for p in devkit.iterdir()] == ['VOC2007']  # no temp folders left behind
    assert len(list((devkit / 'VOC2007/JPEGImages').iterdir())) == 30
    assert len(VOCDataset(devkit, split='trainval')) == 30


def test_demo_dataset_generates_on_first_use(tmp_path):
    cfg = dict(type='DemoVOCDataset', data_root=str(tmp_path / 'demo' / 'VOCdevkit'),
               split='test', num_trainval=4, num_test=5, image_size=96,
               pipeline=[dict(type='LoadImage'), dict(type='PackSample')])
    ds = DATASETS.build(cfg)
    assert len(ds) == 5 and ds.class_names == VOC_CLASSES
    assert ds[0]['image'].shape == (3, 96, 96)
    assert len(DATASETS.build(dict(cfg, split='trainval'))) == 4
