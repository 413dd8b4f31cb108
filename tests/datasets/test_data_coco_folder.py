"""ImageFolderDataset (single-label folders) and CocoDataset (any COCO json)."""
import json

import pytest
import torch
from PIL import Image

from vlrkit.datasets.bad_input import BadInputError
from vlrkit.registry import DATASETS

PIPELINE = [dict(type='LoadImage'), dict(type='Resize', scale=(16, 16), keep_ratio=False),
            dict(type='PackSample')]


def test_image_folder(tmp_path):
    for split, per_class in (('train', 3), ('val', 1)):
        for cls, colour in (('n01', (255, 0, 0)), ('n02', (0, 255, 0)), ('n03', (0, 0, 255))):
            (tmp_path / split / cls).mkdir(parents=True)
            for i in range(per_class):
                Image.new('RGB', (20 + i, 24), colour).save(tmp_path / split / cls / f'{i}.jpg')
    (tmp_path / 'train' / 'n01' / 'notes.txt').write_text('not an image')
    ds = DATASETS.build(dict(type='ImageFolderDataset', data_root=str(tmp_path), split='train',
                             pipeline=PIPELINE))
    assert ds.class_names == ('n01', 'n02', 'n03') and len(ds) == 9
    sample = ds[4]
    assert sample['labels'].dtype == torch.long and sample['labels'].ndim == 0
    assert sample['labels'].item() == 1 and sample['image'][1].mean() > 0.9  # green is n02
    assert sample['img_id'] == 'n02/1'
    val = DATASETS.build(dict(type='ImageFolderDataset', data_root=str(tmp_path), split='val',
                              pipeline=PIPELINE, cache=dict(type='memory', size=(16, 16))))
    assert [val[i]['labels'].item() for i in range(3)] == [0, 1, 2]
    with pytest.raises(FileNotFoundError, match='test'):
        DATASETS.build(dict(type='ImageFolderDataset', data_root=str(tmp_path), split='test'))


def write_coco(tmp_path, annotations):
    Image.new('RGB', (40, 30)).save(tmp_path / 'a.jpg')
    Image.new('RGB', (40, 30)).save(tmp_path / 'b.jpg')
    coco = dict(images=[dict(id=1, file_name='a.jpg', width=40, height=30),
                        dict(id=2, file_name='b.jpg', width=40, height=30)],
                categories=[dict(id=18, name='dog'), dict(id=3, name='car')],
                annotations=annotations)
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(coco))
    return path


def test_coco_detection_samples(tmp_path):
    ann = write_coco(tmp_path, [
        dict(id=1, image_id=1, category_id=18, bbox=[2, 3, 10, 5], area=50, iscrowd=0),
        dict(id=2, image_id=1, category_id=3, bbox=[20, 10, 15, 15], area=225, iscrowd=1),
        dict(id=3, image_id=2, category_id=3, bbox=[0, 0, 40.5, 30], area=1200, iscrowd=0)])
    ds = DATASETS.build(dict(type='CocoDataset', ann_file=str(ann), img_dir=str(tmp_path),
                             pipeline=[dict(type='LoadImage'), dict(type='PackSample')]))
    assert ds.class_names == ('car', 'dog')  # ascending category id: 3, 18
    first = ds[0]
    assert first['img_id'] == '1' and first['image'].shape == (3, 30, 40)
    assert first['boxes'].tolist() == [[2, 3, 12, 8], [20, 10, 35, 25]]
    assert first['labels'].tolist() == [1, 0] and first['difficult'].tolist() == [False, True]
    assert ds[1]['boxes'].tolist() == [[0, 0, 40, 30]]  # half a pixel outside: clipped

    cls = DATASETS.build(dict(type='CocoDataset', ann_file=str(ann), img_dir=str(tmp_path),
                              mode='classification', classes=('dog',), filter_empty=True,
                              pipeline=[dict(type='LoadImage'), dict(type='PackSample')]))
    assert len(cls) == 1 and cls[0]['labels'].tolist() == [1.0]


def test_coco_bad_box_names_the_annotation(tmp_path):
    ann = write_coco(tmp_path, [
        dict(id=7, image_id=1, category_id=18, bbox=[2, 3, 0, 5], area=0, iscrowd=0)])
    with pytest.raises(BadInputError, match='annotation id 7 of image a.jpg'):
        DATASETS.build(dict(type='CocoDataset', ann_file=str(ann), img_dir=str(tmp_path)))
    ds = DATASETS.build(dict(type='CocoDataset', ann_file=str(ann), img_dir=str(tmp_path),
                             skip_bad=True))
    assert len(ds) == 1 and ds.bad_input.count == 1
