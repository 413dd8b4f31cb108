"""tools/browse_dataset.py --index N --proposals K: one image's file name, classes, boxes and top
proposals (the homework's task 0), on the demo data with a .mat written in the homework layout."""
import importlib.util

import numpy as np
import pytest
from PIL import Image

from helpers import REPO, write_config
from vlrkit.datasets.proposals import write_selective_search_mat
from vlrkit.registry import DATASETS
from vlrkit.visualization.browse import PROPOSAL_COLOUR

CONFIG = """
_base_ = '{CONFIGS}/_base_/datasets/voc_demo_cls.py'
train_dataloader = dict(dataset=dict(
    data_root='ROOT', cache=None,
    pipeline=[dict(type='LoadImage'),
              dict(type='LoadProposals', source=dict(type='SelectiveSearchMat', file='MAT')),
              dict(type='Normalize'), dict(type='PackSample')]))
"""


def browse(*args):
    """Run tools/browse_dataset.py's main in this process (as test_data_tools does)."""
    spec = importlib.util.spec_from_file_location('browse_dataset', REPO / 'tools' / 'browse_dataset.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([str(a) for a in args])


def browse_error(capsys, *args):
    """The one-line message of a run that must fail with status 2."""
    with pytest.raises(SystemExit) as exit_info:
        browse(*args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1
    return err


def proposal_pixels(png):
    return int((np.asarray(Image.open(png).convert('RGB')) == PROPOSAL_COLOUR).all(axis=2).sum())


def test_one_image_with_its_classes_and_top_proposals(tmp_path, demo_voc_root, capsys):
    dataset = DATASETS.build(dict(type='VOCDataset', data_root=str(demo_voc_root)))
    mat = write_selective_search_mat(tmp_path / 'voc_2007_trainval.mat', {
        info['img_id']: (np.float32([[10, 10, 60, 60], [70, 20, 120, 100], [5, 5, 9, 9]]),
                         np.float32([0.9, 0.8, 0.1]))
        for info in dataset.data_infos})
    config = write_config(tmp_path / 'browse.py', CONFIG.replace('ROOT', str(demo_voc_root))
                          .replace('MAT', str(mat)))
    index = 3
    info = dataset.data_infos[index]
    classes = ', '.join(dataset.class_names[label] for label in info['gt_labels'])

    out = tmp_path / 'with'
    browse(config, '--index', index, '--proposals', 2, '--out', out)
    assert f"{info['img_id']}.jpg: {classes} ->" in capsys.readouterr().out
    pngs = list(out.glob('*.png'))
    assert [p.name for p in pngs] == [f"0003_{info['img_id']}.png"]
    with_proposals = proposal_pixels(pngs[0])

    browse(config, '--index', index, '--out', tmp_path / 'without')
    assert with_proposals > 100 and proposal_pixels(next((tmp_path / 'without').glob('*.png'))) == 0


def test_an_index_past_the_end_is_a_one_line_error(tmp_path, demo_voc_root, capsys):
    config = write_config(tmp_path / 'browse.py', CONFIG.replace('ROOT', str(demo_voc_root))
                          .replace('MAT', str(tmp_path / 'absent.mat')))
    assert 'absent.mat not found' in browse_error(capsys, config, '--index', 2018)
    ok = tmp_path / 'ok.py'
    ok.write_text(f"_base_ = '{config}'\ntrain_dataloader = dict(dataset=dict(pipeline=["
                  "dict(type='LoadImage'), dict(type='PackSample')]))\n")
    assert '--index 2018: the train dataset has 40 images' in \
        browse_error(capsys, ok, '--index', 2018)
    assert 'LoadProposals' in browse_error(capsys, ok, '--index', 0, '--proposals', 5,
                                           '--out', tmp_path / 'out')
