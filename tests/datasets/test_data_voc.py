"""VOC parsing and targets, checked against the real VOC sample files and small hand-made XMLs."""
import pytest
import torch

from vlrkit.datasets.voc import VOC_CLASSES, VOCDataset, parse_voc_xml
from vlrkit.registry import DATASETS

DET_PIPELINE = [dict(type='LoadImage'), dict(type='PackSample')]


def test_voc_classes_are_the_standard_twenty():
    assert len(VOC_CLASSES) == 20 and len(set(VOC_CLASSES)) == 20
    assert VOC_CLASSES[0] == 'aeroplane' and VOC_CLASSES[-1] == 'tvmonitor'
    assert VOC_CLASSES.index('person') == 14


def test_real_samples_parse_exactly(voc_samples_root):
    total = 0
    for year in ('2007', '2012'):
        ds = VOCDataset(voc_samples_root, year=year, split='trainval', mode='detection')
        assert len(ds) == 5
        total += sum(len(info['gt_labels']) for info in ds.data_infos)
    assert total == 28

    chairs = parse_voc_xml(voc_samples_root / 'VOC2007/Annotations/000005.xml')
    assert [VOC_CLASSES[i] for i in chairs['labels']] == ['chair'] * 5
    assert chairs['difficult'].tolist() == [False, False, True, False, True]
    assert chairs['truncated'].tolist() == [False, False, True, False, True]
    assert chairs['boxes'][0].tolist() == [263, 211, 324, 339]
    assert (chairs['width'], chairs['height']) == (500, 375)


def test_parts_never_become_objects(voc_samples_root):
    ann = parse_voc_xml(voc_samples_root / 'VOC2012/Annotations/2007_000027.xml')
    assert [VOC_CLASSES[i] for i in ann['labels']] == ['person']
    assert ann['boxes'].tolist() == [[174, 101, 349, 351]]


def test_detection_sample_contract(voc_samples_root):
    ds = DATASETS.build(dict(type='VOCDataset', data_root=str(voc_samples_root), year='2007',
                             split='test', mode='detection', pipeline=DET_PIPELINE))
    sample = ds[4]
    assert sample['img_id'] == '000005'
    assert sample['image'].shape == (3, 375, 500) and sample['image'].dtype == torch.float32
    assert sample['boxes'].shape == (5, 4) and sample['boxes'].dtype == torch.float32
    assert sample['labels'].dtype == torch.long
    assert sample['difficult'].tolist() == [False, False, True, False, True]
    assert sample['ori_shape'] == (375, 500) and sample['img_shape'] == (375, 500)
    assert sample['scale_factor'] == (1.0, 1.0)
    assert ds.class_names == VOC_CLASSES


def test_classification_targets_on_real_samples(voc_samples_root):
    ds = VOCDataset(voc_samples_root, pipeline=DET_PIPELINE)
    sample = ds[4]  # 000005: three easy and two difficult chairs
    chair = VOC_CLASSES.index('chair')
    assert sample['labels'].dtype == torch.float32 and sample['labels'].shape == (20,)
    assert sample['labels'].nonzero().flatten().tolist() == [chair]
    assert not sample['difficult'].any()  # chair has easy instances, so it counts
    assert sample['objects']['boxes'].shape == (5, 4)
    assert sample['objects']['difficult'].sum() == 2


def test_class_present_only_as_difficult_is_masked(tmp_path, voc_writer):
    root = voc_writer(tmp_path, {'a': [('dog', (1, 1, 20, 20), 1), ('person', (2, 2, 30, 30), 0),
                                      ('person', (30, 2, 60, 30), 1)]})
    ds = VOCDataset(root, pipeline=DET_PIPELINE)
    sample = ds[0]
    dog, person = VOC_CLASSES.index('dog'), VOC_CLASSES.index('person')
    assert sample['labels'].nonzero().flatten().tolist() == [dog, person]
    assert sample['difficult'].nonzero().flatten().tolist() == [dog]


def test_class_subset_drops_other_voc_classes(tmp_path, voc_writer):
    root = voc_writer(tmp_path, {'a': [('dog', (1, 1, 20, 20), 0), ('cat', (2, 2, 30, 30), 0)]})
    ds = VOCDataset(root, mode='detection', classes=('cat',), pipeline=DET_PIPELINE)
    assert ds.class_names == ('cat',)
    assert ds[0]['labels'].tolist() == [0]


def test_concat_07_plus_12(voc_samples_root):
    ds = DATASETS.build(dict(type='ConcatDataset', datasets=[
        dict(type='VOCDataset', data_root=str(voc_samples_root), year='2007', mode='detection',
             pipeline=DET_PIPELINE),
        dict(type='VOCDataset', data_root=str(voc_samples_root), year='2012', mode='detection',
             pipeline=DET_PIPELINE)]))
    assert len(ds) == 10 and ds.class_names == VOC_CLASSES
    assert ds[5]['img_id'] == '2007_000027'
    with pytest.raises(ValueError, match='class_names'):
        DATASETS.build(dict(type='ConcatDataset', datasets=[
            dict(type='VOCDataset', data_root=str(voc_samples_root), year='2007'),
            dict(type='VOCDataset', data_root=str(voc_samples_root), year='2012',
                 classes=('person',))]))


def test_missing_devkit_says_where_and_what_to_download(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        VOCDataset(tmp_path / 'nowhere' / 'VOCdevkit')
    msg = str(info.value)
    assert 'VOC2007/ImageSets/Main/trainval.txt' in msg
    assert 'http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtrainval_06-Nov-2007.tar' in msg
    assert 'http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtest_06-Nov-2007.tar' in msg
    assert str((tmp_path / 'nowhere').resolve()) in msg
