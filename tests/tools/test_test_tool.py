"""tools/test.py: --out writes the raw predictions, --show-dir a picture per image, and a test run
keeps to its own test_<stamp> folder, leaving the training run's logs as they were."""
import importlib.util
import json
import pickle
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from vlrkit.config import load_config
from vlrkit.engine.runner import Runner
from vlrkit.visualization.predictions import draw_prediction

from helpers import REPO, write_config

CONFIG = '''
_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']
train_dataloader = dict(batch_size=32, dataset=dict(image_size=16))
test_dataloader = dict(batch_size=16, dataset=dict(type='Digits', split='test', image_size=16, test_size=40))
val_dataloader = test_dataloader
model = dict(backbone=dict(input_size=16))
train_cfg = dict(_delete_=True, by_epoch=False, max_iters=4, val_interval=0)
default_hooks = dict(checkpoint=dict(interval=4, save_best=None))
'''


def run_test_tool(*args):
    """tools/test.py's main in this process (a subprocess per call would take most of the time)."""
    spec = importlib.util.spec_from_file_location('test_tool', REPO / 'tools' / 'test.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([str(a) for a in args])


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp('test_tool')
    config = write_config(root / 'digits16.py', CONFIG)
    work_dir = root / 'work'
    Runner.from_cfg(load_config(config, cfg_options={'work_dir': str(work_dir)})).train()
    return config, work_dir, work_dir / 'iter_4.pth'


def model_predictions(config, checkpoint, work_dir):
    runner = Runner.from_cfg(load_config(config, cfg_options={'work_dir': str(work_dir)}))
    runner.load_checkpoint(checkpoint)
    runner.model.eval()
    loader = runner.build_dataloader(runner.cfg.test_dataloader)
    with torch.no_grad():
        return [(str(img_id), pred) for batch in loader
                for img_id, pred in zip(batch['img_id'], runner.model.predict(batch))]


@pytest.mark.parametrize('suffix', ['pkl', 'json'])
def test_out_round_trips_the_predictions_and_the_training_logs_stay(trained, tmp_path, suffix):
    config, work_dir, checkpoint = trained
    training_logs = {name: (work_dir / name).read_bytes() for name in ('log.jsonl', 'run.log')}
    training_events = sorted(p.name for p in (work_dir / 'tensorboard').iterdir())
    out = tmp_path / f'preds.{suffix}'
    run_test_tool(config, checkpoint, '--work-dir', work_dir, '--out', out)
    saved = pickle.loads(out.read_bytes()) if suffix == 'pkl' else json.loads(out.read_text())
    expected = model_predictions(config, checkpoint, tmp_path / 'check')
    assert [p['img_id'] for p in saved] == [img_id for img_id, _ in expected]
    for entry, (_, pred) in zip(saved, expected):
        assert set(entry['pred']) == set(pred)
        assert np.allclose(entry['pred']['scores'], pred['scores'].numpy(), atol=1e-5)
        assert entry['pred']['pred_label'] == int(pred['pred_label'])
    # the metrics have their own file, in the test run's own folder, with its own logs
    test_dir, = work_dir.glob('test_*')
    assert 'accuracy/top1' in json.loads((test_dir / 'metrics.json').read_text())
    assert '"mode": "test"' in (test_dir / 'log.jsonl').read_text()
    assert {name: (work_dir / name).read_bytes() for name in training_logs} == training_logs
    assert sorted(p.name for p in (work_dir / 'tensorboard').iterdir()) == training_events
    shutil.rmtree(test_dir)   # the next parameter looks for exactly one test folder


def test_tta_merges_each_test_image_with_its_mirror_image(trained, tmp_path):
    config, _, checkpoint = trained
    out = tmp_path / 'tta.pkl'
    run_test_tool(config, checkpoint, '--work-dir', tmp_path, '--out', out, '--tta')
    saved = pickle.loads(out.read_bytes())
    runner = Runner.from_cfg(load_config(config, cfg_options={'work_dir': str(tmp_path / 'check')}))
    runner.load_checkpoint(checkpoint)
    model = runner.model.eval()
    with torch.no_grad():
        expected = torch.cat([(model(batch['images']).softmax(1) +
                               model(batch['images'].flip(-1)).softmax(1)) / 2
                              for batch in runner.build_dataloader(runner.cfg.test_dataloader)])
    scores = np.stack([entry['pred']['scores'] for entry in saved])
    assert np.allclose(scores, expected.numpy(), atol=1e-5)
    plain = [pred['scores'].numpy() for _, pred in model_predictions(config, checkpoint, tmp_path / 'plain')]
    assert not np.allclose(scores, np.stack(plain), atol=1e-3)


def test_out_with_another_suffix_is_a_one_line_error(trained, tmp_path, capsys):
    config, work_dir, checkpoint = trained
    with pytest.raises(SystemExit) as info:
        run_test_tool(config, checkpoint, '--work-dir', tmp_path, '--out', tmp_path / 'x.txt')
    stderr = capsys.readouterr().err
    assert info.value.code == 2 and '.pkl or a .json' in stderr and 'Traceback' not in stderr


@pytest.mark.parametrize('show_num, expected', [(None, 40), (5, 5)])
def test_show_dir_draws_one_picture_per_image(trained, tmp_path, show_num, expected):
    config, _, checkpoint = trained
    show = tmp_path / 'show'
    extra = ['--show-num', show_num] if show_num else []
    run_test_tool(config, checkpoint, '--work-dir', tmp_path, '--show-dir', show, *extra)
    pictures = sorted(show.glob('*.png'))
    assert len(pictures) == expected
    with Image.open(pictures[0]) as png:
        assert png.size == (16 * 2 + 4, 16)   # ground truth | prediction


def box_batch():
    images = torch.zeros(1, 3, 64, 80)
    return dict(images=images, img_shape=torch.tensor([[48., 80.]]), scale_factor=torch.tensor([[0.5, 0.5]]),
                boxes=[torch.tensor([[4., 4., 30., 30.]])], labels=[torch.tensor([1])])


def test_detections_are_drawn_in_input_pixels_next_to_the_ground_truth():
    batch = box_batch()
    pred = dict(boxes=torch.tensor([[100., 40., 150., 90.]]), scores=torch.tensor([0.9]),
                labels=torch.tensor([0]))
    picture = draw_prediction(batch, 0, pred, ['cat', 'dog'])
    assert picture.shape == (48, 80 * 2 + 4, 3)            # padding cut off, two halves
    gt, det = picture[:, :80], picture[:, 84:]
    assert gt[4:31, 4].any() and not det[4:31, 4].any()     # the ground-truth box only on the left
    assert det[20:45, 50].any() and not gt[20:45, 50].any()  # (100, 40) * 0.5 = (50, 20) on the right


def test_heatmaps_and_labels_are_drawn_for_localisers():
    batch = dict(images=torch.zeros(1, 3, 32, 32), labels=torch.tensor([[0., 1.]]))
    heatmaps = torch.zeros(2, 4, 4)
    heatmaps[1, 3, 3] = 1.0
    picture = draw_prediction(batch, 0, dict(scores=torch.tensor([0.1, 0.8]), heatmaps=heatmaps), ['cat', 'dog'])
    assert picture.shape == (32, 68, 3)
    right = picture[:, 36:]
    assert right[28:, 28:].any() and not picture[28:, 28:32].any()   # the top class's map, blended
    assert right[:4].max() > 0 and picture[12:, :32].max() == 0       # labels written, black below
