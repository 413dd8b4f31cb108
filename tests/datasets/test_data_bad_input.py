"""Broken data files: an error that names the file, or with skip_bad a counted skip, never a
silently wrong label."""
import pytest

from vlrkit.datasets.bad_input import BadInputError
from vlrkit.datasets.voc import VOC_CLASSES, VOCDataset

PIPELINE = [dict(type='LoadImage'), dict(type='PackSample')]
GOOD = [('dog', (2, 2, 30, 30), 0)]


@pytest.fixture
def voc_two(tmp_path, voc_writer):
    """VOC tree with ids 'good' (a dog) and 'bad' (a cat), size 64 x 48; returns (root, voc dir)."""
    root = voc_writer(tmp_path, {'good': GOOD, 'bad': [('cat', (5, 5, 40, 40), 0)]})
    return root, root / 'VOC2007'


def assert_error_then_skip(root, culprit, match=None):
    with pytest.raises(BadInputError) as info:
        VOCDataset(root, mode='detection', pipeline=PIPELINE)
    assert str(culprit) in str(info.value)
    if match:
        assert match in str(info.value)
    ds = VOCDataset(root, mode='detection', pipeline=PIPELINE, skip_bad=True)
    assert ds.bad_input.count == 1 and [i['img_id'] for i in ds.data_infos] == ['good']
    assert ds[0]['labels'].tolist() == [VOC_CLASSES.index('dog')]


def test_missing_image(voc_two):
    root, voc = voc_two
    (voc / 'JPEGImages/bad.jpg').unlink()
    assert_error_then_skip(root, voc / 'JPEGImages/bad.jpg', 'does not exist')


def test_missing_xml(voc_two):
    root, voc = voc_two
    (voc / 'Annotations/bad.xml').unlink()
    assert_error_then_skip(root, voc / 'Annotations/bad.xml', 'does not exist')


def test_malformed_xml(voc_two):
    root, voc = voc_two
    (voc / 'Annotations/bad.xml').write_text('<annotation><object><name>cat</name></annot')
    assert_error_then_skip(root, voc / 'Annotations/bad.xml', 'not valid XML')


def test_unknown_class_name(tmp_path, voc_writer):
    root = voc_writer(tmp_path, {'good': GOOD, 'bad': [('dgo', (5, 5, 40, 40), 0)]})
    assert_error_then_skip(root, root / 'VOC2007/Annotations/bad.xml', "'dgo'")


@pytest.mark.parametrize('box', [(30, 5, 30, 40), (30, 5, 20, 40), (5, 40, 30, 10)])
def test_empty_box(tmp_path, voc_writer, box):
    root = voc_writer(tmp_path, {'good': GOOD, 'bad': [('cat', box, 0)]})
    assert_error_then_skip(root, root / 'VOC2007/Annotations/bad.xml', 'empty box')


@pytest.mark.parametrize('box', [(-5, 5, 30, 40), (5, 5, 70, 40), (5, 5, 30, 52)])
def test_box_outside_image(tmp_path, voc_writer, box):
    root = voc_writer(tmp_path, {'good': GOOD, 'bad': [('cat', box, 0)]})
    assert_error_then_skip(root, root / 'VOC2007/Annotations/bad.xml', 'outside')


def test_box_within_a_pixel_outside_is_clipped(tmp_path, voc_writer):
    root = voc_writer(tmp_path, {'a': [('cat', (-0.5, 0, 64.8, 49), 0)]})  # image is 64 x 48
    ds = VOCDataset(root, mode='detection', pipeline=PIPELINE)
    assert ds[0]['boxes'].tolist() == [[0, 0, 64, 48]]


def test_image_without_objects(tmp_path, voc_writer):
    root = voc_writer(tmp_path, {'good': GOOD, 'bad': []})
    assert_error_then_skip(root, root / 'VOC2007/Annotations/bad.xml', 'no <object>')


def test_object_without_bndbox(voc_two):
    root, voc = voc_two
    (voc / 'Annotations/bad.xml').write_text(
        '<annotation><object><name>cat</name></object></annotation>')
    assert_error_then_skip(root, voc / 'Annotations/bad.xml', 'bndbox')


@pytest.mark.parametrize('damage', ['truncate', 'garbage'])
def test_corrupt_or_truncated_jpeg(voc_two, damage):
    root, voc = voc_two
    jpg = voc / 'JPEGImages/bad.jpg'
    data = jpg.read_bytes()
    jpg.write_bytes(data[:len(data) // 2] if damage == 'truncate' else b'not a jpeg' * 50)
    ds = VOCDataset(root, mode='detection', pipeline=PIPELINE)
    bad_index = [i['img_id'] for i in ds.data_infos].index('bad')
    with pytest.raises(BadInputError, match='corrupt or truncated') as info:
        ds[bad_index]
    assert str(jpg) in str(info.value)

    ds = VOCDataset(root, mode='detection', pipeline=PIPELINE, skip_bad=True)
    sample = ds[bad_index]  # the next good image stands in, with its own label
    assert sample['img_id'] == 'good' and sample['labels'].tolist() == [VOC_CLASSES.index('dog')]
    assert ds.bad_input.count == 1


def test_annotation_size_disagreeing_with_image(tmp_path, voc_writer):
    root = voc_writer(tmp_path, {'a': GOOD})
    from PIL import Image
    Image.new('RGB', (100, 48)).save(root / 'VOC2007/JPEGImages/a.jpg')
    ds = VOCDataset(root, mode='detection', pipeline=PIPELINE)
    with pytest.raises(BadInputError, match='misplaced') as info:
        ds[0]
    assert 'a.jpg' in str(info.value) and 'a.xml' in str(info.value)


def test_zero_size_in_xml_means_unknown(tmp_path, voc_writer):
    root = voc_writer(tmp_path, {'a': GOOD}, size=(64, 48))
    xml = root / 'VOC2007/Annotations/a.xml'
    xml.write_text(xml.read_text().replace('<width>64</width><height>48</height>',
                                           '<width>0</width><height>0</height>'))
    sample = VOCDataset(root, mode='detection', pipeline=PIPELINE)[0]
    assert sample['ori_shape'] == (48, 64) and sample['boxes'].tolist() == [[2, 2, 30, 30]]


def test_data_errors_are_user_errors_of_the_expected_kind(tmp_path, voc_writer):
    """The CLI prints UserErrors as one line; each keeps the builtin type callers catch."""
    from vlrkit.datasets.bad_input import DatasetNotFoundError
    from vlrkit.errors import ConfigError, UserError
    from vlrkit.registry import DATASETS, TRANSFORMS
    with pytest.raises(DatasetNotFoundError, match='VOC2007') as missing:
        DATASETS.build(dict(type='VOCDataset', data_root=str(tmp_path / 'nowhere')))
    assert isinstance(missing.value, UserError) and isinstance(missing.value, FileNotFoundError)
    root = voc_writer(tmp_path, {'a': [('dog', (2, 2, 30, 30), 0)]})
    for cfg in (dict(type='VOCDataset', data_root=str(root), mode='segmentation'),
                dict(type='ConcatDataset', datasets=[]),
                dict(type='Digits', split='val')):
        with pytest.raises(ConfigError):
            DATASETS.build(cfg)
    for cfg in (dict(type='RandomFlip', prob=2), dict(type='Normalize', std=(0, 1, 1)),
                dict(type='Compose', transforms=[42])):
        with pytest.raises(ConfigError):
            TRANSFORMS.build(cfg)
