"""The two-stream picture of docs/wsddn.md: the streams a WSDDN gives one sample, and
tools/browse_dataset.py --streams drawing them from a checkpoint."""
import importlib.util

import matplotlib.patches
import numpy as np
import pytest
import torch

from helpers import REPO, write_config
from vlrkit import __version__
from vlrkit.config import load_config
from vlrkit.engine.checkpoint import save_checkpoint
from vlrkit.registry import DATASETS, MODELS
from vlrkit.visualization.figures import close_figure
from vlrkit.visualization.wsddn_streams import stream_scores, two_streams_figure

# The WSDDN demo recipe on the small demo devkit, with a narrow model (seconds on a CPU).
CONFIG = """
_base_ = '{CONFIGS}/wsddn/wsddn_alexnet_demo.py'
demo = dict(data_root='ROOT', num_trainval=40, num_test=20)
val_dataloader = dict(dataset=demo)
test_dataloader = dict(dataset=demo)
# score_thr 0: an untrained model's region scores (about 1 / 64) still give detections.
model = dict(backbone=dict(widths=(8, 8, 8, 8, 8)),
             head=dict(in_channels=8, fc_channels=16, test_cfg=dict(score_thr=0.0)))
"""


@pytest.fixture(scope='module')
def wsddn_checkpoint(tmp_path_factory, demo_voc_root):
    """A config and a checkpoint of an untrained (seeded) WSDDN: shapes matter here, not skill."""
    folder = tmp_path_factory.mktemp('streams')
    config = write_config(folder / 'wsddn.py', CONFIG.replace('ROOT', str(demo_voc_root)))
    torch.manual_seed(0)
    model = MODELS.build(load_config(config).model)
    checkpoint = folder / 'wsddn.pth'
    save_checkpoint(dict(state_dict=model.state_dict(), meta=dict(vlrkit_version=__version__)),
                    checkpoint)
    return config, checkpoint


def test_the_streams_of_one_sample_are_softmaxes_whose_product_is_the_region_score(
        wsddn_checkpoint):
    config, _ = wsddn_checkpoint
    cfg = load_config(config)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    scores = stream_scores(model, dataset[3])
    count = len(scores['proposals'])
    assert scores['cls_probs'].shape == scores['det_probs'].shape == (count, 20)
    np.testing.assert_allclose(scores['cls_probs'].sum(axis=1), 1, atol=1e-5)   # over classes
    np.testing.assert_allclose(scores['det_probs'].sum(axis=0), 1, atol=1e-5)   # over regions
    np.testing.assert_allclose(scores['region_scores'], scores['cls_probs'] * scores['det_probs'],
                               rtol=1e-5)
    np.testing.assert_allclose(scores['img_scores'],
                               np.clip(scores['region_scores'].sum(axis=0), 0, 1), atol=1e-5)
    # Boxes are in the pixels of the picture (the 256 px input), not of the 128 px original.
    height, width = scores['image'].shape[:2]
    assert (height, width) == (256, 256)
    np.testing.assert_allclose(scores['gt_boxes'], dataset.data_infos[3]['gt_boxes'] * 2.0)
    assert len(scores['boxes']) > 0 and scores['boxes'].max() > 128   # a box of the 256 px input

    fig = two_streams_figure(scores, dataset.class_names, top=3, score_thr=0.0)
    try:
        streams = fig.axes[:3]
        for ax in streams:   # the top 3 regions of each stream, largest value first
            assert sum(isinstance(p, matplotlib.patches.Rectangle) for p in ax.patches) == 3
        k = int(scores['gt_labels'][np.argmax(np.prod(scores['gt_boxes'][:, 2:]
                                                      - scores['gt_boxes'][:, :2], axis=1))])
        top_det = float(np.sort(scores['det_probs'][:, k])[-1])
        assert f'{top_det:.3f}' in [t.get_text() for t in streams[1].texts]
        assert dataset.class_names[k] in streams[1].get_title()
        # The detections panel: ground truth plus the 3 best detections, tagged apart.
        detections = fig.axes[3]
        boxes = [p for p in detections.patches if isinstance(p, matplotlib.patches.Rectangle)]
        assert len(boxes) == len(scores['gt_boxes']) + min(3, len(scores['boxes']))
        tags = [t.get_position() for t in detections.texts]
        assert len(set(tags)) == len(tags)
    finally:
        close_figure(fig)


def test_tags_of_boxes_sharing_a_corner_are_moved_apart():
    from vlrkit.visualization.wsddn_streams import _tag_positions
    boxes = np.array([[10, 10, 50, 50], [10, 10, 80, 80], [11, 12, 40, 30], [100, 10, 120, 30]])
    positions = _tag_positions(boxes, line_height=10)
    assert positions[0] == (11, 11) and positions[3] == (101, 11)   # free corners stay put
    ys = sorted(y for _, y in positions[:3])
    assert ys[1] - ys[0] >= 10 and ys[2] - ys[1] >= 10              # shared corners: a line apart


def browse(*args):
    spec = importlib.util.spec_from_file_location('browse_dataset', REPO / 'tools' / 'browse_dataset.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([str(a) for a in args])


def test_browse_dataset_streams_writes_the_picture_of_a_checkpoint(wsddn_checkpoint, tmp_path, capsys):
    config, checkpoint = wsddn_checkpoint
    browse(config, '--split', 'test', '--index', 3, '--streams', checkpoint, '--out', tmp_path)
    pngs = sorted(p.name for p in tmp_path.glob('*.png'))
    assert len(pngs) == 1 and pngs[0].startswith('0003_') and pngs[0].endswith('_streams.png')
    assert 'wrote 1 images' in capsys.readouterr().out


def test_streams_of_a_model_without_two_streams_is_a_one_line_error(tmp_path, demo_voc_root, capsys):
    config = write_config(tmp_path / 'loc.py', f"""
_base_ = '{{CONFIGS}}/localizer/localizer_alexnet_demo.py'
test_dataloader = dict(dataset=dict(data_root='{demo_voc_root}', num_trainval=40, num_test=20))
""")
    cfg = load_config(config)
    model = MODELS.build(dict(cfg.model, backbone=dict(cfg.model.backbone, pretrained=None)))
    checkpoint = tmp_path / 'loc.pth'
    save_checkpoint(dict(state_dict=model.state_dict(), meta=dict(vlrkit_version=__version__)),
                    checkpoint)
    with pytest.raises(SystemExit):
        browse(config, '--split', 'test', '--index', 0, '--streams', checkpoint, '--out', tmp_path)
    assert 'needs a WSDDN' in capsys.readouterr().err
