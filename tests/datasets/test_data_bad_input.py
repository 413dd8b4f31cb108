"""Broken data files: an error that names the file, or with skip_bad a counted skip, never a
silently wrong label."""
import re
import shutil

import numpy as np
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


# ------------------------------------------------ issue 13: numbers, sizes, images, lists, splits
# Each test below starts from the real VOC samples (tests/data/voc-samples) and damages one file.

REAL_ID = '000001'  # 353 x 500; a dog at (48, 240, 195, 371) and a person


@pytest.fixture
def real_voc(tmp_path, voc_samples_root):
    """A copy of the real VOC2007 samples; returns (VOCdevkit root, VOC2007 folder)."""
    shutil.copytree(voc_samples_root / 'VOC2007', tmp_path / 'VOCdevkit' / 'VOC2007')
    return tmp_path / 'VOCdevkit', tmp_path / 'VOCdevkit' / 'VOC2007'


def edit_xml(voc, old, new, img_id=REAL_ID, regex=False):
    xml = voc / 'Annotations' / f'{img_id}.xml'
    text = xml.read_text()
    changed = re.sub(old, new, text, flags=re.S) if regex else text.replace(old, new, 1)
    assert changed != text, old
    xml.write_text(changed)
    return xml


def assert_real_error_then_skip(root, culprit, match, load=False):
    """Strict: BadInputError naming ``culprit``; skip_bad: that image left out, the rest load."""
    ds = None
    with pytest.raises(BadInputError, match=match) as info:
        ds = VOCDataset(root, mode='detection', pipeline=PIPELINE)
        ds[[i['img_id'] for i in ds.data_infos].index(REAL_ID)]
    assert load == (ds is not None)  # found when parsing, or only when the image is decoded
    assert str(culprit) in str(info.value) and '\n' not in str(info.value)
    ds = VOCDataset(root, mode='detection', pipeline=PIPELINE, skip_bad=True)
    ids = [ds[i]['img_id'] for i in range(len(ds))]
    assert REAL_ID not in ids and len(set(ids)) == 4 and ds.bad_input.count == 1


@pytest.mark.parametrize('value', ['nan', 'NaN', 'inf', '-inf', '1e400', '1e308'])
def test_non_finite_coordinate(real_voc, value):
    """<xmax>nan passed every comparison and trained as the box [48, 240, nan, 371]."""
    root, voc = real_voc
    xml = edit_xml(voc, '<xmax>195</xmax>', f'<xmax>{value}</xmax>')
    assert_real_error_then_skip(root, xml, 'not a finite number')


@pytest.mark.parametrize('old, new', [('<xmin>48</xmin>', '<xmin>-500</xmin>'),
                                      ('<xmax>195</xmax>', '<xmax>1e30</xmax>'),
                                      ('<ymax>371</ymax>', '<ymax>inf</ymax>')])
def test_box_checked_against_the_decoded_image_when_size_is_missing(real_voc, old, new):
    """Without <size>, out-of-image boxes used to pass; now the decoded image's size decides."""
    root, voc = real_voc
    edit_xml(voc, r'<size>.*?</size>', '', regex=True)
    xml = edit_xml(voc, old, new)
    if 'inf' in new:
        assert_real_error_then_skip(root, xml, 'not a finite number')
    else:
        assert_real_error_then_skip(root, xml, 'outside the 353x500 image', load=True)


def test_box_without_size_inside_the_image_loads(real_voc):
    root, voc = real_voc
    edit_xml(voc, r'<size>.*?</size>', '', regex=True)
    sample = VOCDataset(root, split='trainval', mode='detection', pipeline=PIPELINE)[0]
    assert sample['ori_shape'] == (500, 353)
    assert sample['boxes'].tolist() == [[48, 240, 195, 371], [8, 12, 352, 498]]


def test_negative_size_is_an_error_not_unknown(real_voc):
    """height=-281 used to switch the size check off and let xmax=1e308 through."""
    root, voc = real_voc
    edit_xml(voc, '<height>500</height>', '<height>-281</height>')
    xml = edit_xml(voc, '<xmax>195</xmax>', '<xmax>1e308</xmax>')
    assert_real_error_then_skip(root, xml, 'must both be positive')


@pytest.mark.parametrize('old, new, match', [
    ('<difficult>0</difficult>', '<difficult>1e400</difficult>', 'not a finite number'),  # was OverflowError
    ('<width>353</width>', '<width>nan</width>', 'not a finite number'),                  # was ValueError
    ('<difficult>0</difficult>', '<difficult>2</difficult>', 'must be 0 or 1'),           # was "not difficult"
    ('<truncated>1</truncated>', '<truncated>-1</truncated>', 'must be 0 or 1'),
])
def test_odd_numbers_are_errors_that_skip_bad_skips(real_voc, old, new, match):
    root, voc = real_voc
    assert_real_error_then_skip(root, edit_xml(voc, old, new), match)


def test_decompression_bomb_header_is_a_bad_input(real_voc):
    """A header claiming 60000 x 60000 raised PIL's DecompressionBombError, not skipped."""
    root, voc = real_voc
    jpg = voc / 'JPEGImages' / f'{REAL_ID}.jpg'
    data = bytearray(jpg.read_bytes())
    sof = data.index(b'\xff\xc2')  # this sample is progressive
    data[sof + 5:sof + 9] = (60000).to_bytes(2, 'big') * 2
    jpg.write_bytes(bytes(data))
    assert_real_error_then_skip(root, jpg, 'MAX_IMAGE_PIXELS', load=True)


def zero_scan_run(jpg, offset=2000, length=400):
    data = bytearray(jpg.read_bytes())
    sos = data.index(b'\xff\xda')
    data[sos + offset:sos + offset + length] = bytes(length)
    jpg.write_bytes(bytes(data))


def test_corrupt_entropy_coded_data_is_an_error(real_voc):
    """Zeroed sectors decode to garbage pixels without an exception; libjpeg's warning decides."""
    root, voc = real_voc
    jpg = voc / 'JPEGImages' / f'{REAL_ID}.jpg'
    zero_scan_run(jpg)
    assert_real_error_then_skip(root, jpg, 'JPEG decoder says: Corrupt JPEG data', load=True)


def test_corrupt_entropy_coded_data_is_an_error_in_the_cache_too(real_voc):
    root, voc = real_voc
    zero_scan_run(voc / 'JPEGImages' / f'{REAL_ID}.jpg')
    ds = VOCDataset(root, mode='detection', pipeline=PIPELINE,
                    cache=dict(type='memory', scale=(128, 128)))
    with pytest.raises(BadInputError, match=f'{REAL_ID}.jpg is corrupt'):
        ds[0]


def test_real_images_decode_without_a_complaint_and_like_pillow(voc_samples_root):
    """The strict decoder accepts every real sample and gives Pillow's pixels."""
    from PIL import Image
    from vlrkit.datasets.transforms.loading import read_rgb
    jpgs = sorted(voc_samples_root.glob('VOC*/JPEGImages/*.jpg'))
    assert len(jpgs) == 10
    for jpg in jpgs:
        with Image.open(jpg) as img:
            assert (read_rgb(jpg) == np.asarray(img.convert('RGB'))).all(), jpg


def test_decoder_remarks_about_the_header_are_not_damage(tmp_path, voc_samples_root, capfd):
    """libjpeg also prints remarks that say nothing about the pixels (an unknown JFIF revision):
    the image loads and the remark still reaches stderr."""
    from vlrkit.datasets.transforms.loading import read_rgb
    original = voc_samples_root / 'VOC2007' / 'JPEGImages' / '000003.jpg'
    data = bytearray(original.read_bytes())
    data[data.index(b'JFIF\x00') + 5] = 3  # JFIF major version 3
    jpg = tmp_path / 'jfif3.jpg'
    jpg.write_bytes(bytes(data))
    assert (read_rgb(jpg) == read_rgb(original)).all()
    assert 'unknown JFIF revision number 3.01' in capfd.readouterr().err


def test_draft_decoding_matches_pillow_draft(voc_samples_root):
    from PIL import Image
    from vlrkit.datasets.transforms.loading import read_rgb
    jpg = voc_samples_root / 'VOC2007' / 'JPEGImages' / '000003.jpg'  # 500 x 375
    for shape in ((100, 100), (200, 240), (375, 500)):
        with Image.open(jpg) as img:
            img.draft('RGB', (shape[1], shape[0]))
            expected = np.asarray(img.convert('RGB'))
        assert (read_rgb(jpg, draft_shape=shape) == expected).all(), shape


@pytest.mark.parametrize('content', [
    b'\xef\xbb\xbf000001\n000002\n000003\n000004\n000005\n',       # a byte-order mark
    b'000001\r\n000002\r\n000003\r\n000004\r\n000005\r\n',         # CRLF
    b'\xef\xbb\xbf000001\r\n000002\r\n\r\n000003\r000004\r\n000005',  # both, blank line, CR
])
def test_split_file_with_bom_or_crlf(real_voc, content):
    root, voc = real_voc
    (voc / 'ImageSets' / 'Main' / 'trainval.txt').write_bytes(content)
    ds = VOCDataset(root, mode='detection', pipeline=PIPELINE)
    assert [info['img_id'] for info in ds.data_infos] == ['000001', '000002', '000003', '000004',
                                                         '000005']


def test_split_file_not_utf8(real_voc):
    root, voc = real_voc
    split = voc / 'ImageSets' / 'Main' / 'trainval.txt'
    split.write_bytes('000001\n'.encode('utf-16'))
    with pytest.raises(BadInputError, match='not UTF-8') as info:
        VOCDataset(root, mode='detection', pipeline=PIPELINE)
    assert str(split) in str(info.value)


# ------------------------------------------------ the dataloader: empty splits, worker errors
def test_empty_split_is_an_error_where_the_loader_is_built(real_voc):
    import torch
    from vlrkit.engine.dataloader import build_dataloader
    root, voc = real_voc
    (voc / 'ImageSets' / 'Main' / 'val.txt').write_text('\n')
    cfg = dict(batch_size=2, num_workers=0, dataset=dict(
        type='VOCDataset', data_root=str(root), split='val', pipeline=PIPELINE))
    with pytest.raises(BadInputError, match='has no samples') as info:
        build_dataloader(cfg, 0, 1, 0, torch.device('cpu'))
    assert str(voc / 'ImageSets' / 'Main' / 'val.txt') in str(info.value)
    cfg.update(batch_size=8, drop_last=True)
    cfg['dataset'].update(split='trainval')
    with pytest.raises(BadInputError, match='fewer than one batch of 8'):
        build_dataloader(cfg, 0, 1, 0, torch.device('cpu'))


def test_every_file_skipped_is_an_empty_dataset(real_voc):
    import torch
    from vlrkit.engine.dataloader import build_dataloader
    root, voc = real_voc
    for xml in (voc / 'Annotations').glob('*.xml'):
        xml.write_text('<annotation>')
    cfg = dict(batch_size=2, num_workers=0, dataset=dict(
        type='VOCDataset', data_root=str(root), skip_bad=True, pipeline=PIPELINE))
    with pytest.raises(BadInputError, match='all 5 of its files were broken and skipped'):
        build_dataloader(cfg, 0, 1, 0, torch.device('cpu'))


@pytest.mark.parametrize('train_cfg', [dict(by_epoch=True, max_epochs=1),
                                       dict(by_epoch=False, max_iters=2)])
def test_training_on_an_empty_split_stops_with_one_clear_error(tmp_path, real_voc, train_cfg):
    """Epoch-based training exited 0 having trained nothing; iteration-based divided by zero."""
    from helpers.toys import toy_config
    from vlrkit.engine.runner import Runner
    root, voc = real_voc
    (voc / 'ImageSets' / 'Main' / 'train.txt').write_text('')
    cfg = toy_config(tmp_path, train_cfg=train_cfg)
    cfg.train_dataloader.dataset = dict(type='VOCDataset', data_root=str(root), split='train',
                                        pipeline=PIPELINE)
    with pytest.raises(BadInputError, match='VOC2007 train.* has no samples') as info:
        Runner(cfg).train()
    assert str(voc / 'ImageSets' / 'Main' / 'train.txt') in str(info.value)


def test_worker_error_reaches_the_user_as_its_own_line(real_voc, capsys):
    """With workers, the message was the last of ~26 traceback lines after "Caught BadInputError
    in DataLoader worker process 0"; the CLI now prints the file and what is wrong, once."""
    import torch
    from vlrkit.cli import friendly_errors
    from vlrkit.engine.dataloader import build_dataloader
    root, voc = real_voc
    jpg = voc / 'JPEGImages' / f'{REAL_ID}.jpg'
    zero_scan_run(jpg)
    cfg = dict(batch_size=5, num_workers=1, dataset=dict(
        type='VOCDataset', data_root=str(root), mode='detection', pipeline=PIPELINE))
    loader = build_dataloader(cfg, 0, 1, 0, torch.device('cpu'))
    with pytest.raises(BadInputError) as info:
        next(iter(loader))
    message = str(info.value)
    assert message.startswith(f'image {jpg} is corrupt') and '\n' not in message
    assert 'Traceback' in str(info.value.__cause__)  # the worker's traceback, for debugging
    with pytest.raises(SystemExit) as leaving:
        with friendly_errors():
            next(iter(loader))
    assert leaving.value.code == 2
    assert capsys.readouterr().err == f'vlrkit: error: BadInputError: {message}\n'


# ------------------------------------------------ the same checks for COCO json
GOOD_ANN = dict(id=2, image_id=2, category_id=18, bbox=[139, 200, 68, 101], iscrowd=0)


def write_real_coco(tmp_path, voc_samples_root, ann, image=None):
    """A COCO json over two real VOC images (000001: 353 x 500, 000002: 335 x 500): ``ann`` on
    image 1 (with ``image`` replacing image 1's entry fields), a good box on image 2."""
    import json
    for img_id in ('000001', '000002'):
        shutil.copy(voc_samples_root / 'VOC2007' / 'JPEGImages' / f'{img_id}.jpg', tmp_path)
    first = {**dict(id=1, file_name='000001.jpg', width=353, height=500), **(image or {})}
    images = [{k: v for k, v in first.items() if v is not None},
              dict(id=2, file_name='000002.jpg', width=335, height=500)]
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(dict(images=images, categories=[dict(id=18, name='dog')],
                                    annotations=[dict(id=1, image_id=1, iscrowd=0, **ann),
                                                 GOOD_ANN])))
    return path


def coco(ann_file, tmp_path, **kwargs):
    from vlrkit.registry import DATASETS
    return DATASETS.build(dict(type='CocoDataset', ann_file=str(ann_file), img_dir=str(tmp_path),
                               pipeline=PIPELINE, **kwargs))


@pytest.mark.parametrize('ann, image, match', [
    (dict(category_id=18, bbox=[float('nan'), 240, 147, 131]), None, 'not a finite number'),
    (dict(category_id=18, bbox=[48, 240, float('inf'), 131]), None, 'not a finite number'),
    (dict(category_id=18, bbox=[48, 240, 1e39, 131]), None, 'beyond float32'),
    (dict(category_id=18, bbox=[48, 240, -147, 131]), None, 'empty box'),
    (dict(category_id=18, bbox=[300, 240, 100, 131]), None, 'outside the 353x500 image'),
    (dict(category_id=18, bbox='1234'), None, 'valid bbox'),                  # was 4 digits
    (dict(category_id=18, bbox=[True, 240, 147, 131]), None, 'valid bbox'),
    (dict(category_id=18, bbox=[48, 240, 147]), None, 'valid bbox'),
    (dict(category_id='18', bbox=[48, 240, 147, 131]), None, 'category_id'),  # was dropped
    (dict(category_id=18, bbox=[48, 240, 147, 131]), dict(width='353'), 'width='),  # was TypeError
    (dict(category_id=18, bbox=[48, 240, 147, 131]), dict(height=-500), 'height=-500'),
    (dict(category_id=18, bbox=[48, 240, 147, 131]), dict(width=float('nan')), 'width=nan'),
    (dict(category_id=18, bbox=[48, 240, 147, 131]), dict(file_name=None), 'no file_name'),
])
def test_coco_bad_annotation_names_the_file_and_is_skipped(tmp_path, voc_samples_root, ann,
                                                           image, match):
    ann_file = write_real_coco(tmp_path, voc_samples_root, ann, image)
    with pytest.raises(BadInputError, match=match) as info:
        coco(ann_file, tmp_path)
    assert str(ann_file) in str(info.value)
    ds = coco(ann_file, tmp_path, skip_bad=True)
    assert len(ds) == 1 and ds.bad_input.count == 1 and ds[0]['img_id'] == '2'


def test_coco_box_checked_against_the_decoded_image_without_a_size(tmp_path, voc_samples_root):
    ann_file = write_real_coco(tmp_path, voc_samples_root,
                               dict(category_id=18, bbox=[300, 240, 100, 131]),
                               dict(width=None, height=None))
    with pytest.raises(BadInputError, match='outside the 353x500 image') as info:
        coco(ann_file, tmp_path)[0]
    assert str(ann_file) in str(info.value)
    ds = coco(ann_file, tmp_path, skip_bad=True)
    assert ds[0]['img_id'] == '2' and ds.bad_input.count == 1


@pytest.mark.slow
def test_train_tool_prints_a_worker_error_as_one_line(tmp_path, real_voc):
    """What a user sees: ``tools/train.py`` with DataLoader workers and a damaged JPEG."""
    from helpers import run_tool
    root, voc = real_voc
    jpg = voc / 'JPEGImages' / f'{REAL_ID}.jpg'
    zero_scan_run(jpg)
    done = run_tool('tools/train.py', 'configs/simple_cnn/simple_cnn_voc.py',
                    '--work-dir', tmp_path / 'work', '--cfg-options',
                    f'train_dataloader.dataset.data_root={root}',
                    f'val_dataloader.dataset.data_root={root}', 'train_dataloader.dataset.cache=None',
                    'train_dataloader.num_workers=1', 'train_dataloader.batch_size=5',
                    'train_cfg.max_epochs=1', 'train_cfg.val_interval=0')
    assert done.returncode == 2, done.stderr
    assert 'Traceback' not in done.stderr and 'Caught' not in done.stderr, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f'vlrkit: error: BadInputError: image {jpg} is corrupt'), last
