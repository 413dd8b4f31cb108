"""One intermediate key per idea: every dataset writes its labels under its task's one key.

The keys are the vocabulary documented in ``vlrkit/datasets/transforms/compose.py``: objects in
``gt_boxes`` / ``gt_labels`` / ``gt_difficult`` (detection's label key is ``gt_labels``),
image-level targets in ``img_labels`` / ``img_difficult`` (classification's label key is
``img_labels``, a class index or a multi-hot).
"""
import json

import numpy as np
import torch
from PIL import Image

from vlrkit.datasets.transforms import Compose
from vlrkit.registry import DATASETS

OBJECT_KEYS = {'gt_boxes', 'gt_labels', 'gt_difficult', 'gt_truncated'}
IMAGE_KEYS = {'img_labels', 'img_difficult'}
META_KEYS = {'img_id', 'img_path', 'ann_path', 'ori_shape'}


def target_keys(dataset):
    keys = set().union(*(info.keys() for info in dataset.data_infos))
    assert keys <= OBJECT_KEYS | IMAGE_KEYS | META_KEYS, keys - OBJECT_KEYS - IMAGE_KEYS - META_KEYS
    return keys - META_KEYS


def test_voc_writes_one_label_key_per_task(tmp_path, voc_writer):
    root = voc_writer(tmp_path, {'a': [('dog', (2, 2, 30, 30), 0), ('cat', (5, 5, 20, 40), 1)]})
    cls = DATASETS.build(dict(type='VOCDataset', data_root=str(root), mode='classification'))
    det = DATASETS.build(dict(type='VOCDataset', data_root=str(root), mode='detection'))
    assert target_keys(det) == OBJECT_KEYS
    assert target_keys(cls) == OBJECT_KEYS | IMAGE_KEYS  # objects kept for localisation scores
    info = cls.data_infos[0]
    assert info['img_labels'].shape == (20,) and info['img_labels'].dtype == np.float32
    assert info['img_difficult'].tolist() == [name == 'cat' for name in cls.class_names]


def test_coco_and_image_folder_use_the_same_keys(tmp_path):
    Image.new('RGB', (40, 30)).save(tmp_path / 'a.jpg')
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(dict(
        images=[dict(id=1, file_name='a.jpg', width=40, height=30)],
        categories=[dict(id=3, name='car')],
        annotations=[dict(id=1, image_id=1, category_id=3, bbox=[2, 3, 10, 5], iscrowd=0)])))
    coco_cls = DATASETS.build(dict(type='CocoDataset', ann_file=str(ann), img_dir=str(tmp_path),
                                   mode='classification'))
    coco_det = DATASETS.build(dict(type='CocoDataset', ann_file=str(ann), img_dir=str(tmp_path)))
    assert target_keys(coco_det) == {'gt_boxes', 'gt_labels', 'gt_difficult'}
    assert IMAGE_KEYS <= target_keys(coco_cls)
    (tmp_path / 'folder' / 'train' / 'n01').mkdir(parents=True)
    Image.new('RGB', (8, 8)).save(tmp_path / 'folder' / 'train' / 'n01' / '0.jpg')
    folder = DATASETS.build(dict(type='ImageFolderDataset', data_root=str(tmp_path / 'folder')))
    assert target_keys(folder) == {'img_labels'} and folder.data_infos[0]['img_labels'] == 0


def test_pack_sample_reads_img_labels_in_both_classification_forms():
    pack = Compose([dict(type='PackSample')])
    img = np.zeros((4, 6, 3), np.uint8)
    single = pack(dict(img=img, task='classification', img_labels=np.int64(2)))
    assert single['labels'].dtype == torch.long and single['labels'].ndim == 0
    assert single['labels'].item() == 2 and 'difficult' not in single
    multi = pack(dict(img=img, task='classification', img_labels=np.eye(3, dtype=np.float32)[1],
                      img_difficult=np.array([False, True, False])))
    assert multi['labels'].dtype == torch.float32 and multi['labels'].tolist() == [0, 1, 0]
    assert multi['difficult'].tolist() == [False, True, False]
