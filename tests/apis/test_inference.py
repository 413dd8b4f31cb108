"""inference_model on real VOC photos with demo-trained models: keys, class names, pixel space."""
import numpy as np
import pytest
from PIL import Image

from helpers import REPO
from vlrkit.apis import inference_model, init_model
from vlrkit.config import load_config
from vlrkit.datasets import VOC_CLASSES
from vlrkit.datasets.bad_input import BadInputError
from vlrkit.engine.checkpoint import CheckpointError
from vlrkit.errors import ConfigError


@pytest.fixture(scope='module')
def photo(voc_samples_root):
    return voc_samples_root / 'VOC2007' / 'JPEGImages' / '000001.jpg'


@pytest.fixture(scope='module')
def fcos(fcos_run):
    return init_model(*fcos_run, device='cpu')


@pytest.fixture(scope='module')
def localizer(localizer_run):
    return init_model(*localizer_run, device='cpu')


def assert_boxes_inside(boxes, ori_shape):
    height, width = ori_shape
    assert boxes.ndim == 2 and boxes.shape[1] == 4
    assert (boxes[:, 0::2] >= 0).all() and (boxes[:, 0::2] <= width).all()
    assert (boxes[:, 1::2] >= 0).all() and (boxes[:, 1::2] <= height).all()


def test_init_model_keeps_class_names_config_and_eval_mode(fcos):
    assert fcos.class_names == list(VOC_CLASSES)
    assert not fcos.training
    assert fcos.cfg.test_dataloader.dataset.pipeline[0]['type'] == 'LoadImage'


def test_fcos_boxes_are_in_original_photo_pixels(fcos, photo):
    result, = inference_model(fcos, str(photo))
    width, height = Image.open(photo).size
    assert result['ori_shape'] == (height, width) and result['img_path'] == str(photo)
    assert len(result['boxes']) > 0, 'an untrained FCOS still scores boxes above 0.05'
    assert_boxes_inside(result['boxes'], (height, width))
    # The demo pipeline works at 64 px: boxes beyond it prove the mapping back to the photo.
    assert result['boxes'][:, 2:].max() > 64
    assert result['label_names'] == [VOC_CLASSES[label] for label in result['labels']]
    assert len(result['scores']) == len(result['labels']) == len(result['boxes'])


def test_localizer_gives_topk_names_heatmaps_and_boxes_on_the_photo(localizer, photo):
    result, = inference_model(localizer, photo, topk=3, heatmap_score_thr=0.0)
    width, height = Image.open(photo).size
    assert result['scores'].shape == (20,) and result['heatmaps'].shape[0] == 20
    assert list(result['topk_scores']) == sorted(result['scores'], reverse=True)[:3]
    assert result['topk_names'] == [VOC_CLASSES[label] for label in result['topk_labels']]
    assert len(result['boxes']) > 0
    assert_boxes_inside(result['boxes'], (height, width))
    assert result['label_names'] == [VOC_CLASSES[label] for label in result['labels']]
    assert len(result['box_scores']) == len(result['boxes'])
    assert ((result['box_scores'] >= 0) & (result['box_scores'] <= 1)).all()


def test_a_folder_gives_its_images_sorted(fcos, voc_samples_root):
    folder = voc_samples_root / 'VOC2007' / 'JPEGImages'
    results = inference_model(fcos, folder, batch_size=2)
    assert [r['img_path'] for r in results] == sorted(str(p) for p in folder.glob('*.jpg'))


def test_numpy_and_pil_images_match_the_file(fcos, photo):
    array = np.asarray(Image.open(photo).convert('RGB'))
    from_file, from_array, from_pil = inference_model(fcos, [photo, array, Image.open(photo)])
    assert 'img_path' not in from_array and from_array['ori_shape'] == array.shape[:2]
    for other in (from_array, from_pil):
        np.testing.assert_allclose(other['boxes'], from_file['boxes'], atol=1e-4)
        assert other['label_names'] == from_file['label_names']


@pytest.mark.parametrize('multi_label', [True, False])
def test_a_classifier_gets_topk_labels_and_names(multi_label, photo):
    cfg = load_config(REPO / 'configs' / 'simple_cnn' / 'simple_cnn_voc_demo.py',
                      cfg_options={'model.head.multi_label': multi_label})
    model = init_model(cfg, device='cpu')   # no checkpoint: the config's own initialisation
    result, = inference_model(model, photo, topk=4)
    assert result['scores'].shape == (20,) and ('pred_label' in result) is not multi_label
    assert result['topk_labels'].shape == result['topk_scores'].shape == (4,)
    assert list(result['topk_scores']) == sorted(result['scores'], reverse=True)[:4]
    assert result['topk_names'] == [VOC_CLASSES[label] for label in result['topk_labels']]
    assert 'boxes' not in result


def test_a_config_without_test_pipeline_is_a_config_error(photo):
    model = init_model(REPO / 'configs' / 'simple_cnn' / 'simple_cnn_digits.py', device='cpu')
    assert model.class_names == [str(d) for d in range(10)]
    with pytest.raises(ConfigError, match='pipeline'):
        inference_model(model, photo)


def test_wrong_inputs_are_user_errors(fcos, tmp_path):
    with pytest.raises(BadInputError, match='uint8'):
        inference_model(fcos, np.zeros((8, 8), np.float32))
    with pytest.raises(BadInputError, match='neither an image file nor a folder'):
        inference_model(fcos, tmp_path / 'missing.jpg')
    with pytest.raises(BadInputError, match='holds no images'):
        inference_model(fcos, tmp_path)


def test_a_checkpoint_of_another_model_is_a_checkpoint_error(fcos_run, localizer_run):
    with pytest.raises(CheckpointError, match='strict load failed'):
        init_model(fcos_run[0], localizer_run[1], device='cpu')


def test_tta_builds_the_model_with_the_flip_test(fcos_run, fcos, photo):
    model = init_model(*fcos_run, device='cpu', tta=True)
    assert model.flip_test and not fcos.flip_test
    merged, = inference_model(model, photo)
    plain, = inference_model(fcos, photo)
    assert not np.array_equal(merged['boxes'], plain['boxes'])
