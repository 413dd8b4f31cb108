"""Region proposals from the homework's .mat files, through the pipeline, packed and collated.

The .mat files are written here in the real layout (MATLAB cell arrays of one entry per image:
``images`` ids, ``boxes`` [y1, x1, y2, x2] 1-based, ``boxScores`` (P, 1)), once with scipy directly
and once with vlrkit's writer, so the reader is checked against the format, not against itself.
"""
import logging
import random

import numpy as np
import pytest
import scipy.io
import torch

from vlrkit.datasets.bad_input import BadInputError, DatasetNotFoundError
from vlrkit.datasets.proposals import read_selective_search_mat, write_selective_search_mat
from vlrkit.datasets.transforms import Compose
from vlrkit.registry import DATASETS
from vlrkit.structures import collate

WIDTH, HEIGHT = 64, 48  # voc_writer's image size


def raw_mat(path, entries):
    """A .mat written the way MATLAB's cell(1, N) arrays load: ``entries`` are (id, boxes in the
    file's [y1, x1, y2, x2] 1-based order, scores)."""
    cells = [np.empty((1, len(entries)), dtype=object) for _ in range(3)]
    for i, (img_id, boxes, scores) in enumerate(entries):
        cells[0][0, i] = img_id
        cells[1][0, i] = np.asarray(boxes, np.float64).reshape(-1, 4)
        cells[2][0, i] = np.asarray(scores, np.float64).reshape(-1, 1)
    scipy.io.savemat(path, dict(images=cells[0], boxes=cells[1], boxScores=cells[2]))
    return path


def voc_with_proposals(root, mat, pipeline_tail=(), top_n=300, split='trainval'):
    return DATASETS.build(dict(
        type='VOCDataset', data_root=str(root), split=split, mode='classification',
        pipeline=[dict(type='LoadImage'),
                  dict(type='LoadProposals',
                       source=dict(type='SelectiveSearchMat', file=str(mat), top_n=top_n)),
                  *pipeline_tail, dict(type='PackSample')]))


@pytest.fixture
def two_images(tmp_path, voc_writer):
    return voc_writer(tmp_path, {'a': [('dog', (2, 2, 30, 30), 0)],
                                 'b': [('cat', (10, 5, 40, 40), 0)]})


def test_file_order_and_one_based_pixels_become_x1y1x2y2(tmp_path):
    # [y1, x1, y2, x2] = [1, 1, 48, 64] is the whole 64 x 48 image; pixel rows 5..10 and columns
    # 3..20 (1-based, inclusive) span [2, 20] x [4, 10] in continuous pixels.
    mat = raw_mat(tmp_path / 'ss.mat', [('a', [[1, 1, 48, 64], [5, 3, 10, 20]], [0.2, 0.7])])
    boxes, scores = read_selective_search_mat(mat)['a']
    np.testing.assert_array_equal(boxes, [[2, 4, 20, 10], [0, 0, 64, 48]])  # highest score first
    np.testing.assert_array_equal(scores, np.float32([0.7, 0.2]))
    assert boxes.dtype == np.float32


def test_writer_writes_the_homework_layout(tmp_path):
    path = write_selective_search_mat(tmp_path / 'ss.mat', {
        '000005': (np.float32([[0, 0, 64, 48], [2, 4, 20, 10]]), np.float32([0.5, 0.25])),
        '000007': (np.zeros((0, 4)), np.zeros(0))})
    data = scipy.io.loadmat(path)
    assert {k for k in data if not k.startswith('__')} == {'images', 'boxes', 'boxScores'}
    assert data['images'].shape == data['boxes'].shape == data['boxScores'].shape == (1, 2)
    assert data['images'][0, 0].tolist() == ['000005']
    np.testing.assert_array_equal(data['boxes'][0, 0], [[1, 1, 48, 64], [5, 3, 10, 20]])
    assert data['boxScores'][0, 0].shape == (2, 1)
    read = read_selective_search_mat(path)
    np.testing.assert_array_equal(read['000005'][0], [[0, 0, 64, 48], [2, 4, 20, 10]])
    assert read['000007'][0].shape == (0, 4)


def test_top_n_keeps_the_highest_scores(tmp_path):
    boxes = np.float32([[i, i, i + 10, i + 10] for i in range(6)])
    scores = np.float32([0.1, 0.9, 0.3, 0.8, 0.2, 0.7])
    path = write_selective_search_mat(tmp_path / 'ss.mat', {'a': (boxes, scores)})
    top, top_scores = read_selective_search_mat(path, top_n=3)['a']
    np.testing.assert_array_equal(top_scores, np.float32([0.9, 0.8, 0.7]))
    np.testing.assert_array_equal(top[:, 0], [1, 3, 5])


def test_min_size_leaves_small_boxes_out_before_top_n_is_taken(tmp_path):
    # Scores favour the small boxes; with min_size=8 the top 2 are the best two large ones.
    boxes = np.float32([[0, 0, 4, 40], [0, 0, 40, 4], [0, 0, 8, 8], [0, 0, 20, 20], [0, 0, 7, 30]])
    scores = np.float32([0.9, 0.8, 0.3, 0.2, 0.95])
    path = write_selective_search_mat(tmp_path / 'ss.mat', {'a': (boxes, scores)})
    top, top_scores = read_selective_search_mat(path, top_n=2, min_size=8)['a']
    np.testing.assert_array_equal(top, [[0, 0, 8, 8], [0, 0, 20, 20]])
    np.testing.assert_array_equal(top_scores, np.float32([0.3, 0.2]))
    assert len(read_selective_search_mat(path, top_n=2)['a'][0]) == 2  # min_size=0: all sizes


def test_samples_get_proposals_resized_and_flipped_with_the_image(tmp_path, two_images):
    mat = write_selective_search_mat(tmp_path / 'ss.mat', {
        'a': (np.float32([[0, 0, 64, 48], [4, 8, 20, 24], [1, 1, 2, 2]]),
              np.float32([0.1, 0.9, 0.05])),
        'b': (np.float32([[10, 10, 30, 30]]), np.float32([1.0]))})
    dataset = voc_with_proposals(two_images, mat, top_n=2, pipeline_tail=[
        dict(type='Resize', scale=(24, 32), keep_ratio=False), dict(type='RandomFlip', prob=1.0)])
    sample = dataset[0]
    assert sample['image'].shape == (3, 24, 32)
    # top 2 by score: [4, 8, 20, 24] then the whole image; x0.5, then x -> 32 - x
    torch.testing.assert_close(sample['proposals'], torch.tensor([[22., 4., 30., 12.],
                                                                  [0., 0., 32., 24.]]))
    torch.testing.assert_close(sample['proposal_scores'], torch.tensor([0.9, 0.1]))
    torch.testing.assert_close(sample['objects']['boxes'], torch.tensor([[17., 1., 31., 15.]]))


def test_collate_keeps_proposals_per_image_even_when_counts_agree(tmp_path, two_images):
    same = (np.float32([[0, 0, 10, 10], [5, 5, 20, 20]]), np.float32([0.5, 0.4]))
    mat = write_selective_search_mat(tmp_path / 'ss.mat', {'a': same, 'b': same})
    dataset = voc_with_proposals(two_images, mat)
    batch = collate([dataset[0], dataset[1]])
    assert isinstance(batch['proposals'], list) and len(batch['proposals']) == 2
    assert batch['proposals'][1].shape == (2, 4) and batch['proposal_scores'][0].shape == (2,)
    assert batch['labels'].shape == (2, 20)  # other keys still stack


def test_a_missing_file_says_where_to_get_it_and_where_to_put_it(tmp_path, two_images):
    with pytest.raises(DatasetNotFoundError, match=r'nope\.mat.*selective_search_data.*'
                                                   r'VOC2007/selective_search_data'):
        voc_with_proposals(two_images, tmp_path / 'nope.mat')


def test_the_trainval_file_for_the_test_split_fails_when_the_dataset_is_built(tmp_path,
                                                                             voc_writer):
    root = voc_writer(tmp_path, {'c': [('dog', (2, 2, 30, 30), 0)], 'd': [('cat', (1, 1, 9, 9), 0)]},
                      split='test')
    mat = write_selective_search_mat(tmp_path / 'voc_2007_trainval.mat', {
        'a': (np.float32([[0, 0, 5, 5]]), np.float32([1])),
        'b': (np.float32([[0, 0, 5, 5]]), np.float32([1]))})
    with pytest.raises(BadInputError, match=r"voc_2007_trainval\.mat \(the file of split trainval\) "
                                            r"holds proposals of 2 images, but 2 of the dataset's 2 "
                                            r"images are not in it \(e\.g\. image c\).*another split"):
        voc_with_proposals(root, mat, split='test')


def test_a_file_lacking_some_images_says_how_many(tmp_path, two_images):
    mat = write_selective_search_mat(tmp_path / 'ss.mat', {
        'x': (np.float32([[0, 0, 5, 5]]), np.float32([1])),
        'a': (np.float32([[0, 0, 5, 5]]), np.float32([1]))})
    with pytest.raises(BadInputError, match=r"ss\.mat holds .* 1 of the dataset's 2 images are not in "
                                            r"it \(e\.g\. image b\)"):
        voc_with_proposals(two_images, mat)


def test_an_image_listed_twice_in_the_file_names_it(tmp_path):
    mat = raw_mat(tmp_path / 'ss.mat', [('a', [[1, 1, 5, 5]], [1]), ('b', [[1, 1, 5, 5]], [1]),
                                        ('a', [[2, 2, 6, 6]], [1])])
    with pytest.raises(BadInputError, match=r'ss\.mat: image a appears twice \(images\[2\]'):
        read_selective_search_mat(mat)


@pytest.mark.parametrize('box, message', [
    ([np.nan, 1, 5, 5], 'not a finite number'),
    ([10, 1, 5, 5], 'x2 < x1'),
])
def test_malformed_boxes_name_the_file_and_image(tmp_path, box, message):
    mat = write_selective_search_mat(tmp_path / 'ss.mat', {
        'ok': (np.float32([[0, 0, 5, 5]]), np.float32([1])),
        'bad': (np.float32([[0, 0, 5, 5], box]), np.float32([1, 0.5]))})
    with pytest.raises(BadInputError, match=rf'ss\.mat, image bad: proposal 1 .*{message}'):
        read_selective_search_mat(mat)


def test_a_box_outside_the_image_fails_when_the_dataset_is_built(tmp_path, two_images):
    # The file of another dataset with the same ids: found before training, not an epoch in.
    mat = write_selective_search_mat(tmp_path / 'ss.mat', {
        'a': (np.float32([[0, 0, 64, 48]]), np.float32([1])),
        'b': (np.float32([[0, 0, 64, 48], [30, 0, WIDTH + 20, 10]]), np.float32([1, 0.5]))})
    with pytest.raises(BadInputError, match=r'ss\.mat, image b: proposal 1 .*outside the 64x48'):
        voc_with_proposals(two_images, mat)


def test_boxes_without_area_are_dropped_with_one_warning(tmp_path, two_images, caplog):
    mat = write_selective_search_mat(tmp_path / 'ss.mat', {
        'a': (np.float32([[0, 0, 64, 48],
                          [5, 0, 5, 10],                   # zero width in the file
                          [WIDTH + 0.5, 0, WIDTH + 1, 10],  # within the tolerance: clipped to 0
                          [WIDTH - 0.5, 2, WIDTH + 1, 9]]),  # clipped, keeps its area
              np.float32([1, 0.9, 0.8, 0.7])),
        'b': (np.float32([[0, 0, 5, 5]]), np.float32([1]))})
    with caplog.at_level(logging.WARNING):
        dataset = voc_with_proposals(two_images, mat)
        first, again = dataset[0], dataset[0]
    torch.testing.assert_close(first['proposals'], torch.tensor([[0., 0., 64., 48.],
                                                                 [63.5, 2., 64., 9.]]))
    torch.testing.assert_close(first['proposal_scores'], torch.tensor([1.0, 0.7]))
    torch.testing.assert_close(again['proposals'], first['proposals'])
    warnings = [r.getMessage() for r in caplog.records if 'without area' in r.getMessage()]
    assert len(warnings) == 1  # once per image, not once per epoch
    assert 'ss.mat, image a: dropped 2 of 4 proposals' in warnings[0]


def test_not_a_selective_search_file(tmp_path):
    scipy.io.savemat(tmp_path / 'other.mat', dict(all_boxes=np.zeros((1, 1))))
    with pytest.raises(BadInputError, match=r"other\.mat has no 'images'.*all_boxes"):
        read_selective_search_mat(tmp_path / 'other.mat')
    (tmp_path / 'text.mat').write_text('not a mat file')
    with pytest.raises(BadInputError, match=r'text\.mat is not a MATLAB \.mat file'):
        read_selective_search_mat(tmp_path / 'text.mat')


def test_an_image_without_proposals_gets_the_whole_image_and_a_warning(tmp_path, two_images,
                                                                       caplog):
    mat = write_selective_search_mat(tmp_path / 'ss.mat', {
        'a': (np.zeros((0, 4)), np.zeros(0)), 'b': (np.float32([[0, 0, 5, 5]]), np.float32([1]))})
    with caplog.at_level(logging.WARNING):
        dataset = voc_with_proposals(two_images, mat)
        sample, _ = dataset[0], dataset[0]
    torch.testing.assert_close(sample['proposals'], torch.tensor([[0., 0., WIDTH, HEIGHT]]))
    assert "SelectiveSearchMat(file='" in caplog.text and 'ss.mat' in caplog.text
    assert caplog.text.count('gave no proposal for image a; using the whole image') == 1


def test_load_proposals_before_load_image_is_a_config_error(tmp_path):
    from vlrkit.errors import ConfigError
    mat = write_selective_search_mat(tmp_path / 'ss.mat', {'a': (np.zeros((0, 4)), np.zeros(0))})
    step = Compose([dict(type='LoadProposals', source=dict(type='SelectiveSearchMat', file=str(mat)))])
    with pytest.raises(ConfigError, match='after'):
        step(dict(img_id='a', img_path='a.jpg'))


# -- every geometric transform moves proposals exactly as it moves the object -----------------

OBJ = np.float32([[30, 20, 70, 45]])  # in a 120 x 80 image


def painted():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 80, size=(80, 120, 3), dtype=np.uint8)
    img[20:45, 30:70] = (255, 0, 0)
    return dict(img=img, gt_boxes=OBJ.copy(), gt_labels=np.zeros(1, np.int64),
                gt_difficult=np.zeros(1, bool), proposals=np.concatenate([OBJ, [[0, 0, 5, 5]]]),
                proposal_scores=np.float32([0.9, 0.1]), ori_shape=(80, 120),
                img_shape=(80, 120), scale_factor=(1.0, 1.0), task='detection')


@pytest.mark.parametrize('cfg', [
    dict(type='Resize', scale=(40, 50), keep_ratio=False),
    dict(type='RandomFlip', prob=1.0),
    dict(type='CenterCrop', size=(60, 90)),
    dict(type='RandomResizedCrop', size=64, scale=(0.6, 1.0)),
    dict(type='Albu', transforms=[dict(type='HorizontalFlip', p=1.0)]),
    dict(type='Albu', transforms=[dict(type='Affine', scale=0.8, p=1.0)]),
])
def test_proposals_follow_the_geometry_like_boxes(cfg):
    random.seed(3)
    out = Compose([cfg])(painted())
    keep = out['proposal_scores'] == np.float32(0.9)
    assert keep.sum() == 1
    np.testing.assert_allclose(out['proposals'][keep][0], out['gt_boxes'][0], atol=1e-4)


def test_a_crop_drops_proposals_left_outside_with_their_scores():
    out = Compose([dict(type='CenterCrop', size=(40, 60))])(painted())  # window x 30..90, y 20..60
    np.testing.assert_array_equal(out['proposal_scores'], np.float32([0.9]))  # [0, 0, 5, 5] gone
    np.testing.assert_array_equal(out['proposals'], [[0, 0, 40, 25]])


def test_proposals_are_scaled_to_an_image_the_dataset_cache_shrank(tmp_path, two_images):
    mat = write_selective_search_mat(tmp_path / 'ss.mat', {
        'a': (np.float32([[8, 8, 64, 48]]), np.float32([1])),
        'b': (np.float32([[0, 0, 32, 24]]), np.float32([1]))})
    dataset = DATASETS.build(dict(
        type='VOCDataset', data_root=str(two_images), mode='classification',
        cache=dict(type='memory', size=(24, 32)),
        pipeline=[dict(type='LoadImage'),
                  dict(type='LoadProposals', source=dict(type='SelectiveSearchMat', file=str(mat))),
                  dict(type='PackSample')]))
    sample = dataset[0]
    assert sample['image'].shape == (3, 24, 32)
    torch.testing.assert_close(sample['proposals'], torch.tensor([[4., 4., 32., 24.]]))
