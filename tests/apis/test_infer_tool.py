"""tools/infer.py writes one picture per image and one predictions.json, for boxes and heatmaps."""
import json

import pytest
from PIL import Image

from helpers import run_tool


@pytest.mark.parametrize('run', ['fcos_run', 'localizer_run'])
def test_infer_writes_pictures_and_json(run, request, voc_samples_root, tmp_path):
    config, checkpoint = request.getfixturevalue(run)
    folder = voc_samples_root / 'VOC2007' / 'JPEGImages'
    photo = voc_samples_root / 'VOC2012' / 'JPEGImages' / '2007_000027.jpg'
    result = run_tool('tools/infer.py', config, checkpoint, folder, photo, '--out-dir', tmp_path,
                      '--device', 'cpu', '--score-thr', '0.0', '--topk', '3')
    assert result.returncode == 0, result.stderr[-2000:]
    images = sorted(folder.glob('*.jpg')) + [photo]
    predictions = json.loads((tmp_path / 'predictions.json').read_text())
    assert [p['img_path'] for p in predictions] == [str(p) for p in images]
    for image, prediction in zip(images, predictions):
        picture = Image.open(prediction['picture'])
        assert picture.size == Image.open(image).size
        assert prediction['ori_shape'] == [picture.size[1], picture.size[0]]
        assert 'label_names' in prediction
        if run == 'localizer_run':
            assert len(prediction['topk_names']) == 3


def test_infer_reports_a_missing_input_in_one_line(fcos_run, tmp_path):
    result = run_tool('tools/infer.py', *fcos_run, tmp_path / 'nope.jpg', '--out-dir', tmp_path)
    assert result.returncode == 2 and result.stderr.count('\n') == 1
    assert 'nope.jpg' in result.stderr
